"""Shared fixtures of the mail tests: a real SMTP server (aiosmtpd), a host, services.

No tests live here; ``test_mail_*.py`` import the fixtures they use by name.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import subprocess
import sys
import threading
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from oro_invoices import composition
from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.integration.profile import notification_template
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail import MailService, SmtpConfig
from support.payloads import invoice_payload
from support.ports import free_port

SENDER = "billing@acme.example"
SELLER = {"company_name": "Acme Supplies GmbH", "business_address": "Hauptstraße 1, 10115 Berlin",
          "phone": "+49 30 1234567", "contact_email": "billing@acme.example",
          "website_url": "https://acme.example", "tax_id": "DE123456789"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Received:
    """One message the SMTP server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return parse(self.content)


def parse(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


class RecordingHandler:
    """Accepts every message, except that it first answers with each of ``refuse``.

    ``refuse_recipients`` maps an address to the reply its RCPT TO gets instead of 250.
    """

    def __init__(self):
        self.received: list[Received] = []
        self.refuse: list[str] = []
        self.refuse_recipients: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                return self.refuse.pop(0)
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                                          bytes(envelope.original_content or envelope.content)))
        return "250 2.0.0 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (``.handler.received``, ``.port``)."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    controller.port = port
    yield controller
    controller.stop()


class CountingRenderer(PdfRenderer):
    """The real renderer, counting renders (a posted invoice is rendered exactly once)."""

    renders = 0

    def render(self, *args, **kwargs):
        type(self).renders += 1
        return super().render(*args, **kwargs)


@dataclass
class App:
    """What a host assembles: host adapter, settings, invoices, storage."""

    host: MemoryHost
    settings: Settings
    invoices: InvoiceService
    storage: LocalStorage
    renderer: CountingRenderer
    customer_user_email: str
    payload: dict

    def create(self, **overrides):
        return self.invoices.create({**self.payload, **overrides}, actor="import")


def make_app(db, tmp_path, *, generate_pdf: bool = True, plugins=()) -> App:
    host = MemoryHost()
    settings = Settings(host.config)
    for key, value in SELLER.items():
        settings.set(f"oro_invoices.seller.{key}", value)
    settings.set("oro_invoices.generate_pdf_on_post", generate_pdf)
    # payments on, so that invoices can be paid and emails carry the payment link
    for key, value in {"oro_invoices.enabled": True, "oro_invoices.payments_enabled": True,
                       "oro_invoices.payment_method": "oropay",
                       "oro_invoices.storefront_base_url": "https://shop.test",
                       "oro_invoices.oropay.merchant_id": "AcmeTest",
                       "oro_invoices.oropay.shared_secret": "hpp-secret"}.items():
        settings.set(key, value)
    host.email_templates.register(notification_template())
    customer = host.add_customer("Acme Corp")
    user = host.add_customer_user(customer.id, "buyer@acme.test", "Bea Buyer")
    storage = LocalStorage(tmp_path / "pdfs")
    renderer = type("Renderer", (CountingRenderer,), {"renders": 0})()
    invoices = InvoiceService(
        db, plugins=get_plugin_manager(load_entrypoints=False, plugins=plugins), settings=settings,
        storage=storage, renderer=renderer, host=host,
        payment_url=lambda inv: f"https://shop.test/invoices/pay/{inv.payment_token}")
    order = host.add_order(identifier="SO-0005", currency="USD", customer_id=customer.id,
                           customer_user_id=user.id)
    payload = invoice_payload(customer_id=customer.id, customer_user_id=user.id, order_id=order.id)
    payload.pop("customer_user_email")
    return App(host, settings, invoices, storage, renderer, user.email, payload)


def make_mail(app: App, server=None, **kwargs) -> MailService:
    if server is not None:
        kwargs.setdefault("smtp", SmtpConfig(host="127.0.0.1", port=server.port, timeout=5))
    kwargs.setdefault("sender_name", "Acme Billing")
    return MailService(app.invoices.db, app.invoices, templates=app.host.email_templates,
                       sender=SENDER, **kwargs)


@pytest.fixture
def app(db, tmp_path) -> App:
    """Host, settings and invoice service over ``db`` (SQLite and PostgreSQL), PDFs generated."""
    return make_app(db, tmp_path)


def judge_on(app: App, monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> App:
    """``app`` with its service, and those the commands build, taking ``now`` as the current time:
    tests of the shared payload's fixed days stay within the days a report or statement may be of
    (the aging looks back at most three years), whichever day they run."""
    monkeypatch.setattr(app.invoices.context, "clock", lambda: now)
    monkeypatch.setattr(composition, "utcnow", lambda: now)
    return app


def run_argv(command: str, app: App, storage: str, day: dt.date) -> list[str]:
    """``send-statements`` or ``send-aging-reports`` over ``app``'s database on ``day``, storing in
    ``storage``; for the Aging Report, organization 1 is set to send it weekly to books@acme.test."""
    if command == "send-aging-reports":
        app.settings.set("oro_invoices.aging.schedule", "weekly", "organization", 1)
        app.settings.set("oro_invoices.aging.recipients", "books@acme.test", "organization", 1)
    return [command, "--db", app.invoices.db.url, "--storage", storage, "--date", day.isoformat()]


def deliver_mail_command(app: App, server) -> subprocess.CompletedProcess[str]:
    """``oro-invoices deliver-mail`` run as a process over ``app``'s database and storage, to ``server``;
    asserted to succeed."""
    result = subprocess.run(
        [sys.executable, "-m", "oro_invoices", "deliver-mail", "--db", app.invoices.db.url,
         "--storage", str(app.storage.root), "--smtp-url", f"smtp://127.0.0.1:{server.port}",
         "--sender", "billing@acme.test"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result
