"""The import writes new invoices in batches: same invoices as one by one, numbers gapless, chain sound."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from sqlalchemy import select, text
from support.payloads import invoice_payload

from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Activity, Invoice, InvoiceLineRow, NumberSkip, PaymentState
from oro_invoices.services import import_writing, importing
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import
from oro_invoices.services.verification import verify

pytestmark = pytest.mark.usefixtures("checking")

NOV = lambda: dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC)  # noqa: E731


def records(count: int, start: int = 1) -> list[dict]:
    """Posted with their own number, posted and numbered by the import, and drafts, in turn."""
    out = []
    for i in range(start, start + count):
        kind = i % 3
        extra = ({"status": "posted", "invoice_number": f"OLD-{i}", "payment_status": "paid_in_full"} if kind == 0
                 else {"status": "posted"} if kind == 1 else {})
        out.append(invoice_payload(external_id=f"X-{i}", **extra))
    return out


def write(tmp_path, name: str, items: list[dict]):
    path = tmp_path / name
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def automatic_numbers(db) -> list[int]:
    with db.session() as s:
        return list(s.execute(select(Invoice.number_sequence).where(Invoice.number_sequence.is_not(None))
                              .order_by(Invoice.number_sequence)).scalars())


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 4)


@pytest.fixture
def svc(db):
    return InvoiceService(db, plugins=get_plugin_manager(False), clock=NOV)


def test_batches_write_every_invoice_in_order_with_gapless_numbers(svc, db, tmp_path, small_batches):
    report = run_import(svc, [write(tmp_path, "a.jsonl", records(11))], organization_id=1)
    assert report.problems == [] and report.created == [f"X-{i}" for i in range(1, 12)]
    with db.session() as s:
        stored = s.execute(select(Invoice.external_id, Invoice.status, Invoice.invoice_number)
                           .order_by(Invoice.id)).all()
    assert [row.external_id for row in stored] == report.created            # in file order
    assert [row.invoice_number for row in stored if row.external_id == "X-3"] == ["OLD-3"]
    assert automatic_numbers(db) == [1, 2, 3, 4]                              # X-1, X-4, X-7, X-10
    assert svc.get(svc.find_id(external_id="X-4")).invoice_number == "INV-2026-11-00002"
    assert svc.get(svc.find_id(external_id="X-2")).is_posted is False
    x3 = svc.get(svc.find_id(external_id="X-3"))
    assert x3.payment_status.value == "paid_in_full" and x3.payment_status_forced
    assert sorted(a.kind for a in svc.activities(x3.id)) == ["created", "posted"]
    result = verify(db)
    assert result.ok, result.problems
    assert sorted(report.pending_pdfs) == []       # no renderer: generation cannot be pending here


def test_a_rerun_across_batches_is_unchanged_and_a_changed_draft_updated(svc, db, tmp_path, small_batches):
    items = records(10)
    run_import(svc, [write(tmp_path, "a.jsonl", items)], organization_id=1)
    again = run_import(svc, [write(tmp_path, "a.jsonl", items)], organization_id=1)
    assert (again.created, again.updated, again.unchanged) == ([], [], [f"X-{i}" for i in range(1, 11)])
    items[4]["customer_name"] = "Renamed"        # X-5, a draft
    items[5]["customer_name"] = "Ignored"        # X-6, posted: frozen
    third = run_import(svc, [write(tmp_path, "a.jsonl", items + records(2, start=11))], organization_id=1,
                       on_error="skip")
    assert (third.created, third.updated, third.skipped) == (["X-11", "X-12"], ["X-5"], ["X-6"])
    assert [(p.field, "(tried to change: customer_name)" in p.message) for p in third.problems] == [
        ("customer_name", True)]
    assert svc.get(svc.find_id(external_id="X-5")).customer_name == "Renamed"
    assert svc.get(svc.find_id(external_id="X-6")).customer_name == "Acme Corp"
    assert automatic_numbers(db) == [1, 2, 3, 4]
    assert verify(db).ok


def test_stop_writes_nothing_when_a_later_batch_clashes(svc, db, tmp_path, small_batches):
    svc.create(invoice_payload(external_id="T-0", invoice_number="TAKEN-1"))
    items = records(9)
    items[7]["invoice_number"] = "TAKEN-1"       # X-8, in the second batch: found only while writing
    path = write(tmp_path, "a.jsonl", items)
    report = run_import(svc, [path], organization_id=1)
    assert not report.written and report.created == []
    assert [(p.record, p.field, p.message) for p in report.problems] == [
        (f"{path}:8", "invoice_number", "Invoice number TAKEN-1 is already used by another invoice of this organization.")]
    assert [i.external_id for i in svc.list_invoices().items] == ["T-0"]
    assert automatic_numbers(db) == []


def test_skip_writes_every_good_record_around_the_bad_ones(svc, db, tmp_path, small_batches):
    svc.create(invoice_payload(external_id="T-0", invoice_number="TAKEN-1"))
    items = records(9)
    items[1]["lines"][0]["quantity"] = "-1"      # X-2: bad, found by the check
    items[6]["invoice_number"] = "TAKEN-1"       # X-7: bad, found while writing its batch
    path = write(tmp_path, "a.jsonl", items)
    report = run_import(svc, [path], organization_id=1, on_error="skip")
    assert report.skipped == ["X-2", "X-7"] and [p.record for p in report.problems] == [f"{path}:2", f"{path}:7"]
    assert report.created == [f"X-{i}" for i in (1, 3, 4, 5, 6, 8, 9)]
    assert svc.list_invoices(with_total=True).total == 8
    assert automatic_numbers(db) == [1, 2]                                     # X-1, X-4
    assert verify(db).ok


def test_numbers_already_taken_are_skipped_recorded_and_explained(svc, db, tmp_path):
    items = [invoice_payload(external_id="A-1", status="posted"),
             invoice_payload(external_id="A-2", status="posted", invoice_number="INV-2026-11-00002"),
             invoice_payload(external_id="A-3", status="posted"),
             invoice_payload(external_id="A-4", status="posted", invoice_number="INV-2026-11-00004")]
    report = run_import(svc, [write(tmp_path, "a.jsonl", items)], organization_id=1)
    assert report.problems == []
    numbers = {ext: svc.get(svc.find_id(external_id=ext)).invoice_number for ext in ("A-1", "A-3")}
    # as one by one: A-1 gets 1, A-2 brings 2, so A-3 skips 2 and gets 3
    assert numbers == {"A-1": "INV-2026-11-00001", "A-3": "INV-2026-11-00003"}
    with db.session() as s:
        skips = s.execute(select(NumberSkip.sequence, NumberSkip.invoice_number)).all()
    assert [tuple(row) for row in skips] == [(2, "INV-2026-11-00002")]
    a3 = svc.find_id(external_id="A-3")
    assert "skipped INV-2026-11-00002" in svc.activities(a3)[0].summary     # newest first: posted
    result = verify(db)
    assert result.ok, result.problems
    assert len(result.notes) == 1 and "INV-2026-11-00002 (counter 2) was skipped" in result.notes[0]
    nxt = svc.post(svc.create(invoice_payload(external_id="later")).id)
    assert nxt.invoice_number == "INV-2026-11-00005"                        # 4 is taken too: skipped


def test_listeners_hear_of_each_batch_invoice_after_the_commit(db, tmp_path, small_batches):
    heard = []

    class Listener:
        @hookimpl
        def invoice_created(self, invoice, actor):
            heard.append(("created", invoice.external_id, invoice.total_amount))

        @hookimpl
        def invoice_posted(self, invoice, actor):
            heard.append(("posted", invoice.external_id, invoice.invoice_number))
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Listener()]), clock=NOV)
    run_import(svc, [write(tmp_path, "a.jsonl", records(3))], organization_id=1)
    total = svc.get(svc.find_id(external_id="X-1")).total_amount
    assert heard == [("created", "X-1", total), ("posted", "X-1", "INV-2026-11-00001"),
                     ("created", "X-2", total), ("created", "X-3", total), ("posted", "X-3", "OLD-3")]


def _rows(db) -> dict[str, list[tuple]]:
    """Every row the import writes, ids, random tokens and wall-clock times left out."""
    def cells(row, table, skip):
        return tuple((c.name, getattr(row, c.key)) for c in table.__table__.columns if c.name not in skip)
    with db.session() as s:
        return {
            "invoices": [cells(r, Invoice, {"payment_token"}) for r in s.scalars(select(Invoice).order_by(Invoice.id))],
            "lines": [cells(r, InvoiceLineRow, {"id"})
                      for r in s.scalars(select(InvoiceLineRow).order_by(InvoiceLineRow.id))],
            "states": [cells(r, PaymentState, set())
                       for r in s.scalars(select(PaymentState).order_by(PaymentState.invoice_id))],
            "activity": [cells(r, Activity, {"id", "created_at"}) for r in s.scalars(select(Activity).order_by(Activity.id))],
        }


def test_batches_store_exactly_what_creating_one_by_one_stores(sqlite_template, tmp_path, monkeypatch):
    """Column for column, chain hashes included: the batch path and ``InvoiceService.create`` agree."""
    items = records(7) + [invoice_payload(external_id="S-1", ship_to={"city": "Paris", "country": "FR"},
                                          due_date=None, customer_id=None, order_id=None)]
    path = write(tmp_path, "a.jsonl", items)
    stored = {}
    real_create = InvoiceService.create
    for way in ("batches", "one by one"):
        copy = tmp_path / f"{way}.db"
        shutil.copy(sqlite_template, copy)
        db = Database(f"sqlite:///{copy}")
        svc = InvoiceService(db, plugins=get_plugin_manager(False), clock=NOV)
        created: list[int] = []

        def counted(self, *args, created=created, **kwargs):
            created.append(1)
            return real_create(self, *args, **kwargs)
        monkeypatch.setattr(InvoiceService, "create", counted)
        if way == "one by one":
            monkeypatch.setattr(import_writing.BatchWriter, "prepare", lambda self, payload, loaded=None, sums=None: None)
        assert run_import(svc, [path], organization_id=1).problems == []
        assert len(created) == (0 if way == "batches" else len(items))
        assert verify(db).ok
        stored[way] = _rows(db)
        db.dispose()
    assert stored["batches"] == stored["one by one"]


def test_what_was_checked_is_written_without_loading_it_again(svc, db, tmp_path, monkeypatch, small_batches):
    def loaded_twice(payload):
        raise AssertionError("loaded a second time")
    monkeypatch.setattr(import_writing, "load_input", loaded_twice)
    report = run_import(svc, [write(tmp_path, "a.jsonl", records(6))], organization_id=1)
    assert report.problems == [] and len(report.created) == 6


def test_the_file_is_read_once_and_written_from_the_spool(svc, db, tmp_path, monkeypatch, small_batches, checking):
    opened = []
    read = importing.iter_file
    monkeypatch.setattr(importing, "iter_file", lambda path, fmt=None: opened.append(path) or read(path, fmt))
    path = write(tmp_path, "a.jsonl", records(7))
    report = run_import(svc, [path], organization_id=1)
    assert report.problems == [] and len(report.created) == 7
    # checked apart, the file is read by the checking process only
    assert opened == ([] if checking == "checked-apart" else [path])
    assert verify(db).ok


def test_the_spool_gives_back_each_record_and_what_it_loaded_to_exactly(tmp_path):
    import zipfile
    from decimal import Decimal

    from oro_invoices.services.import_reading import Record
    from oro_invoices.services.import_spool import SeenKeys, Spool
    from oro_invoices.services.schemas import load_input
    payload = invoice_payload(external_id="X-1", lines=[
        {"description": "A", "quantity": "1.50", "unit_price": "10", "tax_rate": "0.19"},
        {"description": "B", "quantity": "2", "unit_price": "0.000", "tax_rate": "0.10"}])
    loaded = load_input({**payload, "due_date": "2030-01-31"})
    with zipfile.ZipFile(tmp_path / "pdfs.zip", "w") as archive:
        archive.writestr("a/X-1.pdf", b"%PDF-1.4")
    with zipfile.ZipFile(tmp_path / "pdfs.zip") as archive:
        kept = [
            (Record("f:1", payload, tmp_path / "X-1.pdf", line_locations=["f:1", "f:2"]), loaded),
            (Record("f:3", payload, zipfile.Path(archive, "a/X-1.pdf")), {**loaded, "lines": []}),
            # what the compact form does not cover is kept as it is
            (Record("f:4", {**payload, "note": Decimal("1.0")}), {**loaded, "when": dt.datetime(2030, 1, 1)}),
            (Record("f:5", payload), {**loaded, "lines": [*loaded["lines"], {"description": "C"}]}),
            (Record("f:6", payload), None),
        ]
        with Spool() as spool:
            for record, loaded_to in kept:
                spool.add(record, loaded_to)
            back = list(spool.records())
            assert back[1][0].pdf_path.read_bytes() == b"%PDF-1.4"
    assert [(r.location, r.payload, r.line_locations, l) for r, l in back] == \
        [(r.location, r.payload, r.line_locations, l) for r, l in kept]
    assert back[0][0].pdf_path == tmp_path / "X-1.pdf"
    first = back[0][1]
    assert list(first) == list(loaded)                                   # the keys in the same order
    assert [str(line["unit_price"]) for line in first["lines"]] == ["10", "0.000"]   # the same Decimals
    assert first["due_date"] == dt.date(2030, 1, 31) and type(back[2][1]["when"]) is dt.datetime
    seen = SeenKeys()
    assert seen.first("k", "f:1") is None and seen.first("other", "f:2") is None
    assert seen.first("k", "f:9") == "f:1"
    seen.close()


def test_the_id_log_keeps_each_list_in_order_across_pages(monkeypatch):
    from oro_invoices.services import import_spool
    monkeypatch.setattr(import_spool, "_PAGE", 3)
    log = import_spool.IdLog()
    log.add("created", [f"X-{i}" for i in range(7)])
    log.add("pending_pdfs", [5, 2, 9, 4])
    log.add("created", ["X-7"])
    assert (log.count("created"), log.count("pending_pdfs"), log.count("skipped")) == (8, 4, 0)
    assert list(log.values("created")) == [f"X-{i}" for i in range(8)]
    assert [len(page) for page in log.pages("created")] == [3, 3, 2]
    log.keep("pending_pdfs", lambda ids: [i for i in ids if i != 2])      # asked page by page
    assert list(log.values("pending_pdfs")) == [5, 9, 4] and log.count("pending_pdfs") == 3
    log.clear("created")
    assert list(log.values("created")) == [] and log.count("created") == 0
    log.close()


def test_the_look_ups_are_planned_per_call_on_postgresql(db):
    """A generic plan made while the import's transaction was small would scan the invoices on
    every later look-up: the look-ups are planned per call, the rest keeps the server's setting."""
    if db.dialect != "postgresql":
        pytest.skip("plan caching is PostgreSQL's")

    def mode(session):
        return session.execute(text("SHOW plan_cache_mode")).scalar()
    with db.transaction() as session:
        before = mode(session)
        with import_writing._planned_per_call(session):
            inside = mode(session)
        after = mode(session)
    assert (before, inside, after) == ("auto", "force_custom_plan", "auto")


