"""Posting issues a UBL e-invoice: the checked UBL XML is kept beside the PDF, frozen, and given
back by Download XML; the PDF carries no second, CII e-invoice."""
import hashlib
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from support.einvoices import SELLER_SETTINGS, german_payload, stored_pdf
from support.held_jobs import HeldJobs

from oro_invoices.documents.einvoice import rules, ubl
from oro_invoices.documents.einvoice.reading import read_xml
from oro_invoices.domain.errors import EInvoiceInvalid
from oro_invoices.persistence import triggers
from oro_invoices.persistence.models import EInvoiceSourceRow, Invoice
from oro_invoices.services.verification import verify

pytest.importorskip("saxonche")


@pytest.fixture(autouse=True)
def ubl_profile(settings):
    settings.set("oro_invoices.einvoice.profile", "ubl")


def einvoice_entries(svc, invoice_id):
    return [a for a in svc.history(invoice_id).activities if a.kind == "einvoice"]


@pytest.mark.parametrize("profile", ["ubl", "xrechnung_ubl"])
def test_posting_issues_the_checked_ubl_beside_a_pdf_that_carries_no_xml(svc, db, storage, settings, acme, profile):
    settings.set("oro_invoices.einvoice.profile", profile)
    posted = svc.post(svc.create(german_payload(acme)).id)
    assert posted.einvoice_kept and svc.offers_xml(posted)
    _, xml = svc.open_xml(posted.id)
    assert rules.check(xml, profile) == []                 # the XSD and every rule, warnings included
    assert ubl.element_texts(xml, "/*/cbc:CustomizationID") == [ubl.PROFILES[profile]]
    assert ubl.element_texts(xml, "/*/cbc:ID") == [posted.invoice_number]
    assert ubl.element_texts(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == [str(posted.total_amount)]
    assert ubl.element_texts(xml, "//cac:AccountingCustomerParty//cbc:RegistrationName") == ["Acme Industries AG"]
    assert svc.kept_einvoice(posted.id) == xml
    assert PdfReader(io.BytesIO(stored_pdf(svc, posted.id))).attachments == {}
    (entry,) = einvoice_entries(svc, posted.id)
    label = {"ubl": "EN 16931 UBL", "xrechnung_ubl": "XRechnung 3.0 UBL"}[profile]
    assert entry.summary == f"{label} e-invoice kept as issued (Download XML); the PDF carries no XML"
    assert (entry.data["kept"], entry.data["attached"]) == (True, False)
    assert verify(db, storage).ok


def test_the_ubl_says_what_the_posted_invoice_says(svc, acme):
    posted = svc.post(svc.create(german_payload(acme)).id)
    _, xml = svc.open_xml(posted.id)
    read = read_xml(xml)
    assert read.problems == []
    assert (read.payload["invoice_number"], read.payload["invoice_date"], read.payload["due_date"]) \
        == (posted.invoice_number, posted.invoice_date.isoformat(), posted.due_date.isoformat())
    assert [(line["description"], Decimal(line["quantity"]), Decimal(line["unit_price"]))
            for line in read.payload["lines"]] \
        == [(line.description, line.quantity, line.unit_price) for line in posted.lines]
    assert {k: read.totals[k] for k in ("subtotal", "tax_amount", "total_amount")} \
        == {"subtotal": str(posted.subtotal), "tax_amount": str(posted.tax_amount),
            "total_amount": str(posted.total_amount)}
    assert (read.buyer_vat_id, read.seller_vat_id) == ("DE136695976", SELLER_SETTINGS["vat_id"])
    assert read.payload["buyer"]["reference"] == "04011000-12345-03"


def test_a_credit_note_is_issued_as_a_ubl_credit_note(svc, acme):
    invoice = svc.post(svc.create(german_payload(acme)).id)
    posted = svc.create_credit_note(invoice.id, {"lines": [{"line": 1, "quantity": "1"}],
                                                  "reason": "Returned: 1 chair"}, actor="admin").credit_note
    assert posted.is_posted and posted.einvoice_kept
    _, xml = svc.open_xml(posted.id)
    assert xml.split(b"\n", 2)[1].startswith(b"<CreditNote ")
    assert rules.check(xml, "ubl") == []
    assert ubl.element_texts(xml, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") \
        == [invoice.invoice_number]
    assert ubl.element_texts(xml, "/*/cbc:Note") == ["#ACD#Returned: 1 chair"]
    assert read_xml(xml).payload["document_type"] == "credit_note"


def test_an_invalid_ubl_refuses_the_posting_and_keeps_nothing(svc, db, acme):
    svc.context.host.customers.customers[acme.id] = acme.__class__(acme.id, acme.name, organization_id=1,
                                                                     country_code="FR")
    draft = svc.create(german_payload(acme, lines=[{"description": "Consulting", "quantity": "10", "unit_price": "120",
                                             "tax_rate": "0", "tax_category": "AE"}]))
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert "BR-AE-02" in dict(caught.value.errors)
    assert "its EN 16931 UBL e-invoice breaks" in caught.value.message
    assert not svc.get(draft.id).is_posted
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(EInvoiceSourceRow)) == 0
        assert s.scalar(select(Invoice.einvoice_kept).where(Invoice.id == draft.id)) is False


def test_with_background_pdfs_the_ubl_is_issued_at_posting_and_downloadable_at_once(make_service, db, settings,
                                                                                     storage, acme):
    held = HeldJobs()
    svc = make_service(jobs=held)
    posted = svc.post(svc.create(german_payload(acme)).id)
    assert svc.pdf_pending(posted) and [job.name for job in held.submitted] == ["oro_invoices.render_pdf"]
    _, xml = svc.open_xml(posted.id)                      # the PDF is still being made
    assert rules.check(xml, "ubl") == []
    assert einvoice_entries(svc, posted.id) == []
    settings.set("oro_invoices.einvoice.profile", "en16931")   # changed before the worker runs
    svc.ensure_pdf(posted.id)                                  # what the render_pdf job does
    assert PdfReader(io.BytesIO(stored_pdf(svc, posted.id))).attachments == {}
    assert svc.open_xml(posted.id)[1] == xml                   # issued once, never re-made
    (entry,) = einvoice_entries(svc, posted.id)
    assert entry.summary.startswith("EN 16931 UBL e-invoice kept as issued")
    assert verify(db, storage).ok


def test_the_issued_ubl_is_frozen(svc, db, acme):
    posted = svc.post(svc.create(german_payload(acme)).id)
    for statement in ("UPDATE oro_invoice_einvoice_source SET size = size + 1",
                      "DELETE FROM oro_invoice_einvoice_source"):
        with pytest.raises(DBAPIError, match=r"the e-invoice XML an invoice keeps \(imported from it, or issued "
                                             r"as UBL\) cannot be changed or removed"), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert svc.open_xml(posted.id)[1] == svc.kept_einvoice(posted.id)


def test_the_issued_ubl_is_covered_by_the_hash_chain(svc, db, storage, acme, drop_guards):
    """Re-pointing the kept record at another file, even with the guards dropped, is found; so is
    changing the hash the invoice's link covers."""
    posted = svc.post(svc.create(german_payload(acme)).id)
    issued = svc.kept_einvoice(posted.id)
    issued_sha = hashlib.sha256(issued).hexdigest()
    forged = storage.put(issued + b"<!-- forged -->")
    label = f"invoice {posted.invoice_number} (id {posted.id})"
    drop_guards()
    kept_guards = triggers.EINVOICE_SOURCES
    with db.engine.begin() as conn:
        for statement in kept_guards.drop_statements(db.dialect):
            conn.exec_driver_sql(statement)
        conn.execute(text("UPDATE oro_invoice_einvoice_source SET sha256 = :sha, size = :size"),
                     {"sha": forged.sha256, "size": forged.size})
        for statement in kept_guards.create_statements(db.dialect):
            conn.exec_driver_sql(statement)
    report = verify(db, storage)
    assert report.problems == [f"{label}: its kept e-invoice XML record points at file {forged.sha256[:12]}…, "
                               f"not the XML its link covers ({issued_sha[:12]}…)"]
    with db.engine.begin() as conn:          # the invoice made to cover the forged file instead
        conn.execute(text("UPDATE oro_invoice_invoice SET einvoice_sha256 = :sha"), {"sha": forged.sha256})
    assert f"{label}: content does not match its recorded hash (altered)" in verify(db, storage).problems
