"""The import's writing pass for new invoices: many at a time, with one statement per table.

``InvoiceService.create`` writes one invoice with the ORM: a dozen statements and a
savepoint each. For a file of new invoices the import prepares a batch instead — the
payload loaded by the API's schema (``load_input``), the parties checked against the host
(``check_parties``, host answers kept for the run), the totals computed by the domain
(``compute_lines``), the posting requirements checked (``posting_problems``) — and writes
it with one multi-row insert per table: invoices (as drafts), their lines, payment states,
activity. A stored draft that a record changes is prepared the same way
from its stored row (``prepare_update``) and written with one update of the rows, one delete
and one insert of the lines, as ``update`` would. The invoices to post then get their numbers
from the counter in one go (``numbering.next_free_numbers``), their chain links in order
(``chain.link_hash``) and are posted with one multi-row update, exactly as posting them one
by one would leave them.

Whatever the batch path does not cover goes through ``InvoiceService``: a record it cannot
prepare (the service raises the error and names the field), a draft whose payment status the
record sets, and — decided by the caller — a posted invoice whose payment status changes or a
record that brings its own PDF. PDFs are never rendered here: a posted invoice's PDF is
pending, as with ``create(defer_pdf=True)``. The hooks and PDF jobs of what the batch path
wrote are announced after the commit, read back a page at a time (``Announcements``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import operator
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from oro_invoices.adapters.base import HostAdapter
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import SellerInfo
from oro_invoices.domain.messages import Amount
from oro_invoices.domain.money import from_minor
from oro_invoices.domain.posting import YearRange, date_problems, posting_problems
from oro_invoices.integration.config import resolve_seller
from oro_invoices.integration.default_plugins import numbering as default_numbering
from oro_invoices.persistence import activity, chain, numbering
from oro_invoices.persistence.metadata import metadata
from oro_invoices.persistence.models import Activity, Invoice, InvoiceLineRow, PaymentState
from oro_invoices.services.buyer import buyer_snapshot
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.import_pricing import LineSums
from oro_invoices.services.import_pricing import priced as price_lines
from oro_invoices.services.import_spool import IdLog
from oro_invoices.services.lifecycle import (
    DOCUMENT_FIELDS,
    INVOICE_PREFIX,
    PARTY_FIELDS,
    TERMS_FIELDS,
    _posted_summary,
    changed_summary,
    created_summary,
)
from oro_invoices.services.posting import year_range
from oro_invoices.services.schemas import load_input
from oro_invoices.services.seller_terms import due_by_terms, invoice_seller
from oro_invoices.services.tenancy import Parties, check_parties

_INVOICES = metadata.tables[Invoice.__tablename__]
_LINES = metadata.tables[InvoiceLineRow.__tablename__]
_STATES = metadata.tables[PaymentState.__tablename__]
_ACTIVITY = metadata.tables[Activity.__tablename__]


@dataclass
class NewInvoice:
    """A new invoice ready to be written: its row and lines (columns as ``create`` sets them)."""

    external_id: str
    organization_id: int
    website_id: int | None
    #: the invoice row's columns from the loaded payload, with the totals
    row: dict[str, Any]
    #: each line's columns (``invoice_id`` is added when the invoice has its id)
    lines: list[dict[str, Any]]
    posting: bool
    forced: str | None
    id: int = 0
    skipped: list[numbering.Skipped] = field(default_factory=list)
    #: a stored draft the record changes (``id`` is its id), not a new invoice
    updating: bool = False
    #: the fields the record gives, as ``update`` names them in the activity
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Existing:
    """What the import needs to know of an invoice that has the record's external id."""

    id: int
    posted: bool
    payment_status: str
    forced: bool


