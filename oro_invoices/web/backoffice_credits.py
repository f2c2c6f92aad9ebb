"""Back-office corrections of a posted invoice: Create Credit Note, Void, Re-issue.

Each opens a confirmation page (the credit note form lists every line with what remains
creditable of it and, when money was paid, how what it gives back is settled: refunded, kept as
the customer's credit, or outside) and acts on POST; a refused form is shown again with the
reason. They need the ``oro_invoices.credit`` permission. The view page shows an invoice's credit notes
and the invoices that replace it, and a credit note or re-issued invoice links back.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from oro_invoices.domain.errors import Conflict, EInvoiceInvalid, InvoiceError, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Message, Percent
from oro_invoices.i18n import N_, _
from oro_invoices.persistence.corrections import Corrections
from oro_invoices.services.credit_notes import CREDIT, AlreadyCredited, Creditable
from oro_invoices.services.schemas import NOTHING_TO_CREDIT
from oro_invoices.web import guard
from oro_invoices.web.backoffice import ENDPOINT_VIEW, BackOffice
from oro_invoices.web.backoffice_actions import actor_of
from oro_invoices.web.http import Request, Response

PERMISSION = "oro_invoices.credit"
FORM_TEMPLATE = "admin/credit_note_form.html"
CONFIRM_TEMPLATE = "admin/void_confirm.html"
#: The fields of the Create Credit Note form that show their own problem beside them (as well as on top).
PLACED = frozenset({"reason", "buyer_reference"})
#: The e-invoice rules a credit note breaks for want of a buyer reference (BT-10).
NO_BUYER_REFERENCE = frozenset({"PEPPOL-EN16931-R003", "BR-DE-15"})
#: A Create Credit Note form without its one-time key (it may refund the customer).
DAMAGED_FORM = N_("The credit note form is damaged; open Create Credit Note again.")


def corrections_section(req: Request, doc: InvoiceDocument, corrections: Corrections) -> dict[str, Any]:
    """What the view page shows about corrections: credit notes, replacements (``corrections``, as
    the invoice's history read them), the actions."""
    if not doc.is_posted or doc.is_credit_note:
        corrections = Corrections([], [])
    credit_notes, reissues = corrections.credit_notes, corrections.reissues
    creditable = (doc.is_posted and not doc.is_credit_note and doc.amount_credited < doc.total_amount)
    # nothing kept (a payment refunded in full keeps nothing) and no authorization held
    unpaid = doc.amount_paid == 0 and doc.amount_held == 0
    allowed = req.can(PERMISSION)
    return {"credit_notes": credit_notes, "reissues": reissues,
            "can_credit": allowed and creditable,
            "can_void": allowed and creditable and unpaid}


class CreditActions:
    """Create Credit Note, Void and Re-issue."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def _view_url(self, doc_id: int) -> str:
        return self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc_id)

    def _load(self, req: Request) -> InvoiceDocument:
        self.pages.check(req, PERMISSION)
        return self.pages.load(req, req.path_params.get("invoice_id"))

    # ---- Create Credit Note ---------------------------------------------------------------

    def credit_form(self, req: Request) -> Response:
        """The Create Credit Note form: each line with what remains, amounts per tax rate."""
        doc = self._load(req)
        return self._form(req, doc, self.ctx.service.creditable(doc.id), {})

    def create_credit(self, req: Request) -> Response:
        """Post the credit note the form describes; on bad input show the form with the reason."""
        doc = self._load(req)
        left = self.ctx.service.creditable(doc.id)
        form = req.form
        payload: dict[str, Any] = {}
        try:
            key = guard.form_key(req, DAMAGED_FORM)
            payload = _payload(form, left, self.ctx.page_formatter(req, doc).typed_number)
            result = self.ctx.service.create_credit_note(doc.id, payload, actor=actor_of(req), request_key=key)
        except AlreadyCredited as exc:  # the form was submitted again (Back, reload, double click)
            return Response.redirect(self._view_url(doc.id), flashes=[("info", _(exc.message))])
        except (ValidationError, Conflict) as exc:
            worded = in_form_terms(exc, payload)
            status, message = guard.friendly(worded)
            return self._form(req, doc, left, dict(form.items()), error=message, errors=placed(exc, worded, doc),
                              status=status)
        note = result.credit_note
        money = self.ctx.page_formatter(req, doc).money   # a flash is written before its page is shown
        flashes = [("success", _("Credit note %(number)s of %(amount)s was posted against invoice %(invoice)s.",
                                 number=note.invoice_number, amount=money(note.total_amount, note.currency),
                                 invoice=doc.display_number))]
        if result.settlement == CREDIT:
            kept = self._kept(doc, note.id)
            if kept is not None:
                flashes.append(("success", _("%(amount)s is kept as the customer's credit.",
                                             amount=money(kept, note.currency))))
        elif result.refund is not None and result.refund.successful:
            flashes.append(("success", _("%(amount)s was refunded through the payment method.",
                                         amount=money(result.refund.amount, result.refund.currency))))
        elif result.refund_unrecorded:
            flashes.append(("error", _(result.refund_error)))
        elif result.refund_error:
            flashes.append(("error", _("The refund was not made: %(reason)s. Refund it from the Payments section.",
                                       reason=_(result.refund_error))))
        return Response.redirect(self._view_url(doc.id), flashes=flashes)

    def _kept(self, doc: InvoiceDocument, credit_note_id: int) -> Decimal | None:
        """What the credit note ``credit_note_id`` kept as ``doc``'s customer's credit (its ledger
        entry, among the customer's newest in its currency)."""
        if doc.customer_id is None:
            return None
        credit = self.ctx.service.customer_credit_of(doc.customer_id, organization_id=doc.organization_id,
                                                     currency=doc.currency)
        return next((e.amount for e in credit.entries if e.credit_note_id == credit_note_id), None)

    def _form(self, req: Request, doc: InvoiceDocument, left: Creditable, values: dict[str, str], *,
              error: str = "", errors: dict[str, str] | None = None, status: int = 200) -> Response:
        """The form with ``values`` typed; ``error`` on top, and each of ``errors`` (a field of
        ``PLACED`` to its problem) beside its field as well."""
        paid_back = doc.amount_paid > 0
        refundable = [a for a in self.ctx.service.transaction_actions(doc.id).values() if a.refundable > 0] \
            if paid_back else []
        html = self.ctx.render(FORM_TEMPLATE, req, invoice=doc, creditable=left, values=values,
                               form_error=error, fields={"errors": errors or {}}, paid=paid_back, refundable=refundable, rate_key=rate_key,
                               keeps_credit=doc.customer_id is not None,
                               request_key=values.get("request_key") or secrets.token_urlsafe(24))
        return Response.html(html, status=status, title=_("Create Credit Note for %(number)s", number=doc.display_number))

    # ---- Void and Re-issue ----------------------------------------------------------------

    def void_confirm(self, req: Request) -> Response:
        return self._confirm(req, "void")

    def reissue_confirm(self, req: Request) -> Response:
        return self._confirm(req, "reissue")

    def _confirm(self, req: Request, action: str, *, error: str = "", status: int = 200) -> Response:
        doc = self._load(req)
        html = self.ctx.render(CONFIRM_TEMPLATE, req, invoice=doc, action=action, form_error=error,
                               reason=req.form.get("reason", "") if req.method == "POST" else "")
        title = (_("Void %(number)s?", number=doc.display_number) if action == "void"
                 else _("Re-issue %(number)s?", number=doc.display_number))
        return Response.html(html, status=status, title=title)

    def void(self, req: Request) -> Response:
        doc = self._load(req)
        try:
            result = self.ctx.service.void(doc.id, reason=req.form.get("reason", ""), actor=actor_of(req))
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            status, message = guard.friendly(exc)
            return self._confirm(req, "void", error=message, status=status)
        return Response.redirect(self._view_url(doc.id), flashes=[
            ("success", _("Invoice %(number)s was voided by credit note %(credit_note)s.",
                          number=doc.display_number, credit_note=result.credit_note.invoice_number))])

    def reissue(self, req: Request) -> Response:
        doc = self._load(req)
        try:
            result = self.ctx.service.reissue(doc.id, reason=req.form.get("reason", ""), actor=actor_of(req))
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            status, message = guard.friendly(exc)
            return self._confirm(req, "reissue", error=message, status=status)
        return Response.redirect(self._view_url(result.draft.id), flashes=[
            ("success", _("Invoice %(number)s was voided by credit note %(credit_note)s. This corrected draft "
                          "replaces it: change what was wrong, then post it with Send to Customer.",
                          number=doc.display_number, credit_note=result.credit_note.invoice_number))])


def _payload(form: Any, left: Creditable, typed: Callable[[str], str] = str) -> dict[str, Any]:
    """The service payload of the Create Credit Note form (``typed``: reads a number as the
    page's locale writes it).

    Fields: ``mode`` (``full`` or ``partial``), ``qty_<position>`` per line,
    ``amount_<rate>`` per tax rate, ``reason``, ``settlement`` (``outside``, ``credit``, or
    ``refund:<transaction id>``), ``buyer_reference``.
    """
    payload: dict[str, Any] = {"reason": form.get("reason", "")}
    if (form.get("buyer_reference") or "").strip():
        payload["buyer_reference"] = form.get("buyer_reference")
    settlement, _sep, transaction = (form.get("settlement") or "").partition(":")
    if settlement:
        payload["settlement"] = settlement
    if transaction:
        payload["transaction_id"] = _int(transaction, "transaction_id")
    if form.get("mode") == "full":
        payload["full"] = True
        return payload
    lines = [{"line": line.position, "quantity": raw} for line in left.lines
             if _given(raw := typed((form.get(f"qty_{line.position}") or "").strip()))]
    amounts = [{"tax_rate": format(rate, "f"), "amount": raw} for rate in left.rates
               if _given(raw := typed((form.get(f"amount_{rate_key(rate)}") or "").strip()))]
    payload["lines"], payload["amounts"] = lines, amounts
    return payload


_ITEM = re.compile(r"(lines|amounts)\[(\d+)\]\.\w+")
#: What a message about a line's quantity or a rate's amount names when it says which one.
_SUBJECT = {"lines": "line", "amounts": "rate"}
#: The fields of how money already paid is settled (the "Money already paid" choices).
_SETTLEMENT_FIELDS = frozenset({"settlement", "transaction_id"})


def in_form_terms(exc: ValidationError | Conflict, payload: dict[str, Any]) -> ValidationError | Conflict:
    """``exc`` worded for the form rather than the API: a line's or a tax rate's problem under
    that field's label (or alone, when the message names that line or rate itself), and "say
    what to credit" as the form asks it. An e-invoice's broken rules are no fields: ``exc`` as it
    is, whose message names each rule with its id ("[BR-DE-15] …"), as a refused posting does."""
    if not isinstance(exc, ValidationError) or isinstance(exc, EInvoiceInvalid):
        return exc
    worded: list[tuple[str, str]] = []
    for field, message in exc.errors:
        item = _ITEM.fullmatch(field)
        if field == "lines" and getattr(message, "msgid", message) == NOTHING_TO_CREDIT:
            worded.append(("", Message("Enter a quantity or an amount to credit, or choose everything that "
                                       "remains.")))
        elif field in _SETTLEMENT_FIELDS:                 # under the form's own heading for them
            problem = message if isinstance(message, Message) else Message(message)
            worded.append(("", Message("%(field)s: %(problem)s", field=Message("Money already paid"), problem=problem)))
        elif item is None:
            worded.append((field, message))
        elif isinstance(message, Message) and _SUBJECT[item.group(1)] in message.values:
            worded.append(("", message))                  # it names the line or rate itself
        else:
            given = payload[item.group(1)][int(item.group(2))]   # the errors index the payload's own lists
            label = (Message("Quantity of line %(position)s to credit", position=given["line"])
                     if item.group(1) == "lines" else
                     Message("Amount at %(rate)s tax", rate=Percent(Decimal(given["tax_rate"]))))
            problem = message if isinstance(message, Message) else Message(message)   # a catalog message
            worded.append(("", Message("%(field)s: %(problem)s", field=label, problem=problem)))
    return ValidationError(worded)


def placed(exc: ValidationError | Conflict, worded: ValidationError | Conflict,
           doc: InvoiceDocument) -> dict[str, str]:
    """The problems of ``exc`` (``worded``: as ``in_form_terms`` words it) shown beside their fields
    of ``PLACED``, in the page's language: an e-invoice refused for want of a buyer reference
    (Peppol's R003, XRechnung's BR-DE-15) beside the Buyer reference field."""
    found = {field: problem for field, problem in guard.field_errors(worded).items()
             if field in PLACED} if isinstance(worded, ValidationError) else {}
    if isinstance(exc, EInvoiceInvalid) and any(rule in NO_BUYER_REFERENCE for rule, _text in exc.errors):
        found.setdefault("buyer_reference", _("The credit note's e-invoice needs a buyer reference (BT-10), and "
                                              "neither invoice %(number)s nor its customer states one: enter the "
                                              "buyer's reference here.", number=doc.display_number))
    return found


def _given(raw: str) -> bool:
    """A field the admin filled in: anything but empty or zero (a bad number is checked later)."""
    try:
        return bool(raw) and Decimal(raw) != 0
    except ArithmeticError:
        return bool(raw)


def _int(raw: str, field: str) -> int:
    """The id of the payment a refund settles; one the form never lists is no payment."""
    if not raw.strip().isdigit():
        raise ValidationError([(field, Message("That payment does not exist."))])
    return int(raw)


def rate_key(rate: Decimal) -> str:
    """A form-field-safe name of a tax rate ("0.19" → "0_19")."""
    return format(rate, "f").replace(".", "_")
