"""'Show Invoices in the Storefront' set per website hides that website's storefront only."""
from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from support.days import days_ago, today

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.integration.config import Settings

ACCOUNT_ENTRY = 'data-menu-key="oro_invoices.account_invoices"'
GINA = "gina.park@globex.example"          # Globex: invoices of the Northwind US Store
AMANDA = "amanda.cole@acme.example"        # Acme: invoices of the Northwind EU Store
GINA_INVOICES = ("ERP-SO-1007-7", "ERP-SO-1008-8")
AMANDA_INVOICE = "ERP-SO-1001-1"


def websites(shop) -> tuple[int, int]:
    """(EU store, US store) of Northwind."""
    northwind = next(o for o in shop[1]["organizations"] if o["id"] == 1)
    eu, us = northwind["websites"]
    return eu, us


def settings(shop) -> Settings:
    return Settings(shop[0].extensions["oro_reference_host"].config)


def customer(shop, email: str, website_id: int | None = None) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_customer(email)
    if website_id is not None:
        resp = client.submit("/customer/account", "/website",
                             {"website_id": str(website_id), "next": "/customer/account"})
        assert resp.status_code == 302
    return client


def listed(client: ShopClient) -> set[int]:
    html = client.get("/customer/invoices").get_data(as_text=True)
    return {int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)">', html)}


def invoice_id(client: ShopClient, external_id: str) -> int:
    return client.service.find_id(external_id=external_id)


def storefront(client: ShopClient, external_id: str) -> dict[str, object]:
    """What the customer user meets: the menu entry, the list, one invoice's page and PDF."""
    inv = invoice_id(client, external_id)
    account = client.get("/customer/account").get_data(as_text=True)
    assert (ACCOUNT_ENTRY in account) == ("Invoice access" in text_of(account))  # profile agrees
    return {"menu": ACCOUNT_ENTRY in account,
            "list": client.get("/customer/invoices").status_code,
            "view": client.get(f"/customer/invoices/{inv}").status_code,
            "download": client.get(f"/customer/invoices/{inv}/download").status_code}


ON = {"menu": True, "list": 200, "view": 200, "download": 200}


@pytest.fixture
def us_store_off(shop):
    eu, us = websites(shop)
    settings(shop).set("oro_invoices.storefront_enabled", False, "website", us)
    return eu, us


def test_the_website_whose_storefront_is_off_shows_no_invoices(shop, us_store_off):
    _eu, us = us_store_off
    for email, external_id in ((GINA, GINA_INVOICES[0]), (AMANDA, AMANDA_INVOICE)):
        client = customer(shop, email, website_id=us)
        seen = storefront(client, external_id)
        assert seen == {"menu": False, "list": 404, "view": 404, "download": 404}, email
        assert "The page you asked for does not exist." in text_of(
            client.get("/customer/invoices").get_data(as_text=True))


def test_other_websites_keep_their_storefront(shop, us_store_off):
    eu, _us = us_store_off
    for website_id in (eu, None):  # the EU store, or no website picked
        amanda = customer(shop, AMANDA, website_id=website_id)
        assert storefront(amanda, AMANDA_INVOICE) == ON
        assert invoice_id(amanda, AMANDA_INVOICE) in listed(amanda)


def test_invoices_of_the_switched_off_website_are_hidden_elsewhere_too(shop, us_store_off):
    eu, _us = us_store_off
    gina = customer(shop, GINA, website_id=eu)
    assert gina.get("/customer/invoices").status_code == 200
    ids = {invoice_id(gina, e) for e in GINA_INVOICES}
    assert listed(gina).isdisjoint(ids)
    for inv in ids:
        assert gina.get(f"/customer/invoices/{inv}").status_code == 404
        assert gina.get(f"/customer/invoices/{inv}/download").status_code == 404