class BatchWriter:
    """Prepares and writes batches of new invoices for one import run (see the module docstring).

    Settings (years, seller, prefix) and the host's answers are looked up once per run.
    """

    def __init__(self, service: InvoiceService, actor: str):
        self.service = service
        self.ctx = service.context
        self.actor = actor
        self.host = cached_host(self.ctx.host) if self.ctx.host is not None else None
        self._years: dict[tuple[int, int | None], YearRange] = {}
        self._sellers: dict[tuple[int, int | None, int | None], dict[str, str]] = {}
        self._prefixes: dict[tuple[int, int | None], str] = {}
        plugins = self.ctx.plugins
        #: the number comes from the default format (no plugin of its own): no document needed
        self.default_numbers = plugins is None or all(
            impl.function is default_numbering.invoice_number
            for impl in plugins.hook.invoice_number.get_hookimpls())
        #: documents are built for the hooks and the PDF jobs only when someone takes them
        self.announces = plugins is not None and any(
            getattr(plugins.hook, name).get_hookimpls() for name in ("invoice_created", "invoice_posted"))

    # ---- which invoices exist ---------------------------------------------------------

    def existing(self, session: Session, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Existing]:
        """The invoices that have these ``(organization_id, external_id)``, one query per organization."""
        by_org: dict[int, list[str]] = {}
        for org, ext in keys:
            by_org.setdefault(org, []).append(ext)
        found: dict[tuple[int, str], Existing] = {}
        with _planned_per_call(session):
            for org, exts in by_org.items():
                rows = session.execute(     # Core columns: rows as they come, no ORM loading
                    select(_INVOICES.c.id, _INVOICES.c.external_id, _INVOICES.c.status,
                           _STATES.c.payment_status, _STATES.c.forced)
                    .join(_STATES, _STATES.c.invoice_id == _INVOICES.c.id)
                    .where(_INVOICES.c.organization_id == org, _INVOICES.c.external_id.in_(exts)))
                for row in rows:
                    found[(org, str(row.external_id))] = Existing(row.id, row.status == "posted",
                                                                  row.payment_status, row.forced)
        return found

    # ---- preparing ----------------------------------------------------------------------

    def prepare(self, payload: Mapping[str, Any], loaded: Mapping[str, Any] | None = None,
                sums: LineSums | None = None) -> NewInvoice | None:
        """``payload`` as a new invoice, or None when ``InvoiceService.create`` must write it
        (it raises the error this batch path does not word, or numbers it through a plugin).

        ``loaded``: what ``load_input(payload)`` gave when the payload was checked (not loaded again);
        ``sums``: its lines' sums, when the checking worked them out (``import_pricing``).
        """
        try:
            data = dict(loaded) if loaded is not None else load_input(payload)
            if self.host is not None:
                data.update(_names(check_parties(self.host, data), data))
        except ValidationError:
            return None
        if not data.get("external_id") or data.get("document_type") == "credit_note":
            return None  # a credit note is taken off its invoice by the service
        posting = data.pop("status", "draft") == "posted"
        org, website = data["organization_id"], data.get("website_id")
        if date_problems(data["invoice_date"], data.get("due_date"), self.years(org, website)):
            return None
        if data.get("due_date") is None:  # as create dates it, by the customer's Days to Pay
            try:
                data["due_date"] = due_by_terms(
                    SellerInfo.from_mapping(self._seller(org, website, data.get("customer_id"))), data["invoice_date"])
            except ValidationError:
                return None
            if date_problems(data["invoice_date"], data["due_date"], self.years(org, website)):
                return None
        if posting and data.get("invoice_number") is None and not self.default_numbers:
            return None
        priced = price_lines(data.pop("lines"), data["currency"], sums)
        if priced is None or (posting and not self._postable(data, org, website)):
            return None
        lines, totals = priced
        forced = data.pop("payment_status", None)
        return NewInvoice(external_id=str(data["external_id"]), organization_id=org, website_id=website,
                          row=dict(data, **totals), lines=lines, posting=posting, forced=forced)

    def prepare_update(self, payload: Mapping[str, Any], loaded: Mapping[str, Any] | None,
                       stored: Mapping[str, Any], sums: LineSums | None = None) -> NewInvoice | None:
        """The stored draft ``stored`` (its row's columns) changed by ``payload`` as
        ``update`` (then ``post``, if the record is posted) would leave it; or None when the
        service must write it (a payment status to set, an error to word, a plugin's number).

        As ``update`` does, the fields the record gives replace the stored ones (the lines
        all of them) and the others stay as they are.
        """
        if loaded is None or _SERVICE_ONLY & payload.keys():
            return None
        data = {key: loaded[key] for key in payload.keys() - {"status", "organization_id"}}
        if ("due_date" not in data and stored["due_date"] is not None
                and any(data[key] != stored[key] for key in TERMS_FIELDS & data.keys())):
            return None   # its due date may keep to Days to Pay: ``update`` moves it
        fields = tuple(sorted(data.keys() & DOCUMENT_FIELDS))
        row = dict(stored)
        parties = {key: data.get(key, row[key]) for key in PARTY_FIELDS}
        try:
            if self.host is not None:
                data.update(_names(check_parties(self.host, parties), parties))
        except ValidationError:
            return None
        row.update((key, value) for key, value in data.items() if key != "lines")
        posting = loaded.get("status") == "posted"
        org, website = row["organization_id"], row["website_id"]
        if date_problems(row["invoice_date"], row["due_date"], self.years(org, website)):
            return None
        if posting and row.get("invoice_number") is None and not self.default_numbers:
            return None
        priced = price_lines(data["lines"], row["currency"], sums)
        if priced is None or (posting and not self._postable(row, org, website)):
            return None
        lines, totals = priced
        row.update(totals)
        return NewInvoice(external_id=str(row["external_id"]), organization_id=org, website_id=website, row=row,
                          lines=lines, posting=posting, forced=None, id=row["id"], updating=True, fields=fields)

    def _postable(self, data: Mapping[str, Any], org: int, website: int | None) -> bool:
        return not posting_problems(customer_name=data.get("customer_name"), bill_to=data.get("bill_to"),
                                    invoice_date=data["invoice_date"], due_date=data.get("due_date"),
                                    years=self.years(org, website))

    def stored_drafts(self, session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The rows (every column) of the drafts ``ids``, by id, locked as ``update`` locks its draft."""
        if not ids:
            return {}
        rows = session.execute(select(_INVOICES).where(_INVOICES.c.id.in_(ids), _INVOICES.c.status == "draft")
                               .with_for_update())
        return {row.id: dict(row._mapping) for row in rows}

    def years(self, org: int, website: int | None) -> YearRange:
        key = (org, website)
        if key not in self._years:
            self._years[key] = year_range(lambda name: self.ctx.setting(name, organization_id=org,
                                                                        website_id=website))
        return self._years[key]

    def _seller(self, org: int, website: int | None, customer: int | None) -> dict[str, str]:
        """The seller kept with an invoice posted here, as ``ServiceContext.seller`` resolves it
        (the customer's and its group's own payment terms included), once per customer."""
        key = (org, website, customer)
        if key not in self._sellers:
            group = self.ctx.customer_group_of(customer)
            self._sellers[key] = resolve_seller(
                lambda name: self.ctx.setting(name, organization_id=org, website_id=website, customer_id=customer,
                                              customer_group_id=group)).as_dict()
        return self._sellers[key]

    def _kept_seller(self, row: Mapping[str, Any]) -> dict[str, str]:
        """The seller an invoice posted here keeps: its terms filled in for it, as ``Lifecycle``
        keeps them."""
        seller = self._seller(row["organization_id"], row.get("website_id"), row.get("customer_id"))
        if "{" not in seller["payment_terms"]:
            return seller
        scope = DocumentScope(organization_id=row["organization_id"], website_id=row.get("website_id"),
                              customer_id=row.get("customer_id"))
        return invoice_seller(SellerInfo.from_mapping(seller), invoice_date=row["invoice_date"],
                              due_date=row.get("due_date"), locale=self.ctx.document_locale(scope)).as_dict()

    def _prefix(self, org: int, website: int | None) -> str:
        key = (org, website)
        if key not in self._prefixes:
            self._prefixes[key] = self.ctx.setting(INVOICE_PREFIX, organization_id=org, website_id=website) or ""
        return self._prefixes[key]

    # ---- writing ------------------------------------------------------------------------

    def write(self, session: Session, batch: Sequence[NewInvoice]) -> None:
        """Insert the new invoices of ``batch`` (each gets its ``id``), change its stored
        drafts, and post those to be posted, in the order of ``batch``.

        Raises what the database or the numbering refuses; the caller rolls the batch back.
        """
        now = self.ctx.clock()
        new = [inv for inv in batch if not inv.updating]
        if new:
            self._insert_new(session, new, now)
        changed = [inv for inv in batch if inv.updating]
        if changed:
            for inv in changed:
                inv.row["updated_at"] = now
                for line in inv.lines:
                    line["invoice_id"] = inv.id
            session.execute(delete(_LINES).where(_LINES.c.invoice_id.in_([inv.id for inv in changed])))
            session.execute(update(_INVOICES).where(_INVOICES.c.id == bindparam("b_id")),
                            [{"b_id": inv.id, **{key: inv.row[key] for key in _UPDATING}} for inv in changed])
        _insert(session, _LINES, [line for inv in batch for line in inv.lines])
        posting = [inv for inv in batch if inv.posting]
        if posting:
            self._post(session, posting, now)
        activities = []
        recorded = now
        for inv in batch:
            row = inv.row
            if inv.updating:
                summary = changed_summary(inv.fields)
                activities.append(dict(invoice_id=inv.id, kind="updated", actor=self.actor, created_at=recorded,
                                       summary=str(summary),
                                       data=activity.with_summary(summary, {"fields": list(inv.fields)})))
            else:
                summary = created_summary(len(inv.lines), Amount(from_minor(row["total_amount"], row["currency"]),
                                                                 row["currency"]))
                activities.append(dict(invoice_id=inv.id, kind="created", actor=self.actor, created_at=recorded,
                                       summary=str(summary),
                                       data=activity.with_summary(summary, {"external_id": inv.external_id})))
            if inv.posting:
                posted = _posted_summary(row["invoice_number"], inv.skipped)
                activities.append(dict(invoice_id=inv.id, kind="posted", actor=self.actor, created_at=recorded,
                                       summary=str(posted),
                                       data=activity.with_summary(posted, {
                                           "invoice_number": row["invoice_number"], "skipped": [
                                               {"invoice_number": k.invoice_number, "sequence": k.sequence,
                                                "held_by_invoice_id": k.held_by_invoice_id} for k in inv.skipped]})))
        _insert(session, _ACTIVITY, activities)
        session.flush()

    def _insert_new(self, session: Session, batch: Sequence[NewInvoice], now: dt.datetime) -> None:
        """Insert the new invoices of ``batch`` as drafts, with their payment states; set their ids."""
        for inv in batch:
            inv.row.update(status="draft", payment_token=secrets.token_urlsafe(24), created_by=self.actor,
                           created_at=now, updated_at=now)
        _insert(session, _INVOICES, [inv.row for inv in batch])
        # The new ids, by external id (unique in an organization): one query, where RETURNING in
        # the order of the rows would cost SQLite one statement per row.
        ids: dict[tuple[int, str], int] = {}
        with _planned_per_call(session):
            for org in dict.fromkeys(inv.organization_id for inv in batch):
                ids.update(((org, str(ext)), invoice_id) for invoice_id, ext in session.execute(
                    select(_INVOICES.c.id, _INVOICES.c.external_id).where(
                        _INVOICES.c.organization_id == org,
                        _INVOICES.c.external_id.in_([inv.external_id for inv in batch
                                                     if inv.organization_id == org]))))
        for inv in batch:
            inv.id = inv.row["id"] = ids[(inv.organization_id, inv.external_id)]
            for line in inv.lines:
                line["invoice_id"] = inv.id
        _insert(session, _STATES, [
            dict(invoice_id=inv.id, payment_status=inv.forced or "pending", forced=inv.forced is not None,
                 updated_at=now) for inv in batch])

    def _post(self, session: Session, batch: Sequence[NewInvoice], now: dt.datetime) -> None:
        """Number, seal and post the new drafts of ``batch`` (in order), as ``Lifecycle`` posts one."""
        # each invoice is numbered in the year and month of its organization's books
        zones = {(inv.organization_id, inv.website_id) for inv in batch}
        local = {scope: now.astimezone(self.ctx.books_zone(DocumentScope(*scope))) for scope in zones}
        periods = [(inv.organization_id, numbering.series_period(
            numbering.INVOICE_SERIES, local[inv.organization_id, inv.website_id])) for inv in batch]
        for org, period in dict.fromkeys(periods):
            invoices = [inv for inv, key in zip(batch, periods, strict=True) if key == (org, period)]
            seq = numbering.lock_sequence(session, org, period)
            unnumbered = [inv for inv in invoices if inv.row.get("invoice_number") is None]
            if unnumbered:
                proposals = [_proposer(self._prefix(org, inv.website_id), local[org, inv.website_id])
                             for inv in unnumbered]
                with _planned_per_call(session):
                    given = numbering.next_free_numbers(session, seq, [inv.id for inv in unnumbered], proposals,
                                                        now)
                for inv, (number, sequence, skipped) in zip(unnumbered, given, strict=True):
                    inv.row.update(invoice_number=number, number_sequence=sequence)
                    inv.skipped = skipped
            posted = []
            for inv in invoices:
                row = inv.row
                row.update(status="posted", posted_at=now, updated_at=now,
                           seller=self._kept_seller(row), chain_key=chain.chain_key(org, period))
                if "buyer" in _POSTING:
                    row["buyer"] = buyer_snapshot(self.host, row.get("customer_id"), row.get("bill_to"),
                                                  stated=row.get("buyer"))
                seq.chain_length += 1
                row.update(chain_seq=seq.chain_length, prev_hash=seq.head_hash or chain.GENESIS)
                row["content_hash"] = seq.head_hash = chain.link_hash(_content(row, inv.lines), row["prev_hash"])
                posted.append({f"b_{key}" if key == "id" else key: row.get(key) for key in _POSTING})
            _post_rows(session, posted)
            session.flush()

    def announce(self, batch: Sequence[NewInvoice], announcements: Announcements) -> list[int]:
        """After ``batch`` is written: note the hooks and PDF jobs ``create`` or ``update`` (and
        ``post``) would give each invoice, for after the commit (``Announcements.deliver``).

        Returns the ids of the posted invoices (their PDFs are pending).
        """
        if self.announces or self.ctx.jobs.background:
            announcements.note(batch)
        return [inv.id for inv in batch if inv.posting]


class Announcements:
    """What the batch path wrote and has yet to announce — ``invoice_created`` or
    ``invoice_updated``, then ``invoice_posted`` and the PDF job of a posted one — kept on disk
    while the transaction runs, so memory does not grow with it; announced once it has
    committed, the invoices read back ``PAGE`` at a time. Dropped if it rolls back.
    """

    PAGE = 500

    def __init__(self, service: InvoiceService, actor: str):
        self.service = service
        self.actor = actor
        #: the invoices in the order written: the id of a created one, minus the id of an updated one
        self._due = IdLog()

    def note(self, batch: Sequence[NewInvoice]) -> None:
        self._due.add("due", [-inv.id if inv.updating else inv.id for inv in batch])

    def drop(self) -> None:
        """Forget what was noted (its transaction rolled back)."""
        self._due.clear("due")

    def deliver(self) -> None:
        """After the commit: announce what was noted, in order, ``PAGE`` invoices at a time."""
        ctx = self.service.context
        for page in self._due.pages("due"):
            for start in range(0, len(page), self.PAGE):
                noted = page[start:start + self.PAGE]
                with ctx.db.session() as session:
                    docs = ctx.read_many(session, [abs(value) for value in noted])
                for value, doc in zip(noted, docs, strict=True):
                    ctx.hook("invoice_updated" if value < 0 else "invoice_created", invoice=doc, actor=self.actor)
                    if doc.is_posted:
                        self.service.documents.submit_posting_pdf(doc)
                        ctx.hook("invoice_posted", invoice=doc, actor=self.actor)
        self.drop()

    def close(self) -> None:
        self._due.close()


#: What the batch path leaves to the service in a record that changes a stored draft.
_SERVICE_ONLY = frozenset({"payment_status", "document_type", "credited_invoice_external_id", "credit_reason"})

#: The columns posting sets (``b_id`` names the row).
_POSTING = tuple(name for name in ("id", "status", "invoice_number", "number_sequence", "seller", "buyer",
                                   "posted_at", "updated_at", "chain_key", "chain_seq", "prev_hash",
                                   "content_hash") if name in _INVOICES.c)
#: The columns changing a draft sets (those the record does not give keep their stored value).
_UPDATING = tuple(name for name in (*sorted(DOCUMENT_FIELDS), "subtotal", "tax_amount", "total_amount",
                                    "updated_at") if name in _INVOICES.c)


def _defaults(table: Table) -> dict[str, Any]:
    """The value of each column a row leaves out: its scalar default, else NULL."""
    return {column.name: (column.default.arg if isinstance(column.default, ScalarElementColumnDefault) else None)
            for column in table.columns if column.name != "id"}


_DEFAULTS = {table.name: _defaults(table) for table in (_INVOICES, _LINES, _STATES, _ACTIVITY)}
#: the columns whose default is computed in Python, at insert
_CALLED_DEFAULTS = {table.name: {column.name for column in table.columns if column.default is not None
                                 and not isinstance(column.default, ScalarElementColumnDefault)}
                    for table in (_INVOICES, _LINES, _STATES, _ACTIVITY)}


def _complete(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the same keys each (one multi-row statement), the left-out ones at their defaults."""
    keys = set().union(*rows)
    defaults = {key: value for key, value in _DEFAULTS[table.name].items() if key in keys}
    return [row if len(row) == len(keys) else {**defaults, **row} for row in rows]


@contextlib.contextmanager
def _planned_per_call(session: Session) -> Iterator[None]:
    """On PostgreSQL, the look-ups inside (by external id, by number) planned for each call.

    A prepared statement's generic plan, made while the import's transaction had written few
    invoices, scans the invoices: each look-up would then grow with every batch written.
    (Only around the look-ups: the triggers' own statements keep their cached plans.)
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield          # a failure inside leaves the transaction (or savepoint) to be rolled back, setting too
    if postgresql:
        session.execute(text("SET LOCAL plan_cache_mode TO DEFAULT"))


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` in one ``executemany``.

    On SQLite the statement is made once per column set and handed to the driver with
    parameter lists made here by the columns' own bind processors (the values stored are
    the same), which costs a fraction of SQLAlchemy's per-row parameter handling; elsewhere
    the Core insert is kept (its batched multi-row VALUES). Rows must give every column whose
    default is computed in Python (``_complete`` fills in the scalar ones).
    """
    rows = _complete(table, rows)
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite" or not _CALLED_DEFAULTS[table.name] <= rows[0].keys():
        session.execute(insert(table), rows)
        return
    statement = _driver_insert(table, tuple(rows[0]), dialect)
    session.connection().exec_driver_sql(statement.sql, statement.params(rows))


def _post_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Update the invoices of ``rows`` (``b_id`` names each) to their posted columns, in one
    ``executemany`` — on SQLite through the driver, as ``_insert`` does."""
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        session.execute(update(_INVOICES).where(_INVOICES.c.id == bindparam("b_id")), rows)
        return
    statement = _driver_update(dialect)
    session.connection().exec_driver_sql(statement.sql, statement.params(rows))


@dataclass(frozen=True)
class _DriverStatement:
    """A statement with ``?`` parameters and how each row (a dict) becomes its parameters."""

    sql: str
    #: the row's values of the parameters, in order (then ``constants``)
    values: Callable[[dict[str, Any]], tuple[Any, ...]]
    #: the parameters after the row's: defaults of columns the rows leave out
    constants: tuple[Any, ...]
    #: ``(position, bind processor)`` of each parameter whose column type converts it
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def params(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        params = []
        # the same object in one column of consecutive rows (the seller of every posted invoice)
        # is converted once
        last: list[tuple[Any, Any]] = [(_NOTHING, None)] * len(self.processors)
        for row in rows:
            values = [*self.values(row), *self.constants]
            for index, (position, process) in enumerate(self.processors):
                value = values[position]
                given, converted = last[index]
                if value is not given:
                    converted = process(value)
                    last[index] = (value, converted)
                values[position] = converted
            params.append(tuple(values))
        return params


_NOTHING = object()


def _driver_statement(sql: str, table: Table, names: Sequence[str], constants: Mapping[str, Any],
                      dialect: Dialect) -> _DriverStatement:
    columns = [*names, *constants]
    types = [table.c[name.removeprefix("b_")].type for name in columns]
    processors = tuple((i, process) for i, kind in enumerate(types)
                       if (process := kind.bind_processor(dialect)) is not None)
    values = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    return _DriverStatement(sql, values, tuple(constants.values()), processors)


@functools.lru_cache(maxsize=64)
def _driver_insert(table: Table, keys: tuple[str, ...], dialect: Dialect) -> _DriverStatement:
    """The insert of ``keys`` into ``table`` on SQLite. Like the Core insert, it also sets
    the columns with a scalar default in Python that the rows leave out, to that default."""
    left_out = {name: value for name, value in _DEFAULTS[table.name].items()
                if name not in keys and isinstance(table.c[name].default, ScalarElementColumnDefault)}
    quote = dialect.identifier_preparer.quote
    columns = [*keys, *left_out]
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(quote(name) for name in columns)}) VALUES ({', '.join('?' * len(columns))})")
    return _driver_statement(sql, table, keys, left_out, dialect)


@functools.lru_cache(maxsize=8)
def _driver_update(dialect: Dialect) -> _DriverStatement:
    """The posting update on SQLite: the columns of ``_POSTING``, the invoice named by ``b_id``."""
    quote = dialect.identifier_preparer.quote
    names = [name for name in _POSTING if name != "id"]
    sql = (f"UPDATE {dialect.identifier_preparer.format_table(_INVOICES)} "
           f"SET {', '.join(f'{quote(name)} = ?' for name in names)} WHERE {quote('id')} = ?")
    return _driver_statement(sql, _INVOICES, [*names, "b_id"], {}, dialect)


def _content(row: dict[str, Any], lines: list[dict[str, Any]]) -> Invoice:
    """The posted invoice as ``chain.canonical_content`` reads it (attributes only): every column of
    the row as it will be stored, a left-out one at its default, exactly as the ORM row would have it."""
    values = {**_DEFAULTS[_INVOICES.name], **row}
    line_defaults = _DEFAULTS[_LINES.name]
    content = SimpleNamespace(**values, lines=[SimpleNamespace(**{**line_defaults, **line}) for line in lines])
    return cast(Invoice, content)


def _proposer(prefix: str, now: dt.datetime) -> Callable[[int], str]:
    return lambda counter: numbering.format_default(prefix, now, counter)


def _names(parties: Parties, data: Mapping[str, Any]) -> dict[str, Any]:
    """The buyer's names the host fills in when the payload leaves them out (as ``create`` does)."""
    filled: dict[str, Any] = {}
    if parties.customer is not None and not data.get("customer_name"):
        filled["customer_name"] = parties.customer.name
    if parties.customer_user is not None and not data.get("customer_user_email"):
        filled["customer_user_email"] = parties.customer_user.email
    return filled


class _Memo:
    """Memoizes the calls of ``methods`` on ``target`` (host look-ups by id)."""

    def __init__(self, target: Any, methods: Iterable[str]):
        self._target = target
        self._methods = frozenset(methods)
        self._answers: dict[tuple[str, Any], Any] = {}

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name not in self._methods:
            return value

        def memoized(*key: Any) -> Any:
            if (name, key) not in self._answers:
                self._answers[(name, key)] = value(*key)
            return self._answers[(name, key)]
        return memoized


class _CachedHost:
    """The host with its customers (by id and by VAT id), customer users, websites and orders
    looked up once per run."""

    def __init__(self, host: HostAdapter):
        self._host = host
        self.customers = _Memo(host.customers, ("get_customer", "get_customer_user", "customers_with_vat_id"))
        self.websites = _Memo(host.websites, ("get_website",))
        self.orders = _Memo(host.orders, ("get",))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._host, name)


def cached_host(host: HostAdapter) -> HostAdapter:
    """``host`` with its look-ups by id answered once per import run (the parties repeat)."""
    return cast(HostAdapter, _CachedHost(host))
