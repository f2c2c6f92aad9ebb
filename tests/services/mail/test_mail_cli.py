"""``oro-invoices deliver-mail``: the outbox is delivered to a real SMTP server from the command line."""
import subprocess
import sys

from support.mail import make_mail, parse, sha256


def test_deliver_mail_sends_the_queued_message_with_its_pdf(app, smtp_server, tmp_path):
    mail = make_mail(app)  # no transport: the message waits in the outbox
    invoice = app.invoices.post(app.create().id)
    draft = mail.prepare(invoice.id)
    mail.send(invoice.id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
              actor="admin")
    assert [e.status for e in mail.emails(invoice.id)] == ["queued"]

    result = subprocess.run(
        [sys.executable, "-m", "oro_invoices", "deliver-mail", "--db", app.invoices.db.url,
         "--storage", str(app.storage.root), "--smtp-url", f"smtp://127.0.0.1:{smtp_server.port}",
         "--sender", "billing@acme.test"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "1 sent" in result.stdout
    [received] = smtp_server.handler.received
    message = parse(received.content)
    assert received.rcpt_tos == (app.customer_user_email,)
    assert message["Subject"] == draft.subject
    [attachment] = list(message.iter_attachments())
    assert sha256(attachment.get_content()) == app.invoices.get(invoice.id).pdf.sha256
    assert [e.status for e in mail.emails(invoice.id)] == ["sent"]
