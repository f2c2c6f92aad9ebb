"""``oro-invoices deliver-mail``: the outbox is delivered to a real SMTP server from the command line."""
import subprocess
import sys

from support.mail import deliver_mail_command, make_mail, parse, sha256
from support.ports import free_port


def test_deliver_mail_sends_the_queued_message_with_its_pdf(app, smtp_server, tmp_path):
    mail = make_mail(app)  # no transport: the message waits in the outbox
    invoice = app.invoices.post(app.create().id)
    draft = mail.prepare(invoice.id)
    mail.send(invoice.id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
              actor="admin")
    assert [e.status for e in mail.emails(invoice.id)] == ["queued"]

    result = deliver_mail_command(app, smtp_server)
    assert "1 sent" in result.stdout
    [received] = smtp_server.handler.received
    message = parse(received.content)
    assert received.rcpt_tos == (app.customer_user_email,)
    assert message["Subject"] == draft.subject
    [attachment] = list(message.iter_attachments())
    assert sha256(attachment.get_content()) == app.invoices.get(invoice.id).pdf.sha256
    assert [e.status for e in mail.emails(invoice.id)] == ["sent"]


def test_deliver_mail_says_why_nothing_was_delivered_and_exits_non_zero(app, tmp_path):
    mail = make_mail(app)
    invoice = app.invoices.post(app.create().id)
    draft = mail.prepare(invoice.id)
    mail.send(invoice.id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
              actor="admin")
    result = subprocess.run(
        [sys.executable, "-m", "oro_invoices", "deliver-mail", "--db", app.invoices.db.url,
         "--storage", str(app.storage.root), "--smtp-url", f"smtp://127.0.0.1:{free_port()}",
         "--sender", "billing@acme.test"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "claimed 1: 0 sent, 1 to retry" in result.stdout
    [message] = mail.emails(invoice.id)
    assert message.status == "retry"
    assert (f"error: nothing was delivered; the last problem (message {message.id}, invoice "
            f"{invoice.id}): {message.last_error}; next attempt at "
            f"{message.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC") in result.stderr
    assert "Traceback" not in result.stderr


def _queue(mail, app, count: int) -> None:
    for _ in range(count):
        invoice = app.invoices.post(app.create().id)
        draft = mail.prepare(invoice.id)
        mail.send(invoice.id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
                  actor="admin")


def test_deliver_mail_every_shows_progress_with_a_rate(app, smtp_server):
    import time
    mail = make_mail(app)
    _queue(mail, app, 3)
    proc = subprocess.Popen(
        [sys.executable, "-m", "oro_invoices", "deliver-mail", "--db", app.invoices.db.url,
         "--storage", str(app.storage.root), "--smtp-url", f"smtp://127.0.0.1:{smtp_server.port}",
         "--sender", "billing@acme.test", "--limit", "2", "--every", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.startswith("progress: 3 sent"):
                break
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    progress = [line for line in lines if line.startswith("progress: ")]
    assert progress, lines
    first, last = progress[0], progress[-1]
    assert first.startswith("progress: 2 sent, 0 failed") and "1 waiting in the outbox, about" in first
    assert "/min)" in first and " left" in first
    assert last.startswith("progress: 3 sent, 0 failed") and last.endswith("0 waiting in the outbox")
    assert len(smtp_server.handler.received) == 3


def test_deliver_mail_with_nothing_due_says_when_the_next_attempt_is(app, tmp_path):
    mail = make_mail(app)
    _queue(mail, app, 1)
    command = [sys.executable, "-m", "oro_invoices", "deliver-mail", "--db", app.invoices.db.url,
               "--storage", str(app.storage.root), "--smtp-url", f"smtp://127.0.0.1:{free_port()}",
               "--sender", "billing@acme.test"]
    failed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1                         # the server is down: to retry later
    [message] = mail.emails(app.invoices.list_invoices({}, limit=5).items[0].id)
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr            # nothing failed: nothing was due yet
    assert (f"nothing was due: 1 message(s) wait in the outbox; the next is due at "
            f"{message.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC") in again.stdout
