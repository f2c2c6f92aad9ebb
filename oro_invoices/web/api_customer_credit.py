"""Customers' credit over the JSON API (``services.customer_credit``).

``GET /api/receivables/credit`` reads a customer's credit (the balance per currency and the
ledger, newest first); ``POST /api/invoices/{id}/apply-credit`` pays an invoice from it;
``POST /api/receivables/credit/pay-outs`` records credit given back outside the add-on. The
customer is resolved as for ``GET /api/receivables/statement``: one of the client's
organization's, else 404.

A write sent with an ``Idempotency-Key`` is made once however often it is sent: the key store
(``web.idempotency``) replays the first answer for 24 hours, and the service's own request key
(``services.payment_records.REQUEST_KEY``), made from the client, the key and what is written,
keeps it from being made twice after that too.
"""
from __future__ import annotations

import base64
import hashlib
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from marshmallow import ValidationError as MmValidationError

from oro_invoices.domain.customer_credit import CreditEntry
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import parse_id
from oro_invoices.services.aging import check_currency
from oro_invoices.services.customer_credit import CustomerCreditView, PaidOut
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.payments import RecordedPayment
from oro_invoices.services.schemas import validation_error
from oro_invoices.web import api_query, openapi

#: The query of ``GET /receivables/credit``.
PARAMETERS = ("customer_id", "currency", "before")
#: Its optional filter: given empty, refused (``web.api_query``); an empty ``before`` is the first page.
FILTERS = ("currency",)
#: The body of ``POST /invoices/{id}/apply-credit`` (optional).
APPLY_FIELDS = ("amount",)
#: The body of ``POST /receivables/credit/pay-outs``.
PAY_OUT_FIELDS = ("currency", "amount", "reference", "notes")
#: Starts a service request key made from an API client's ``Idempotency-Key``.
KEY_PREFIX = "api-"


# ---- reading ----------------------------------------------------------------------------

def credit(service: InvoiceService, organization_id: int, query: dict[str, list[str]], *,
           base_path: str) -> dict[str, Any]:
    """The credit the query asks for, of a customer of ``organization_id``, as
    ``openapi.CustomerCreditOut`` dumps it (``next``: the URL of the older entries, under
    ``base_path``).

    :raises ValidationError: a missing or bad parameter, or an unknown one (422).
    :raises NotFound: a customer that is not the organization's (404).
    """
    errors = _query_errors(query, PARAMETERS)
    errors += api_query.empty_errors(query, FILTERS, required=("customer_id",))
    value = api_query.first_values(query)
    customer_id = parse_id(value.get("customer_id"))
    if customer_id is None and "customer_id" not in dict(errors):
        errors.append(("customer_id", "Required: the id of one of the organization's customers."))
    currency = value.get("currency")
    try:
        check_currency(currency)
    except ValidationError as exc:
        errors.extend(exc.errors)
    before = parse_id(value["before"]) if "before" in value else None
    if "before" in value and before is None:
        errors.append(("before", "The id of an entry (`next` gives it): a positive integer."))
    if errors:
        raise ValidationError(errors)
    assert customer_id is not None
    _, name = service.statement_customer(customer_id, organization_id)
    found = service.customer_credit_of(customer_id, organization_id=organization_id, currency=currency,
                                       before_id=before)
    return credit_json(found, name, _next_url(base_path, found, currency))


def credit_json(found: CustomerCreditView, customer_name: str, next_url: str | None) -> dict[str, Any]:
    """What ``openapi.CustomerCreditOut`` dumps."""
    return {"customer_id": found.customer_id, "organization_id": found.organization_id,
            "customer_name": customer_name,
            "balances": [{"currency": b.currency, "amount": b.amount} for b in found.balances],
            "entries": [entry_json(entry) for entry in found.entries], "next": next_url}


def entry_json(entry: CreditEntry) -> dict[str, Any]:
    """What ``openapi.CreditEntryOut`` dumps."""
    return {"id": entry.id, "kind": entry.kind, "currency": entry.currency, "amount": entry.amount,
            "balance_after": entry.balance_after, "invoice_id": entry.invoice_id,
            "invoice_number": entry.invoice_number, "credit_note_id": entry.credit_note_id,
            "credit_note_number": entry.credit_note_number, "transaction_id": entry.transaction_id,
            "reference": entry.reference, "notes": entry.notes, "actor": entry.actor, "created_at": entry.created_at}


