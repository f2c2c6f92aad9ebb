"""A file named twice on the command line (itself and in its folder) is read once; two
e-invoices with the same number are refused with words about e-invoices, not CSV rows."""
from __future__ import annotations

import json
import shutil

import pytest
from support.einvoices import EXAMPLES, einvoice_service
from support.payloads import invoice_payload

from oro_invoices.services.importing import run_import

CII = EXAMPLES / "invoice-cii.xml"


@pytest.fixture
def service(sqlite_db, tmp_path):
    return einvoice_service(sqlite_db, tmp_path, "pdf", customers=[])


def test_a_file_given_again_is_read_once(service, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(CII, inbox / "a.xml")
    (inbox / "b.jsonl").write_text(json.dumps(invoice_payload(
        external_id="J-1", currency="EUR", customer_id=None, customer_user_id=None, order_id=None)) + "\n")

    report = run_import(service, [inbox, inbox / "a.xml", tmp_path / "inbox" / ".." / "inbox" / "b.jsonl"],
                        organization_id=1, check_apart=False)

    assert report.problems == [] and sorted(report.created) == ["J-1", "RE-2025-0117"]


def test_two_e_invoices_of_one_number_name_it(service, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(CII, inbox / "a.xml")
    shutil.copy(CII, inbox / "b.xml")

    report = run_import(service, [inbox], organization_id=1, on_error="skip", check_apart=False)

    assert [(p.record, p.field, str(p.message)) for p in report.problems] == [
        (str(inbox / "b.xml"), "BT-1", f"Repeats the e-invoice of {inbox / 'a.xml'}: both are invoice RE-2025-0117, "
                                       "which is imported once.")]
    assert report.created == ["RE-2025-0117"]
