"""What a posted invoice must carry. Checked whenever an invoice is posted, by any path.

A posted invoice is a legal document that can never be corrected, so it must name
its buyer and their billing address, say when it is due, and carry plausible dates.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import InvoiceDocument, SellerInfo
from oro_invoices.domain.limits import parse_day
from oro_invoices.domain.messages import Message, PluralMessage
from oro_invoices.domain.payment_terms import due_date_differs, parse_days

#: What a posted invoice's billing address must have, each part's message when it is missing.
REQUIRED_ADDRESS_PARTS = {
    "street": Message("A posted invoice's billing address needs a street."),
    "city": Message("A posted invoice's billing address needs a city."),
    "country": Message("A posted invoice's billing address needs a country."),
}


@dataclass(frozen=True)
class YearRange:
    """The calendar years a posted invoice's dates may fall in (both included)."""

    earliest: int
    latest: int

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.earliest <= day.year <= self.latest

    def describe(self) -> Message:
        return Message("between %(first)s and %(last)s", first=dt.date(self.earliest, 1, 1),
                       last=dt.date(self.latest, 12, 31))


def posting_problems(*, customer_name: str | None, bill_to: Mapping[str, Any] | None,
                     invoice_date: dt.date | None, due_date: dt.date | None,
                     years: YearRange) -> list[tuple[str, str]]:
    """``(field, message)`` for each requirement of a posted invoice that is not met."""
    problems: list[tuple[str, str]] = []
    if not (customer_name or "").strip():
        problems.append(("customer_name", Message("A posted invoice needs the buyer's name.")))
    if not bill_to or not any(str(v or "").strip() for v in bill_to.values()):
        problems.append(("bill_to", Message("A posted invoice needs the buyer's billing address (at least street, "
                                            "city and country).")))
    else:
        for part, missing in REQUIRED_ADDRESS_PARTS.items():
            if not str(bill_to.get(part) or "").strip():
                problems.append((f"bill_to.{part}", missing))
    if due_date is None:
        problems.append(("due_date", Message("A posted invoice needs a due date.")))
    return problems + date_problems(invoice_date, due_date, years)


def date_problems(invoice_date: dt.date | None, due_date: dt.date | None,
                  years: YearRange) -> list[tuple[str, str]]:
    """``(field, message)`` for the dates an invoice could not be posted with: a due date before
    the invoice date, a date outside the plausible ``years``."""
    problems: list[tuple[str, str]] = []
    if invoice_date is not None and due_date is not None and due_date < invoice_date:
        problems.append(("due_date", Message("Must not be before the invoice date.")))
    return problems + implausible_dates(invoice_date, due_date, years)


def implausible_dates(invoice_date: dt.date | None, due_date: dt.date | None,
                      years: YearRange) -> list[tuple[str, str]]:
    """``(field, message)`` for each of the dates that lies outside the plausible ``years``."""
    return [(field, Message("%(date)s is not a plausible date for an invoice: it must be %(range)s (settings "
                            "oro_invoices.posting.earliest_year and oro_invoices.posting.latest_year).", date=day,
                            range=years.describe()))
            for field, day in (("invoice_date", invoice_date), ("due_date", due_date))
            if day is not None and day not in years]


def stated_date_problems(payload: Mapping[str, Any], years: YearRange,
                         due_by_terms: Callable[[dt.date], object] | None = None) -> list[tuple[str, str]]:
    """The date problems of a payload that did not load for another field's error, so that they
    are reported with it rather than after it is mended: its implausible dates (each a
    ``YYYY-MM-DD`` day) and, for an invoice without a due date, the ``ValidationError`` of
    ``due_by_terms(invoice date)`` (a due date by the Days to Pay past the last day there is)."""
    invoice_date = parse_day(payload.get("invoice_date"))
    problems = implausible_dates(invoice_date, parse_day(payload.get("due_date")), years)
    if (due_by_terms is not None and invoice_date in years and payload.get("due_date") is None
            and payload.get("document_type") != "credit_note"):
        try:
            due_by_terms(invoice_date)  # type: ignore[arg-type]  # in years: a date
        except ValidationError as exc:
            problems += exc.errors
    return problems


def seller_gap(seller: SellerInfo) -> Message | None:
    """What an invoice posted with ``seller`` (the configured seller information) would not say
    about who issues it, in words for the admin about to post it; None when it names the seller's
    company and address. Posting is not refused for it: the words only say what to set first."""
    named = bool(seller.company_name.strip())
    placed = bool(seller.business_address.strip() or (seller.street.strip() and seller.city.strip()))
    if named and placed:
        return None
    if not named and not placed:
        return Message("The seller's company name and address are not set, so once posted this invoice and its "
                       "emails would not say who issues it. Set them under Seller Information in the invoice "
                       "settings before posting.")
    if not named:
        return Message("The seller's company name is not set, so once posted this invoice and its emails would not "
                       "name who issues it. Set it under Seller Information in the invoice settings before posting.")
    return Message("The seller's address is not set, so once posted this invoice would not say where its issuer "
                   "is. Set it under Seller Information in the invoice settings before posting.")


def terms_gap(seller: SellerInfo, invoice: InvoiceDocument) -> Message | None:
    """Words for the admin about to post ``invoice`` when its due date gives other days to pay
    than ``seller``'s Days to Pay for its customer; None when they agree or say nothing."""
    return due_date_differs(invoice.invoice_date, invoice.due_date, parse_days(seller.payment_days))


def off_terms_drafts(drafts: Sequence[InvoiceDocument],
                     seller_of: Callable[[InvoiceDocument], SellerInfo]) -> Message | None:
    """Words for the admin about to post ``drafts`` at once, naming those whose due dates give
    other days to pay than their customers' Days to Pay (``seller_of`` a draft); None if none."""
    off = [d.display_number for d in drafts if terms_gap(seller_of(d), d) is not None]
    if not off:
        return None
    return PluralMessage("The due date of %(num)d draft gives other days to pay than its customer's payment terms "
                         "(Days to Pay): %(drafts)s. Open it to change the due date if that is not what was agreed.",
                         "The due dates of %(num)d drafts give other days to pay than their customers' payment "
                         "terms (Days to Pay): %(drafts)s. Open them to change the due dates if that is not what "
                         "was agreed.", len(off), drafts=tuple(off))