def drafts_then_changes(count: int = 9) -> tuple[list[dict], list[dict]]:
    """Drafts to import first, then the same records changed: renamed, posted (own number or
    numbered by the import), given other lines, left as they were, or given a payment status."""
    first = [invoice_payload(external_id=f"D-{i}", invoice_number=None) for i in range(1, count + 1)]
    first = [{k: v for k, v in item.items() if k != "invoice_number"} for item in first]
    second = json.loads(json.dumps(first))
    for i, item in enumerate(second, start=1):
        kind = i % 5
        if kind == 1:
            item["customer_name"] = f"Renamed {i}"
        elif kind == 2:
            item.update(status="posted", invoice_number=f"OLD-{i}")
        elif kind == 3:
            item.update(status="posted", lines=[{"description": "Other", "quantity": "2", "unit_price": "7.10",
                                                 "tax_rate": "0.19", "tax_category": "S"}])
        elif kind == 4:
            item.update(due_date="2026-12-24", ship_to={"city": "Paris", "country": "FR"})
        # kind 0: unchanged
    second[-1].update(status="posted", payment_status="paid_in_full")    # through the service
    return first, second


def test_changed_drafts_are_stored_exactly_as_updating_one_by_one_stores_them(sqlite_template, tmp_path,
                                                                           monkeypatch):
    """Column for column, chain hashes included: a changed draft written with its batch is
    what ``update`` (then ``post``) leaves, and the report says the same."""
    first, second = drafts_then_changes()
    stored, reports = {}, {}
    real_update = InvoiceService.update
    for way in ("batches", "one by one"):
        copy = tmp_path / f"{way}.db"
        shutil.copy(sqlite_template, copy)
        db = Database(f"sqlite:///{copy}")
        svc = InvoiceService(db, plugins=get_plugin_manager(False), clock=NOV)
        assert run_import(svc, [write(tmp_path, "first.jsonl", first)], organization_id=1).problems == []
        updated: list[str] = []

        def counted(self, invoice_id, changes, *args, updated=updated, **kwargs):
            updated.append(changes["external_id"])
            return real_update(self, invoice_id, changes, *args, **kwargs)
        monkeypatch.setattr(InvoiceService, "update", counted)
        if way == "one by one":
            monkeypatch.setattr(import_writing.BatchWriter, "prepare_update", lambda self, *args: None)
        report = run_import(svc, [write(tmp_path, "second.jsonl", second)], organization_id=1)
        assert report.problems == []
        reports[way] = (report.created, report.updated, report.unchanged, sorted(report.pending_pdfs))
        # only the draft whose payment status the record sets goes through ``update`` in batches
        assert updated == (["D-9"] if way == "batches" else report.updated)
        assert verify(db).ok
        stored[way] = _rows(db)
        db.dispose()
    assert reports["batches"] == reports["one by one"]
    assert reports["batches"][1] == [f"D-{i}" for i in (1, 2, 3, 4, 6, 7, 8, 9)]
    assert reports["batches"][2] == ["D-5"]
    assert stored["batches"] == stored["one by one"]


