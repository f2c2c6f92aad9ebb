"""Delivering the outbox to a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from aiosmtpd.controller import Controller
from support.mail import SENDER, make_mail, parse, sha256
from support.ports import free_port

from oro_invoices.persistence.engine import Database
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail import MailService, SmtpConfig

MINUTE = dt.timedelta(minutes=1)


def utcnow():
    return dt.datetime.now(dt.UTC)


def stored_pdf_bytes(app, invoice_id) -> bytes:
    info, stream = app.invoices.open_pdf(invoice_id)
    with stream:
        return stream.read()


def queue_customer_email(app, mail, **extra):
    """What the Send to Customer dialog does: confirm, then send the pre-filled draft."""
    invoice = app.create()
    draft = mail.send_to_customer(invoice.id, confirm_post=True, actor="admin")
    view = mail.send(invoice.id, to=draft.to, subject=draft.subject, html=draft.html,
                     text=draft.text, actor="admin", template=draft.template, **extra)
    return app.invoices.get(invoice.id), draft, view


def email_activities(app, invoice_id):
    return [a for a in app.invoices.activities(invoice_id) if a.kind == "email"]


def test_customer_receives_subject_both_bodies_and_the_stored_pdf(app, smtp_server):
    mail = make_mail(app, smtp_server)
    invoice, draft, view = queue_customer_email(app, mail, bcc=["audit@acme.example"])
    assert smtp_server.handler.received == []            # queued, not yet sent

    report = mail.deliver_pending()
    assert (report.claimed, report.sent, report.retrying, report.failed) == (1, 1, 0, 0)

    (received,) = smtp_server.handler.received
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == ["audit@acme.example", "buyer@acme.test"]
    msg = parse(received.content)
    assert msg["To"] == "buyer@acme.test"
    assert msg["From"] == f"Acme Billing <{SENDER}>"
    assert msg["Bcc"] is None                             # blind copies stay blind
    assert msg["Subject"] == f"Invoice {invoice.invoice_number} from Acme Supplies GmbH, due Dec 2, 2026"
    assert msg["Message-ID"] == view.message_id
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert text == draft.text and html == draft.html
    assert "$231.86" in text and f"https://shop.test/invoices/pay/{invoice.payment_token}" in text
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == f"invoice-{invoice.invoice_number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    assert data.startswith(b"%PDF-")
    assert sha256(data) == invoice.pdf.sha256 == sha256(stored_pdf_bytes(app, invoice.id))
    assert app.renderer.renders == 1                      # the stored PDF, never a fresh render

    (sent,) = mail.emails(invoice.id)
    assert sent.status == "sent" and sent.attempts == 1 and sent.last_error == ""
    assert sent.sent_at is not None and sent.smtp_response.startswith("250")
    assert [a.data["status"] for a in email_activities(app, invoice.id)] == ["sent", "queued"]
    assert mail.deliver_pending().claimed == 0            # nothing left: never sent twice
    assert len(smtp_server.handler.received) == 1


def test_refused_once_then_retried_with_the_error_visible(app, smtp_server):
    smtp_server.handler.refuse.append("451 4.3.0 Try again later")
    mail = make_mail(app, smtp_server)
    invoice, _, view = queue_customer_email(app, mail)
    now = utcnow()

    report = mail.deliver_pending(now=now)
    assert (report.claimed, report.sent, report.retrying) == (1, 0, 1)
    (waiting,) = mail.emails(invoice.id)
    assert waiting.status == "retry" and waiting.attempts == 1
    assert waiting.last_error == "451 4.3.0 Try again later"
    assert waiting.next_attempt_at == now + MINUTE
    failure = email_activities(app, invoice.id)[0]
    assert failure.data["status"] == "retry" and "451 4.3.0 Try again later" in failure.summary
    assert "attempt 1 of 6" in failure.summary

    assert mail.deliver_pending(now=now + 30 * dt.timedelta(seconds=1)).claimed == 0   # not due yet
    assert smtp_server.handler.received == []
    report = mail.deliver_pending(now=now + MINUTE)
    assert report.sent == 1
    (sent,) = mail.emails(invoice.id)
    assert sent.status == "sent" and sent.attempts == 2 and sent.last_error == ""
    (received,) = smtp_server.handler.received
    assert parse(received.content)["Message-ID"] == view.message_id


def test_permanent_refusal_is_not_retried(app, smtp_server):
    smtp_server.handler.refuse.append("554 5.6.0 Message rejected: attachment policy")
    mail = make_mail(app, smtp_server)
    invoice, _, _ = queue_customer_email(app, mail)
    assert mail.deliver_pending().failed == 1
    (failed,) = mail.emails(invoice.id)
    assert failed.status == "failed" and failed.needs_attention and failed.next_attempt_at is None
    assert failed.last_error == "554 5.6.0 Message rejected: attachment policy"
    assert "Not retried" in email_activities(app, invoice.id)[0].summary
    assert mail.deliver_pending(now=utcnow() + dt.timedelta(days=2)).claimed == 0

    mail.requeue(failed.id, actor="admin")                # the admin fixed the policy
    assert mail.deliver_pending().sent == 1
    assert len(smtp_server.handler.received) == 1


def test_unreachable_server_backs_off_1m_5m_30m_2h_12h_then_fails(app):
    mail = MailService(app.invoices.db, app.invoices, sender=SENDER,
                       smtp=SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2))
    invoice, _, _ = queue_customer_email(app, mail)
    now = utcnow()
    gaps = []
    for attempt in range(1, 7):
        report = mail.deliver_pending(now=now)
        assert report.claimed == 1
        (view,) = mail.emails(invoice.id)
        assert view.attempts == attempt and "Cannot reach the SMTP server" in view.last_error
        if attempt < 6:
            assert view.status == "retry"
            gaps.append(view.next_attempt_at - now)
            now = view.next_attempt_at
        else:
            assert view.status == "failed" and view.next_attempt_at is None
    assert gaps == [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * 60 * MINUTE, 12 * 60 * MINUTE]
    assert "failed after 6 attempts" in email_activities(app, invoice.id)[0].summary


def test_refused_recipients_are_kept_in_the_reply_or_fail_the_message(app, smtp_server):
    smtp_server.handler.refuse_recipients["gone@acme.test"] = "550 5.1.1 No such user"
    mail = make_mail(app, smtp_server)
    invoice = app.invoices.post(app.create().id, actor="admin")
    mail.send(invoice.id, to=["buyer@acme.test", "gone@acme.test"], subject="Some", text="x", actor="admin")
    assert mail.deliver_pending().sent == 1
    (received,) = smtp_server.handler.received
    assert received.rcpt_tos == ("buyer@acme.test",)
    (sent,) = mail.emails(invoice.id)
    assert sent.smtp_response.startswith("250 ")
    assert sent.smtp_response.endswith("(refused: gone@acme.test: 550 5.1.1 No such user)")

    mail.send(invoice.id, to="gone@acme.test", subject="None", text="x", actor="admin")
    assert mail.deliver_pending().failed == 1
    failed = mail.emails(invoice.id)[0]
    assert failed.status == "failed"
    assert failed.last_error == "Recipients refused: gone@acme.test: 550 5.1.1 No such user"
    assert len(smtp_server.handler.received) == 1


class Crash(BaseException):
    """The process dies (kill -9, power loss) right after the SMTP server said 250."""


def send_then_crash(mail) -> dt.datetime:
    """Deliver, the process dying right after the server accepted; returns when that ran."""
    def mark_sent(*args, **kwargs):
        raise Crash()
    mail.deliverer._mark_sent = mark_sent
    now = utcnow()
    with pytest.raises(Crash):
        mail.deliver_pending(now=now)
    return now


def test_crash_between_send_and_mark_never_sends_twice(app, smtp_server):
    mail = make_mail(app, smtp_server)
    invoice, _, view = queue_customer_email(app, mail)
    now = send_then_crash(mail)
    assert len(smtp_server.handler.received) == 1
    assert mail.emails(invoice.id)[0].status == "sending"

    restarted = make_mail(app, smtp_server)
    assert restarted.deliver_pending(now=now + MINUTE).claimed == 0        # lease still held
    report = restarted.deliver_pending(now=now + 6 * MINUTE)               # lease expired
    assert (report.unknown, report.claimed) == (1, 0)
    assert len(smtp_server.handler.received) == 1                           # not re-sent
    (unknown,) = restarted.emails(invoice.id)
    assert unknown.status == "unknown" and unknown.needs_attention
    assert "delivery unknown" in unknown.last_error
    assert "may or may not have arrived" in email_activities(app, invoice.id)[0].summary
    assert restarted.deliver_pending(now=now + dt.timedelta(days=1)).claimed == 0

    # The admin checked with the customer: it arrived.
    assert restarted.mark_sent(unknown.id, actor="admin").status == "sent"
    assert restarted.deliver_pending(now=now + dt.timedelta(days=2)).claimed == 0
    assert len(smtp_server.handler.received) == 1
    assert parse(smtp_server.handler.received[0].content)["Message-ID"] == view.message_id


def test_interrupted_send_with_reconcile_or_resend_policy(app, smtp_server):
    asked = []
    mail = make_mail(app, smtp_server)
    first, _, first_view = queue_customer_email(app, mail)
    now = send_then_crash(mail)

    def server_has(message_id):
        asked.append(message_id)
        return any(parse(r.content)["Message-ID"] == message_id for r in smtp_server.handler.received)

    reconciling = make_mail(app, smtp_server, reconcile=server_has)
    assert reconciling.deliver_pending(now=now + 6 * MINUTE).sent == 1
    assert asked == [first_view.message_id]
    assert reconciling.emails(first.id)[0].status == "sent"
    assert len(smtp_server.handler.received) == 1

    # Configured for at-least-once: an interrupted send is sent again (with the same Message-ID).
    second, _, second_view = queue_customer_email(app, mail)
    now = send_then_crash(mail)
    resending = make_mail(app, smtp_server, expired_lease="resend")
    report = resending.deliver_pending(now=now + 6 * MINUTE)
    assert (report.requeued, report.sent) == (1, 1)
    ids = [parse(r.content)["Message-ID"] for r in smtp_server.handler.received]
    assert ids == [first_view.message_id, second_view.message_id, second_view.message_id]


class SlowTransport:
    """Records what it sends and takes a moment, so two senders overlap."""

    def __init__(self, sent, lock):
        self.sent, self.lock = sent, lock

    def send(self, message):
        threading.Event().wait(0.02)
        with self.lock:
            self.sent.append(message["Message-ID"])
        return "250 OK"

    def close(self):
        pass


def test_two_senders_never_take_the_same_message(app, db):
    queuer = make_mail(app)
    invoice = app.invoices.post(app.create().id, actor="admin")
    ids = {queuer.send(invoice.id, to=f"c{n}@acme.test", subject=f"#{n}", text="x", actor="admin").message_id
           for n in range(12)}
    sent, lock = [], threading.Lock()
    reports, errors = [], []

    def run():
        other_db = Database(db.url)
        try:
            invoices = InvoiceService(other_db, storage=app.storage)
            sender = MailService(other_db, invoices, sender=SENDER, transport=SlowTransport(sent, lock))
            reports.append(sender.deliver_pending())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            other_db.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(sent) == sorted(ids)                    # each exactly once
    assert sum(r.sent for r in reports) == 12
    assert {v.status for v in queuer.emails(invoice.id)} == {"sent"}


def test_without_smtp_messages_stay_in_the_outbox(app):
    mail = make_mail(app)                                   # no SMTP configured
    invoice, _, _ = queue_customer_email(app, mail)
    report = mail.deliver_pending()
    assert report.transport_configured is False and report.claimed == 0
    (queued,) = mail.emails(invoice.id)
    assert queued.status == "queued" and queued.attempts == 0


def test_a_missing_stored_pdf_is_a_visible_failure_not_a_silent_send(app, smtp_server):
    mail = make_mail(app, smtp_server)
    invoice, _, _ = queue_customer_email(app, mail)
    path = app.storage.path_for(invoice.pdf.sha256)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.4 tampered")
    assert mail.deliver_pending().retrying == 1
    assert smtp_server.handler.received == []
    assert "does not match its SHA-256" in mail.emails(invoice.id)[0].last_error


def test_an_unreachable_server_is_explained_in_the_readers_language(app):
    from oro_invoices.domain.mail_problems import UNREACHABLE
    from oro_invoices.i18n import translate

    mail = MailService(app.invoices.db, app.invoices, sender=SENDER,
                       smtp=SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2))
    invoice, _, _ = queue_customer_email(app, mail)
    mail.deliver_pending()
    (view,) = mail.emails(invoice.id)
    # the API and the command line read the English text; a page translates the message
    assert view.last_error == "Cannot reach the SMTP server: Connection refused"
    assert (getattr(view.last_error, "msgid", None), getattr(view.last_error, "values", None)) == \
        (UNREACHABLE, {"reason": "Connection refused"})
    assert translate("de", view.last_error) == translate("de", UNREACHABLE) % {"reason": "Connection refused"}
    (failed,) = [a for a in email_activities(app, invoice.id) if "attempt 1 of 6" in a.summary]
    error = failed.summary.values["event"].values["error"]
    assert (error.msgid, error.values) == (UNREACHABLE, {"reason": "Connection refused"})


def test_an_address_named_in_to_cc_and_bcc_gets_one_copy(app, smtp_server):
    mail = make_mail(app, smtp_server)
    invoice, _, _ = queue_customer_email(app, mail, cc=['"田中 博" <BUYER@acme.test>', "Accounts <ap@acme.test>"],
                                         bcc=["buyer@acme.test", "ap@acme.test"])
    assert mail.deliver_pending().sent == 1
    (received,) = smtp_server.handler.received
    assert received.rcpt_tos == ("buyer@acme.test", "ap@acme.test")
    msg = parse(received.content)
    assert (msg["To"], msg["Cc"]) == ("buyer@acme.test", "田中 博 <BUYER@acme.test>, Accounts <ap@acme.test>")


def test_a_message_too_large_for_the_server_fails_at_once_saying_so(app):
    from support.mail import RecordingHandler

    from oro_invoices.domain.mail_problems import TOO_LARGE

    handler = RecordingHandler()
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=10_000)  # SIZE 10000
    server.start()
    try:
        mail = MailService(app.invoices.db, app.invoices, sender=SENDER,
                           smtp=SmtpConfig(host="127.0.0.1", port=port, timeout=5))
        invoice, _, _ = queue_customer_email(app, mail)    # its PDF alone is larger
        report = mail.deliver_pending()
    finally:
        server.stop()
    assert (report.sent, report.retrying, report.failed) == (0, 0, 1)   # not retried for 15 hours
    (view,) = mail.emails(invoice.id)
    assert view.status == "failed" and view.next_attempt_at is None and handler.received == []
    assert view.last_error.startswith("The email is larger than the SMTP server accepts: 552 ")
    assert getattr(view.last_error, "msgid", None) == TOO_LARGE
    assert "Not retried" in email_activities(app, invoice.id)[0].summary


def test_a_stored_pdf_gone_from_the_storage_is_said_as_such(app, smtp_server):
    from oro_invoices.domain.mail_problems import CHANGED_ATTACHMENT, UNREADABLE_ATTACHMENT

    mail = make_mail(app, smtp_server)
    invoice, _, _ = queue_customer_email(app, mail)
    path = app.storage.path_for(invoice.pdf.sha256)
    path.chmod(0o644)
    path.unlink()
    assert mail.deliver_pending().retrying == 1 and smtp_server.handler.received == []
    (view,) = mail.emails(invoice.id)
    name = f"invoice-{invoice.invoice_number}.pdf"
    # neither a Python class name nor "Cannot reach the SMTP server"
    assert view.last_error.startswith(f"The attached file {name} cannot be read from the storage: Stored object ")
    assert getattr(view.last_error, "msgid", None) == UNREADABLE_ATTACHMENT
    path.write_bytes(b"%PDF-1.4 tampered")
    assert mail.deliver_pending(now=view.next_attempt_at).retrying == 1
    (view,) = mail.emails(invoice.id)
    assert view.last_error == f"The stored file {name} does not match its SHA-256 {invoice.pdf.sha256}; it was not sent."
    assert getattr(view.last_error, "msgid", None) == CHANGED_ATTACHMENT


def test_a_queued_subject_hiding_a_line_break_in_an_encoded_word_is_never_sent(app, smtp_server):
    """A template may write data into the subject unchecked (the payment reminders queue what it
    renders): the message is refused when it is built, never sent with the header it smuggles."""
    from oro_invoices.domain.mail_problems import HEADER_LINE_BREAK

    mail = make_mail(app, smtp_server)
    invoice = app.invoices.post(app.create().id, actor="admin")
    with app.invoices.db.transaction() as s:
        mail.queue(s, invoice, to=["buyer@acme.test"], subject="=?utf-8?q?Hi=0D=0AReply-To=3A_x=40evil.example?=",
                   html=None, text="Hello", attachments=(), actor="reminders", template=None)
    report = mail.deliver_pending()
    assert (report.sent, report.retrying, report.failed) == (0, 0, 1) and smtp_server.handler.received == []
    (view,) = mail.emails(invoice.id)
    assert view.last_error == "The email's Subject holds a line break; it was not sent."
    assert getattr(view.last_error, "msgid", None) == HEADER_LINE_BREAK