def _next_url(base_path: str, found: CustomerCreditView, currency: str | None) -> str | None:
    if found.older_than is None:
        return None
    query: dict[str, Any] = {"customer_id": found.customer_id}
    if currency is not None:
        query["currency"] = currency
    query["before"] = found.older_than
    return f"{base_path}/receivables/credit?{urlencode(query)}"


# ---- writing ----------------------------------------------------------------------------

def apply(service: InvoiceService, invoice_id: int, body: dict[str, Any], *, actor: str,
          request_key: str | None) -> RecordedPayment:
    """Pay the invoice from its customer's credit: ``body``'s ``amount``, or as much as the
    credit covers.

    :raises ValidationError: a bad amount, more than the credit or the amount due (422).
    :raises Conflict: a draft, nothing to pay, no customer, no credit (409).
    """
    data = _load(openapi.ApplyCreditIn(), body)
    amount: Decimal | None = data.get("amount")
    return service.apply_credit(invoice_id, amount=None if amount is None else format(amount, "f"), actor=actor,
                                request_key=request_key)


def pay_out_query(query: dict[str, list[str]]) -> int:
    """The customer ``POST /receivables/credit/pay-outs`` gives credit back to.

    :raises ValidationError: no ``customer_id``, a bad one, another parameter (422).
    """
    errors = _query_errors(query, ("customer_id",))
    errors += api_query.empty_errors(query, required=("customer_id",))
    customer_id = parse_id(api_query.first_values(query).get("customer_id"))
    if customer_id is None and "customer_id" not in dict(errors):
        errors.append(("customer_id", "Required: the id of one of the organization's customers."))
    if errors:
        raise ValidationError(errors)
    assert customer_id is not None
    return customer_id


def pay_out_body(body: dict[str, Any]) -> dict[str, Any]:
    """The body of a pay-out, loaded: ``currency`` checked, ``amount`` a Decimal.

    :raises ValidationError: an unknown field, a missing one, one of the wrong type (422).
    """
    unknown = sorted(set(body) - set(PAY_OUT_FIELDS))
    if unknown:
        raise ValidationError([(name, f"Unknown field; only {', '.join(PAY_OUT_FIELDS)} may be given.")
                               for name in unknown])
    errors: list[tuple[str, str]] = []
    if isinstance(body.get("currency"), str):
        try:
            check_currency(body["currency"])
        except ValidationError as exc:
            errors.extend(exc.errors)
    try:
        data = _load(openapi.CreditPayOutIn(), body)
    except ValidationError as exc:
        raise ValidationError([*errors, *exc.errors]) from None
    if errors:
        raise ValidationError(errors)
    return data


def pay_out(service: InvoiceService, organization_id: int, customer_id: int, data: dict[str, Any], *, actor: str,
            request_key: str | None) -> PaidOut:
    """Give ``data['amount']`` of the customer's credit back.

    :raises NotFound: a customer that is not the organization's (404).
    :raises ValidationError: more than the credit, a bad reference or notes (422).
    """
    service.statement_customer(customer_id, organization_id)
    return service.pay_out_credit(customer_id, organization_id=organization_id, currency=data["currency"],
                                  amount=data["amount"], reference=data.get("reference", ""),
                                  notes=data.get("notes", ""), actor=actor, request_key=request_key)


def request_key(organization_id: int, client_name: str, idempotency_key: str | None, *target: object) -> str | None:
    """The service's request key for a write sent with ``idempotency_key`` (None without one):
    the same for the same client, key and ``target`` (what is written: an invoice, a customer
    and currency), never another client's, and always of the form
    ``services.payment_records.REQUEST_KEY`` wants."""
    if idempotency_key is None:
        return None
    text = "\n".join(str(part) for part in (organization_id, client_name, idempotency_key, *target))
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return KEY_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


# ---- helpers ----------------------------------------------------------------------------

def _query_errors(query: dict[str, list[str]], allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    errors = [(name, f"Unknown query parameter; use {', '.join(allowed)}.") for name in query if name not in allowed]
    errors += [(name, "Give this parameter once.") for name, values in query.items() if len(values) > 1]
    return errors


def _load(schema: Any, body: dict[str, Any]) -> dict[str, Any]:
    try:
        data: dict[str, Any] = schema.load(body)
    except MmValidationError as exc:
        raise validation_error(exc) from None
    return data