def test_switching_the_website_back_on_restores_everything(shop, us_store_off):
    _eu, us = us_store_off
    settings(shop).unset("oro_invoices.storefront_enabled", "website", us)
    gina = customer(shop, GINA, website_id=us)
    assert storefront(gina, GINA_INVOICES[1]) == ON
    assert {invoice_id(gina, e) for e in GINA_INVOICES} <= listed(gina)


def test_a_website_can_be_on_while_its_organization_is_off(shop):
    eu, us = websites(shop)
    s = settings(shop)
    s.set("oro_invoices.storefront_enabled", False, "organization", 1)
    s.set("oro_invoices.storefront_enabled", True, "website", us)
    gina = customer(shop, GINA, website_id=us)
    assert storefront(gina, GINA_INVOICES[0]) == ON
    amanda = customer(shop, AMANDA, website_id=us)        # EU invoices stay hidden
    assert amanda.get("/customer/invoices").status_code == 200
    assert invoice_id(amanda, AMANDA_INVOICE) not in listed(amanda)
    assert storefront(customer(shop, AMANDA, website_id=eu), AMANDA_INVOICE)["list"] == 404


def test_pdf_download_off_for_one_website(shop):
    eu, us = websites(shop)
    settings(shop).set("oro_invoices.storefront_pdf_download", False, "website", us)
    gina = customer(shop, GINA, website_id=us)
    inv = invoice_id(gina, GINA_INVOICES[1])
    page = gina.get(f"/customer/invoices/{inv}").get_data(as_text=True)
    assert "Download" not in text_of(page)
    assert gina.get(f"/customer/invoices/{inv}/download").status_code == 404
    amanda = customer(shop, AMANDA, website_id=us)
    assert amanda.get(f"/customer/invoices/{invoice_id(amanda, AMANDA_INVOICE)}/download"
                      ).status_code == 200


def test_customer_group_scope_applies_to_the_guest_payment_page(shop):
    gina = customer(shop, GINA)
    doc = gina.service.get(invoice_id(gina, GINA_INVOICES[1]))
    host = shop[0].extensions["oro_reference_host"]
    group = host.customers.get_customer(doc.customer_id).group_id
    assert gina.get(f"/invoices/pay/{doc.payment_token}").status_code == 200
    settings(shop).set("oro_invoices.storefront_enabled", False, "customer_group", group)
    assert ShopClient(shop[0]).get(f"/invoices/pay/{doc.payment_token}").status_code == 404
    assert settings(shop).value("oro_invoices.storefront_enabled",
                                ScopeContext(organization_id=1, customer_group_id=group)) is False


def test_the_header_offers_the_websites_and_remembers_the_choice(shop):
    eu, us = websites(shop)
    client = customer(shop, AMANDA)
    html = client.get("/customer/account").get_data(as_text=True)
    assert "Northwind EU Store" in text_of(html) and "Northwind US Store" in text_of(html)
    client = customer(shop, AMANDA, website_id=us)
    html = client.get("/customer/account").get_data(as_text=True)
    assert re.search(rf'<option value="{us}" selected>Northwind US Store</option>', html)


def test_picking_an_unknown_website_is_refused(shop):
    client = customer(shop, AMANDA)
    token = form_token(client.get("/customer/account").get_data(as_text=True))
    resp = client.client.post("/website", data={"website_id": "999999", "csrf_token": token})
    assert resp.status_code == 400
    assert "There is no such website" in text_of(resp.get_data(as_text=True))
    resp = client.client.post("/website", data={"website_id": "1"})  # no CSRF token
    assert resp.status_code == 400


