"""An export imported back into the shop it came from changes nothing: a posted invoice's
payment status that is already its own is not forced, so it still follows the payments
recorded afterwards, as before the import."""
from __future__ import annotations

import io

import pytest
from support.payloads import invoice_payload

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.exporting import export_records, write_jsonl
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import


@pytest.fixture
def service(db):
    return InvoiceService(db, plugins=get_plugin_manager(False))


def test_an_export_imported_back_is_unchanged_and_statuses_still_follow_payments(service, tmp_path):
    posted = service.post(service.create(invoice_payload(external_id="P-1", customer_id=None,
                                                         customer_user_id=None, order_id=None)).id)
    out = io.StringIO()
    write_jsonl(export_records(service, InvoiceFilter(organization_id=1)), out)
    path = tmp_path / "export.jsonl"
    path.write_text(out.getvalue())
    assert '"payment_status": "pending"' in out.getvalue()

    report = run_import(service, [path], organization_id=1, check_apart=False)

    assert report.problems == [] and report.unchanged == ["P-1"] and report.updated == []
    assert not service.get(posted.id).payment_status_forced
    service.record_payment(posted.id, {"method": "bank", "action": "charge", "amount": str(posted.total_amount)})
    assert service.get(posted.id).payment_status.value == "paid_in_full"


def test_a_different_status_is_still_set(service, tmp_path):
    posted = service.post(service.create(invoice_payload(external_id="P-2", customer_id=None,
                                                         customer_user_id=None, order_id=None)).id)
    path = tmp_path / "paid.jsonl"
    out = io.StringIO()
    write_jsonl(export_records(service, InvoiceFilter(organization_id=1)), out)
    path.write_text(out.getvalue().replace('"payment_status": "pending"', '"payment_status": "paid_in_full"'))

    report = run_import(service, [path], organization_id=1, check_apart=False)

    assert report.updated == ["P-2"]
    paid = service.get(posted.id)
    assert paid.payment_status.value == "paid_in_full" and paid.payment_status_forced
