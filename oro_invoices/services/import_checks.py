"""Checking an import's records: every record is checked before anything is committed.

``Checker`` checks a record through the API's schema (``load_input``), its organization, a
repeated external id, its PDF and an e-invoice's stated totals (``check_alone``: what needs
only the record and the ones before it), then an e-invoice's seller, the organization's
posting requirements and, with a host, its parties, an e-invoice's buyer found among the
customers first (``context_problems``). Every problem is a ``Problem`` naming the record (a
CSV line's problem: that line's row) and the field.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import given_id
from oro_invoices.domain.messages import Message
from oro_invoices.domain.posting import YearRange, date_problems, posting_problems, stated_date_problems
from oro_invoices.services.import_einvoices import match_customer, seller_problems, totals_problems
from oro_invoices.services.import_reading import Problem, Record
from oro_invoices.services.import_spool import SeenKeys
from oro_invoices.services.schemas import load_input
from oro_invoices.services.tenancy import check_parties

if TYPE_CHECKING:
    from oro_invoices.adapters.base import HostAdapter

__all__ = ["Checker", "payload_of", "problem_at"]

_LINE_PATH = re.compile(r"^lines\[(\d+)\](.*)$")


class Checker:
    """Checks records one by one, fully, before anything is committed.

    ``organization_id`` None: every record must name its organization. With ``years``,
    records to be posted are checked against the posting requirements; with ``seller_ids``
    (an organization's own VAT id and tax number), an e-invoice's seller against them; with a ``host``,
    the parties (customer, customer user, website, order) are checked like the API checks
    them. Duplicate external ids are found across everything checked by one checker.
    """

    def __init__(self, organization_id: int | None,
                 years: YearRange | Callable[[int], YearRange] | None = None,
                 host: HostAdapter | None = None, seller_ids: Callable[[int], tuple[str, str]] | None = None,
                 due_by_terms: Callable[[Mapping[str, Any]], dt.date | None] | None = None):
        self.organization_id = organization_id
        self.years = years
        #: the due date an invoice without one is given (its customer's Days to Pay), as create gives it
        self.due_by_terms = due_by_terms
        self.host = host
        #: an organization's VAT id and tax number, its e-invoices' seller is checked against
        self.seller_ids = seller_ids
        self._seller_ids: dict[int, tuple[str, str]] = {}
        self.seen = SeenKeys()
        self._years: dict[int, YearRange] = {}
        #: what the record checked last loaded to (``load_input``), None if it did not load
        self.loaded: dict[str, Any] | None = None

    def years_of(self, organization_id: int) -> YearRange | None:
        """The plausible years of ``organization_id`` (its own settings)."""
        if self.years is None or isinstance(self.years, YearRange):
            return self.years
        if organization_id not in self._years:
            self._years[organization_id] = self.years(organization_id)
        return self._years[organization_id]

    def check(self, record: Record) -> list[Problem]:
        """Add every problem of ``record`` to ``record.problems``; return them."""
        split = self.check_alone(record)
        if self.loaded is not None:
            record.problems[split:split] = self.context_problems(record, self.loaded)
        elif not record.fatal:
            record.problems[split:split] = self.unloaded_problems(record)
        return record.problems

    def unloaded_problems(self, record: Record) -> list[Problem]:
        """The problems of ``record``, which did not load, against the organization's settings
        that its values still show: implausible dates, reported beside its other problems."""
        org = given_id(payload_of(record, self.organization_id).get("organization_id"))
        if not record.payload or org is None:
            return []
        years = self.years_of(org)
        if years is None:
            return []
        terms = self.due_by_terms
        scope = {key: given_id(record.payload.get(key)) for key in ("website_id", "customer_id")}
        due = None if terms is None else (
            lambda day: terms({"organization_id": org, **scope, "invoice_date": day}))
        return [problem_at(record, f, m) for f, m in stated_date_problems(record.payload, years, due)]

    def check_alone(self, record: Record) -> int:
        """Add the problems ``record`` has on its own and among the records checked before it
        (the schema, the organization, a repeated external id, its PDF) to ``record.problems``.

        Returns where in them the problems of ``context_problems`` belong, so that both
        together read in the order ``check`` gives them. ``loaded`` is set.
        """
        problems = record.problems
        self.loaded = None
        if not record.payload and problems:
            return len(problems)
        payload = payload_of(record, self.organization_id)
        org = payload.get("organization_id")
        try:
            self.loaded = load_input(payload)
        except ValidationError as exc:
            problems += [problem_at(record, f, m) for f, m in exc.errors]
        if org is None:
            problems.append(Problem(record.location, "organization_id",
                                    Message("Give --organization or an organization_id in every record.")))
        elif self.organization_id is not None and org != self.organization_id:
            problems.append(Problem(record.location, "organization_id",
                                    Message("This import is for organization %(id)s.", id=self.organization_id)))
        if self.loaded is not None and record.einvoice is not None:
            problems += totals_problems(record, self.loaded)
        split = len(problems)
        problems += self._identity_problems(record, payload, org)
        problems += _pdf_problems(record, payload)
        return split

    def context_problems(self, record: Record, loaded: dict[str, Any]) -> list[Problem]:
        """The problems of ``record`` (which loaded to ``loaded``) against the organization's
        settings (an e-invoice's seller, the posting requirements) and, with a host, its parties
        (an e-invoice's buyer is given the customer with its VAT id first)."""
        problems: list[Problem] = []
        if record.einvoice is not None and self.seller_ids is not None:
            org = loaded["organization_id"]
            if org not in self._seller_ids:
                self._seller_ids[org] = self.seller_ids(org)
            problems += seller_problems(record, *self._seller_ids[org])
        if self.host is not None and record.einvoice is not None:
            problems += match_customer(record, loaded, self.host.customers)
        years = self.years_of(loaded["organization_id"])
        if years is not None:
            dated = loaded
            if (self.due_by_terms is not None and loaded.get("due_date") is None
                    and loaded.get("document_type") != "credit_note"
                    and loaded.get("invoice_date") in years):  # as create will date it
                try:
                    dated = {**loaded, "due_date": self.due_by_terms(loaded)}
                except ValidationError as exc:
                    problems += [problem_at(record, f, m) for f, m in exc.errors]
            if loaded.get("status") == "posted":
                problems += [problem_at(record, f, m)
                             for f, m in _posting_problems(dated, years, self.host is not None)]
            else:  # a draft is refused dates it could never be posted with, as create refuses them
                problems += [problem_at(record, f, m)
                             for f, m in date_problems(dated.get("invoice_date"), dated.get("due_date"), years)]
        if self.host is not None:
            try:
                check_parties(self.host, loaded)
            except ValidationError as exc:
                problems += [problem_at(record, f, m) for f, m in exc.errors]
        return problems

    def _identity_problems(self, record: Record, payload: dict[str, Any], org: Any) -> list[Problem]:
        ext = payload.get("external_id")
        if not ext:
            return [Problem(record.location, "external_id", Message("Imported invoices need an external_id."))]
        first = self.seen.first(repr((org, str(ext))), record.location)
        if first is not None and record.einvoice is not None:   # its number is its external id
            return [Problem(record.location, "BT-1", Message(
                "Repeats the e-invoice of %(first)s: both are invoice %(number)s, which is imported once.",
                first=first, number=str(ext)))]
        if first is not None:
            return [Problem(record.location, "external_id",
                            Message("Repeats the invoice of %(first)s (in a CSV, the rows of one invoice must be "
                                    "next to each other).", first=first))]
        number = payload.get("invoice_number")
        if isinstance(number, str) and number:
            first = self.seen.first(repr(("invoice_number", org, number)), record.location)
            if first is not None:
                return [Problem(record.location, "invoice_number", Message(
                    "Invoice number %(number)s is also the number of %(first)s: each invoice of an organization "
                    "has its own number.", number=number, first=first))]
        return []


def payload_of(record: Record, organization_id: int | None) -> dict[str, Any]:
    """The record's payload, with the import's ``organization_id`` where the record names none."""
    if organization_id is None:
        return dict(record.payload)
    return {"organization_id": organization_id, **record.payload}


def problem_at(record: Record, field_path: str, message: str) -> Problem:
    """A problem on ``field_path``; a CSV line's problem is placed on the line's own row."""
    match = _LINE_PATH.match(field_path)
    if match and record.line_locations:
        index = int(match.group(1))
        if index < len(record.line_locations):
            return Problem(record.line_locations[index], field_path, message)
    return Problem(record.location, field_path, message)


def _pdf_problems(record: Record, payload: dict[str, Any]) -> list[Problem]:
    if record.pdf_path is None:
        return []
    try:
        with record.pdf_path.open("rb") as fh:
            head = fh.read(5)
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError):  # zip: damaged, encrypted
        return [Problem(record.location, "pdf_file", Message("%(path)s cannot be read.", path=str(record.pdf_path)))]
    if head != b"%PDF-":
        return [Problem(record.location, "pdf_file", Message("%(path)s is not a PDF.", path=str(record.pdf_path)))]
    if payload.get("status") != "posted":
        return [Problem(record.location, "pdf_file", Message("Only a posted invoice can have a PDF."))]
    return []


def _posting_problems(loaded: dict[str, Any], years: YearRange, names_from_host: bool) -> list[tuple[str, str]]:
    problems = posting_problems(customer_name=loaded.get("customer_name"), bill_to=loaded.get("bill_to"),
                                invoice_date=loaded.get("invoice_date"), due_date=loaded.get("due_date"),
                                years=years)
    if names_from_host and loaded.get("customer_id") is not None:
        problems = [p for p in problems if p[0] != "customer_name"]
    return problems
