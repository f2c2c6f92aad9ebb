"""Re-importing a posted invoice with other content is a problem of its record naming the
fields that differ (as the API's 409 does), never "unchanged"."""
from __future__ import annotations

import json

import pytest
from support.payloads import invoice_payload

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import


@pytest.fixture
def service(db):
    return InvoiceService(db, plugins=get_plugin_manager(False))


def _posted(service, external_id):
    payload = invoice_payload(external_id=external_id, status="posted", customer_id=None,
                              customer_user_id=None, order_id=None)
    return payload, service.post(service.create({k: v for k, v in payload.items() if k != "status"}).id)


def _file(tmp_path, name, records):
    path = tmp_path / name
    if name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    else:
        path.write_text(json.dumps(records))
    return path


@pytest.mark.parametrize("name", ["again.json", "again.jsonl"])
def test_other_content_for_a_posted_invoice_is_a_problem_naming_the_fields(service, tmp_path, name):
    payload, posted = _posted(service, "P-1")
    changed = {**payload, "due_date": "2026-12-20",
               "lines": [{**payload["lines"][0], "quantity": "4"}, payload["lines"][1]]}

    report = run_import(service, [_file(tmp_path, name, [changed])], organization_id=1, on_error="skip",
                        check_apart=False)

    assert report.unchanged == [] and report.skipped == ["P-1"]
    said = (f"Invoice {posted.invoice_number} is posted and can no longer be modified (tried to change: "
            "due_date, lines). Only its payment status, payments and notes may change.")
    assert [(p.field, p.message) for p in report.problems] == [("due_date", said), ("lines", said)]
    assert str(service.get(posted.id).due_date) == "2026-12-02"


def test_the_same_content_is_still_unchanged_and_new_invoices_are_written_beside(service, tmp_path):
    payload, _ = _posted(service, "P-2")
    path = _file(tmp_path, "mixed.json", [payload, invoice_payload(external_id="N-1")])

    report = run_import(service, [path], organization_id=1, check_apart=False)

    assert report.problems == [] and report.unchanged == ["P-2"] and report.created == ["N-1"]


def test_with_stop_the_import_is_rolled_back_and_a_dry_run_says_so_too(service, tmp_path):
    payload, _ = _posted(service, "P-3")
    path = _file(tmp_path, "stop.json", [invoice_payload(external_id="N-2"), {**payload, "currency": "EUR"}])

    planned = run_import(service, [path], organization_id=1, dry_run=True, check_apart=False)
    report = run_import(service, [path], organization_id=1, check_apart=False)

    for result in (planned, report):
        assert [(p.field, "(tried to change: currency)" in p.message) for p in result.problems] == [
            ("currency", True)]
        assert not result.written and result.created == []
    assert service.id_of_external_id(1, "N-2") is None


def test_a_csv_row_with_another_price_is_a_problem_too(service, tmp_path):
    header = ("external_id,invoice_number,invoice_date,due_date,currency,customer_name,status,bill_to_street,"
              "bill_to_city,bill_to_country,line_description,line_quantity,line_unit_price,line_tax_rate\n")
    path = tmp_path / "again.csv"
    path.write_text(header + "C-1,OLD-1,2019-03-01,2019-03-31,EUR,Acme AG,posted,Unter den Linden 1,Berlin,DE,Consulting,2,500.00,0.19\n")
    first = run_import(service, [path], organization_id=1, check_apart=False)
    assert first.created == ["C-1"], first.problems
    path.write_text(header + "C-1,OLD-1,2019-03-01,2019-03-31,EUR,Acme AG,posted,Unter den Linden 1,Berlin,DE,Consulting,2,450.00,0.19\n")

    again = run_import(service, [path], organization_id=1, on_error="skip", check_apart=False)

    assert again.skipped == ["C-1"] and [(p.field, p.message) for p in again.problems] == [
        ("lines", "Invoice OLD-1 is posted and can no longer be modified (tried to change: lines). Only its "
                  "payment status, payments and notes may change.")]


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_draft_record_of_a_posted_invoice_is_unchanged_with_a_warning(service, tmp_path, dry_run):
    payload, posted = _posted(service, "P-9")
    old_export = {**payload, "status": "draft"}
    path = _file(tmp_path, "old-export.json", [old_export, {**old_export, "external_id": "P-10"}])
    _posted(service, "P-10")

    report = run_import(service, [path], organization_id=1, on_error="skip", dry_run=dry_run, check_apart=False)

    assert report.problems == [] and report.unchanged == ["P-9", "P-10"] and report.skipped == []
    assert [(w.record, w.field) for w in report.warnings] == [(f"{path}[0]", "status"), (f"{path}[1]", "status")]
    assert report.warnings[0].message == (
        f"Invoice {posted.invoice_number} is already posted; this record gives it as a draft (an export made "
        "before it was posted) and is otherwise the same, so it is unchanged.")
    assert service.get(posted.id).status.value == "posted"


def test_a_draft_record_of_a_posted_invoice_with_other_content_names_only_that_content(service, tmp_path):
    payload, posted = _posted(service, "P-11")
    path = _file(tmp_path, "old.json", [{**payload, "status": "draft", "due_date": "2026-12-20"}])

    report = run_import(service, [path], organization_id=1, on_error="skip", check_apart=False)

    assert [p.field for p in report.problems] == ["due_date"] and report.skipped == ["P-11"]
    assert report.warnings == []
