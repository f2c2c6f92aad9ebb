"""Back-office Import E-Invoices: uploaded Factur-X PDFs and CII XML files become posted
invoices of the admin's organization; each file's outcome, and every problem, is listed."""
from __future__ import annotations

import io

import pytest
from support.variant import documents_made, inline_jobs_only

from oro_invoices.domain.errors import NotFound
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.integration.config import Settings

PAGE = "/admin/invoices/import"


@pytest.fixture
def einvoicing(shop):
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.einvoice.enabled", True)
    return shop


@pytest.fixture
def posted(einvoicing, admin):
    """A posted invoice of Acme, with its hybrid PDF and its XML."""
    service = admin.service
    draft = next(d for d in service.list_invoices({"status": "draft"}, limit=100).items
                 if d.customer_name == "Acme Industries AG")
    doc = documents_made(service, service.post(draft.id).id)
    _, stream = service.open_pdf(doc.id)
    with stream:
        pdf = stream.read()
    return doc, pdf, service.open_xml(doc.id)[1]


def upload(client: ShopClient, files: list[tuple[str, bytes]]):
    token = form_token(client.get(PAGE).get_data(as_text=True))
    return client.client.post(PAGE, data={"csrf_token": token,
                                          "files": [(io.BytesIO(data), name) for name, data in files]},
                              content_type="multipart/form-data")


def rows(resp) -> list[str]:
    html = resp.get_data(as_text=True)
    body = html.split('id="oi-import-results"', 1)[1].split("</table>", 1)[0]
    return [text_of("<tr" + row) for row in body.split("<tr")[2:]]


def test_each_uploaded_file_is_imported_or_says_why_not(posted, admin):
    doc, pdf, xml = posted
    fresh = (xml.replace(f"<ram:ID>{doc.invoice_number}</ram:ID>".encode(), b"<ram:ID>EXT-10</ram:ID>")
             .replace(b"<ram:Name>Acme Industries AG</ram:Name>", b"<ram:Name>Initech GmbH</ram:Name>")
             .replace(b">DE136695976<", b">DE129273398<"))
    grand = fresh.split(b"<ram:GrandTotalAmount>", 1)[1].split(b"<", 1)[0].decode()
    wrong_total = fresh.replace(b"EXT-10", b"EXT-11").replace(f"<ram:GrandTotalAmount>{grand}<".encode(),
                                                            b"<ram:GrandTotalAmount>1.00<")
    resp = upload(admin, [("ext-10.xml", fresh), (f"{doc.invoice_number}.pdf", pdf), ("ext-11.xml", wrong_total)])

    assert resp.status_code == 200
    assert rows(resp) == [
        "ext-10.xml Imported EXT-10",
        f"{doc.invoice_number}.pdf Not imported Invoice number {doc.invoice_number} is already used by another "
        "invoice of this organization.",
        "ext-11.xml Not imported BT-112: The e-invoice states a total with VAT of €1.00; "   # as the page writes amounts
        f"its lines make €{float(grand):,.2f}."]
    service = admin.service
    imported = service.get(service.find_id(external_id="EXT-10"))
    assert (imported.is_posted, imported.customer_name, imported.total_amount) == (True, "Initech GmbH", doc.total_amount)
    assert f'href="/admin/invoices/{imported.id}"' in resp.get_data(as_text=True)
    assert rows(upload(admin, [("again.xml", fresh)])) == ["again.xml Imported before EXT-10"]


def test_an_upload_without_files_asks_for_them(posted, admin):
    resp = upload(admin, [])
    assert resp.status_code == 422
    assert "Choose one or more e-invoice files (PDF or XML)." in text_of(resp.get_data(as_text=True))