def test_a_changed_draft_that_clashes_is_named_and_stop_writes_nothing(svc, db, tmp_path, small_batches):
    first, second = drafts_then_changes()
    run_import(svc, [write(tmp_path, "first.jsonl", first)], organization_id=1)
    svc.create(invoice_payload(external_id="T-0", invoice_number="TAKEN-1"))
    second[6]["invoice_number"] = "TAKEN-1"       # D-7, posted: found only while writing its batch
    path = write(tmp_path, "second.jsonl", second)
    report = run_import(svc, [path], organization_id=1)
    assert not report.written and report.updated == []
    assert [(p.record, p.field, p.message) for p in report.problems] == [
        (f"{path}:7", "invoice_number", "Invoice number TAKEN-1 is already used by another invoice of this organization.")]
    assert svc.get(svc.find_id(external_id="D-1")).customer_name == "Acme Corp"
    skipping = run_import(svc, [path], organization_id=1, on_error="skip")
    assert skipping.skipped == ["D-7"] and [p.record for p in skipping.problems] == [f"{path}:7"]
    assert skipping.updated == [f"D-{i}" for i in (1, 2, 3, 4, 6, 8, 9)]
    assert svc.get(svc.find_id(external_id="D-1")).customer_name == "Renamed 1"
    assert not svc.get(svc.find_id(external_id="D-7")).is_posted
    assert verify(db).ok


