"""A scripted payment method for service tests, and a service with payments configured.

``FakePay`` (name ``fakepay``) takes USD and EUR from 0.50 up to 1,000,000.00. Its callbacks are
forms whose ``events`` field is a JSON list of provider events, so a test decides exactly what
the "provider" reports (and can report it twice, late or out of order).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.hosted_page import method as oropay
from oro_invoices.integration.payment_methods import (
    REDIRECT,
    REPLY_REDIRECT,
    AmountLimits,
    CallbackRejected,
    CallbackResult,
    PaymentPage,
    ProviderCallback,
    ProviderError,
    ProviderEvent,
    Reauthorization,
)
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.services.facade import InvoiceService
from support.payloads import invoice_payload

BASE_URL = "https://shop.test"
#: How long FakePay holds a renewed authorization.
HOLD = dt.timedelta(days=7)
SIGNATURE = "fake-signature"


class FakePay:
    name = "fakepay"
    label = "FakePay"
    setting_keys = ()

    def __init__(self):
        self.started = []
        self.refunds = []
        self.cancels = []
        self.captures = []
        self.decline_refunds = False
        self.decline_captures = False
        self.reauthorizations = []
        self.renewable = True          # can_reauthorize's answer
        self.decline_renewals = False
        self.captures_part = False     # True: captures less than an authorization and releases the rest
        self.several = True            # pays_several's answer: one payment for several invoices

    def pays_several(self, config):
        return self.several

    def limits(self, currency, config):
        return AmountLimits(50, 100_000_000) if currency in ("USD", "EUR") else None

    def start(self, request):
        self.started.append(request)
        return PaymentPage(kind=REDIRECT, url=f"https://fakepay.test/pay/{request.attempt_id}")

    def callback_attempt(self, callback):
        return callback.form.get("attempt")

    def handle_callback(self, callback, attempt, config):
        if callback.form.get("signature") != SIGNATURE:
            raise CallbackRejected("bad signature", attempt_id=callback.form.get("attempt"))
        events = tuple(ProviderEvent(**e) for e in json.loads(callback.form.get("events", "[]")))
        return CallbackResult(events, attempt_id=callback.form.get("attempt"), reply=REPLY_REDIRECT)

    def refund(self, request):
        self.refunds.append(request)
        return ProviderEvent(event_id=f"re-{request.attempt_id}", action="refund",
                             successful=not self.decline_refunds, amount=request.amount,
                             currency=request.currency, attempt_id=request.attempt_id,
                             provider_reference=f"re-{request.attempt_id}",
                             parent_reference=request.transaction.provider_reference,
                             message="declined" if self.decline_refunds else "refunded")

    def cancel(self, request):
        self.cancels.append(request)
        return ProviderEvent(event_id=f"void-{request.attempt_id}", action="cancel", successful=True,
                             amount=request.transaction.amount, currency=request.transaction.currency,
                             attempt_id=request.attempt_id, provider_reference=f"void-{request.attempt_id}",
                             parent_reference=request.transaction.provider_reference)


    def capture(self, request):
        self.captures.append(request)
        ok = not self.decline_captures
        captured = ProviderEvent(event_id=f"capture-{request.attempt_id}", action="capture", successful=ok,
                                 amount=request.amount, currency=request.currency,
                                 attempt_id=request.transaction.attempt_id,
                                 provider_reference=f"cap-{request.attempt_id}" if ok else f"cap-{request.attempt_id}-x",
                                 parent_reference=request.transaction.provider_reference,
                                 message="captured" if ok else "authorization expired")
        rest = request.transaction.amount - request.amount
        if not (ok and self.captures_part and rest > 0):
            return captured
        return [captured, ProviderEvent(event_id=f"release-{request.attempt_id}", action="cancel", successful=True,
                                        amount=rest, currency=request.currency,
                                        provider_reference=f"rel-{request.attempt_id}",
                                        parent_reference=request.transaction.provider_reference,
                                        message="released the rest")]


    def can_reauthorize(self, transaction, config):
        return self.renewable

    def reauthorize(self, request):
        self.reauthorizations.append(request)
        if self.decline_renewals:
            raise ProviderError("The card was declined.")
        old = request.transaction.provider_reference
        return Reauthorization(
            authorization=ProviderEvent(event_id=f"auth-{request.attempt_id}", action="authorize", successful=True,
                                        amount=request.amount, currency=request.currency,
                                        attempt_id=request.attempt_id, provider_reference=f"auth-{request.attempt_id}",
                                        message="authorized again",
                                        data={"capture_before": (request.timestamp + HOLD).isoformat()}),
            release=ProviderEvent(event_id=f"release-{old}", action="cancel", successful=True,
                                  amount=request.amount, currency=request.currency, provider_reference=old,
                                  parent_reference=old))


class FakePayPlugin:
    def __init__(self, method):
        self.method = method

    @hookimpl
    def register_payment_methods(self):
        return [self.method]


def callback(attempt: str, *events: dict, signature: str = SIGNATURE) -> ProviderCallback:
    """A FakePay callback reporting ``events`` (dicts of ``ProviderEvent`` fields)."""
    return ProviderCallback(http_method="POST", form={"attempt": attempt, "signature": signature,
                                                      "events": json.dumps(list(events))})


def configure(settings: Settings, method: str = "fakepay", *, partial: bool = False,
              minimum: str = "0", scope: str = "global", scope_id: int | None = None) -> None:
    """Invoices and payments on with ``method``; the storefront base URL set."""
    settings.set("oro_invoices.enabled", True)
    settings.set("oro_invoices.storefront_base_url", BASE_URL)
    for key, value in {"oro_invoices.payments_enabled": True, "oro_invoices.payment_method": method,
                       "oro_invoices.partial_payments_enabled": partial,
                       "oro_invoices.partial_payment_minimum": minimum}.items():
        settings.set(key, value, scope, scope_id)
    settings.set(oropay.MERCHANT_ID, "MerchantId")
    settings.set(oropay.SHARED_SECRET, "shared-secret")
    settings.set(oropay.REBATE_PASSWORD, "rebate-password")


def payment_service(db, *, plugins=(), configured: bool = True, fake: FakePay | None = None, **options):
    """``(service, settings, fakepay)``: a service whose plugins include FakePay (or ``fake``)."""
    fake = fake or FakePay()
    pm = get_plugin_manager(load_entrypoints=False, plugins=[FakePayPlugin(fake), *plugins])
    settings = Settings(MemoryConfigStore(), payment_methods=("oropay", "fakepay"))
    if configured:
        configure(settings, **options)
    service = InvoiceService(db, plugins=pm, settings=settings,
                             payment_url=lambda inv: f"{BASE_URL}/invoices/pay/{inv.payment_token}")
    return service, settings, fake


def posted_invoice(service: InvoiceService, **overrides):
    """A posted invoice of 231.86 USD (unless overridden)."""
    doc = service.create(invoice_payload(**overrides), actor="import")
    return service.post(doc.id, actor="admin")


def start(service: InvoiceService, invoice_id: int, amount=None, **kwargs):
    kwargs.setdefault("actor", "buyer@acme.test")
    kwargs.setdefault("origin", "storefront")
    kwargs.setdefault("return_path", "/invoices/pay/notify/fakepay")
    kwargs.setdefault("cancel_path", f"/customer/invoices/{invoice_id}/payment")
    return service.start_payment(invoice_id, amount=amount, **kwargs)


def charge(attempt: str, amount: int, *, ok: bool = True, ref: str | None = None, event_id: str | None = None,
           currency: str = "USD") -> dict:
    """A charge event dict for ``callback``."""
    ref = ref or f"ch-{attempt}"
    return {"event_id": event_id or f"evt-charge-{attempt}-{ok}", "action": "charge", "successful": ok,
            "amount": amount, "currency": currency, "attempt_id": attempt,
            "provider_reference": ref if ok else f"{ref}-declined", "message": "ok" if ok else "declined"}


def refund_event(parent_ref: str, amount: int, n: int, *, currency: str = "USD") -> dict:
    return {"event_id": f"evt-refund-{parent_ref}-{n}", "action": "refund", "successful": True,
            "amount": amount, "currency": currency, "provider_reference": f"re-{parent_ref}-{n}",
            "parent_reference": parent_ref}


def minor(value: str) -> int:
    return int(Decimal(value) * 100)
