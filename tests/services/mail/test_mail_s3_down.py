"""deliver-mail while the S3 storage of its attachments is down: each message is put back for a
later attempt within seconds (not after the client's retry loop), saying which storage and
endpoint could not be reached."""
from __future__ import annotations

import datetime as dt
import socket
import time

import pytest
from support.mail import judge_on, make_mail

from oro_invoices import cli

NOW = dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)


@pytest.fixture
def app(app, monkeypatch):
    return judge_on(app, monkeypatch, NOW)


def test_deliver_mail_names_the_storage_it_cannot_reach_and_retries_later(app, smtp_server, capsys, monkeypatch):
    pytest.importorskip("s3fs")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    invoices = [app.invoices.post(app.create().id) for _ in range(3)]
    mail = make_mail(app)
    for invoice in invoices:
        mail.send(invoice.id, to="buyer@acme.test", subject="Invoice", text="x", actor="admin")  # its PDF attached
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    storage = f"s3://pdf/p?endpoint_url=http://127.0.0.1:{port}"
    capsys.readouterr()
    started = time.monotonic()
    assert cli.main(["deliver-mail", "--db", app.invoices.db.url, "--storage", storage,
                     "--smtp-url", f"smtp://127.0.0.1:{smtp_server.port}", "--sender", "billing@acme.test"],
                    host=app.host) == 1
    assert time.monotonic() - started < 8                        # three messages, each failing at once
    out, err = capsys.readouterr()
    assert "claimed 3: 0 sent, 3 to retry, 0 failed, 0 unknown" in out
    assert f"cannot be read from the storage: Cannot reach the PDF storage {storage}: Could not connect" in err
    assert smtp_server.handler.received == []