def test_a_dry_run_says_what_the_import_then_does_looking_invoices_up_by_batch(svc, db, tmp_path, monkeypatch,
                                                                             small_batches):
    first, second = drafts_then_changes()
    run_import(svc, [write(tmp_path, "first.jsonl", first)], organization_id=1)
    path = write(tmp_path, "second.jsonl", second + records(3))

    def one_at_a_time(*args, **kwargs):
        raise AssertionError("looked up one by one")
    with monkeypatch.context() as patched:
        patched.setattr(InvoiceService, "get", one_at_a_time)
        patched.setattr(InvoiceService, "find_id", one_at_a_time)
        dry = run_import(svc, [path], organization_id=1, dry_run=True)
    assert dry.problems == [] and not dry.written
    assert dry.summary().startswith("3 would be created, 8 would be updated, 1 unchanged")
    real = run_import(svc, [path], organization_id=1)
    assert (dry.created, dry.updated, dry.unchanged) == (real.created, real.updated, real.unchanged)


def test_listeners_hear_of_changed_drafts_after_the_commit_a_page_at_a_time(db, tmp_path, monkeypatch,
                                                                          small_batches):
    heard, pages = [], []

    class Listener:
        @hookimpl
        def invoice_updated(self, invoice, actor):
            heard.append(("updated", invoice.external_id, invoice.customer_name, invoice.is_posted))

        @hookimpl
        def invoice_posted(self, invoice, actor):
            heard.append(("posted", invoice.external_id, invoice.invoice_number))
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Listener()]), clock=NOV)
    first, second = drafts_then_changes(4)
    run_import(svc, [write(tmp_path, "first.jsonl", first)], organization_id=1)
    real_read_many = svc.context.read_many
    monkeypatch.setattr(svc.context, "read_many", lambda s, ids: pages.append(list(ids)) or real_read_many(s, ids))
    monkeypatch.setattr(import_writing.Announcements, "PAGE", 2)
    run_import(svc, [write(tmp_path, "second.jsonl", second)], organization_id=1)
    d1, d2, d3 = (svc.find_id(external_id=f"D-{i}") for i in (1, 2, 3))
    # one look-up of the stored drafts while writing, then the written ones read back two at a time
    assert pages[1:] == [[d1, d2], [d3]]
    # D-4 (a payment status to set) went through the service: its hooks come with the commit,
    # those of the batch (as they stand after it, D-2 and D-3 posted) follow in file order
    assert heard == [("updated", "D-4", "Acme Corp", False), ("posted", "D-4", "INV-2026-11-00002"),
                     ("updated", "D-1", "Renamed 1", False), ("updated", "D-2", "Acme Corp", True),
                     ("posted", "D-2", "OLD-2"), ("updated", "D-3", "Acme Corp", True),
                     ("posted", "D-3", "INV-2026-11-00001")]