def test_the_grid_offers_import_only_to_admins_who_may_import(einvoicing, admin):
    assert 'id="oi-import-einvoices"' in admin.get("/admin/invoices").get_data(as_text=True)
    records = einvoicing[0].extensions["oro_reference_host"].records
    records.add_admin("viewer", "viewer1234", organization_id=1, permissions={"oro_invoices.view"})
    viewer = ShopClient(einvoicing[0])
    viewer.login_admin("viewer", "viewer1234")
    assert 'id="oi-import-einvoices"' not in viewer.get("/admin/invoices").get_data(as_text=True)
    assert viewer.get(PAGE).status_code == 403


def test_an_admin_of_no_organization_is_told_why_they_cannot_import(einvoicing):
    records = einvoicing[0].extensions["oro_reference_host"].records
    records.add_admin("root", "root12345", organization_id=None)
    root = ShopClient(einvoicing[0])
    root.login_admin("root", "root12345")
    assert 'id="oi-import-einvoices"' not in root.get("/admin/invoices").get_data(as_text=True)
    page = root.get(PAGE)
    assert "Only an administrator of an organization can import invoices: each invoice belongs to one " \
           "organization." in text_of(page.get_data(as_text=True))
    assert 'type="file"' not in page.get_data(as_text=True)
    assert upload(root, [("x.xml", b"<x/>")]).status_code == 403


def test_the_docs_example_imports_into_the_demo_shop_for_initech(shop, admin):
    """docs/demo.md suggests uploading docs/examples/invoice-cii.xml as Northwind's admin."""
    from pathlib import Path
    example = Path(__file__).parents[2] / "docs" / "examples" / "invoice-cii.xml"
    assert rows(upload(admin, [("invoice-cii.xml", example.read_bytes())])) == [
        "invoice-cii.xml Imported RE-2025-0117"]
    doc = admin.service.get(admin.service.find_id(external_id="RE-2025-0117"))
    initech = next(c["id"] for c in shop[1]["customers"] if c["name"] == "Initech GmbH")
    assert (doc.customer_id, str(doc.total_amount)) == (initech, "1235.77")


def test_a_stated_total_with_more_decimals_than_its_currency_has_is_shown_as_written(shop, admin):
    """The example in yen keeps its cents: 1043.50 is not shown rounded to ¥1,044 beside ¥1,044."""
    from pathlib import Path
    example = (Path(__file__).parents[2] / "docs" / "examples" / "invoice-cii.xml").read_text()
    jpy = (example.replace("<ram:ID>RE-2025-0117</ram:ID>", "<ram:ID>JPY-1</ram:ID>")
           .replace(">EUR<", ">JPY<").replace('currencyID="EUR"', 'currencyID="JPY"'))
    [row] = rows(upload(admin, [("jpy.xml", jpy.encode())]))
    assert row.startswith("jpy.xml Not imported ")
    assert ("BT-109: The e-invoice states a total without VAT of 1043.50 JPY; its lines make ¥1,044. "
            "JPY amounts have no decimals.") in row
    german = admin.client.post(PAGE, headers={"Accept-Language": "de"}, content_type="multipart/form-data",
                               data={"csrf_token": form_token(admin.get(PAGE).get_data(as_text=True)),
                                     "files": [(io.BytesIO(jpy.encode()), "jpy.xml")]})
    assert "1043.50 JPY" in rows(german)[0] and "JPY-Beträge haben keine Nachkommastellen." in rows(german)[0]


