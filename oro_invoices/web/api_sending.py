"""``POST /api/invoices/send``: Send to Customer for several invoices at once (an ERP's batch, after
it created and posted them), as the back-office grid's Send for the ticked invoices does
(``services.selected_invoices``): each is emailed to its customer user from its template, in the
customer's language, with its PDF; a draft is posted first only when the body says ``"post":
true``. One invoice that cannot be sent (no address, a draft left as it is) does not stop the
others; the answer says what became of each. With an ``Idempotency-Key`` the same request sent
again sends nothing more.
"""
from __future__ import annotations

import secrets
from typing import Any

from oro_invoices.domain.errors import ValidationError
from oro_invoices.services import selected_invoices
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail.service import MailService
from oro_invoices.services.selected_invoices import Selected
from oro_invoices.web.api_invoice_lists import named_invoices

#: The body's fields.
FIELDS = ("invoices", "post")


def send(service: InvoiceService, mail: MailService, organization_id: int, body: dict[str, Any], *, actor: str,
         key: str | None) -> list[Selected]:
    """Send the invoices ``body`` names; each one's result.

    :raises ValidationError: an unknown field, ``post`` that is no boolean, or an invoice that is
        not the organization's (each under its field); nothing is sent then.
    """
    errors: list[tuple[str, str]] = [(name, f"Unknown field; use {', '.join(FIELDS)}.") for name in body
                                     if name not in FIELDS]
    if "post" in body and not isinstance(body["post"], bool):
        errors.append(("post", "true or false."))
    found, problems = named_invoices(service, organization_id, body.get("invoices"), action="one request")
    errors += problems
    if errors:
        raise ValidationError(errors)
    once = f"api-send-{key}" if key else f"api-send-{secrets.token_urlsafe(16)}"
    return selected_invoices.send(service, mail, [invoice_id for _, invoice_id, _ in found],
                                  organization_id=organization_id, actor=actor, once=once[:64],
                                  post_drafts=body.get("post") is True)


def as_json(results: list[Selected]) -> dict[str, Any]:
    """What ``openapi.InvoicesSentOut`` dumps."""
    return {"sent": sum(1 for r in results if r.outcome == selected_invoices.SENT), "results": [{
        "id": r.invoice_id, "invoice_number": r.invoice.invoice_number if r.invoice is not None else None,
        "outcome": r.outcome, "posted": r.posts and r.outcome in (selected_invoices.SENT, selected_invoices.ALREADY_SENT),
        "to": r.to, "problem": str(r.problem) if r.problem is not None else (str(r.error.message) if r.error else None)}
        for r in results]}
