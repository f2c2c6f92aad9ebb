"""An invoice's number takes its year and month from the day it is posted in its organization's
time zone (``oro_invoices.timezone``, its books'), not from the UTC date nor its website's: posted at 08:30 on December 1st in Tokyo
(23:30 UTC on November 30th), it is a December invoice, posted one by one or by the import."""
from __future__ import annotations

import datetime as dt
import json

from support.payloads import invoice_payload

from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.services.context import DocumentScope, SchemaDefaults
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import
from oro_invoices.services.verification import verify

#: 23:30 UTC on the last day of November: 08:30 on December 1st in Tokyo
EVE = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)


class TokyoFirst(SchemaDefaults):
    """Settings at their defaults, but organization 1 is in Tokyo."""

    def value(self, key, ctx=None):
        if key == "oro_invoices.timezone" and ctx is not None and ctx.organization_id == 1:
            return "Asia/Tokyo"
        return super().value(key, ctx)


def service(db, plugins=()) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(False, plugins=list(plugins)), settings=TokyoFirst(),
                          clock=lambda: EVE)


class WebsiteInUtc(TokyoFirst):
    """Organization 1 in Tokyo, its website 7 in UTC (where it is still November 30th at ``EVE``)."""

    def value(self, key, ctx=None):
        if key == "oro_invoices.timezone" and ctx is not None and ctx.website_id == 7:
            return "UTC"
        return super().value(key, ctx)


def test_posted_on_the_first_in_tokyo_is_numbered_in_that_month(db):
    svc = service(db)
    tokyo = svc.post(svc.create(invoice_payload(organization_id=1, external_id="T-1")).id)
    utc = svc.post(svc.create(invoice_payload(organization_id=2, external_id="U-1")).id)
    assert (tokyo.invoice_number, utc.invoice_number) == ("INV-2026-12-00001", "INV-2026-11-00001")
    assert verify(db).ok


def test_the_number_hook_is_given_the_posting_time_in_the_organizations_zone_not_its_websites(db):
    """Website 7 is in UTC, still at 23:30 on November 30th: the hook is given the posting time
    in its organization's zone (Tokyo's 08:30 on December 1st), the books' time."""
    class Seen:
        @hookimpl
        def invoice_number(self, invoice, prefix, posted_at, sequence):
            return f"{prefix}{posted_at:%Y%m%d-%H%M%z}-{sequence}"
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Seen()]), settings=WebsiteInUtc(),
                         clock=lambda: EVE)
    assert svc.context.time_zone(DocumentScope(1, 7)).key == "UTC"      # the website's own zone
    posted = svc.post(svc.create(invoice_payload(organization_id=1, website_id=7)).id)
    assert posted.invoice_number == "INV-20261201-0830+0900-1"


def test_the_import_numbers_by_the_organizations_zone_too(db, tmp_path):
    svc = service(db)
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(invoice_payload(external_id=f"I-{i}", status="posted")) + "\n"
                            for i in range(2)))
    report = run_import(svc, [path], organization_id=1)
    assert report.problems == []
    assert [svc.get(svc.find_id(external_id=f"I-{i}")).invoice_number for i in range(2)] == [
        "INV-2026-12-00001", "INV-2026-12-00002"]
    result = verify(db)
    assert result.ok, result.problems


def test_a_credit_note_and_a_reissued_draft_are_dated_the_organizations_today(db):
    svc = service(db)
    invoice = svc.post(svc.create(invoice_payload(organization_id=1, invoice_date="2026-11-20",
                                                  due_date="2026-12-20")).id)
    result = svc.reissue(invoice.id, reason="Wrong address")
    assert (result.credit_note.invoice_date, result.draft.invoice_date) == (dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert result.credit_note.invoice_number.endswith("2026-12-00001")
    assert result.draft.due_date == dt.date(2026, 12, 31)                # the invoice's 30 days, from the new date


def test_a_website_of_its_own_zone_numbers_and_dates_by_its_organizations_books(db, tmp_path):
    """The number's month and a credit note's or re-issued draft's date are the organization's
    (its books'), whatever zone the invoice's website has: Tokyo's December 1st, not UTC's November 30th."""
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=WebsiteInUtc(), clock=lambda: EVE)
    path = tmp_path / "w.jsonl"
    path.write_text(json.dumps(invoice_payload(external_id="W-1", website_id=7, status="posted")) + "\n")
    assert run_import(svc, [path], organization_id=1).problems == []
    assert svc.get(svc.find_id(external_id="W-1")).invoice_number == "INV-2026-12-00001"
    invoice = svc.post(svc.create(invoice_payload(organization_id=1, website_id=7, external_id="W-2",
                                                  invoice_date="2026-11-20", due_date="2026-12-20")).id)
    assert invoice.invoice_number == "INV-2026-12-00002"
    result = svc.reissue(invoice.id, reason="Wrong address")
    assert (result.credit_note.invoice_date, result.draft.invoice_date) == (dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert verify(db).ok
