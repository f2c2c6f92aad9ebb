"""A statement or Aging Report that could not be queued leaves nothing behind: the PDF (and CSV)
stored for it are removed again, and on a first run the storage folder made for them, but a
file that a queued message has attached (the same bytes) stays."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy.exc import OperationalError
from support.mail import judge_on, make_app, make_mail, parse, run_argv, sha256

from oro_invoices import cli
from oro_invoices.domain.errors import Conflict
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.mail.service import MailService

NOW = dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)
DAY = dt.date(2026, 12, 9)


@pytest.fixture
def app(db, tmp_path, monkeypatch):
    """Invoices posted without PDFs (generation off): only the run stores anything."""
    return judge_on(make_app(db, tmp_path, generate_pdf=False), monkeypatch, NOW)


def refuse_queueing(monkeypatch, error: Exception) -> None:
    def add_to_outbox(self, session, **kwargs):
        raise error
    monkeypatch.setattr(MailService, "add_to_outbox", add_to_outbox)


@pytest.fixture
def argv(app, tmp_path, request) -> list[str]:
    return run_argv(request.param, app, str(tmp_path / "first" / "pdf"), DAY)


@pytest.mark.parametrize("argv", ["send-statements", "send-aging-reports"], indirect=True)
def test_a_message_the_outbox_refused_leaves_no_file_and_no_new_folder(app, argv, tmp_path, capsys, monkeypatch):
    app.invoices.post(app.create().id)
    refuse_queueing(monkeypatch, Conflict("The outbox refused the message."))
    assert cli.main(argv, host=app.host) == 1
    out, err = capsys.readouterr()
    assert "FAIL" in out and "The outbox refused the message." in out and "queued 0" in out
    assert "made the PDF storage folder" not in err
    assert not (tmp_path / "first").exists()


@pytest.mark.parametrize("argv", ["send-statements", "send-aging-reports"], indirect=True)
def test_a_run_cut_short_by_the_database_leaves_no_file_and_no_new_folder(app, argv, tmp_path, capsys,
                                                                          monkeypatch):
    app.invoices.post(app.create().id)
    refuse_queueing(monkeypatch, OperationalError("INSERT INTO oro_invoice_email", {}, Exception("disk I/O error")))
    with pytest.raises(OperationalError, match="disk I/O error"):
        cli.main(argv, host=app.host)
    assert not (tmp_path / "first").exists()


@pytest.mark.parametrize("argv", ["send-statements", "send-aging-reports"], indirect=True)
def test_an_existing_folder_keeps_what_it_had(app, argv, tmp_path, capsys, monkeypatch):
    app.invoices.post(app.create().id)
    folder = tmp_path / "first" / "pdf"
    folder.mkdir(parents=True)
    (folder / "README").write_text("kept")
    refuse_queueing(monkeypatch, Conflict("The outbox refused the message."))
    assert cli.main(argv, host=app.host) == 1
    assert sorted(p.name for p in folder.rglob("*")) == ["README"]


def test_a_file_a_queued_message_has_attached_stays(app, monkeypatch):
    app.invoices.post(app.create().id)
    mail = make_mail(app)
    report = mail.aging.report(InvoiceFilter(organization_id=1), today=DAY)
    sent = mail.aging.send(report, 1, to="books@acme.test", subject="Aging", text="Attached.", actor="admin",
                           once="form-1")
    stored = sorted(app.storage.names())
    assert sorted(a.sha256 for a in sent.attachments) == stored and len(stored) == 2
    refuse_queueing(monkeypatch, Conflict("The outbox refused the message."))
    with pytest.raises(Conflict):            # the same report again: the same CSV, which form-1's message has
        mail.aging.send(report, 1, to="books@acme.test", subject="Aging", text="Attached.", actor="admin",
                        once="form-2")
    other = mail.aging.report(InvoiceFilter(organization_id=1), today=DAY - dt.timedelta(days=30))
    with pytest.raises(Conflict):            # another day's: files of its own, removed again
        mail.aging.send(other, 1, to="books@acme.test", subject="Aging", text="Attached.", actor="admin")
    assert sorted(app.storage.names()) == stored
    assert all(app.storage.check(sha256) is None for sha256 in stored)
    assert [e.id for e in mail.aging.emails(1)] == [sent.id]


def test_a_statement_not_queued_leaves_no_pdf(app, monkeypatch):
    app.invoices.post(app.create().id)
    mail = make_mail(app)
    statement = app.invoices.statement_of(app.payload["customer_id"], organization_id=1, today=DAY)
    refuse_queueing(monkeypatch, Conflict("The outbox refused the message."))
    with pytest.raises(Conflict):
        mail.statements.send(statement, to="buyer@acme.test", subject="Statement", text="Attached.", actor="admin")
    assert list(app.storage.names()) == [] and not any(p.is_file() for p in app.storage.root.rglob("*"))


def refuse_queueing_by(monkeypatch, actor: str, before: Callable[[], None] = lambda: None) -> None:
    """The outbox refuses the messages of ``actor``, after ``before``; the others' are queued."""
    add = MailService.add_to_outbox

    def add_to_outbox(self, session, **kwargs):
        if kwargs["actor"] == actor:
            before()
            raise Conflict("The outbox refused the message.")
        return add(self, session, **kwargs)
    monkeypatch.setattr(MailService, "add_to_outbox", add_to_outbox)