def test_nothing_is_heard_of_an_import_that_was_rolled_back(db, tmp_path, small_batches):
    heard = []

    class Listener:
        @hookimpl
        def invoice_created(self, invoice, actor):
            heard.append(invoice.external_id)
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Listener()]), clock=NOV)
    svc.create(invoice_payload(external_id="T-0", invoice_number="TAKEN-1"))
    items = records(9)
    items[7]["invoice_number"] = "TAKEN-1"
    heard.clear()
    report = run_import(svc, [write(tmp_path, "a.jsonl", items)], organization_id=1)
    assert not report.written and heard == []


def test_an_import_whose_jobs_cannot_be_queued_is_imported_with_warnings(db, tmp_path):
    """The job queue raising after a batch committed: the PDF jobs of the invoice written with the
    batch and of the credit note written through the service, and the delivery of the events of
    the invoice the credit note credits. Every record is imported, each job failed is a warning,
    and importing again finds them unchanged."""
    from oro_invoices.hosts.memory import MemoryConfigStore
    from oro_invoices.integration.config import Settings
    settings = Settings(MemoryConfigStore())
    settings.set("oro_invoices.webhooks.endpoints", [{"url": "https://erp.example/hooks", "secret": "s" * 24}])
    from support.held_jobs import BrokenJobs
    jobs = BrokenJobs()
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=settings, clock=NOV, jobs=jobs)
    credit_note = invoice_payload(external_id="C-1", status="posted", document_type="credit_note",
                                  credited_invoice_external_id="I-1",
                                  lines=[{"description": "Widget", "quantity": "1", "unit_price": "19.99",
                                          "tax_rate": "0.19"}])
    path = write(tmp_path, "a.jsonl", [invoice_payload(external_id="I-1", status="posted"), credit_note])
    report = run_import(svc, [path], organization_id=1, on_error="skip")

    assert report.problems == [] and report.created == ["I-1", "C-1"]
    assert [(w.record, w.message) for w in report.warnings] == [
        ("import", "The import is committed, but a background job that followed (oro_invoices.deliver_events) "
                   "could not be handed to the job queue; the periodic sweeps do its work, so there is nothing "
                   "to do."),
        ("C-1", "The invoice is imported, but its PDF could not be handed to the background jobs; the periodic "
                "PDF sweep makes it, so there is nothing to do."),
        ("I-1", "The invoice is imported, but its PDF could not be handed to the background jobs; the periodic "
                "PDF sweep makes it, so there is nothing to do.")]
    assert sorted(jobs.tried) == ["oro_invoices.deliver_events", "oro_invoices.render_pdf", "oro_invoices.render_pdf"]
    assert [(i.external_id, i.status.value) for i in svc.list_invoices().items] == [("C-1", "posted"),
                                                                                     ("I-1", "posted")]
    again = run_import(svc, [path], organization_id=1, on_error="skip")
    assert again.unchanged == ["I-1", "C-1"] and again.warnings == []
