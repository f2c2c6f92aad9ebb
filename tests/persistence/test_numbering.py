"""Numbers: INV-YYYY-MM-NNNNN per organization and month, gapless and unique under concurrency."""
import datetime as dt
import multiprocessing
import re
import threading

import pytest
from support.payloads import invoice_payload

from oro_invoices.domain.errors import Conflict
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.persistence.engine import Database
from oro_invoices.services.facade import InvoiceService


def _clock(year, month, day=15):
    return lambda: dt.datetime(year, month, day, 12, 0, tzinfo=dt.UTC)


def test_default_number_is_prefix_year_month_counter(db):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), clock=_clock(2026, 11))
    numbers = [svc.post(svc.create(invoice_payload()).id).invoice_number for _ in range(3)]
    assert numbers == ["INV-2026-11-00001", "INV-2026-11-00002", "INV-2026-11-00003"]


def test_counter_is_per_organization_and_month(db):
    nov = InvoiceService(db, plugins=get_plugin_manager(False), clock=_clock(2026, 11))
    dec = InvoiceService(db, plugins=get_plugin_manager(False), clock=_clock(2026, 12))
    a = nov.post(nov.create(invoice_payload(organization_id=1)).id).invoice_number
    b = nov.post(nov.create(invoice_payload(organization_id=2)).id).invoice_number
    c = dec.post(dec.create(invoice_payload(organization_id=1)).id).invoice_number
    d = nov.post(nov.create(invoice_payload(organization_id=1)).id).invoice_number
    assert (a, c, d) == ("INV-2026-11-00001", "INV-2026-12-00001", "INV-2026-11-00002")
    # Organization 2 has its own counter; its numbers need another prefix to stay unique overall.
    assert b is not None


def test_prefix_comes_from_configuration(db):
    class Settings:
        def value(self, key, ctx=None):
            return {"oro_invoices.number_prefix": "ACME-", "oro_invoices.timezone": "UTC"}.get(key, False)
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=Settings(), clock=_clock(2027, 1))
    assert svc.post(svc.create(invoice_payload()).id).invoice_number == "ACME-2027-01-00001"


def test_an_invoice_that_brings_its_own_number_keeps_it(service):
    inv = service.post(service.create(invoice_payload(invoice_number="LEGACY-1999-042")).id)
    assert inv.invoice_number == "LEGACY-1999-042"
    # ... and does not consume a counter value.
    other = service.post(service.create(invoice_payload()).id)
    assert other.invoice_number.endswith("-00001")


def test_a_number_clash_is_a_clear_error_and_writes_nothing(service):
    service.create(invoice_payload(invoice_number="X-1", external_id="a"))
    with pytest.raises(Conflict, match="Invoice number X-1 is already used by another invoice"):
        service.create(invoice_payload(invoice_number="X-1", external_id="b"))
    assert [i.external_id for i in service.list_invoices().items] == ["a"]


def test_external_id_clash_is_a_clear_error(service):
    service.create(invoice_payload(external_id="erp-7"))
    with pytest.raises(Conflict, match="external_id already exists"):
        service.create(invoice_payload(external_id="erp-7"))


def test_a_plugin_can_supply_the_number(db):
    class Yearly:
        @hookimpl
        def invoice_number(self, invoice, prefix, posted_at, sequence):
            return f"{invoice.organization_id}/{posted_at:%Y}/{sequence}"
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Yearly()]), clock=_clock(2026, 5))
    assert svc.post(svc.create(invoice_payload()).id).invoice_number == "1/2026/1"


def test_a_generated_number_already_taken_is_skipped_and_recorded(db):
    class Fixed:
        @hookimpl
        def invoice_number(self, invoice, prefix, posted_at, sequence):
            return "SAME" if sequence < 3 else None
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Fixed()]), clock=_clock(2026, 5))
    first = svc.post(svc.create(invoice_payload()).id)     # SAME, counter 1
    second = svc.post(svc.create(invoice_payload()).id)    # counter 2 would be SAME again: skipped
    assert (first.invoice_number, second.invoice_number) == ("SAME", "INV-2026-05-00003")
    posted = svc.activities(second.id)[0]
    assert "skipped SAME (held by invoice id" in posted.summary
    assert posted.data["skipped"] == [{"invoice_number": "SAME", "sequence": 2, "held_by_invoice_id": first.id}]


def _post_all(url, ids, results):
    svc = InvoiceService(Database(url), plugins=get_plugin_manager(False))
    for invoice_id in ids:
        results.append(svc.post(invoice_id).invoice_number)
    svc.db.dispose()


def _post_all_process(url, ids, queue):
    out = []
    _post_all(url, ids, out)
    queue.put(out)


def _assert_gapless(numbers, count):
    assert len(numbers) == count == len(set(numbers))
    counters = sorted(int(re.search(r"-(\d{5})$", n).group(1)) for n in numbers)
    assert counters == list(range(1, count + 1))


def test_concurrent_posting_gives_unique_gapless_numbers(db, service):
    workers, per_worker = 4, 15
    ids = [service.create(invoice_payload()).id for _ in range(workers * per_worker)]
    chunks = [ids[i::workers] for i in range(workers)]
    if db.dialect == "postgresql":
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        procs = [ctx.Process(target=_post_all_process, args=(db.url, chunk, queue)) for chunk in chunks]
        for p in procs:
            p.start()
        numbers = [n for _ in procs for n in queue.get(timeout=120)]
        for p in procs:
            p.join(timeout=30)
            assert p.exitcode == 0
    else:
        numbers: list[str] = []
        threads = [threading.Thread(target=_post_all, args=(db.url, chunk, numbers)) for chunk in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    _assert_gapless(numbers, workers * per_worker)
    stored = [i.invoice_number for i in service.list_invoices({"status": "posted"}, limit=500).items]
    assert sorted(stored) == sorted(numbers)
