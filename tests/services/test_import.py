"""Bulk import: JSON, JSON Lines and CSV; all or nothing; historical invoices kept as they were."""
import json
from decimal import Decimal

import pytest
from support.payloads import invoice_payload

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import import_files, read_records

CSV = """external_id,invoice_number,invoice_date,due_date,currency,customer_id,customer_name,status,payment_status,bill_to_name,bill_to_street,bill_to_city,bill_to_country,line_description,line_quantity,line_unit_price,line_tax_rate,pdf_file
H-1,OLD-2019-001,2019-03-01,2019-03-31,EUR,10,Acme AG,posted,paid_in_full,Acme,Unter den Linden 1,Berlin,DE,Consulting,2,500.00,0.19,h1.pdf
H-1,OLD-2019-001,2019-03-01,2019-03-31,EUR,10,Acme AG,posted,paid_in_full,Acme,Unter den Linden 1,Berlin,DE,Travel,1,120.50,0.07,h1.pdf
H-2,,2026-11-01,,USD,11,,,,Beta,,Boston,,Widget,3,19.99,0,
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "pdf")


@pytest.fixture
def importing(db, storage):
    return InvoiceService(db, plugins=get_plugin_manager(False), storage=storage)


def test_csv_rows_become_invoices_with_their_history(importing, tmp_path, storage):
    (tmp_path / "h1.pdf").write_bytes(b"%PDF-1.4 historical invoice\n%%EOF")
    report = import_files(importing, [write(tmp_path, "legacy.csv", CSV)])
    assert report.summary() == ("2 created, 0 updated, 0 unchanged, 0 skipped, "
                                "1 PDF(s) attached, 0 PDF(s) rendered, 0 pending")
    old = importing.get(importing.find_id(external_id="H-1"))
    assert old.invoice_number == "OLD-2019-001" and str(old.invoice_date) == "2019-03-01"
    assert old.is_posted and old.payment_status is PaymentStatus.PAID_IN_FULL
    assert [l.description for l in old.lines] == ["Consulting", "Travel"]
    assert old.total_amount == Decimal("1318.94")  # 1000 + 190 + 120.50 + 8.44
    assert old.bill_to.city == "Berlin"
    assert storage.read(old.pdf.sha256) == b"%PDF-1.4 historical invoice\n%%EOF"
    assert old.pdf.source == "imported"                      # stored as it was posted
    new = importing.get(importing.find_id(external_id="H-2"))
    assert not new.is_posted and new.total_amount == Decimal("59.97")


def test_json_and_jsonl(importing, tmp_path):
    a = invoice_payload(external_id="J-1")
    b = invoice_payload(external_id="J-2", status="posted")
    import_files(importing, [write(tmp_path, "a.json", json.dumps([a])),
                             write(tmp_path, "b.jsonl", json.dumps(b) + "\n\n")])
    assert importing.get(importing.find_id(external_id="J-2")).is_posted


def test_one_bad_record_means_nothing_is_imported(importing, tmp_path):
    good = invoice_payload(external_id="G-1")
    bad = invoice_payload(external_id="G-2")
    bad["lines"][1]["quantity"] = "-3"
    path = write(tmp_path, "mixed.jsonl", json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(ValidationError) as err:
        import_files(importing, [path])
    assert (f"{path}:2.lines[1].quantity", "Must be greater than 0.") in err.value.errors
    assert importing.list_invoices(with_total=True).total == 0


def test_a_conflict_while_writing_rolls_back_the_whole_file(importing, tmp_path):
    importing.create(invoice_payload(external_id="X-0", invoice_number="TAKEN-1"))
    records = [invoice_payload(external_id="X-1", status="posted"),
               invoice_payload(external_id="X-2", invoice_number="TAKEN-1")]
    path = write(tmp_path, "clash.json", json.dumps(records))
    with pytest.raises(Conflict, match=r"clash.json\[1\]: Invoice number TAKEN-1 is already used by another"):
        import_files(importing, [path])
    assert [i.external_id for i in importing.list_invoices().items] == ["X-0"]


def test_lifecycle_events_are_announced_only_after_the_commit(db, tmp_path):
    seen = []

    class Listener:
        @hookimpl
        def invoice_created(self, invoice, actor):
            seen.append(invoice.external_id)
    InvoiceService(db, plugins=get_plugin_manager(False)).create(invoice_payload(external_id="E-0", invoice_number="N"))
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Listener()]))
    # E-3's number is E-0's: found only while writing, after E-1 was written
    bad = [invoice_payload(external_id="E-1"), invoice_payload(external_id="E-2"),
           invoice_payload(external_id="E-3", invoice_number="N")]
    with pytest.raises(Conflict):
        import_files(svc, [write(tmp_path, "bad.json", json.dumps(bad))])
    assert seen == []
    import_files(svc, [write(tmp_path, "good.json", json.dumps(bad[:2]))])
    assert seen == ["E-1", "E-2"]


def test_reimporting_updates_drafts_and_leaves_posted_invoices_alone(importing, tmp_path):
    first = [invoice_payload(external_id="R-1"), invoice_payload(external_id="R-2", status="posted")]
    import_files(importing, [write(tmp_path, "one.json", json.dumps(first))])
    second = [invoice_payload(external_id="R-1", customer_name="Renamed", status="posted"),
              invoice_payload(external_id="R-2", customer_name="Ignored", status="posted")]
    report = import_files(importing, [write(tmp_path, "two.json", json.dumps(second))], on_error="skip")
    assert (report.updated, report.unchanged, report.skipped) == (["R-1"], [], ["R-2"])
    assert [(p.field, "(tried to change: customer_name)" in p.message) for p in report.problems] == [
        ("customer_name", True)]
    r1 = importing.get(importing.find_id(external_id="R-1"))
    assert r1.customer_name == "Renamed" and r1.is_posted
    assert importing.get(importing.find_id(external_id="R-2")).customer_name == "Acme Corp"


@pytest.mark.parametrize("name,text,where,message", [
    ("x.txt", "", "x.txt", "Unknown file type"),
    ("x.json", "{", "x.json:1", "Not valid JSON"),
    ("x.json", "{}", "x.json", "Expected a JSON array"),
    ("x.json", '{"invoices": [{"external_id": "A"}]}', "x.json",
     "Expected a JSON array of invoices, not an object: make the array of its 'invoices' key the whole file."),
    ("x.jsonl", "[1]\n", "x.jsonl:1", "Expected an invoice object"),
    ("x.csv", "currency\nEUR\n", "x.csv", "external_id column"),
    ("x.csv", "external_id,currency\nA,EUR\nA,USD\n", "x.csv:3.currency", "Differs from the first row"),
])
def test_unreadable_files_say_where(tmp_path, name, text, where, message):
    with pytest.raises(ValidationError) as err:
        read_records(write(tmp_path, name, text))
    field, msg = err.value.errors[0]
    assert field.endswith(where) and message in msg


@pytest.mark.parametrize("header,named", [
    ("external_id,currency,external_id", "external_id"),
    ("external_id,currency,line_quantity,currency,line_quantity", "currency, line_quantity"),
])
def test_a_csv_header_naming_a_column_twice_refuses_the_file(tmp_path, header, named):
    path = write(tmp_path, "dup.csv", header + "\n" + ",".join(["DH-1", "EUR", "DH-2", "USD", "1"][:header.count(",") + 1])
                 + "\n")
    with pytest.raises(ValidationError) as err:
        read_records(path)
    assert err.value.errors == [(str(path), f"The header names {named} more than once: which of its "
                                            "cells counts would be a guess. Give each column once.")]


@pytest.mark.parametrize("name", ["u16.csv", "u16.jsonl", "u16.json"])
@pytest.mark.parametrize("encoding,said", [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")])
def test_a_utf16_file_is_refused_saying_to_save_it_as_utf8(tmp_path, name, encoding, said):
    text = {"csv": "external_id,currency\nU-1,EUR\n", "jsonl": '{"external_id": "U-1"}\n',
            "json": '[{"external_id": "U-1"}]'}[name.rsplit(".", 1)[1]]
    path = tmp_path / name
    path.write_bytes(("\ufeff" + text).encode(encoding))
    with pytest.raises(ValidationError) as err:
        read_records(path)
    assert err.value.errors == [(str(path), f"The file is not UTF-8 text (it looks like {said}): save it as UTF-8.")]


def test_a_file_in_another_encoding_is_refused_without_the_decoders_words(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("external_id,customer_name\nL-1,Müller\n".encode("latin-1"))
    with pytest.raises(ValidationError) as err:
        read_records(path)
    assert err.value.errors == [(str(path), "The file is not UTF-8 text: save it as UTF-8.")]


def test_a_csv_cell_over_the_field_limit_names_its_row(tmp_path):
    path = write(tmp_path, "big.csv", "external_id,currency,customer_name\nB-1,EUR,Acme\nB-2,EUR," + "x" * 200_000
                 + "\nB-3,EUR,Acme\n")
    with pytest.raises(ValidationError) as err:
        read_records(path)
    assert err.value.errors == [(f"{path}:3", "A cell of this row is longer than 131072 characters, more than "
                                              "any field may hold.")]


def test_an_unclosed_quote_is_named_as_such(tmp_path):
    path = write(tmp_path, "quote.csv", 'external_id,customer_name,currency\nQ-1,Acme,EUR\nQ-2,"Beta,EUR\n'
                                       "Q-3,Gamma,EUR\nQ-4,Delta,EUR\n")
    with pytest.raises(ValidationError) as err:
        read_records(path)
    assert err.value.errors == [(f"{path}:5", "A quote in this row (from line 3) is not closed: the cells after it "
                                              "were read as one, over several lines.")]
    fine = write(tmp_path, "multiline.csv", 'external_id,customer_name,currency\nQ-1,"Acme\nGmbH",EUR\n')
    assert [r.payload["customer_name"] for r in read_records(fine)] == ["Acme\nGmbH"]


def test_missing_pdf_and_duplicates_are_reported_together(importing, tmp_path):
    a = dict(invoice_payload(external_id="D-1", status="posted"), pdf_file="nope.pdf")
    b = invoice_payload(external_id="D-1")
    path = write(tmp_path, "d.json", json.dumps([a, b]))
    with pytest.raises(ValidationError) as err:
        import_files(importing, [path])
    fields = dict(err.value.errors)
    assert "cannot be read" in fields[f"{path}[0].pdf_file"]
    assert "Repeats the invoice of" in fields[f"{path}[1].external_id"]


def test_invoices_the_import_posts_keep_their_customers_own_payment_terms(db, storage, tmp_path):
    """As posting one does (ServiceContext.seller): the terms set for the customer, else the shop's."""
    settings = Settings(MemoryConfigStore())
    settings.set("oro_invoices.seller.payment_terms", "Payable within 30 days.")
    settings.set("oro_invoices.seller.payment_terms", "Net 60, agreed.", "customer", 10)
    service = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, settings=settings)
    records = [invoice_payload(external_id="T-1", status="posted"),
               invoice_payload(external_id="T-2", status="posted", customer_id=11),
               invoice_payload(external_id="T-3", status="posted")]
    import_files(service, [write(tmp_path, "t.jsonl", "\n".join(json.dumps(r) for r in records))])
    terms = {x: service.get(service.find_id(external_id=x)).seller.payment_terms for x in ("T-1", "T-2", "T-3")}
    assert terms == {"T-1": "Net 60, agreed.", "T-2": "Payable within 30 days.", "T-3": "Net 60, agreed."}
    one_by_one = service.post(service.create(invoice_payload(external_id="T-4")).id, actor="admin")
    assert one_by_one.seller.payment_terms == terms["T-1"]
