"""A year-9999 (or otherwise implausible) invoice date, and a due date the Days to Pay would put
past the last day there is, are field errors reported with every other problem of the record —
by the import (either way of checking) and by the API — never one error hiding the rest."""
from __future__ import annotations

import json

import pytest
from support.api import api_payload, make_http

from oro_invoices.cli import main
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import

NOT_PLAUSIBLE = ("9999-12-31 is not a plausible date for an invoice: it must be between 2000-01-01 and 2100-12-31 "
                 "(settings oro_invoices.posting.earliest_year and oro_invoices.posting.latest_year).")
PAST_LAST_DAY = ("The due date 30 days (Days to Pay) after 9999-12-31 would be past 9999-12-31, the last date there "
                 "is: give an earlier invoice date or the due date.")
BAD_LINE = [{"description": "Widget", "quantity": "0", "unit_price": "5.00"}]


def record(external_id: str, **overrides) -> dict:
    return {"external_id": external_id, "invoice_date": "9999-12-31", "currency": "EUR", "customer_name": "Acme",
            "lines": [{"description": "Widget", "quantity": "1", "unit_price": "5.00"}], **overrides}


@pytest.fixture
def last_year_plausible(db) -> InvoiceService:
    """A service whose invoices may be dated up to 9999, due 30 days after their date."""
    settings = Settings(MemoryConfigStore())
    settings.set("oro_invoices.enabled", True)
    settings.set("oro_invoices.seller.payment_days", "30")
    settings.set("oro_invoices.posting.latest_year", 9999)
    return InvoiceService(db, plugins=get_plugin_manager(False), settings=settings)


def test_an_implausible_date_is_reported_beside_the_records_other_problems(sqlite_db, tmp_path, capsys, checking):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record("Y-1", lines=BAD_LINE)) + "\n")
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:1.lines[0].quantity: Must be greater than 0.",
        f"{path}:1.invoice_date: {NOT_PLAUSIBLE}",
        "error: nothing imported (2 problem(s))"]


@pytest.mark.parametrize("apart", [False, True], ids=["checked-here", "checked-apart"])
def test_a_due_date_past_the_last_day_is_one_field_error_among_all(last_year_plausible, tmp_path, apart):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        record("Y-1", status="posted", customer_name=None),
        record("Y-2", lines=BAD_LINE)]) + "\n")
    report = run_import(last_year_plausible, [path], organization_id=1, on_error="skip", check_apart=apart)
    assert [(p.record.rsplit(":", 1)[-1], p.field, p.message) for p in report.problems] == [
        ("1", "invoice_date", PAST_LAST_DAY),
        ("1", "customer_name", "A posted invoice needs the buyer's name."),
        ("1", "bill_to", "A posted invoice needs the buyer's billing address (at least street, city and country)."),
        ("1", "due_date", "A posted invoice needs a due date."),
        ("2", "lines[0].quantity", "Must be greater than 0."),
        ("2", "invoice_date", PAST_LAST_DAY)]
    assert report.skipped == ["Y-1", "Y-2"]


def test_the_api_lists_the_date_with_the_other_problems(last_year_plausible):
    http = make_http(last_year_plausible, last_year_plausible.settings)
    posted = http.post("/api/invoices", api_payload(invoice_date="9999-12-31", due_date=None, status="posted",
                                                    customer_name="", bill_to=None))
    assert posted.status_code == 422
    assert posted.get_json()["errors"] == [
        {"field": "invoice_date", "message": PAST_LAST_DAY},
        {"field": "customer_name", "message": "A posted invoice needs the buyer's name."},
        {"field": "bill_to", "message": "A posted invoice needs the buyer's billing address (at least street, city "
                                        "and country)."},
        {"field": "due_date", "message": "A posted invoice needs a due date."}]
    bad_line = http.post("/api/invoices", api_payload(invoice_date="9999-12-31", due_date=None, lines=BAD_LINE))
    assert bad_line.status_code == 422
    assert bad_line.get_json()["errors"] == [{"field": "lines[0].quantity", "message": "Must be greater than 0."},
                                             {"field": "invoice_date", "message": PAST_LAST_DAY}]