def test_the_peppol_examples_import_into_the_demo_shop_as_an_invoice_and_its_credit_note(shop, admin):
    """docs/demo.md suggests the UBL examples too: the Download XML link gives the UBL back, offered
    although the shop issues no e-invoices itself (its setting is off)."""
    from support.einvoices import UBL_CREDIT_NOTE, UBL_INVOICE
    files = [(path.name, path.read_bytes()) for path in (UBL_INVOICE, UBL_CREDIT_NOTE)]
    assert rows(upload(admin, files)) == ["invoice-ubl.xml Imported RE-2025-0118",
                                          "credit-note-ubl.xml Imported GS-2025-0009"]
    invoice = admin.service.get(admin.service.find_id(external_id="RE-2025-0118"))
    initech = next(c["id"] for c in shop[1]["customers"] if c["name"] == "Initech GmbH")
    assert (invoice.customer_id, str(invoice.total_amount)) == (initech, "737.52")
    assert not admin.service.einvoice_enabled(invoice)
    page = admin.get(f"/admin/invoices/{invoice.id}").get_data(as_text=True)
    link = f'href="/admin/invoices/{invoice.id}/download/xml" data-oi-download-xml'
    assert link in page
    xml = admin.get(f"/admin/invoices/{invoice.id}/download/xml")
    assert xml.status_code == 200 and xml.get_data() == UBL_INVOICE.read_bytes()
    other = next(i for i in admin.service.list_invoices({"status": "posted"}, limit=50).items if i.id != invoice.id
                 and not admin.service.get(i.id).einvoice_kept)
    assert "data-oi-download-xml" not in admin.get(f"/admin/invoices/{other.id}").get_data(as_text=True)


def test_the_problems_are_in_the_admins_language(posted, admin):
    doc, _, xml = posted
    grand = xml.split(b"<ram:GrandTotalAmount>", 1)[1].split(b"<", 1)[0].decode()
    wrong = (xml.replace(f"<ram:ID>{doc.invoice_number}</ram:ID>".encode(), b"<ram:ID>EXT-20</ram:ID>")
             .replace(f"<ram:GrandTotalAmount>{grand}<".encode(), b"<ram:GrandTotalAmount>1.00<"))
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    made = f"{doc.total_amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")   # de: 1.234,56
    from support.einvoices import UBL_CREDIT_NOTE
    unreferenced = UBL_CREDIT_NOTE.read_bytes().replace(b"<cac:BillingReference>", b"<!--").replace(
        b"</cac:BillingReference>", b"-->")                    # a credit note that names no invoice (BT-25)
    assert rows(upload(admin, [("gutschrift.xml", unreferenced)])) == [
        "gutschrift.xml Nicht importiert credited_invoice_external_id: Eine Gutschrift nennt die externe ID der "
        "Rechnung, die sie gutschreibt."]
    assert rows(upload(admin, [("falsch.xml", wrong), ("bestellung.xml", b"<order/>")])) == [
        "falsch.xml Nicht importiert BT-112: Die E-Rechnung gibt eine Bruttosumme von 1,00 € an; ihre Positionen "
        f"ergeben {made} €.",
        "bestellung.xml Nicht importiert Keine E-Rechnung nach EN 16931: Das Dokument ist <order>, weder eine "
        "CII-<rsm:CrossIndustryInvoice> noch eine UBL-<Invoice> oder -<CreditNote>."]


def test_a_reverse_charge_e_invoice_without_the_buyers_vat_id_is_not_imported_naming_the_rule(shop, admin):
    """The docs example, its printed manual sold under reverse charge (AE) to a buyer whose VAT id
    the e-invoice leaves out: the page names the rule, the line and what is missing."""
    from pathlib import Path
    example = (Path(__file__).parents[2] / "docs" / "examples" / "invoice-cii.xml").read_text()
    reverse_charge = (
        example.replace("<ram:ID>RE-2025-0117</ram:ID>", "<ram:ID>RC-1</ram:ID>")
        .replace('<ram:ID schemeID="VA">DE129273398</ram:ID>', "")
        .replace("<ram:CategoryCode>S</ram:CategoryCode>\n          <ram:RateApplicablePercent>7<",
                 "<ram:CategoryCode>AE</ram:CategoryCode>\n          <ram:RateApplicablePercent>0<")
        .replace("<ram:CalculatedAmount>3.50</ram:CalculatedAmount>", "<ram:CalculatedAmount>0.00</ram:CalculatedAmount>")
        .replace("<ram:CategoryCode>S</ram:CategoryCode>\n        <ram:RateApplicablePercent>7<",
                 "<ram:ExemptionReason>Reverse charge</ram:ExemptionReason>\n        "
                 "<ram:CategoryCode>AE</ram:CategoryCode>\n        <ram:RateApplicablePercent>0<")
        .replace(">192.27<", ">188.77<").replace(">1235.77<", ">1232.27<"))
    assert reverse_charge.count(">AE<") == 2
    assert rows(upload(admin, [("rc.xml", reverse_charge.encode())])) == [
        "rc.xml Not imported BT-48: [BR-AE-02] Line 3 (Printer manual (printed)) is in VAT category AE (reverse "
        "charge), which needs the buyer's VAT identifier (BT-48) or legal registration identifier (BT-47); the "
        "e-invoice does not give it."]
    with pytest.raises(NotFound):
        admin.service.find_id(external_id="RC-1")


