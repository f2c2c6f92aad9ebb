"""``POST /api/receivables/bank-statement/matches`` and ``…/payments``: a statement of the seller's
bank account sent as it came from the bank (CAMT.053, .054 or .052 XML, MT940, BAI2 or CSV,
``services.bank_statement_files``), each payment received matched to the organization's invoices
its reference names or, naming none, the one owing exactly its amount (``services.bank_matching``),
as the back-office's Match Bank Statement does. ``matches`` writes nothing; ``payments`` also
records those that pay exactly what their invoices owe, once however often the same statement is
sent (a bank-feed integration's daily call), and with ``?keep_surplus=true`` those that bring
more than their invoices owe, what is over kept as the customer's credit (the invoices one
customer's, else not recorded, saying why).
"""
from __future__ import annotations

from typing import Any

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.services.bank_matching import (
    MATCHED,
    MORE,
    RECORDED,
    EntryMatch,
    MatchedPayment,
    match_entries,
    record_matched,
)
from oro_invoices.services.bank_statement_files import MAX_BYTES, StatementFile, UnreadableStatement, read_statement
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web import api_query
from oro_invoices.web.errors import BadRequest, PayloadTooLarge
from oro_invoices.web.http import Request

#: The media types a statement is sent as, and the file name each is read under.
MEDIA_TYPES = {"application/xml": "statement.xml", "text/xml": "statement.xml", "text/csv": "statement.csv",
               "text/plain": "statement.txt", "application/octet-stream": "statement"}
#: What leaving ``keep_surplus`` out does, as the refusal of an empty one says it.
KEEP_SURPLUS_LEFT_OUT = {"keep_surplus": "to record only the payments that pay exactly what their invoices owe"}


def read(request: Request) -> StatementFile:
    """The statement in the request's body.

    :raises BadRequest: a media type that is none of ``MEDIA_TYPES``.
    :raises PayloadTooLarge: above ``MAX_BYTES``.
    :raises ValidationError: no statement (empty, or neither layout), or one of which no payment
        could be read but some line could not (as the back-office's page answers 422 for it): on
        ``body``, each problem naming its line.
    """
    media = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise BadRequest("Send the statement's bytes as the bank gave it, with 'Content-Type: application/xml' "
                         "(CAMT), 'text/plain' (MT940, BAI2) or 'text/csv'.", field="content-type")
    if len(request.body) > MAX_BYTES:
        raise PayloadTooLarge(f"The statement is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    try:
        statement = read_statement(MEDIA_TYPES[media], bytes(request.body))
    except UnreadableStatement as exc:
        raise ValidationError([("body", exc.message)]) from None
    if statement.problems and not statement.entries:
        raise ValidationError([("body", problem) for problem in statement.problems])
    return statement


def matches(service: InvoiceService, organization_id: int, request: Request) -> dict[str, Any]:
    """The statement's payments with their matches (nothing written)."""
    statement = read(request)
    found = match_entries(service, statement.entries, organization_id=organization_id)
    return _answer(statement, found)


def record(service: InvoiceService, organization_id: int, request: Request, *, actor: str) -> dict[str, Any]:
    """The statement's payments with their matches, and what recording the exact ones (with
    ``?keep_surplus=true``, also those paying more, keeping what is over as credit) did.

    :raises ValidationError: an unknown query parameter, or ``keep_surplus`` neither true nor false.
    """
    keep = keep_surplus_of(request)
    statement = read(request)
    found = match_entries(service, statement.entries, organization_id=organization_id)
    chosen = [match for match in found if match.outcome == MATCHED or (keep and match.outcome == MORE)]
    done = record_matched(service, [MatchedPayment.of(m, keep_surplus=m.outcome == MORE) for m in chosen],
                          organization_id=organization_id, actor=actor, receipts=False)
    answer = _answer(statement, found)
    results = dict(zip((id(match) for match in chosen), done, strict=True))
    answer["recorded"] = []
    for match in found:                  # in the statement's order
        result = results.get(id(match))
        if result is not None:
            answer["recorded"].append({
                "where": str(match.entry.where), "outcome": result.outcome,
                "problem": str(result.why) if result.outcome == "not_recorded" and result.why else None,
                "transactions": [s.transaction.id for s in result.recorded_shares if s.transaction is not None],
                "kept_as_credit": result.kept if result.kept else None})
        elif match.outcome == RECORDED:  # sent before: said so, with what it recorded then
            answer["recorded"].append({"where": str(match.entry.where), "outcome": "before", "problem": None,
                                       "transactions": _recorded_before(service, match, organization_id),
                                       "kept_as_credit": None})
    return answer


def _recorded_before(service: InvoiceService, match: EntryMatch, organization_id: int) -> list[int]:
    """The payments this statement line recorded when it was sent before (none found: recorded by
    hand under another form's key, which the line's outcome still says)."""
    payment = MatchedPayment.of(match)
    key = payment.key(organization_id)
    found = (service.received_payment(invoice_id, f"{key}-{invoice_id}") for invoice_id in payment.invoice_ids)
    return [transaction.id for transaction in found if transaction is not None]


def keep_surplus_of(request: Request) -> bool:
    """``?keep_surplus=`` of ``…/payments``: ``true`` or ``false`` (the default).

    :raises ValidationError: another parameter, or another value (given empty: as the API's
        filters given empty, ``api_query.empty_errors``).
    """
    given = api_query.given(request)
    errors = [(name, "Unknown query parameter; only keep_surplus may be given.") for name in given
              if name != "keep_surplus"]
    values = given.get("keep_surplus", [])
    if len(values) > 1:
        errors.append(("keep_surplus", "Give this parameter once."))
    elif empty := api_query.empty_errors(given, ("keep_surplus",), left_out=KEEP_SURPLUS_LEFT_OUT):
        errors += empty
    elif values and values[0] not in ("true", "false"):
        errors.append(("keep_surplus", "true or false: true also records each payment that brings more than its "
                                       "invoices of one customer owe, keeping what is over as that customer's "
                                       "credit."))
    if errors:
        raise ValidationError(errors)
    return values == ["true"]


def _answer(statement: StatementFile, found: list[EntryMatch]) -> dict[str, Any]:
    return {"skipped": statement.skipped, "problems": [str(problem) for problem in statement.problems],
            "payments": [_payment(match) for match in found]}


def _payment(match: EntryMatch) -> dict[str, Any]:
    entry = match.entry
    return {"where": str(entry.where), "booked_on": entry.booked_on, "amount": entry.amount,
            "currency": entry.currency, "reference": entry.reference, "payer": entry.payer,
            "outcome": match.outcome, "due": match.due if match.payable else None,
            "invoices": [_invoice(doc) for doc in match.invoices],
            "suggested": _invoice(match.suggested[0]) if len(match.suggested) == 1 else None,
            "suggested_invoices": [_invoice(doc) for doc in match.suggested]}


def _invoice(doc: InvoiceDocument) -> dict[str, Any]:
    return {"id": doc.id, "invoice_number": doc.invoice_number, "external_id": doc.external_id,
            "customer_name": doc.customer_name, "currency": doc.currency, "amount_due": doc.amount_due,
            "payment_status": doc.payment_status.value}
