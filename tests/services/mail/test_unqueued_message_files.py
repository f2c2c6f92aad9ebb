"""A statement or Aging Report that could not be queued leaves nothing behind: the PDF (and CSV)
stored for it are removed again, and on a first run the storage folder made for them, but a
file that a queued message has attached (the same bytes) stays."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import OperationalError
from support.mail import judge_on, make_app, make_mail, run_argv

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