def _numbered(doc, xml: bytes, number: str) -> bytes:
    """``xml`` of ``doc`` as a new e-invoice ``number`` of Initech's."""
    return (xml.replace(f"<ram:ID>{doc.invoice_number}</ram:ID>".encode(), f"<ram:ID>{number}</ram:ID>".encode())
            .replace(b"<ram:Name>Acme Industries AG</ram:Name>", b"<ram:Name>Initech GmbH</ram:Name>")
            .replace(b">DE136695976<", b">DE129273398<"))


def test_the_database_out_of_reach_stops_the_run_and_says_which_files_to_import_again(posted, admin, monkeypatch):
    """The connection lost while EXT-12 is written: EXT-10 stays imported, EXT-12 (rolled back) and
    EXT-13 (not read) are to be imported again; nothing says the files are bad."""
    from sqlalchemy.exc import OperationalError

    from oro_invoices.services import lifecycle
    doc, _, xml = posted
    recorded = lifecycle.activity.record

    def record(session, invoice_id, kind, *args, **kwargs):
        if kind == "created" and session.get(lifecycle.Invoice, invoice_id).external_id == "EXT-12":
            raise OperationalError("INSERT INTO activity", {}, Exception("server closed the connection at db7:5432"))
        return recorded(session, invoice_id, kind, *args, **kwargs)

    monkeypatch.setattr(lifecycle.activity, "record", record)
    files = [(f"{n.lower()}.xml", _numbered(doc, xml, n)) for n in ("EXT-10", "EXT-12", "EXT-13")]
    resp = upload(admin, files)

    assert resp.status_code == 503 and resp.headers["Retry-After"] == "30"
    again = "Not imported The invoices' database could not be reached, so this file was not imported: import it again."
    assert rows(resp) == ["ext-10.xml Imported EXT-10", f"ext-12.xml {again}", f"ext-13.xml {again}"]
    page = text_of(resp.get_data(as_text=True))
    assert "The invoices' database cannot be reached right now. Please try again in a few minutes." in page
    assert "db7" not in page and "server closed" not in page
    service = admin.service
    assert service.get(service.find_id(external_id="EXT-10")).is_posted
    for number in ("EXT-12", "EXT-13"):          # nothing of the file hit was written
        with pytest.raises(NotFound):
            service.find_id(external_id=number)
    monkeypatch.setattr(lifecycle.activity, "record", recorded)
    assert rows(upload(admin, files)) == ["ext-10.xml Imported before EXT-10", "ext-12.xml Imported EXT-12",
                                          "ext-13.xml Imported EXT-13"]


def test_the_storage_out_of_reach_stops_the_run_naming_no_storage(posted, admin, monkeypatch):
    from oro_invoices.domain.errors import StorageUnreachable
    from oro_invoices.web import backoffice_import
    doc, _, xml = posted
    taken = backoffice_import.take_einvoice

    def take(service, data, **kwargs):
        if b"EXT-31" in data:
            raise StorageUnreachable("Cannot reach the PDF storage s3://secret-bucket: refused")
        return taken(service, data, **kwargs)

    monkeypatch.setattr(backoffice_import, "take_einvoice", take)
    resp = upload(admin, [(f"{n.lower()}.xml", _numbered(doc, xml, n)) for n in ("EXT-30", "EXT-31", "EXT-32")])

    assert resp.status_code == 503 and resp.headers["Retry-After"] == "30"
    again = "Not imported The document storage could not be reached, so this file was not imported: import it again."
    assert rows(resp) == ["ext-30.xml Imported EXT-30", f"ext-31.xml {again}", f"ext-32.xml {again}"]
    page = text_of(resp.get_data(as_text=True))
    assert "The document storage cannot be reached right now. Please try again in a few minutes." in page
    assert "secret-bucket" not in page


