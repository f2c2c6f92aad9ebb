"""The activity statement (balance forward) of a customer over a period: per currency, what they
owed when it began, every invoice, credit note, payment and refund dated in it with the balance
after each (and an invoice settled outside the add-on: its payment status set from outside to
paid, void, canceled or credited, for what it still owed), and what they owe at its end.

Beside the open-item statement (``services.statement``: what is still open today), this is the
account's history, as accountants reconcile it at month end. It is made from the customer's
ledger (``persistence.ledger.ledger_within``): the opening balance adds up every entry before the
period (the payments' and refunds' summed by the database), and only the period's payments are
read. Amounts in different currencies are
never added up. The closing balance counts every posted invoice, paid or not, and can differ
from the open-item statement's total due where a payment status takes an invoice out of what
is owed (its payment canceled in full); an invoice whose payment is authorized is owed in both
until it is captured.

Of a customer's whole account (a customer's, a department or corporate user's) the closing
balance is what its invoices owe less the customer's credit: the statement's total due less
its credit, the aging's net. Of one customer user's invoices (the Own role), which do not show
the customer's credit, it is what those invoices still owe, as their balance says: the money
that went from them into the credit and the credit applied to them are entries of their own.

A refund counts up to what was paid: what a provider refunded beyond it (an over-refund) is no
part of what is owed, as the invoice's amount due leaves it out; an entry of its own
(``refunded_beyond``) says how much, moving no balance. A payment made after it covers it first,
as the amount due counts it: the payment counts the rest, and ``covered_beyond`` says how much.
So does the customer's credit applied to it: of one user's invoices ``credit_applied`` counts the
rest; of a whole account (where credit applied is otherwise no entry, as it moves nothing) what
it covered is a ``credit_applied`` entry that adds it, as it left the credit and paid nothing owed.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from oro_invoices.domain.errors import InvoiceError, NotFound, PdfFailed, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument, PaymentStatus
from oro_invoices.domain.messages import N_, Amount, Message
from oro_invoices.domain.money import from_minor
from oro_invoices.formatting.spreadsheet import CsvWriter
from oro_invoices.i18n import gettext
from oro_invoices.persistence.ledger import (
    COVERED_BEYOND,
    CREDIT_APPLIED,
    CREDIT_KEPT,
    CREDIT_NOTE,
    CREDIT_TAKEN_BACK,
    GIVEN_BACK,
    INVOICE,
    PAID_OUT,
    PAYMENT,
    REFUND,
    REFUNDED_BEYOND,
    SETTLED,
    LedgerEntry,
    ledger_within,
)
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.context import ActivityRenderer, DocumentScope, Renderer, ServiceContext
from oro_invoices.services.seller_terms import statement_seller
from oro_invoices.services.statement import customer_of

#: The longest period one statement covers.
MAX_DAYS = 3 * 366 + 1
#: The CSV's columns: an opening row, a row per entry, a closing row, by currency. ``kind`` is the
#: entry's code for programs (``opening_balance``, ``invoice`` … ``closing_balance``); ``entry`` is
#: the entry as the page writes it, in the language of the output being made (``i18n.using``).
CSV_COLUMNS = ("currency", "date", "kind", "entry", "number", "reference", "charges", "credits", "balance")
#: How each kind of entry is named on the pages and the PDF (its invoice's number as ``number``; a
#: settlement's payment status as ``status``; the customer its invoice names as ``customer``; what
#: was refunded beyond what was paid, or what a payment covered of that, as ``amount``).
ENTRY_LABELS = {INVOICE: N_("Invoice %(number)s"), CREDIT_NOTE: N_("Credit note %(number)s"),
                PAYMENT: N_("Payment for %(number)s"), REFUND: N_("Refund for %(number)s"),
                REFUNDED_BEYOND: N_("Refunded beyond what was paid for %(number)s: %(amount)s, not in the balance"),
                COVERED_BEYOND: N_("Of the payment for %(number)s, %(amount)s covered what was refunded beyond what "
                                   "was paid, not in the balance"),
                SETTLED: N_("Settled elsewhere: %(number)s (%(status)s)"),
                GIVEN_BACK: N_("Given back outside the add-on: %(number)s"),
                PAID_OUT: N_("Credit given back outside the add-on"),
                CREDIT_KEPT: N_("Kept as %(customer)s's credit: %(number)s"),
                CREDIT_TAKEN_BACK: N_("Taken back from %(customer)s's credit: %(number)s"),
                CREDIT_APPLIED: N_("Customer credit applied to %(number)s")}
#: Of a whole account, credit applied that covered what was refunded beyond what was paid: what it
#: took out of the credit (it paid nothing the invoice owed) adds to the balance.
COVERING_LABEL = N_("Customer credit applied to %(number)s to cover what was refunded beyond what was paid")
#: Of one user's invoices, what credit applied covered of an over-refund first (in no balance).
COVERED_BY_CREDIT_LABEL = N_("Of the customer credit applied to %(number)s, %(amount)s covered what was refunded "
                             "beyond what was paid, not in the balance")


@dataclass(frozen=True)
class ActivityLine:
    """One entry of the period, and what the customer owed after it."""

    on: dt.date
    #: ``invoice``, ``credit_note``, ``payment``, ``refund``, ``refunded_beyond`` (what a refund gave
    #: back beyond what was paid: ``beyond``, in no balance), ``covered_beyond`` (what a payment
    #: covered of that first: ``beyond``, in no balance), ``settled``, ``given_back``, ``paid_out``, and in a view of one user's invoices ``credit_kept``, ``credit_taken_back``
    #: and ``credit_applied`` (``persistence.ledger``); of a whole account ``credit_applied`` only for
    #: what credit applied covered of an over-refund (a charge)
    kind: str
    #: the invoice or credit note it is of (None: credit paid out)
    invoice_id: int | None
    number: str
    #: what it added to what is owed (negative: a credit note, a payment)
    amount: Decimal
    balance: Decimal
    #: a payment's or refund's method as people read it, and its reference
    method: str = ""
    reference: str = ""
    #: the customer name its invoice carries (a corporate user's sub-customers differ)
    customer_name: str = ""
    #: a settlement's payment status, as set from outside
    status: str = ""
    #: refunded beyond: what its refund gave back beyond what was paid; covered beyond: what its
    #: payment covered of that (its ``amount`` is 0)
    beyond: Decimal | None = None
    #: covered beyond: the kind of the entry it follows when that is not a payment (``credit_applied``)
    follows: str = ""

    @property
    def label(self) -> str:
        """How the entry is named (``ENTRY_LABELS``; to be translated with ``number``, ``status``,
        ``customer`` and ``amount``, ``beyond`` as money)."""
        if self.kind == CREDIT_APPLIED and self.amount > 0:
            return COVERING_LABEL
        if self.kind == COVERED_BEYOND and self.follows == CREDIT_APPLIED:
            return COVERED_BY_CREDIT_LABEL
        return ENTRY_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        """A settlement's payment status as people read it (untranslated); "" for the others."""
        return PaymentStatus(self.status).label if self.status else ""

    @property
    def charge(self) -> Decimal | None:
        """What it added (an invoice, a refund, credit kept), else None."""
        return self.amount if self.amount > 0 else None

    @property
    def credit(self) -> Decimal | None:
        """What it took off (a credit note, a payment, credit applied), else None."""
        return -self.amount if self.amount < 0 else None


