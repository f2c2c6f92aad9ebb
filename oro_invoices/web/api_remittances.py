"""``POST /api/receivables/payments``: one payment received outside the payment methods for
several invoices (a bank transfer that settles a list of them), as the back-office grid's Record
Payment records it (``services.remittances``).

The body names the invoices (by ``id`` or ``external_id``) and either each one's ``amount``, or
one ``amount`` received that is spread over them oldest due date first. Unlike the form, the API
records all or nothing: an invoice that cannot take a share, a share above its amount due, or an
amount received beyond their amount due is a 422 naming its field, and nothing is recorded. As
for every payment recorded over the API, the customer is not emailed receipts.
"""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import parse_day, quoted
from oro_invoices.domain.money import parse_decimal
from oro_invoices.services import remittances
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web.api_invoice_lists import named_invoices

#: The fields of the body.
FIELDS = ("method", "received_on", "reference", "notes", "amount", "keep_surplus", "invoices")


def record(service: InvoiceService, organization_id: int, body: dict[str, Any], *, actor: str) -> remittances.Remittance:
    """Record the payment ``body`` describes; its shares, each with its payment.

    :raises ValidationError: anything wrong with the body, each under its field (``invoices[i]``,
        ``invoices[i].amount``, ``amount``…); nothing is recorded then.
    """
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ValidationError([(name, f"Unknown field; only {', '.join(FIELDS)} may be given.") for name in unknown])
    wrong: list[tuple[str, str]] = [(name, "A text.") for name in ("method", "reference", "notes")
                                    if name in body and not isinstance(body[name], str)]
    keep = body.get("keep_surplus", False)
    if not isinstance(keep, bool):
        wrong.append(("keep_surplus", "true or false."))
    elif keep and "amount" not in body:
        wrong.append(("keep_surplus", "Give the amount received too: what is over the invoices' amount due is kept."))
    try:
        received_on = _day(body.get("received_on"))
    except ValidationError as exc:        # said with every other problem
        received_on, wrong = None, wrong + exc.errors
    total: Decimal | None = None
    if "amount" in body:
        try:
            total = _total(body["amount"])
        except ValidationError as exc:
            wrong += exc.errors
    found, errors = named_invoices(service, organization_id, body.get("invoices"), action="one payment", amounts=True)
    index_of = {invoice_id: index for index, invoice_id, _ in found}
    ids = [invoice_id for _, invoice_id, _ in found]
    if wrong or errors or received_on is None:       # with what is wrong with the invoices it did name
        if received_on is not None and not any(name in ("method", "reference", "notes") for name, _ in wrong):
            # and with how, when and under which reference it was received, which recording checks later
            wrong += service.received_payment_problems(method=body.get("method", ""), received_on=received_on,
                                                       reference=body.get("reference", ""), notes=body.get("notes", ""),
                                                       scope=ScopeContext(organization_id=organization_id))
        named = _unsharing(remittances.plan(service, ids, organization_id=organization_id), index_of) if ids else []
        raise ValidationError(wrong + sorted(errors + named, key=lambda e: _item_order(e[0])))
    amounts: dict[int, Decimal | str | None] = {invoice_id: amount for _, invoice_id, amount in found}
    surplus = Decimal(0)
    if total is not None:
        if any(amount is not None for amount in amounts.values()):
            raise ValidationError([("amount", "Give either the amount received or each invoice's amount, not both.")])
        planned = remittances.plan(service, ids, organization_id=organization_id, received=total)
        unsharing = _unsharing(planned, index_of)
        if unsharing:
            raise ValidationError(unsharing)
        if planned.unallocated > 0 and not keep:
            raise ValidationError([("amount", f"{planned.unallocated} {planned.currency} more than the invoices' "
                                              "amount due; record only what they owe, or keep the rest as the "
                                              "customer's credit with keep_surplus: true.")])
        surplus = planned.unallocated
        amounts = {share.invoice_id: share.amount for share in planned.takers}
    elif any(amount is None for amount in amounts.values()):
        raise ValidationError([(f"invoices[{index_of[i]}].amount", "Required, or give the amount received as amount.")
                               for i, amount in amounts.items() if amount is None])
    try:
        return remittances.record(
            service, ids, amounts, organization_id=organization_id, method=body.get("method", ""),
            received_on=received_on, reference=body.get("reference", ""), notes=body.get("notes", ""), actor=actor,
            request_key=secrets.token_urlsafe(24), strict=True, receipts=False, surplus=surplus)
    except ValidationError as exc:
        raise ValidationError([(_api_field(field, index_of), message) for field, message in exc.errors]) from None


def _unsharing(planned: remittances.Remittance, index_of: dict[int, int]) -> list[tuple[str, str]]:
    """Why each named invoice that cannot take a share cannot, under its item."""
    return [(f"invoices[{index_of[s.invoice_id]}]", s.problem) for s in planned.shares
            if s.outcome == remittances.NOT_RECORDED and s.problem is not None and s.invoice_id in index_of]


def _item_order(field: str) -> int:
    """``invoices[3]…`` → 3: errors in the order of the body's items."""
    return int(field.split("[", 1)[1].split("]", 1)[0]) if field.startswith("invoices[") else -1


def _api_field(field: str, index_of: dict[int, int]) -> str:
    """A field of ``services.remittances`` as the body names it (``amount-7`` → ``invoices[0].amount``)."""
    if field.startswith("amount-"):
        invoice_id = int(field.removeprefix("amount-"))
        return f"invoices[{index_of[invoice_id]}].amount" if invoice_id in index_of else "invoices"
    return {"amount": "invoices", "request_key": "", "surplus": "keep_surplus"}.get(field, field)


def _day(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValidationError([("received_on", "Required: the day the payment was received, YYYY-MM-DD.")])
    day = parse_day(value)
    if day is None:
        raise ValidationError([("received_on", f"{quoted(value)} is not a date (use YYYY-MM-DD).")])
    return day


def _total(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValidationError([("amount", 'A decimal string such as "300.00".')])
    total = parse_decimal(value, "amount")
    if not total.is_finite() or total <= 0:
        raise ValidationError([("amount", "An amount above zero.")])
    return total