@pytest.mark.parametrize("outage, retry_after, alert, again", [
    ("busy", "5", "The invoices' database is busy with another change, and nothing of this one was written. "
                  "Try again in a moment.",
     "The invoices' database was busy with another change, so this file was not imported: import it again "
     "in a moment."),
    ("not migrated", None, "The invoice tables are missing from the database: run its migrations "
                           "(oro-invoices migrate).",
     "The invoice tables are missing from the database, so this file was not imported: an administrator "
     "runs its migrations (oro-invoices migrate), then import it again."),
])
def test_each_file_the_run_stopped_at_says_what_the_outage_was(posted, admin, monkeypatch, outage, retry_after,
                                                               alert, again):
    """SQLite kept EXT-41's write waiting past its busy timeout, or a table is missing: the files
    left out say so and what to do, as the alert above them does, rather than "could not be reached"."""
    from sqlalchemy.exc import OperationalError

    from oro_invoices.domain.errors import DatabaseBusy, DatabaseNotMigrated
    from oro_invoices.services import lifecycle
    doc, _, xml = posted
    recorded = lifecycle.activity.record
    said = {"busy": ("database is locked", DatabaseBusy()),
            "not migrated": ("no such table: oro_invoice_activity", DatabaseNotMigrated(
                "The database has no table oro_invoice_activity: the add-on's migrations have not run on it."))}

    def record(session, invoice_id, kind, *args, **kwargs):
        if kind == "created" and session.get(lifecycle.Invoice, invoice_id).external_id == "EXT-41":
            driver, error = said[outage]   # as the engine words the driver's error (persistence.engine)
            raise error from OperationalError("INSERT INTO oro_invoice_activity", {}, Exception(driver))
        return recorded(session, invoice_id, kind, *args, **kwargs)

    monkeypatch.setattr(lifecycle.activity, "record", record)
    resp = upload(admin, [(f"{n.lower()}.xml", _numbered(doc, xml, n)) for n in ("EXT-40", "EXT-41", "EXT-42")])

    assert resp.status_code == 503 and resp.headers.get("Retry-After") == retry_after
    assert rows(resp) == ["ext-40.xml Imported EXT-40", f"ext-41.xml Not imported {again}",
                          f"ext-42.xml Not imported {again}"]
    page = text_of(resp.get_data(as_text=True))
    assert alert in page and "could not be reached" not in page and "oro_invoice_activity" not in page


def test_a_file_whose_hook_fails_after_its_commit_is_imported_and_says_what_did_not_follow(posted, admin, shop):
    """A plugin's invoice_posted hook meets the database busy once EXT-51 is committed: the file is
    imported (importing it again says so), and its row says which hook failed and what to do."""
    from oro_invoices.domain.errors import DatabaseBusy
    from oro_invoices.integration.plugins import hookimpl

    class Accounting:
        @hookimpl
        def invoice_posted(self, invoice):
            if invoice.external_id == "EXT-51":
                raise DatabaseBusy()

    shop[0].extensions["oro_invoices"].service.plugins.register(Accounting())
    doc, _, xml = posted
    files = [(f"{n.lower()}.xml", _numbered(doc, xml, n)) for n in ("EXT-50", "EXT-51", "EXT-52")]
    resp = upload(admin, files)

    assert resp.status_code == 200
    assert rows(resp) == [
        "ext-50.xml Imported EXT-50",
        "ext-51.xml Imported The invoice is imported, but a plugin failed in the invoice_posted hook that followed, "
        "so what it does for a new invoice was not done, and importing it again does not repeat it: ask an "
        "administrator to check the log. EXT-51",
        "ext-52.xml Imported EXT-52"]
    assert rows(upload(admin, files[1:2])) == ["ext-51.xml Imported before EXT-51"]


