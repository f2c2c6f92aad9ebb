"""**Match Bank Statement**: the payments of a statement file an admin downloaded from the bank
(CAMT XML, MT940, BAI2 or CSV, ``services.bank_statement_files``), each with the invoices its remittance
information names (``services.bank_matching``) and how its amount compares with what they owe.

Each payment leads to the grid's Record Payment form (``backoffice_remittance``) filled in with
its invoices (or the one suggested by its amount), amount, day and reference, where the admin checks the shares and records it; a
payment recorded so before is said. **Record them** records the ticked payments that pay exactly
what their invoices owe, and those ticked that bring more than their invoices of one customer owe,
what is over kept as that customer's credit: as much as the box said, else not recorded. Nothing is written by the upload itself. Needs
``oro_invoices.manage_payments`` and an admin of an organization (invoice numbers are looked up
in theirs).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from oro_invoices.domain.errors import ValidationError
from oro_invoices.i18n import _
from oro_invoices.persistence.queries import NAME_PREFIX_MAX
from oro_invoices.services import follow_ups
from oro_invoices.services.bank_matching import (
    DAMAGED,
    MATCHED,
    NOT_FOUND,
    SUGGESTED,
    EntryMatch,
    MatchedPayment,
    bank_note,
    match_entries,
    record_matched,
)
from oro_invoices.services.bank_statement_files import MAX_BYTES, UnreadableStatement, read_statement
from oro_invoices.web import guard
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.backoffice_actions import actor_of, warning_flashes
from oro_invoices.web.backoffice_payments import PERMISSION
from oro_invoices.web.backoffice_selection import ENDPOINT_INDEX, organization_of, remittance_form_url
from oro_invoices.web.http import Request, Response

TEMPLATE = "admin/bank_statement.html"
FIELD = "statement"
#: The form field of each payment that pays exactly what its invoices owe, on the payments page.
MATCHED_FIELD = "payment"
#: The form field of each payment that brings more than its invoices of one customer owe, to
#: record keeping what is over as that customer's credit.
KEEP_FIELD = "keep_surplus"


class BankStatementPages:
    """The upload form, and the statement's payments matched to invoices."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def form(self, req: Request) -> Response:
        self.pages.check(req, PERMISSION)
        return self._page(req, status=200 if organization_of(req) is not None else 403)

    def upload(self, req: Request) -> Response:
        """Read the uploaded statement and match its payments (422 when it cannot be read)."""
        self.pages.check(req, PERMISSION)
        organization_id = organization_of(req)
        if organization_id is None:
            return self._page(req, status=403)
        sent = [(name, data) for name, data in req.file_lists.get(FIELD, []) if name or data]
        if not sent:
            return self._page(req, error=_("Choose the statement file (CAMT XML, MT940, BAI2 or CSV)."), status=422)
        name, data = sent[0]
        try:
            statement = read_statement(name, data)
        except UnreadableStatement as exc:
            return self._page(req, error=_("%(file)s: %(problem)s", file=name or _("The file"), problem=_(exc.message)),
                              status=422)
        matches = match_entries(self.ctx.service, statement.entries, organization_id=organization_id)
        return self._page(req, filename=name, rows=[self._row(req, m) for m in matches], skipped=statement.skipped,
                          problems=[_(p) for p in statement.problems],
                          status=200 if statement.entries or not statement.problems else 422)

    def _row(self, req: Request, match: EntryMatch) -> dict[str, Any]:
        entry, payable = match.entry, match.payable
        record = None
        if payable and not match.recorded:
            formatter = self.ctx.page_formatter(req)
            noted = {"notes": bank_note(entry.bank_reference)} if entry.bank_reference else {}
            record = remittance_form_url(
                self.ctx, payable[0].customer_id, [d.id for d in payable], received=formatter.field_amount(entry.amount, entry.currency),
                received_on=entry.booked_on.isoformat(), reference=entry.reference, method="bank_transfer", **noted)
        exact = MatchedPayment.of(match).to_text() if match.outcome == MATCHED else None
        surplus = entry.amount - match.due if match.keeps_surplus else None
        # the surplus shown rides along: recorded only while it is still what is over
        keep = MatchedPayment.of(match, surplus=surplus).to_text() if surplus is not None else None
        # no invoice named: the grid of the customers whose names start with the payer's, to tick them there
        payer = entry.payer[:NAME_PREFIX_MAX].strip() if match.outcome in (NOT_FOUND, SUGGESTED) else ""
        find = self.ctx.url_for(ENDPOINT_INDEX) + "?" + urlencode({"customer": payer, "status": "posted"}) \
            if payer else None
        return {"match": match, "entry": entry, "outcome": match.outcome, "record_url": record, "exact": exact,
                "keep": keep, "surplus": surplus, "find_url": find}

    def record_matched(self, req: Request) -> Response:
        """**Record them**: the ticked payments that pay exactly what their invoices owe, and those
        ticked that bring more (what is over kept as the customer's credit), each as Record Payment
        for its invoices would; the page then says what became of each."""
        self.pages.check(req, PERMISSION)
        organization_id = organization_of(req)
        if organization_id is None:
            return self._page(req, status=403)
        try:
            ticked = [MatchedPayment.from_text(text) for text in req.form_lists.get(MATCHED_FIELD, [])]
            keeping = [replace(MatchedPayment.from_text(text), keep_surplus=True)
                       for text in req.form_lists.get(KEEP_FIELD, [])]
            if any(p.surplus is None for p in keeping):        # the amount the admin confirmed is part of the box
                raise ValidationError([("", DAMAGED)])
            ticked += keeping
        except ValidationError as exc:
            return self._page(req, error=guard.friendly(exc)[1], status=422)
        if not ticked:
            return self._page(req, error=_("Tick the payments to record first."), status=422)
        with follow_ups.noted() as failed:  # committed, but what followed failed: recorded all the same
            results = record_matched(self.ctx.service, ticked, organization_id=organization_id, actor=actor_of(req))
        rows = [{"payment": r.payment, "shares": r.recorded_shares, "outcome": r.outcome,
                 "problem": _(r.why) if r.why else "", "kept": r.kept if r.outcome == "recorded" else 0}
                for r in results]
        recorded = sum(1 for r in rows if r["outcome"] == "recorded")
        return self._page(req, recorded_rows=rows, recorded=recorded, flashes=warning_flashes(failed, follow_ups.SAVED))

    def _page(self, req: Request, *, filename: str = "", rows: list[dict[str, Any]] | None = None,
              skipped: int = 0, problems: list[str] | None = None, error: str = "", status: int = 200,
              recorded_rows: list[dict[str, Any]] | None = None, recorded: int = 0,
              flashes: list[tuple[str, str]] | None = None) -> Response:
        html = self.ctx.render(TEMPLATE, req, filename=filename, rows=rows, skipped=skipped, problems=problems or [],
                               form_error=error, organization=organization_of(req),
                               max_mib=MAX_BYTES // (1024 * 1024), recorded_rows=recorded_rows, recorded=recorded,
                               exact=[r for r in rows or [] if r["exact"]], keeping=[r for r in rows or [] if r["keep"]])
        return Response.html(html, status=status, title=_("Match Bank Statement"), flashes=flashes)