@dataclass(frozen=True)
class ActivitySection:
    """The period in one currency."""

    currency: str
    opening: Decimal
    lines: list[ActivityLine]

    @property
    def closing(self) -> Decimal:
        """What the customer owes at the period's end."""
        return self.lines[-1].balance if self.lines else self.opening

    @property
    def charges(self) -> Decimal:
        """The sum of the period's invoices and refunds."""
        return sum((line.charge for line in self.lines if line.charge is not None), from_minor(0, self.currency))

    @property
    def credits(self) -> Decimal:
        """The sum of the period's credit notes and payments."""
        return sum((line.credit for line in self.lines if line.credit is not None), from_minor(0, self.currency))


@dataclass(frozen=True)
class ActivityStatement:
    """A customer's activity from ``start`` to ``end`` (both included), a section per currency
    with an opening balance or an entry (in code order)."""

    start: dt.date
    end: dt.date
    organization_id: int | None
    customer_id: int
    customer_name: str
    sections: list[ActivitySection]
    #: The customer's latest invoice up to ``end`` (its bill-to address heads the PDF), if any.
    latest_invoice_id: int | None = field(default=None, compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.sections


def check_period(start: dt.date | None, end: dt.date | None, *, last: dt.date | None = None) -> None:
    """:raises ValidationError: a day missing, a period that ends before it starts or is longer
    than ``MAX_DAYS``, or (given ``last``, today) a day after ``last``: nothing has happened then."""
    errors: list[tuple[str, Message | str]] = []
    if start is None:
        errors.append(("from", Message("Enter the first day of the period as YYYY-MM-DD.")))
    elif last is not None and start > last:
        errors.append(("from", Message("Choose a day up to today (%(today)s): the period cannot start in the future.",
                                       today=last)))
    if end is None:
        errors.append(("to", Message("Enter the last day of the period as YYYY-MM-DD.")))
    elif last is not None and end > last:
        errors.append(("to", Message("Choose a day up to today (%(today)s): the period cannot end in the future.",
                                     today=last)))
    if start is not None and end is not None:
        if end < start:
            errors.append(("to", Message("The period ends before it starts.")))
        elif (end - start).days >= MAX_DAYS:
            errors.append(("to", Message("A statement covers at most three years.")))
    if errors:
        raise ValidationError(errors)


def activity_statement(ctx: ServiceContext, customer_id: int, *, start: dt.date | None, end: dt.date | None,
                       organization_id: int | None = None, currency: str | None = None,
                       label_of: Callable[[str], str] = str) -> ActivityStatement:
    """The activity statement of the host's customer ``customer_id`` (of ``organization_id``;
    None: the customer's own) from ``start`` to ``end``; ``label_of`` names a payment method.

    :raises ValidationError: a bad period (``check_period``), one ending after today in the time
        zone of the statement's organization among them.
    :raises NotFound: as ``statement.statement_of``.
    """
    if start is None or end is None:
        check_period(start, end)
    organization_id, name = customer_of(ctx, customer_id, organization_id, infer=True)
    check_period(start, end, last=ctx.books_today(InvoiceFilter(organization_id=organization_id)))
    if organization_id is None:
        assert start is not None and end is not None
        return ActivityStatement(start, end, None, customer_id, name, [])
    return activity_within(ctx, InvoiceFilter(organization_id=organization_id, customer_id=customer_id,
                                              currency=currency), start=start, end=end, customer_id=customer_id,
                           customer_name=name, label_of=label_of)


def activity_within(ctx: ServiceContext, within: InvoiceFilter, *, start: dt.date | None, end: dt.date | None,
                    customer_id: int, customer_name: str = "",
                    label_of: Callable[[str], str] = str) -> ActivityStatement:
    """The activity of the posted invoices ``within`` selects (one customer's, or what a storefront
    user sees: ``persistence.ledger.entries_within``) from ``start`` to ``end``, addressed to
    ``customer_id`` named ``customer_name``.

    :raises ValidationError: a bad period (``check_period``).
    """
    check_period(start, end)
    assert start is not None and end is not None
    with ctx.db.session() as s:
        ledger = ledger_within(s, within, since=start, until=end, zone=ctx.books_zone(within))
    sections = [_section(code, from_minor(ledger.opening.get(code, 0), code),
                         [e for e in ledger.entries if e.currency == code], label_of)
                for code in sorted({*ledger.opening, *(e.currency for e in ledger.entries)})]
    return ActivityStatement(start, end, within.organization_id, customer_id, customer_name,
                             [s for s in sections if s.lines or s.opening], ledger.latest_invoice_id)


def activity_scope(found: ActivityStatement, latest: InvoiceDocument | None) -> DocumentScope:
    """Whose settings the activity follows (its seller, its language): its organization's, for its
    customer, on the website of ``latest`` (``ActivityStatement.latest_invoice_id``) if any."""
    if found.organization_id is None:
        raise NotFound(Message("A statement is made for one organization; none was given."))
    return DocumentScope(found.organization_id, latest.website_id if latest else None, found.customer_id)


def activity_pdf(ctx: ServiceContext, found: ActivityStatement, latest: InvoiceDocument | None,
                 renderer_for: Callable[[Renderer, InvoiceDocument | DocumentScope], Renderer]) -> bytes:
    """The activity statement as PDF, made now in its customer's language and headed by the seller
    as configured now; ``latest`` (``ActivityStatement.latest_invoice_id``) gives its website's
    settings and the bill-to address. ``renderer_for`` picks the renderer variant.

    :raises NotFound: no renderer here makes activity statements, or it is no one organization's.
    :raises PdfFailed: the template or a font failed.
    """
    scope = activity_scope(found, latest)
    chosen = renderer_for(ctx.renderer, scope) if ctx.renderer is not None else None
    if not isinstance(chosen, ActivityRenderer):
        raise NotFound(Message("Activity statements cannot be made here: no PDF renderer that makes them is "
                               "configured."))
    try:
        return chosen.render_activity(found, seller=statement_seller(ctx.seller(scope)), bill_to=latest.bill_to if latest else None)
    except Exception as exc:  # a template or font error: say whose statement and why
        detail = exc.message if isinstance(exc, InvoiceError) else f"{type(exc).__name__}: {exc}"
        raise PdfFailed(Message("The statement of %(customer)s could not be made: %(detail)s",
                                customer=found.customer_name or f"#{found.customer_id}", detail=detail)) from exc


def _section(currency: str, opening: Decimal, entries: list[LedgerEntry],
             label_of: Callable[[str], str]) -> ActivitySection:
    """The period in ``currency``: ``opening``, then each of its ``entries`` with the balance after it."""
    balance, lines = opening, []
    for entry in entries:
        amount = from_minor(entry.amount, currency)
        balance += amount
        method = label_of(entry.method) if entry.method else ""
        lines.append(ActivityLine(entry.on, entry.kind, entry.invoice_id, entry.number, amount, balance,
                                  method or entry.method, entry.reference, entry.customer_name, entry.status,
                                  from_minor(entry.beyond, currency) if entry.beyond else None, entry.follows))
    return ActivitySection(currency, opening, lines)


#: ``activity_text``'s column headings.
TEXT_HEADINGS = ("date", "entry", "charges", "credits", "balance")


def activity_text(found: ActivityStatement) -> str:
    """The statement as plain text: per currency its opening balance, entries and closing balance."""
    who = found.customer_name or f"customer #{found.customer_id}"
    head = f"Activity of {who} from {found.start.isoformat()} to {found.end.isoformat()}"
    if found.is_empty:
        return head + ": nothing was invoiced or paid, and nothing was owed before it.\n"
    blocks = [head]
    for section in found.sections:
        def money(amount: Decimal | None) -> str:
            return format(amount, "f") if amount is not None else ""
        rows = [[found.start.isoformat(), "opening balance", "", "", money(section.opening)]]
        rows += [[line.on.isoformat(), f"{line.kind.replace('_', ' ')} {line.number}"
                  + (f": {format(line.beyond, 'f')}, not in the balance" if line.beyond is not None else "")
                  + (f" ({', '.join(p for p in (line.method, line.reference, line.status) if p)})"
                     if line.method or line.reference or line.status else ""),
                  money(line.charge), money(line.credit), money(line.balance)] for line in section.lines]
        rows.append([found.end.isoformat(), "closing balance", money(section.charges), money(section.credits),
                     money(section.closing)])
        widths = [max(len(heading), *(len(row[i]) for row in rows)) for i, heading in enumerate(TEXT_HEADINGS)]
        blocks.append("\n".join([section.currency, _text_row(TEXT_HEADINGS, widths),
                                 *(_text_row(row, widths) for row in rows)]))
    return "\n\n".join(blocks) + "\n"


def _text_row(cells: Sequence[str], widths: list[int]) -> str:
    """A row of ``activity_text``: the day and the entry left-aligned, the figures right."""
    return "  ".join(cell.ljust(width) if i < 2 else cell.rjust(width)
                     for i, (cell, width) in enumerate(zip(cells, widths, strict=True))).rstrip()


def entry_text(line: ActivityLine, currency: str = "") -> str:
    """How the page names ``line`` ("Payment for INV-…") of an activity in ``currency``, in the
    current language (``i18n.using``)."""
    return gettext(line.label, number=line.number, customer=line.customer_name,
                   status=gettext(line.status_label) if line.status else "",
                   amount=Amount(line.beyond, currency) if line.beyond is not None else "")


def activity_csv_text(found: ActivityStatement) -> str:
    """The statement as CSV (``CSV_COLUMNS``): per currency its opening balance, each entry with
    the balance after it, and its closing balance; amounts as plain decimals. What people read
    (the entry, a payment's method, a settlement's status) is in the current language
    (``i18n.using``: the page's, English elsewhere); ``kind`` keeps the entry's code."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for section in found.sections:
        writer.writerow([section.currency, found.start.isoformat(), "opening_balance", gettext("Opening balance"),
                         "", "", "", "", format(section.opening, "f")])
        for line in section.lines:
            method = gettext(line.method) if line.method else ""
            reference = " ".join(p for p in (method, line.reference) if p) if line.kind == PAYMENT else \
                gettext(line.status_label) if line.kind == SETTLED else line.reference
            writer.writerow([section.currency, line.on.isoformat(), line.kind, entry_text(line, section.currency),
                             line.number,
                             reference, format(line.charge, "f") if line.charge is not None else "",
                             format(line.credit, "f") if line.credit is not None else "", format(line.balance, "f")])
        writer.writerow([section.currency, found.end.isoformat(), "closing_balance", gettext("Closing balance"), "",
                         "", format(section.charges, "f"), format(section.credits, "f"), format(section.closing, "f")])
    return buffer.getvalue()