def test_a_file_whose_pdf_job_cannot_be_submitted_is_imported_and_its_pdf_left_to_the_sweep(posted, admin, shop,
                                                                                             monkeypatch):
    """With background jobs, the database out of reach just after EXT-61's commit, while its PDF
    job is being handed to the queue: the file is imported, not "to be imported again"; its PDF
    stays pending, for the workers' sweep."""
    from sqlalchemy.exc import OperationalError

    from oro_invoices.services.context import ServiceContext
    from oro_invoices.services.documents import BACKGROUND_SETTING
    from oro_invoices.services.pdf_backlog import pending_pdfs

    class Queue:
        background = True
        jobs: list = []

        def submit(self, job):
            self.jobs.append(job)

    service = shop[0].extensions["oro_invoices"].service
    monkeypatch.setattr(service.context, "jobs", Queue())
    setting = ServiceContext.invoice_setting

    def invoice_setting(self, key, invoice):
        if key == BACKGROUND_SETTING and getattr(invoice, "external_id", None) == "EXT-61":
            raise OperationalError("SELECT oro_invoice_setting", {}, Exception("server closed the connection"))
        return setting(self, key, invoice)

    monkeypatch.setattr(ServiceContext, "invoice_setting", invoice_setting)
    doc, _, xml = posted
    files = [(f"{n.lower()}.xml", _numbered(doc, xml, n)) for n in ("EXT-60", "EXT-61")]
    resp = upload(admin, files)

    assert resp.status_code == 200
    assert rows(resp) == [
        "ext-60.xml Imported EXT-60",
        "ext-61.xml Imported The invoice is imported, but its PDF could not be handed to the background jobs; the "
        "periodic PDF sweep makes it, so there is nothing to do. EXT-61"]
    imported = {number: service.find_id(external_id=number) for number in ("EXT-60", "EXT-61")}
    assert [job.args for job in Queue.jobs if job.name == "oro_invoices.render_pdf"] == [(imported["EXT-60"],)]
    assert imported["EXT-61"] in pending_pdfs(service, list(imported.values()))     # what the sweep makes
    assert rows(upload(admin, files[1:])) == ["ext-61.xml Imported before EXT-61"]


@inline_jobs_only  # with background jobs the worker makes it
def test_a_file_whose_pdf_cannot_be_made_after_its_commit_is_imported_and_its_pdf_made_on_download(
        posted, admin, monkeypatch):
    """The document storage out of reach while EXT-71's PDF is made, right after its commit: the file
    is imported, its row says the PDF comes with the first download, and that download makes it."""
    from oro_invoices.domain.errors import StorageUnreachable
    from oro_invoices.services.documents import Documents
    doc, _, xml = posted
    ensure = Documents.ensure_pdf

    def ensure_pdf(self, invoice_id, **kwargs):
        raise StorageUnreachable("Cannot reach the PDF storage s3://secret-bucket: refused")

    monkeypatch.setattr(Documents, "ensure_pdf", ensure_pdf)
    resp = upload(admin, [("ext-71.xml", _numbered(doc, xml, "EXT-71"))])
    monkeypatch.setattr(Documents, "ensure_pdf", ensure)

    assert resp.status_code == 200
    assert rows(resp) == [
        "ext-71.xml Imported The invoice is imported, but its PDF could not be made yet; it is made when first "
        "downloaded (or by oro-invoices complete-pdfs), so there is nothing to do. EXT-71"]
    invoice_id = admin.service.find_id(external_id="EXT-71")
    download = admin.get(f"/admin/invoices/{invoice_id}/download")
    assert download.status_code == 200 and download.get_data().startswith(b"%PDF")