def test_a_customer_user_picks_only_their_organizations_websites(shop):
    """Another organization's website (and the settings made for it) is not theirs: it is not
    listed, picking it is refused, and a cookie naming it is ignored."""
    sakura = next(o for o in shop[1]["organizations"] if o["id"] != 1)["websites"][0]
    client = customer(shop, AMANDA)
    html = client.get("/customer/account").get_data(as_text=True)
    listed_ids = {int(i) for i in re.findall(r'<option value="(\d+)"', html)}
    assert set(websites(shop)) <= listed_ids and sakura not in listed_ids
    token = form_token(html)
    resp = client.client.post("/website", data={"website_id": str(sakura), "csrf_token": token})
    assert resp.status_code == 400 and "There is no such website" in text_of(resp.get_data(as_text=True))
    client.client.set_cookie("host_website", str(sakura))
    html = client.get("/customer/account").get_data(as_text=True)
    assert "selected>" not in html.split('name="website_id"')[1].split("</select>")[0]
    # a visitor who is not signed in still sees every storefront
    visitor = ShopClient(shop[0]).get("/").get_data(as_text=True)
    assert f'<option value="{sakura}"' in visitor


def test_download_pdfs_leaves_out_the_invoices_of_a_website_without_downloads(shop):
    eu, us = websites(shop)
    settings(shop).set("oro_invoices.storefront_pdf_download", False, "website", eu)
    amanda = customer(shop, AMANDA, website_id=us)
    resp = amanda.get("/customer/invoices/download-pdfs.zip")
    assert resp.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(resp.get_data())).namelist()
    eu_invoice = amanda.service.get(invoice_id(amanda, AMANDA_INVOICE))
    assert eu_invoice.website_id == eu and f"invoice-{eu_invoice.invoice_number}.pdf" not in names
    assert "missing.txt" not in names                          # left out, not reported as missing
    on_eu = customer(shop, AMANDA, website_id=eu)              # where downloads are off: no archive at all
    assert on_eu.get("/customer/invoices/download-pdfs.zip").status_code == 404



def test_the_activity_csv_leaves_out_the_invoices_of_a_website_whose_storefront_is_off(shop):
    """A website-limited viewer's CSV holds what their activity page shows: Globex's invoices of
    the US store while its storefront is on, none of them once it is off."""
    eu, us = websites(shop)
    period = f"from={days_ago(365)}&to={today()}"

    def activity() -> tuple[set[str], set[str]]:
        """The invoice numbers of Gina's activity CSV, and of her activity page, on the EU store."""
        gina = customer(shop, GINA, website_id=eu)
        rows = csv.DictReader(io.StringIO(
            gina.get(f"/customer/invoices/activity.csv?{period}").get_data(as_text=True)))
        page = gina.get(f"/customer/invoices/activity?{period}").get_data(as_text=True)
        return ({row["number"] for row in rows if row["kind"] == "invoice"},
                {gina.service.get(int(i)).invoice_number
                 for i in re.findall(r'data-oi-line="invoice" data-invoice-id="(\d+)"', page)})

    gina = customer(shop, GINA)
    us_invoices = {gina.service.get(invoice_id(gina, e)).invoice_number for e in GINA_INVOICES}
    on_csv, on_page = activity()
    assert us_invoices <= on_csv and on_csv == on_page
    settings(shop).set("oro_invoices.storefront_enabled", False, "website", us)
    off_csv, off_page = activity()
    assert off_csv == on_csv - us_invoices and off_csv == off_page



@pytest.mark.parametrize("language", ["de", "fr", "ja"])
def test_a_refused_website_pick_and_a_form_without_its_token_are_said_in_the_pages_language(shop, language):
    from oro_invoices import i18n
    client = customer(shop, AMANDA)
    asked = {"Accept-Language": language}
    token = form_token(client.get("/customer/account").get_data(as_text=True))
    unknown = client.client.post("/website", data={"website_id": "999999", "csrf_token": token}, headers=asked)
    assert unknown.status_code == 400
    assert i18n.translate(language, "There is no such website. Pick one from the list.") \
        in text_of(unknown.get_data(as_text=True))
    expired = "The form has expired or did not come from this site. Reload the page and try again."
    for resp in (client.client.post("/website", data={"website_id": "1"}, headers=asked),   # no CSRF token
                 client.client.post("/customer/logout", headers=asked)):
        page = text_of(resp.get_data(as_text=True))
        assert resp.status_code == 400
        assert expired not in page and i18n.translate(language, expired) in page
