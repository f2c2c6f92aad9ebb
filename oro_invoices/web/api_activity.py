"""``GET /api/receivables/activity``: a customer's activity statement (balance forward) of a
period, as the back-office's Account Activity shows it (``services.activity_statement``): per
currency the opening balance, each invoice, credit note, payment and refund dated in the period
with the balance after it, and the closing balance.
"""
from __future__ import annotations

from typing import Any

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import parse_day, parse_id
from oro_invoices.services.activity_statement import ActivityStatement, check_period
from oro_invoices.services.aging import check_currency
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web import api_query

#: The query's parameters.
PARAMETERS = ("customer_id", "from", "to", "currency")


def activity(service: InvoiceService, organization_id: int, query: dict[str, list[str]]) -> ActivityStatement:
    """The activity the query asks for, of a customer of ``organization_id``.

    :raises ValidationError: a bad or unknown parameter, or a bad period (422).
    :raises NotFound: a customer that is not the organization's (404).
    """
    errors: list[tuple[str, str]] = [(name, f"Unknown query parameter; use {', '.join(PARAMETERS)}.")
                                     for name in query if name not in PARAMETERS]
    errors += [(name, "Give this parameter once.") for name, values in query.items() if len(values) > 1]
    errors += api_query.empty_errors(query, ("currency",), required=("customer_id", "from", "to"))
    refused = dict(errors)
    value = api_query.first_values(query)
    customer_id = parse_id(value.get("customer_id"))
    if customer_id is None and "customer_id" not in refused:
        errors.append(("customer_id", "Required: the id of one of the organization's customers."))
    days = {name: parse_day(value.get(name)) for name in ("from", "to")}
    errors += [(name, "Required: a day as YYYY-MM-DD.") for name, day in days.items()
               if day is None and name not in refused]
    if errors:
        raise ValidationError(errors)
    assert customer_id is not None
    # an account has no activity to come: refused as the pages refuse it
    check_period(days["from"], days["to"], last=service.books_today(ScopeContext(organization_id=organization_id)))
    currency = value.get("currency")
    check_currency(currency)
    return service.activity_statement(customer_id, start=days["from"], end=days["to"],
                                      organization_id=organization_id, currency=currency)


def as_json(found: ActivityStatement) -> dict[str, Any]:
    """What ``openapi.ActivityOut`` dumps."""
    return {"customer_id": found.customer_id, "customer_name": found.customer_name, "from_": found.start,
            "to": found.end, "sections": [{
                "currency": section.currency, "opening_balance": section.opening, "charges": section.charges,
                "credits": section.credits, "closing_balance": section.closing,
                "entries": [{"date": line.on, "kind": line.kind, "invoice_id": line.invoice_id,
                             "number": line.number, "amount": line.amount, "balance": line.balance,
                             "method": line.method, "reference": line.reference, "status": line.status,
                             "beyond": line.beyond}
                            for line in section.lines]}
                for section in found.sections]}

