"""Checking an edited email template before a host saves it, and the sample it is previewed with.

A host's template editor calls ``check_template``: each part (subject, text, HTML) is compiled
and rendered against ``sample_context``, so a syntax error, an unknown filter or a failing
expression is reported for the part it is in, before anything is stored. A template that writes
more than one kind of email has a sample of each (``samples``: the payment receipt's of one
payment shared across several invoices, its ``remittance``), each checked and previewed. The
payment receipt's samples are of a payment recorded by hand (with its day received); it is also
checked, not previewed, with a payment through a payment method, which has none. The refund
receipt's sample is of a refund through a card payment method; it is also checked, not
previewed, with a bank transfer's refund recorded over the API.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from oro_invoices.domain.aging import BUCKET_KEYS
from oro_invoices.domain.authorizations import AuthorizationNotice
from oro_invoices.domain.customer_credit import CreditBalance
from oro_invoices.domain.invoice import (
    Address,
    DocumentRef,
    DocumentType,
    InternalStatus,
    InvoiceDocument,
    InvoiceLine,
    PaymentStatus,
    SellerInfo,
    TaxLine,
)
from oro_invoices.domain.reminders import ReminderNotice
from oro_invoices.i18n import N_
from oro_invoices.integration.profile import RECEIPT_TEMPLATE, REFUND_TEMPLATE
from oro_invoices.persistence.received_payments import ReceivedPayment
from oro_invoices.services.activity_statement import ActivityLine, ActivitySection, ActivityStatement
from oro_invoices.services.aging import AgingLine, AgingReport
from oro_invoices.services.context import zone_named
from oro_invoices.services.credit_notes import Settlement
from oro_invoices.services.mail.receipts import RemittanceReceipt
from oro_invoices.services.mail.render import (
    EmailTemplateError,
    RenderedEmail,
    TemplateSource,
    email_renderer,
)
from oro_invoices.services.statement import Statement, StatementItem, StatementSection

PARTS = ("subject", "text", "html")
SAMPLE_PAYMENT_URL = "https://shop.example/invoices/pay/sample"

#: The payment receipt's sample of one payment shared across several invoices (``remittance``).
SEVERAL_INVOICES = "several_invoices"
#: The templates with more than one sample: each sample's key ("" the usual one) and what it is,
#: in English (translate it with ``i18n``).
SAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    RECEIPT_TEMPLATE: (("", N_("Receipt of a payment for one invoice")),
                       (SEVERAL_INVOICES, N_("Receipt of one payment for several invoices"))),
}


_SAMPLE_ADDRESS = Address(name="Sample Buyer", organization="Sample Customer Ltd", street="1 Sample Street",
                          city="Springfield", region="OR", postal_code="97403", country="US")
_SAMPLE_SHIP_TO = Address(name="Sample Buyer", organization="Sample Customer Ltd", street="2 Warehouse Road",
                          city="Eugene", region="OR", postal_code="97401", country="US")
#: The seller of a sample made without one: what a configured seller has (its address, phone,
#: website and tax ID), so that a preview shows the lines a template writes of them.
SAMPLE_SELLER = SellerInfo(company_name="Your Company", street="10 Company Road", city="Portland", region="OR",
                           postal_code="97201", country_code="US", phone="+1 503 555 0100",
                           contact_email="billing@company.example", website_url="https://company.example",
                           tax_id="12-3456789")
#: The back-office page of the sample invoice, as a host writes it (``authorization.invoice_url``).
SAMPLE_INVOICE_URL = "https://shop.example/admin/invoices/1"


def _sample_invoice(today: dt.date, zone: dt.tzinfo, seller: SellerInfo, *, credit_note: bool = False,
                    currency: str = "USD") -> InvoiceDocument:
    net, tax = Decimal("100.00"), Decimal("20.00")
    line = InvoiceLine(position=1, description="Sample product", sku="SAMPLE-1", unit="item",
                       quantity=Decimal(1), unit_price=net, tax_rate=Decimal(20), row_total=net,
                       row_tax=tax, row_total_with_tax=net + tax)
    stamp = dt.datetime.combine(today, dt.time(9), tzinfo=zone)
    return InvoiceDocument(
        id=1, status=InternalStatus.POSTED, invoice_number="CN-0001" if credit_note else "INV-0001",
        external_id=None, invoice_date=today, due_date=None if credit_note else today + dt.timedelta(days=30),
        currency=currency, organization_id=1, website_id=None, customer_id=1, customer_user_id=1,
        customer_name="Sample Customer Ltd", customer_user_email="buyer@customer.example",
        order_id=1, order_identifier="100001", bill_to=_SAMPLE_ADDRESS, ship_to=_SAMPLE_SHIP_TO, seller=seller,
        lines=(line,), subtotal=net, taxes=(TaxLine(rate=Decimal(20), base=net, amount=tax),),
        tax_amount=tax, total_amount=net + tax, amount_paid=Decimal(0),
        amount_due=Decimal(0) if credit_note else net + tax,
        payment_status=PaymentStatus.PENDING, payment_status_forced=False,
        external_payment_url=None, payment_token="sample", created_at=stamp, updated_at=stamp,
        posted_at=stamp, document_type=DocumentType.CREDIT_NOTE if credit_note else DocumentType.INVOICE,
        credited_invoice=DocumentRef(id=2, number="INV-0001", date=today) if credit_note else None)


def sample_context(seller: SellerInfo | None = None, *, today: dt.date, timezone: str,
                   currency: str = "USD") -> dict[str, Any]:
    """Every variable any of the add-on's templates reads, filled with a made-up invoice (and,
    for the statement, activity and aging templates, a made-up statement, account activity and
    aging report), its amounts in ``currency``, dated ``today``: the scope's today by the add-on's
    clock in its time zone (``InvoiceService.today(scope)``; an editor of templates every
    organization shares: ``InvoiceService.today()``, the global ``oro_invoices.timezone``'s), as an
    email sent now from that scope is dated. Its times (posted at 9:00, paid at noon …) are of
    that day in ``timezone``, that scope's ``oro_invoices.timezone``, the zone its emails write
    times in (render it in the same: ``render_sample``). Its ``seller`` (also the invoice's) is
    ``seller``, else ``SAMPLE_SELLER``."""
    zone = zone_named(timezone)
    seller = seller or SAMPLE_SELLER
    invoice = _sample_invoice(today, zone, seller, currency=currency)
    return {
        "invoice": invoice, "payment_url": SAMPLE_PAYMENT_URL, "seller": seller,
        "recipient_name": "Sample Buyer", "pdf_attached": True, "statement": _sample_statement(today, currency),
        "activity": _sample_activity(today, currency), "report": _sample_aging(today, currency),
        "report_url": "https://shop.example/admin/invoices/aging?as_of=" + today.isoformat(),
        "reminder": ReminderNotice.on(7, today - dt.timedelta(days=7), today),
        "credited_invoice": invoice, "settlement": Settlement("refund", Decimal("120.00")),
        "amount_due_after": Decimal(0),
        "authorization": AuthorizationNotice(Decimal("120.00"), currency, "Stripe", dt.datetime.combine(
            today + dt.timedelta(days=1), dt.time(12), zone), invoice_url=SAMPLE_INVOICE_URL),
        # the receipts': a payment of part of the invoice and a refund of some of it, receipts attached;
        # the payment a bank transfer recorded by hand (Record Payment) as received today: its day
        # received, and noon of it in the books' zone (``received_payments._received_at``); the
        # refund one through a card payment method (Stripe's), of a payment made in the storefront,
        # as most refund receipts are (a refund recorded by hand is a reversal and has none)
        "payment": ReceivedPayment(1, 1, Decimal("100.00"), currency, "bank_transfer", "Bank transfer",
                                   dt.datetime.combine(today, dt.time(12), zone), received_on=today),
        "refund": ReceivedPayment(2, 1, Decimal("20.00"), currency, "stripe", "Stripe",
                                  dt.datetime.combine(today, dt.time(12), zone), payer="buyer@customer.example",
                                  action="refund"),
        "receipt_attached": True, "paid_by": "", "remittance": None,
    }


def _sample_statement(today: dt.date, currency: str) -> Statement:
    """A customer's statement of two open invoices, one of them 10 days overdue, and the
    customer's credit not yet applied to an invoice (a statement of the whole account has it:
    ``read_statement(with_credit=True)``)."""
    items = [StatementItem(1, "INV-0001", today - dt.timedelta(days=40), today - dt.timedelta(days=10), currency,
                           "Sample Customer Ltd", Decimal("120.00"), Decimal("20.00"), Decimal(0), 10, "days_1_30"),
             StatementItem(2, "INV-0002", today - dt.timedelta(days=5), today + dt.timedelta(days=25), currency,
                           "Sample Customer Ltd", Decimal("80.00"), Decimal(0), Decimal(0), 0, "current")]
    amounts = {key: Decimal("0.00") for key in BUCKET_KEYS}
    amounts.update(current=Decimal("80.00"), days_1_30=Decimal("100.00"))
    # a section's aging is the currency's total line (``build_statement``): the credit is the
    # statement's ``credits``, not on it, as ``read_statement`` leaves it
    aging = AgingLine(None, None, "", currency, 2, amounts, is_total=True)
    return Statement(as_of=today, organization_id=1, customer_id=1, customer_name="Sample Customer Ltd",
                     sections=[StatementSection(currency, items, aging)], latest_invoice_id=2,
                     credits=(CreditBalance(currency, Decimal("30.00")),))


def _sample_aging(today: dt.date, currency: str) -> AgingReport:
    """An organization's aging: one customer owing in two buckets, and its total."""
    amounts = {key: Decimal("0.00") for key in BUCKET_KEYS}
    amounts.update(current=Decimal("80.00"), days_1_30=Decimal("100.00"))
    return AgingReport(as_of=today, lines=[AgingLine(1, 1, "Sample Customer Ltd", currency, 2, amounts)],
                       totals=[AgingLine(1, None, "", currency, 2, amounts, is_total=True)])


def _sample_activity(today: dt.date, currency: str) -> ActivityStatement:
    """A customer's account activity of a month: an invoice and a payment after an opening balance."""
    start = today - dt.timedelta(days=30)
    lines = [ActivityLine(start + dt.timedelta(days=5), "invoice", 2, "INV-0002", Decimal("80.00"), Decimal("200.00")),
             ActivityLine(start + dt.timedelta(days=12), "payment", 1, "INV-0001", Decimal("-20.00"),
                          Decimal("180.00"), "Bank transfer", "STMT 12")]
    return ActivityStatement(start, today, 1, 1, "Sample Customer Ltd",
                             [ActivitySection(currency, Decimal("120.00"), lines)], latest_invoice_id=2)


def credit_note_sample(context: dict[str, Any]) -> dict[str, Any]:
    """``context`` with a credit note as ``invoice`` (for the credit note template)."""
    invoice = context["invoice"]
    return {**context, "invoice": _sample_invoice(invoice.invoice_date, invoice.posted_at.tzinfo, invoice.seller,
                                                  credit_note=True, currency=invoice.currency)}


def receipt_sample(context: dict[str, Any], *, refund: bool = False) -> dict[str, Any]:
    """``context`` with ``invoice`` as its ``payment`` (less its ``refund``) left it (for the
    receipt templates: what was paid and what remains due add up)."""
    invoice = context["invoice"]
    paid = context["payment"].amount - (context["refund"].amount if refund else 0)
    return {**context, "invoice": replace(invoice, amount_paid=paid, amount_due=invoice.total_amount - paid)}


def remittance_sample(context: dict[str, Any]) -> dict[str, Any]:
    """``context`` as the receipt of one payment shared across three invoices has it: $250.00 by
    bank transfer paying ``invoice`` (INV-0001, $120.00) and INV-0002 ($80.00) in full and $50.00
    of INV-0003 ($150.00), which leaves $100.00 due on it; ``invoice`` and ``payment`` are the
    first share's (for the payment receipt's ``remittance``)."""
    lead = context["invoice"]
    shares = []
    for number, (total, paid, days_before) in enumerate(((lead.total_amount, lead.total_amount, 0),
                                                         (Decimal("80.00"), Decimal("80.00"), 7),
                                                         (Decimal("150.00"), Decimal("50.00"), 14)), start=1):
        invoice = replace(lead, id=number, invoice_number=f"INV-{number:04d}", total_amount=total,
                          amount_paid=paid, amount_due=total - paid,
                          invoice_date=lead.invoice_date - dt.timedelta(days=days_before))
        shares.append((invoice, replace(context["payment"], transaction_id=10 + number, invoice_id=number,
                                        amount=paid)))
    return {**context, "invoice": shares[0][0], "payment": shares[0][1], "remittance": RemittanceReceipt.of(shares)}


def samples(name: str) -> tuple[tuple[str, str], ...]:
    """The samples template ``name`` is checked and previewed with: each one's key ("" the
    usual one) and what it is ("" for a template of one sample)."""
    return SAMPLES.get(name, (("", ""),))


def _context_for(name: str, base: dict[str, Any], sample: str = "") -> dict[str, Any]:
    """``base`` (``sample_context``) as template ``name``'s ``sample`` reads it."""
    if name.startswith("credit_note"):
        return credit_note_sample(base)
    if name in (RECEIPT_TEMPLATE, REFUND_TEMPLATE):
        receipt = receipt_sample(base, refund=name == REFUND_TEMPLATE)
        return remittance_sample(receipt) if sample == SEVERAL_INVOICES and name == RECEIPT_TEMPLATE else receipt
    return base


def _checked_only(name: str, base: dict[str, Any]) -> list[dict[str, Any]]:
    """What template ``name`` is checked with besides its samples, though no preview shows it:
    for the payment receipt, its payment as one made through a payment method, which has no day
    received (its samples' payment is recorded by hand), so that a template reading
    ``payment.received_on`` without asking whether there is one fails the check, not the
    receipt of a card payment; for the refund receipt, its refund as a bank transfer recorded
    over the API, of no payer (its sample's is through a card payment method), whose receipt an
    admin sends from the email dialog (``received_payments.latest_received``)."""
    if name == RECEIPT_TEMPLATE:
        receipt = _context_for(name, base)
        online = replace(receipt["payment"], method_code="stripe", method="Stripe", received_on=None,
                         payer="buyer@customer.example")
        return [{**receipt, "payment": online}]
    if name == REFUND_TEMPLATE:
        receipt = _context_for(name, base)
        transfer = replace(receipt["refund"], method_code="bank_transfer", method="Bank transfer", payer="")
        return [{**receipt, "refund": transfer}]
    return []


def render_sample(name: str, subject: str, text: str, html: str, *, context: dict[str, Any], timezone: str,
                  locale: str = "en_US", sample: str = "") -> RenderedEmail:
    """The email template ``name`` rendered with its ``sample`` (one of ``samples(name)``, "" the
    usual one) of ``context`` (``sample_context``, of the editor's today in ``timezone``) as an
    email is rendered (``render.email_renderer``: ``locale``'s formats, also of its messages'
    values, and ``timezone``'s times); raises ``EmailTemplateError``."""
    renderer = email_renderer(locale, timezone)
    source = TemplateSource(name=name, subject=subject, text=text, html=html)
    return renderer.render(source, _context_for(name, context, sample))


def check_template(name: str, subject: str, text: str, html: str, *, today: dt.date, timezone: str,
                   locale: str = "en_US") -> dict[str, str]:
    """What is wrong with each part of template ``name`` (``subject``/``text``/``html``), each a
    ``Message``; empty when every part compiles and renders each of its samples (and of the
    payment receipt, a payment through a payment method; of the refund receipt, a bank
    transfer's refund: ``_checked_only``), dated ``today``
    in ``timezone`` (the editor's today by the add-on's clock in its time zone, as its preview is
    dated: ``sample_context``), as ``render_sample`` renders them."""
    renderer = email_renderer(locale, timezone)
    base = sample_context(today=today, timezone=timezone)
    contexts = [*(_context_for(name, base, sample) for sample, _ in samples(name)), *_checked_only(name, base)]
    errors: dict[str, str] = {}
    for part, source in zip(PARTS, (subject, text, html)):
        only = TemplateSource(name=name, **{p: (source if p == part else "") for p in PARTS})
        for context in contexts:
            try:
                renderer.render(only, context)
            except EmailTemplateError as exc:
                errors[part] = exc.message   # a message: a page shows it in its reader's language
                break
    return errors
