"""Reading invoices: one invoice, a reference lookup, a page of summaries, activity, transactions."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from oro_invoices.domain.errors import Conflict, NotFound, UsageError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import from_minor
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.corrections import Corrections, corrections_from
from oro_invoices.persistence.customer_credit import CustomerCreditRow
from oro_invoices.persistence.invoice_rows import rows_of_invoice
from oro_invoices.persistence.models import Activity, Invoice, Note, PaymentState, PaymentTransaction
from oro_invoices.persistence.outbox import OutboxEmail, OutboxView
from oro_invoices.persistence.outbox import view as email_view
from oro_invoices.persistence.queries import (
    InvoiceFilter,
    Page,
    count_rows,
    customer_names,
    filter_values,
    list_rows,
    list_rows_or_first,
)
from oro_invoices.persistence.reminders import ReminderRow, ReminderView
from oro_invoices.persistence.reminders import view as reminder_view
from oro_invoices.services.context import ServiceContext


@dataclass(frozen=True)
class InvoiceHistory:
    """What an invoice's view page lists beside the invoice: notes, activity and emails newest
    first, payment transactions oldest first."""

    notes: list[views.NoteView]
    activities: list[views.ActivityView]
    transactions: list[views.TransactionView]
    emails: list[OutboxView]
    #: The payment reminders queued for it, earliest step first.
    reminders: list[ReminderView] = field(default_factory=list)
    #: The credit its customer has in its currency (``services.customer_credit``).
    customer_credit: Decimal = Decimal(0)
    #: Its credit notes and the invoices issued to replace it.
    corrections: Corrections = field(default_factory=lambda: Corrections([], []))


class Reads:
    """Read-only queries; each runs in its own read session."""

    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx

    def get(self, invoice_id: int) -> InvoiceDocument:
        """The invoice with its lines, totals, payment state and PDF record."""
        with self.ctx.db.session() as s:
            return self.ctx.read(s, invoice_id)

    def find_id(self, *, external_id: str | None = None, invoice_number: str | None = None,
                payment_token: str | None = None, organization_id: int | None = None) -> int:
        """The id of the invoice with this external id, number or payment token.

        Numbers and external ids are unique within an organization: give ``organization_id``
        when several organizations share the database.
        """
        stmt = select(Invoice.id).limit(2)
        if organization_id is not None:
            stmt = stmt.where(Invoice.organization_id == organization_id)
        if external_id is not None:
            stmt = stmt.where(Invoice.external_id == external_id)
        elif invoice_number is not None:
            stmt = stmt.where(Invoice.invoice_number == invoice_number)
        elif payment_token is not None:
            stmt = stmt.where(Invoice.payment_token == payment_token)
        else:
            raise UsageError("find_id() needs external_id, invoice_number or payment_token.")
        with self.ctx.db.session() as s:
            found = s.execute(stmt).scalars().all()
        if not found:
            raise NotFound(Message("No invoice matches that reference."))
        if len(found) > 1:
            raise Conflict(Message("Several organizations have an invoice with that reference; give organization_id."))
        return found[0]

    def list_invoices(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                      sort: str = "-invoice_date", limit: int = 25, cursor: str | None = None,
                      with_total: bool = False, total_cap: int | None = None,
                      status_order: Sequence[str] | None = None,
                      with_currencies: bool = False, overdue_at_most: int | None = None) -> Page[views.InvoiceSummary]:
        """One page of invoice summaries; pass ``next_cursor`` back for the next page.

        ``with_total`` counts the matches too; ``total_cap`` stops counting past that many
        (``Page.total`` is then ``total_cap + 1``) and reads the count with the page.
        ``status_order``: the payment status codes in the order a sort by payment status reads
        them (a page's: by their labels in its language); None: by code (``queries.list_rows``).
        ``with_currencies`` (with ``total_cap``): ``Page.currencies``, read with the page.
        ``overdue_at_most``: how many the Overdue filter can find at most, known to the caller
        (``queries.list_rows``)."""
        filters = self._filter(filters)
        with self.ctx.db.session() as s:
            rows, next_cursor, total, currencies = list_rows(
                s, filters, sort=sort, limit=limit, cursor=cursor, with_total=with_total, total_cap=total_cap,
                status_order=status_order, with_currencies=with_currencies, overdue_at_most=overdue_at_most)
            items = [views.summary_of_row(row) for row in rows]
        return Page(items=items, next_cursor=next_cursor, total=total, sort=sort, currencies=currencies)

    def list_invoices_or_first(self, filters: InvoiceFilter | Mapping[str, Any] | None, *, sort: str,
                               other_sort: str, limit: int = 25, cursor: str | None = None, total_cap: int,
                               with_currencies: bool = False, overdue_at_most: int | None = None,
                               ) -> tuple[Page[views.InvoiceSummary], Page[views.InvoiceSummary]]:
        """``list_invoices`` in ``sort`` and the first page in ``other_sort``, read together
        (``queries.list_rows_or_first``), both counted up to ``total_cap``."""
        filters = self._filter(filters)
        with self.ctx.db.session() as s:
            read = list_rows_or_first(s, filters, sort=sort, other_sort=other_sort, limit=limit, cursor=cursor,
                                      total_cap=total_cap, with_currencies=with_currencies,
                                      overdue_at_most=overdue_at_most)
            first, second = ([views.summary_of_row(row) for row in rows] for rows, *_rest in read)
        (_, next_one, total_one, currencies_one), (_, next_two, total_two, currencies_two) = read
        return (Page(items=first, next_cursor=next_one, total=total_one, sort=sort, currencies=currencies_one),
                Page(items=second, next_cursor=next_two, total=total_two, sort=other_sort,
                     currencies=currencies_two))

    def count_invoices(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                       cap: int | None = None) -> int:
        """How many invoices match; with ``cap``, at most ``cap + 1`` (counting stops there)."""
        with self.ctx.db.session() as s:
            return count_rows(s, self._filter(filters), cap=cap)

    def customer_names(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                       limit: int = 20) -> list[str]:
        """Up to ``limit`` distinct customer names of the matching invoices, in name order
        (``customer_name_prefix``: the names a Customer filter's text would select)."""
        with self.ctx.db.session() as s:
            return customer_names(s, self._filter(filters), limit=limit)

    def checked_filter(self, filters: InvoiceFilter | Mapping[str, Any] | None) -> InvoiceFilter:
        """``filters`` as the listings read them (``overdue`` judged as of today, unless they say
        which day: in the time zone of their organization, ``ServiceContext.books_today``), checked:
        ``ValidationError`` for a value no listing accepts, before anything is read."""
        filters = self._filter(filters)
        filter_values(filters)
        return filters

    def _filter(self, filters: InvoiceFilter | Mapping[str, Any] | None) -> InvoiceFilter:
        if filters is None:
            filters = InvoiceFilter()
        elif isinstance(filters, Mapping):
            filters = InvoiceFilter(**filters)
        if filters.overdue is not None and filters.today is None:
            filters = replace(filters, today=self.ctx.books_today(filters))
        return filters

    def activities(self, invoice_id: int) -> list[views.ActivityView]:
        """The invoice's activity, newest first."""
        with self.ctx.db.session() as s:
            rows = s.execute(select(Activity).where(Activity.invoice_id == invoice_id)
                             .order_by(Activity.id.desc())).scalars()
            return [views.activity(r) for r in rows]

    def history(self, invoice_id: int) -> InvoiceHistory:
        """The invoice's notes, activity, payment transactions, emails, corrections and its
        customer's credit, in one statement."""
        with self.ctx.db.session() as s:
            found = rows_of_invoice(s, invoice_id, (Note, Activity, PaymentTransaction, OutboxEmail,
                                                    ReminderRow, CustomerCreditRow, Invoice, PaymentState))
        def newest_first(model: Any) -> list[Any]:
            return sorted(found[model], key=lambda row: row.id, reverse=True)
        return InvoiceHistory(
            notes=[views.note(r) for r in newest_first(Note)],
            activities=[views.activity(r) for r in newest_first(Activity)],
            transactions=views.with_surplus_taken_back(
                [views.transaction(r) for r in sorted(found[PaymentTransaction], key=lambda row: row.id)]),
            emails=[email_view(r) for r in newest_first(OutboxEmail)],
            reminders=[reminder_view(r) for r in sorted(found[ReminderRow], key=lambda row: row.step)],
            customer_credit=next((from_minor(r.balance, r.currency) for r in found[CustomerCreditRow]), Decimal(0)),
            corrections=corrections_from(invoice_id, found[Invoice], found[PaymentState]))

    def transactions(self, invoice_id: int) -> list[views.TransactionView]:
        """The invoice's payment transactions, oldest first."""
        with self.ctx.db.session() as s:
            rows = s.execute(select(PaymentTransaction).where(PaymentTransaction.invoice_id == invoice_id)
                             .order_by(PaymentTransaction.id)).scalars()
            return views.with_surplus_taken_back([views.transaction(r) for r in rows])
