"""Days to Pay and the printed terms applied to invoices: created, posted, imported, on statements."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from support.payloads import invoice_payload
from support.pdfs import pdf_text

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.errors import ValidationError
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import import_files, run_import

TERMS = "Payable within {days} days without deduction.\nPlease pay by {due_date}."


@pytest.fixture
def settings() -> Settings:
    settings = Settings(MemoryConfigStore())
    settings.set("oro_invoices.seller.payment_terms", TERMS)
    settings.set("oro_invoices.seller.payment_days", "30")
    settings.set("oro_invoices.seller.payment_days", "14", "customer", 10)     # agreed with Acme
    settings.set("oro_invoices.locale", "de_DE", "customer", 10)
    return settings


@pytest.fixture
def service(db, tmp_path, settings) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(False), storage=LocalStorage(tmp_path / "pdf"),
                          renderer=PdfRenderer(), settings=settings)


def undated(**overrides):
    payload = invoice_payload(**overrides)
    del payload["due_date"]
    return payload


def test_an_invoice_created_without_a_due_date_is_due_by_its_customers_days_to_pay(service):
    acme = service.create(undated(invoice_date="2027-12-20"))
    assert acme.due_date == dt.date(2028, 1, 3)                                   # 14 days, the customer's own
    other = service.create(undated(invoice_date="2027-12-20", customer_id=11))
    assert other.due_date == dt.date(2028, 1, 19)                                 # 30, the shop's
    given = service.create(invoice_payload(invoice_date="2027-12-20", due_date="2027-12-27"))
    assert given.due_date == dt.date(2027, 12, 27)                                # a given due date is kept


def test_a_drafts_due_date_by_days_to_pay_follows_a_new_invoice_date_or_customer(service):
    draft = service.create(undated(invoice_date="2027-12-20"))                   # due 2028-01-03, Acme's 14
    redated = service.update(draft.id, {"invoice_date": "2028-01-05"})
    assert redated.due_date == dt.date(2028, 1, 19)
    assert service.history(draft.id).activities[0].data["fields"] == ["due_date", "invoice_date"]
    moved = service.update(draft.id, {"customer_id": 11, "customer_name": "Other Co"})
    assert moved.due_date == dt.date(2028, 2, 4)                                  # the shop's 30 days


def test_a_due_date_agreed_otherwise_stays_when_the_invoice_date_changes(service):
    agreed = service.create(invoice_payload(invoice_date="2027-12-20", due_date="2028-01-31"))
    assert service.update(agreed.id, {"invoice_date": "2027-12-27"}).due_date == dt.date(2028, 1, 31)
    with pytest.raises(ValidationError) as refused:                              # not moved past it either
        service.update(agreed.id, {"invoice_date": "2028-02-02"})
    assert "due_date" in str(refused.value)
    by_terms = service.create(undated(invoice_date="2027-12-20"))
    given = service.update(by_terms.id, {"invoice_date": "2027-12-27", "due_date": "2028-03-01"})
    assert given.due_date == dt.date(2028, 3, 1)                                  # a due date given is the one


def test_posting_keeps_the_terms_filled_in_with_the_invoices_own_days_and_due_date(service):
    agreed = service.create(invoice_payload(invoice_date="2027-03-01", due_date="2027-03-11"))
    posted = service.post(agreed.id, actor="admin")
    # the invoice's days (10), not the setting's, so the words agree with the due date printed
    assert posted.seller.payment_terms == "Payable within 10 days without deduction.\nPlease pay by 11.03.2027."
    _info, pdf = service.open_pdf(posted.id)
    with pdf:
        assert "Please pay by 11.03.2027." in pdf_text(pdf.read())


def test_a_draft_without_a_due_date_gets_one_when_posted(service, settings):
    settings.unset("oro_invoices.seller.payment_days", "customer", 10)
    settings.unset("oro_invoices.seller.payment_days")
    draft = service.create(undated(invoice_date="2027-02-01"))
    assert draft.due_date is None
    with pytest.raises(ValidationError, match="needs a due date"):
        service.post(draft.id, actor="admin")
    settings.set("oro_invoices.seller.payment_days", "28", "customer", 10)
    posted = service.post(draft.id, actor="admin")
    assert posted.due_date == dt.date(2027, 3, 1)
    assert posted.seller.payment_terms.startswith("Payable within 28 days")


def test_an_import_dates_and_words_its_invoices_as_create_and_post_do(service, tmp_path):
    records = [undated(external_id="T-1", status="posted", invoice_date="2027-01-15"),
               undated(external_id="T-2", invoice_date="2027-01-15", customer_id=11)]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    import_files(service, [path])
    imported = service.get(service.find_id(external_id="T-1"))
    assert imported.due_date == dt.date(2027, 1, 29)
    assert imported.seller.payment_terms == "Payable within 14 days without deduction.\nPlease pay by 29.01.2027."
    one_by_one = service.post(service.create(undated(external_id="T-3", invoice_date="2027-01-15")).id, actor="a")
    assert one_by_one.seller.payment_terms == imported.seller.payment_terms
    assert service.get(service.find_id(external_id="T-2")).due_date == dt.date(2027, 2, 14)


def test_an_import_redating_a_draft_moves_its_due_date_as_update_does(service, tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(undated(external_id="T-9", invoice_date="2027-01-15")))
    import_files(service, [path])
    draft_id = service.find_id(external_id="T-9")
    assert service.get(draft_id).due_date == dt.date(2027, 1, 29)
    path.write_text(json.dumps(undated(external_id="T-9", invoice_date="2027-01-20")))
    import_files(service, [path])
    assert service.get(draft_id).due_date == dt.date(2027, 2, 3)


def test_a_statement_prints_the_days_and_leaves_out_the_line_naming_one_due_date(service):
    service.post(service.create(invoice_payload(invoice_date="2027-03-01", due_date="2027-03-15")).id, actor="a")
    statement = service.customer_statement({"organization_id": 1, "customer_id": 10})
    text = pdf_text(service.statement_pdf(statement))
    assert "Payable within 14 days without deduction." in text          # Acme's Days to Pay
    assert "Please pay by" not in text and "{" not in text


def test_a_credit_note_keeps_its_own_date_as_its_due_date(service):
    posted = service.post(service.create(invoice_payload(invoice_date="2027-03-01", due_date="2027-03-15")).id,
                          actor="a")
    note = service.create_credit_note(posted.id, {"full": True, "settlement": "credit"}).credit_note
    assert note.due_date == note.invoice_date


LAST_DAY = "9999-12-31"
NOT_PLAUSIBLE = ("9999-12-31 is not a plausible date for an invoice: it must be between 2000-01-01 and 2100-12-31 "
                 "(settings oro_invoices.posting.earliest_year and oro_invoices.posting.latest_year).")


def test_an_invoice_date_the_days_to_pay_cannot_count_from_is_refused_not_a_crash(service, settings):
    with pytest.raises(ValidationError) as refused:
        service.create(undated(invoice_date=LAST_DAY))
    assert refused.value.errors == [("invoice_date", NOT_PLAUSIBLE)]
    draft = service.create(undated(invoice_date="2027-12-20"))                   # due by Acme's 14 days
    with pytest.raises(ValidationError) as refused:
        service.update(draft.id, {"invoice_date": LAST_DAY})
    assert refused.value.errors == [("invoice_date", NOT_PLAUSIBLE)]
    assert service.get(draft.id).invoice_date == dt.date(2027, 12, 20)
    settings.set("oro_invoices.posting.latest_year", 9999)                        # the last year is plausible
    with pytest.raises(ValidationError) as refused:
        service.create(undated(invoice_date=LAST_DAY))
    assert refused.value.errors == [("invoice_date", "The due date 14 days (Days to Pay) after 9999-12-31 would be "
                                                     "past 9999-12-31, the last date there is: give an earlier "
                                                     "invoice date or the due date.")]
    with pytest.raises(ValidationError) as refused:
        service.update(draft.id, {"invoice_date": LAST_DAY})
    assert [field for field, _ in refused.value.errors] == ["invoice_date"]
    assert service.create(invoice_payload(invoice_date=LAST_DAY, due_date=LAST_DAY)).due_date == dt.date.max


@pytest.mark.parametrize("status", ["draft", "posted"])
def test_an_import_refuses_such_a_date_in_its_dry_run_as_in_its_run(service, tmp_path, status):
    path = tmp_path / "late.jsonl"
    path.write_text(json.dumps(undated(external_id="L-1", invoice_date=LAST_DAY, status=status)))
    for dry_run in (True, False):
        report = run_import(service, [path], organization_id=1, dry_run=dry_run)
        assert not report.written
        assert ("invoice_date", NOT_PLAUSIBLE) in [(p.field, str(p.message)) for p in report.problems]
    assert service.list_invoices(with_total=True).total == 0
