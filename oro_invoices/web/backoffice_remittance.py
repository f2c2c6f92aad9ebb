"""**Record Payment** for the invoices ticked on the grid: one payment received for several
invoices, such as a customer's bank transfer that settles a list of them
(``services.remittances``).

The form lists the ticked invoices that can take a share, oldest due date first, each with its
amount due as its share; typing the amount received and pressing **Spread** shares it out oldest
first instead. The invoices that cannot take one are listed with the reason. Recording checks
every share and the shared fields (method, day, reference, notes) first: a problem shows the
form again with it beside its field, and nothing is recorded. The page then says what became of
each invoice. Needs ``oro_invoices.manage_payments``.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import parse_id
from oro_invoices.domain.money import AMOUNT_LIMIT, is_decimal_text, minor_units, parse_decimal, round_money
from oro_invoices.i18n import _, ngettext
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services import follow_ups, remittances
from oro_invoices.services.manual_payments import OFFLINE_METHODS, earliest_received
from oro_invoices.services.selected_invoices import MAX_SELECTED
from oro_invoices.web import guard
from oro_invoices.web.backoffice_actions import actor_of, warning_flashes
from oro_invoices.web.backoffice_payments import PERMISSION, received_day
from oro_invoices.web.backoffice_selection import SelectionPages, organization_of
from oro_invoices.web.http import Request, Response

#: The shared fields of the form, as the page sends them back when it shows a problem.
FIELDS = ("method", "received_on", "reference", "notes", "request_key", "received", "keep_surplus", "surplus")
#: The fields the form shows a problem beside (the others, above the form).
PLACED = ("method", "received_on", "reference", "notes", "request_key", "received", "amount")
#: The field of an invoice's share (``remittances.Share.field``).
SHARE_FIELD = re.compile(r"amount-(\d+)")


class RemittancePages:
    """Record Payment for the ticked invoices: the form, and recording it."""

    def __init__(self, selection: SelectionPages):
        self.selection = selection
        self.backoffice = selection.backoffice
        self.ctx = selection.ctx

    def form(self, req: Request) -> Response:
        """The shares of the payment (each invoice's amount due, or ``?received=`` spread oldest
        first) and the fields of how it was received."""
        self.backoffice.check(req, PERMISSION)
        ids, back = self.selection.selected(req.query_lists, req.query)
        if ids is None:
            return self.selection.nothing_selected(back)
        fields = {key: req.query.get(key, "") for key in FIELDS}
        errors: dict[str, str] = {}
        received = None
        # the shares of each invoice's amount due; its currency says how an amount is written
        planned = remittances.plan(self.ctx.service, ids, organization_id=organization_of(req))
        if fields["received"].strip():
            try:
                received = self._amount(req, fields["received"], "received", planned.currency)
                if received <= 0:
                    raise ValidationError([("received", _("Enter an amount above zero."))])
                planned = remittances.plan(self.ctx.service, ids, organization_id=organization_of(req),
                                           received=received)
            except ValidationError as exc:  # no amount, more decimals than the currency has, or too large
                errors = guard.field_errors(exc)
                received = None
        if received is not None:     # the spread shares are the form's amounts
            fields.update({s.field: self._share_field(req, s.amount, planned.currency) for s in planned.takers})
        status = 422 if errors else 200
        return self._page(req, planned, back, fields, errors, status=status)

    def record(self, req: Request) -> Response:
        """Record the shares; the page then says what became of each invoice."""
        self.backoffice.check(req, PERMISSION)
        form = req.form
        ids, back = self.selection.selected(req.form_lists, form)
        if ids is None:
            return self.selection.nothing_selected(back)
        organization = organization_of(req)
        fields = {key: form.get(key, "") for key in FIELDS}
        fields.update({key: value for key, value in form.items() if key.startswith("amount-")})
        day_errors: list[tuple[str, str]] = []
        try:
            day = received_day(form.get("received_on", ""))
        except ValidationError as exc:     # said with every other problem (no day: nothing is recorded)
            day, day_errors = None, exc.errors
        try:
            surplus = self._amount(req, form.get("surplus", ""), "surplus",
                                   remittances.plan(self.ctx.service, ids, organization_id=organization).currency) \
                if form.get("keep_surplus") and form.get("surplus", "").strip() else None
            with follow_ups.noted() as failed:  # committed, but what followed failed: recorded all the same
                done = remittances.record(
                    self.ctx.service, ids, self._shares(req, ids, form), organization_id=organization,
                    method=form.get("method", ""), received_on=day, reference=form.get("reference", ""),
                    notes=form.get("notes", ""), actor=actor_of(req), request_key=form.get("request_key", ""),
                    surplus=surplus)
        except ValidationError as exc:
            try:       # as the form was spread, so that what is over the amount due is offered again
                planned = remittances.plan(self.ctx.service, ids, organization_id=organization,
                                           received=self._received(req, fields))
            except ValidationError:
                planned = remittances.plan(self.ctx.service, ids, organization_id=organization)
            return self._page(req, planned, back, fields, guard.field_errors(ValidationError(day_errors + exc.errors)),
                              status=guard.friendly(exc)[0])
        formatter = self.ctx.page_formatter(req)
        recorded = [s for s in done.shares if s.outcome == remittances.RECORDED]
        kept = sum((s.transaction.surplus or Decimal(0) for s in recorded if s.transaction is not None), Decimal(0))
        summary = ngettext(
            "A payment of %(amount)s received by %(method)s on %(date)s was recorded for %(num)d invoice.",
            "A payment of %(amount)s received by %(method)s on %(date)s was recorded across %(num)d invoices.",
            len(recorded), amount=formatter.money(sum((s.amount for s in recorded), kept), done.currency),
            method=self.ctx.payment_method_label(form.get("method", "")),
            date=formatter.date(day)) if recorded else ""
        if kept:
            summary += " " + _("%(amount)s over their amount due is kept as the customer's credit.",
                               amount=formatter.money(kept, done.currency))
        html = self.ctx.render("admin/remittance.html", req, mode="result", remittance=done,
                               rows=self._rows(done), back=back, summary=summary,
                               before=sum(1 for s in done.shares if s.outcome == remittances.ALREADY_RECORDED),
                               failed=sum(1 for s in done.shares if s.error is not None))
        return Response.html(html, title=_("Payment recorded"), flashes=warning_flashes(failed, follow_ups.SAVED))

    def field_labels(self, req: Request, fields: Sequence[str]) -> dict[str, str]:
        """What the form calls the shares among ``fields``, as it labels them ("Payment for
        INV-0042"), of the invoices of the admin's organization (read at once): the names a refusal
        of the form gives them (``form_text.FieldLabels``)."""
        ids = {invoice_id: name for name in fields
               if (share := SHARE_FIELD.fullmatch(name)) and (invoice_id := parse_id(share.group(1))) is not None}
        if not ids:
            return {}
        wanted = list(ids)[:MAX_SELECTED]
        found = self.ctx.service.list_invoices(
            InvoiceFilter(invoice_ids=wanted, organization_id=organization_of(req)), limit=len(wanted))
        return {ids[doc.id]: _("Payment for %(number)s", number=doc.invoice_number or _(doc.display_number))
                for doc in found.items}

    # ---- helpers ------------------------------------------------------------------------

    def _page(self, req: Request, planned: remittances.Remittance, back: str, fields: dict[str, str],
              errors: dict[str, str], *, status: int = 200) -> Response:
        fields = dict(fields)
        for share in planned.takers:
            fields.setdefault(share.field, self._share_field(req, share.amount, planned.currency))
        shown = {*PLACED, *(share.field for share in planned.takers)}
        unplaced = [message for field, message in errors.items() if field not in shown]
        if unplaced:
            errors = {**{f: m for f, m in errors.items() if f in shown}, "": " ".join(unplaced)}
        if not fields.get("request_key"):
            fields["request_key"] = secrets.token_urlsafe(24)
        formatter = self.ctx.page_formatter(req)
        typed = [fields.get(share.field, "") for share in planned.takers]
        today = self.ctx.service.books_today(ScopeContext(organization_id=organization_of(req)))
        customers = {s.invoice.customer_id for s in planned.takers if s.invoice is not None}
        html = self.ctx.render("admin/remittance.html", req, mode="form", remittance=planned,
                               one_customer=len(customers) == 1 and None not in customers,
                               surplus_typed=self._share_field(req, planned.unallocated, planned.currency),
                               rows=self._rows(planned), back=back, fields=fields, page={"errors": errors},
                               symbols=formatter.number_symbols(), places=minor_units(planned.currency),
                               shares_total=_sum_typed(formatter, typed, planned.currency),
                               methods=OFFLINE_METHODS, today=today, earliest=earliest_received(today),
                               ids=[s.invoice_id for s in planned.shares if s.invoice is not None])
        return Response.html(html, status=status, title=_("Record Payment"))

    def _received(self, req: Request, fields: dict[str, str]) -> Decimal | None:
        """The amount received the form was spread from (None: none, or none that reads)."""
        try:
            received = self._amount(req, fields.get("received", ""), "received", "") if fields.get("received") else None
        except ValidationError:
            return None
        return received if received is not None and received > 0 else None

    def _amount(self, req: Request, typed: str, field: str, currency: str) -> Decimal:
        """An amount in ``currency`` typed in the page's number format.

        :raises ValidationError: text that is no amount (under ``field``).
        """
        amount = parse_decimal(self.ctx.page_formatter(req).typed_number(typed.strip()), field, currency)
        if not amount.is_finite():
            raise ValidationError([(field, _("Enter an amount."))])
        return amount

    def _shares(self, req: Request, ids: list[int], form: Any) -> dict[int, str]:
        """The amount typed for each invoice, read in the page's number format ("": left empty)."""
        formatter = self.ctx.page_formatter(req)
        return {invoice_id: formatter.typed_number(str(form.get(f"amount-{invoice_id}", "") or "").strip())
                for invoice_id in ids}

    def _share_field(self, req: Request, amount: Decimal, currency: str) -> str:
        """A share as its field shows it: as the currency writes it in the page's number format
        ("10,50" in German), empty for none (an empty share leaves its invoice out)."""
        return self.ctx.page_formatter(req).field_amount(amount, currency) if amount else ""

    def _rows(self, remittance: remittances.Remittance) -> list[dict[str, Any]]:
        rows = []
        for share in remittance.shares:
            doc = share.invoice
            number = (doc.invoice_number or _(doc.display_number)) if doc is not None else f"#{share.invoice_id}"
            problem = _(share.problem) if share.problem else (guard.friendly(share.error)[1] if share.error else "")
            rows.append({"share": share, "invoice": doc, "number": number, "problem": problem})
        return rows


def _sum_typed(formatter: Any, typed: list[str], currency: str) -> Decimal | None:
    """The sum of the shares as typed (empty: none), each read as recording reads it
    (``services.remittances.record``); None while one is a share recording refuses: no decimal
    number (an exponent), below zero, more decimals than ``currency`` has, or too large.
    The page's script keeps the total the same way while the shares are edited."""
    total = Decimal(0)
    for text in typed:
        if not text.strip():
            continue
        plain = formatter.typed_number(text.strip())
        if not is_decimal_text(plain):
            return None
        amount = Decimal(plain)
        if amount < 0 or abs(amount) >= AMOUNT_LIMIT or (currency and round_money(amount, currency) != amount):
            return None
        total += amount
    return total