def send_report(mail: MailService, actor: str):
    report = mail.aging.report(InvoiceFilter(organization_id=1), today=DAY)
    return mail.aging.send(report, 1, to="books@acme.test", subject="Aging", text="Attached.", actor=actor)


def delivered_attachments(app, smtp_server, sent) -> list[bytes]:
    """The attachments of ``sent`` as its recipient receives them."""
    mail = make_mail(app, smtp_server)
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    return [part.get_content() if isinstance(part.get_content(), bytes) else part.get_content().encode()
            for part in parse(received.content).iter_attachments()]


def test_a_message_queued_between_the_removers_look_and_its_removal_keeps_its_files(app, monkeypatch,
                                                                                    smtp_server):
    """Run A's message is refused; A finds its new files named by no message, and before it
    removes the first one, run B queues a message with the same bytes (finding them stored, it
    stores nothing). A looks again once it removed it, and puts it back."""
    app.invoices.post(app.create().id)
    mail = make_mail(app)
    removed: list[str] = []
    b_sent = []
    remove = type(app.storage).remove

    def remove_after_b_queued(storage, sha256):
        if not removed:
            b_sent.append(send_report(mail, "b"))    # queued, naming the files A is about to remove
        removed.append(sha256)
        remove(storage, sha256)
    monkeypatch.setattr(type(app.storage), "remove", remove_after_b_queued)
    refuse_queueing_by(monkeypatch, "a")
    with pytest.raises(Conflict):
        send_report(mail, "a")
    [sent] = b_sent
    assert removed and removed[0] in {a.sha256 for a in sent.attachments}   # the race did happen
    assert all(app.storage.check(a.sha256) is None for a in sent.attachments)
    assert [sha256(data) for data in delivered_attachments(app, smtp_server, sent)] == \
        [a.sha256 for a in sent.attachments]


def test_a_message_committed_after_the_remover_looked_again_gets_its_files_back(app, monkeypatch, smtp_server):
    """Run B finds A's new files stored and stores nothing; A, refused, removes them and looks
    again before B's message is committed. B looks once it committed, and puts them back. The
    two runs are threads, each waiting for the other at the step the interleaving needs."""
    app.invoices.post(app.create().id)
    mail = make_mail(app)
    a_stored, b_stored, a_done = threading.Event(), threading.Event(), threading.Event()

    def wait(event: threading.Event) -> None:
        assert event.wait(60), "the other run did not get there"

    def a_refused_once_b_stored() -> None:
        a_stored.set()
        wait(b_stored)
    refuse_queueing_by(monkeypatch, "a", before=a_refused_once_b_stored)
    add = MailService.add_to_outbox

    def b_queued_once_a_done(self, session, **kwargs):
        if kwargs["actor"] == "b":
            b_stored.set()
            wait(a_done)
        return add(self, session, **kwargs)
    monkeypatch.setattr(MailService, "add_to_outbox", b_queued_once_a_done)
    a_failed: list[BaseException] = []

    def run_a() -> None:
        try:
            send_report(mail, "a")
        except BaseException as exc:
            a_failed.append(exc)
        finally:
            a_done.set()
    thread = threading.Thread(target=run_a)
    thread.start()
    wait(a_stored)
    sent = send_report(mail, "b")
    thread.join(60)
    assert [type(exc) for exc in a_failed] == [Conflict]
    assert all(app.storage.check(a.sha256) is None for a in sent.attachments)
    assert [sha256(data) for data in delivered_attachments(app, smtp_server, sent)] == \
        [a.sha256 for a in sent.attachments]
