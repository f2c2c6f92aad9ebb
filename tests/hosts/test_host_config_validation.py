"""System > Configuration: every value validated when saved, errors next to the field, all or
nothing, and "Use default" never silently discarding an edit."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from support.config_form import form_values, save

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.hosts.reference.testing import ShopClient, form_token, make_shop, text_of
from oro_invoices.integration.config import Settings, load_schema

CONFIG = "/admin/config/oro_invoices"
ORG1 = CONFIG + "?scope=organization&scope_id=1"


def settings(shop) -> Settings:
    return Settings(shop[0].extensions["oro_reference_host"].config)


def stored_everywhere(shop) -> dict:
    config = shop[0].extensions["oro_reference_host"].config
    return {(s.key, s.scope, s.scope_id): s.value for s in config.stored("oro_invoices.")}


def row_of(html: str, key: str) -> str:
    """The table row of one setting on the page."""
    found = re.search(rf'<tr data-setting="{re.escape(key)}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {key}"
    return found.group(1)


def error_next_to(html: str, key: str) -> str:
    """The error shown in the setting's own row ("" when none)."""
    found = re.search(r'<div class="h-error" role="alert" id="([^"]+)-error">([^<]*)</div>',
                      row_of(html, key))
    if not found:
        return ""
    assert found.group(1) == key
    assert f'aria-describedby="{key}-error"' in row_of(html, key)
    return text_of(found.group(2))


@pytest.mark.parametrize("key,value,problem", [
    ("oro_invoices.mail.sender_name", "Northwind\r\nBcc: victim@evil.test",
     "Must be one line without line breaks or control characters."),
    ("oro_invoices.seller.company_name", "Northwind\nSupply", "Must be one line"),
    ("oro_invoices.seller.tax_id", "DE\t811", "Must be one line"),
    ("oro_invoices.locale", "xx_YY", "Unknown locale 'xx_YY'"),
    ("oro_invoices.locale", "en_US.UTF-8", "is not a locale code"),
    ("oro_invoices.timezone", "Mars/Olympus_Mons", "Unknown time zone 'Mars/Olympus_Mons'"),
    ("oro_invoices.timezone", "CET; DROP TABLE", "use an IANA name such as 'Europe/Berlin'"),
    ("oro_invoices.seller.website_url", "northwind.example",
     "Must be an absolute URL starting with http:// or https://."),
    ("oro_invoices.seller.website_url", "javascript:alert(1)", "http:// or https://"),
    ("oro_invoices.seller.contact_email", "billing at northwind", "Not a valid email address."),
    ("oro_invoices.mail.sender", "invoices@northwind.example\nBcc: x@evil.test", "Must be one line"),
    ("oro_invoices.number_prefix", "INV 2026/", "Use letters, digits and . _ / - only"),
    ("oro_invoices.number_prefix", "<b>", "Use letters, digits and . _ / - only"),
])
def test_a_bad_value_is_refused_next_to_its_field_and_nothing_is_saved(shop, admin, key, value,
                                                                       problem):
    before = stored_everywhere(shop)
    resp = save(admin, ORG1, {key: value, f"{key}.use_default": None,
                              # a valid change in the same save is not stored either
                              "oro_invoices.payment_link_ttl_days": "30",
                              "oro_invoices.payment_link_ttl_days.use_default": None})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "The configuration was not saved" in text_of(html)
    assert problem in error_next_to(html, key)
    assert error_next_to(html, "oro_invoices.payment_link_ttl_days") == ""
    assert stored_everywhere(shop) == before
    # the form keeps what was typed, so it can be corrected
    assert form_values(html)[key].replace("\r", "") == value.replace("\r", "")


#: Every setting of the URL type: each has the same check.
URL_SETTINGS = [spec.key for spec in load_schema() if spec.type == "url"]


@pytest.mark.parametrize("key", URL_SETTINGS)
def test_a_url_setting_refuses_what_a_url_holds_only_percent_encoded(shop, admin, key):
    assert len(URL_SETTINGS) >= 6                     # the seller's website, the storefront, the providers'
    before = stored_everywhere(shop)
    for value, problem in [
        ('https://e.com/"><script>alert(1)</script>',
         'Must not contain " > <: a URL holds them only percent-encoded (" %22, > %3E, < %3C).'),
        ("https://e.com/a|b{c}", "Must not contain | { }: a URL holds them only percent-encoded (| %7C, { %7B, } %7D)."),
        ("https://e.com/a b", "Must not contain spaces or control characters."),
        ("https://e.com/a\tb", "Must not contain spaces or control characters."),
    ]:
        resp = save(admin, ORG1, {key: value, f"{key}.use_default": None})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and error_next_to(html, key) == problem, (key, value)
        assert form_values(html)[key] == value                  # kept as typed, to be corrected
    assert stored_everywhere(shop) == before
    good = "https://e.com/pay%22x/%3Cy%3E"                     # the same characters, percent-encoded
    assert save(admin, ORG1, {key: good, f"{key}.use_default": None}).status_code in (200, 302, 303)
    assert settings(shop).value(key, ScopeContext(organization_id=1)) == good


def test_every_refused_field_gets_its_own_message(shop, admin):
    resp = save(admin, ORG1, {"oro_invoices.locale": "klingon",
                              "oro_invoices.locale.use_default": None,
                              "oro_invoices.seller.website_url": "ftp://northwind.example",
                              "oro_invoices.seller.website_url.use_default": None})
    html = resp.get_data(as_text=True)
    assert "is not a locale code" in error_next_to(html, "oro_invoices.locale")
    assert "http://" in error_next_to(html, "oro_invoices.seller.website_url")
    assert error_next_to(html, "oro_invoices.seller.company_name") == ""


def test_good_values_are_stored_normalised(shop, admin):
    resp = save(admin, ORG1, {"oro_invoices.locale": "de-de",
                              "oro_invoices.locale.use_default": None,
                              "oro_invoices.number_prefix": "  NW-  ",
                              "oro_invoices.number_prefix.use_default": None,
                              "oro_invoices.seller.business_address": "Hafenstraße 12\r\n20457 Hamburg",
                              "oro_invoices.seller.business_address.use_default": None,
                              "oro_invoices.seller.website_url": "https://northwind.example/shop"})
    assert resp.status_code == 302
    s = settings(shop)
    assert s.stored("oro_invoices.locale", "organization", 1) == "de_DE"
    assert s.stored("oro_invoices.number_prefix", "organization", 1) == "NW-"
    assert s.stored("oro_invoices.seller.business_address", "organization", 1) \
        == "Hafenstraße 12\n20457 Hamburg"


def test_a_sender_name_with_a_line_break_cannot_stop_the_shop_from_starting(tmp_path):
    """Stored behind the page's back (or by an older release): start-up and mail still work."""
    app, _info = make_shop(tmp_path / "shop")
    Settings(app.extensions["oro_reference_host"].config).store.save(
        "oro_invoices.mail.sender_name", "Northwind\nBcc: victim@evil.test", "global", None)
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].addon.close()
    again, _ = make_shop(tmp_path / "shop", seeded=False)  # the same data directory
    try:
        assert again.extensions["oro_invoices"].mail.sender_name == ""
        admin = ShopClient(again)
        admin.login_admin()
        html = admin.get(CONFIG).get_data(as_text=True)
        assert "The stored value is not valid" in error_next_to(html, "oro_invoices.mail.sender_name")
    finally:
        again.extensions["oro_reference_host"].engine.dispose()
        again.extensions["oro_invoices"].addon.close()


# -- "Use default" ---------------------------------------------------------------------------

def test_a_field_is_disabled_while_use_default_is_ticked(admin):
    html = admin.get(ORG1).get_data(as_text=True)
    prefix = row_of(html, "oro_invoices.number_prefix")
    assert re.search(r'<input type="text" id="oro_invoices.number_prefix"[^>]* disabled>', prefix)
    assert 'data-use-default="oro_invoices.number_prefix"' in prefix
    assert "config_form.js" in html
    company = row_of(html, "oro_invoices.seller.company_name")  # set at this scope by the seed
    assert " disabled" not in company


def test_an_edit_made_while_use_default_is_ticked_is_not_silently_discarded(shop, admin):
    key = "oro_invoices.number_prefix"
    resp = save(admin, ORG1, {key: "NW-", f"{key}.use_default": "1"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Configuration saved." not in text_of(html)
    assert '"Use default" was ticked, so this change was not saved' in error_next_to(html, key)
    assert settings(shop).stored(key, "organization", 1) is None
    # the field comes back unticked with the new value: saving again keeps it
    values = form_values(html)
    assert values[key] == "NW-" and f"{key}.use_default" not in values
    token = form_token(html.split('id="h-config-form"')[1])
    resp = admin.client.post(ORG1, data={**values, "csrf_token": token})
    assert resp.status_code == 302
    assert settings(shop).value(key, ScopeContext(organization_id=1)) == "NW-"


def test_ticking_use_default_without_changing_the_field_falls_back(shop, admin):
    """A browser without the script still sends the field's shown value: no edit, no complaint."""
    key = "oro_invoices.seller.company_name"
    html = admin.get(ORG1).get_data(as_text=True)
    data = form_values(html)
    assert data[key] == "Northwind Supply GmbH" and f"{key}.use_default" not in data
    resp = save(admin, ORG1, {f"{key}.use_default": "1"})
    assert resp.status_code == 302
    assert settings(shop).stored(key, "organization", 1) is None
    # the inherited value submitted again with "Use default" ticked is no edit either
    html = admin.get(ORG1).get_data(as_text=True)
    assert re.search(rf'<input type="text" id="{key}" name="{key}" value=""[^>]* disabled>', html)
    token = form_token(html.split('id="h-config-form"')[1])
    resp = admin.client.post(ORG1, data={**form_values(html), key: "", "csrf_token": token})
    assert resp.status_code == 302
    assert settings(shop).stored(key, "organization", 1) is None


EARLIEST, LATEST = "oro_invoices.posting.earliest_year", "oro_invoices.posting.latest_year"


def test_an_earliest_year_after_the_latest_is_refused_next_to_its_field(shop, admin):
    """Else every posting would be refused; checked with the values in effect at the scope saved."""
    before = stored_everywhere(shop)
    resp = save(admin, ORG1, {EARLIEST: "2101", f"{EARLIEST}.use_default": None})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert error_next_to(html, EARLIEST) == "Must not be after the Latest Year of a Posted Invoice (2100)."
    assert error_next_to(html, LATEST) == ""
    resp = save(admin, CONFIG, {LATEST: "1999", f"{LATEST}.use_default": None})
    assert resp.status_code == 422
    assert error_next_to(resp.get_data(as_text=True), LATEST) == \
        "Must not be before the Earliest Year of a Posted Invoice (2000)."
    de = {"Accept-Language": "de"}
    html = admin.get(ORG1, headers=de).get_data(as_text=True)
    data = {**form_values(html), EARLIEST: "2101", "csrf_token": form_token(html.split('id="h-config-form"')[1])}
    data.pop(f"{EARLIEST}.use_default", None)
    german = admin.client.post(ORG1, data=data, headers=de)
    assert error_next_to(german.get_data(as_text=True), EARLIEST) == \
        "Darf nicht nach dem Wert von „Spätestes Jahr einer gebuchten Rechnung“ (2100) liegen."  # not "2.100"
    assert stored_everywhere(shop) == before
    assert save(admin, ORG1, {EARLIEST: "2101", f"{EARLIEST}.use_default": None,
                              LATEST: "2200", f"{LATEST}.use_default": None}).status_code == 302


@pytest.mark.parametrize("value", ["\uff11\u0662", "\u0661\u0660.50"])
def test_a_minimum_partial_payment_in_other_digits_is_refused(shop, admin, value):
    key = "oro_invoices.partial_payment_minimum"
    resp = save(admin, ORG1, {key: value, f"{key}.use_default": None})
    assert resp.status_code == 422
    assert "Must be a number such as 10 or 12.50" in error_next_to(resp.get_data(as_text=True), key)
    assert settings(shop).stored(key, "organization", 1) is None


@pytest.mark.parametrize("key,label", [("oro_invoices.einvoice.signing_certificate", "PDF Signing Certificate"),
                                       ("oro_invoices.storage.download", "PDF Download Delivery")])
def test_a_global_setting_sent_for_an_organization_is_refused_saying_where_it_is_set(shop, key, label):
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    before = stored_everywhere(shop)
    url = CONFIG + "?scope=organization&scope_id=2"
    resp = save(sakura, url, {key: "stream", "oro_invoices.number_prefix": "SK-",
                              "oro_invoices.number_prefix.use_default": None})
    assert resp.status_code == 422
    text = text_of(resp.get_data(as_text=True))
    assert f"{label} cannot be set at this scope (only at: Global). Nothing was saved." in text
    assert "Configuration saved." not in text
    assert stored_everywhere(shop) == before


@pytest.mark.parametrize("language, typed", [("de", "12,50"), ("ja", "１２．５０"), ("en", "12.50")])
def test_a_minimum_partial_payment_is_typed_in_the_pages_number_format(shop, admin, language, typed):
    key = "oro_invoices.partial_payment_minimum"
    html = admin.get(ORG1, headers={"Accept-Language": language}).get_data(as_text=True)
    data = form_values(html)
    data.update({key: typed, "csrf_token": form_token(html.split('id="h-config-form"')[1])})
    data.pop(f"{key}.use_default", None)
    resp = admin.client.post(ORG1, data=data, headers={"Accept-Language": language})
    assert resp.status_code == 302, error_next_to(resp.get_data(as_text=True), key)
    assert Decimal(str(settings(shop).stored(key, "organization", 1))) == Decimal("12.50")


def test_a_decimal_setting_saved_in_english_is_shown_and_kept_as_such_on_a_german_page(shop, admin):
    key = "oro_invoices.partial_payment_minimum"
    assert save(admin, ORG1, {key: "1.500", f"{key}.use_default": None}).status_code == 302
    german = {"Accept-Language": "de"}
    html = admin.get(ORG1, headers=german).get_data(as_text=True)
    data = form_values(html)
    assert data[key] == "1,500"                                    # as the German page writes it
    data["csrf_token"] = form_token(html.split('id="h-config-form"')[1])
    assert admin.client.post(ORG1, data=data, headers=german).status_code == 302    # saved unchanged
    assert Decimal(str(settings(shop).stored(key, "organization", 1))) == Decimal("1.5")


MEANS, PROFILE, EINVOICES = ("oro_invoices.seller.payment_means", "oro_invoices.einvoice.profile",
                             "oro_invoices.einvoice.enabled")


def test_sepa_direct_debit_with_an_xrechnung_profile_is_refused_next_to_the_setting_saved(shop, admin):
    """No invoice keeps a direct debit mandate (BT-89): every XRechnung or UBL posting would be refused."""
    settings(shop).apply({EINVOICES: True, PROFILE: "xrechnung_ubl"})
    before = stored_everywhere(shop)
    resp = save(admin, ORG1, {MEANS: "sepa_direct_debit", f"{MEANS}.use_default": None})
    assert resp.status_code == 422
    assert error_next_to(resp.get_data(as_text=True), MEANS) == (
        "SEPA Direct Debit cannot be stated in XRechnung 3.0 UBL (XML beside the PDF) e-invoices: they need the "
        "direct debit mandate reference (BT-89), which invoices do not keep, so every posting would be refused. "
        "Choose another payment means or e-invoice profile.")
    assert stored_everywhere(shop) == before
    assert save(admin, ORG1, {MEANS: "sepa_credit_transfer", f"{MEANS}.use_default": None}).status_code == 302
    settings(shop).apply({MEANS: "direct_debit", PROFILE: "en16931"})  # Factur-X states it: no mandate rule
    resp = save(admin, CONFIG, {PROFILE: "ubl"})
    assert resp.status_code == 422
    assert error_next_to(resp.get_data(as_text=True), PROFILE).startswith(
        "Direct Debit cannot be stated in EN 16931 UBL 2.1 (XML beside the PDF) e-invoices")


def test_a_global_direct_debit_is_refused_where_an_organization_keeps_a_ubl_profile(shop, admin):
    """The combination is checked at every scope a save applies to: an organization keeping its own
    profile would get the global payment means and every posting there would be refused."""
    settings(shop).apply({EINVOICES: True})
    settings(shop).apply({PROFILE: "xrechnung_ubl"}, "organization", 1)
    before = stored_everywhere(shop)
    resp = save(admin, CONFIG, {MEANS: "sepa_direct_debit", f"{MEANS}.use_default": None})
    assert resp.status_code == 422
    assert error_next_to(resp.get_data(as_text=True), MEANS) == (
        "Organization 1 would then make XRechnung 3.0 UBL (XML beside the PDF) e-invoices with SEPA Direct Debit, "
        "which they cannot state: they need the direct debit mandate reference (BT-89), which invoices do not "
        "keep, so every posting there would be refused. Choose another payment means or e-invoice profile, here "
        "or for that organization.")
    assert stored_everywhere(shop) == before
    settings(shop).apply({PROFILE: "en16931"}, "organization", 1)    # Factur-X states it
    assert save(admin, CONFIG, {MEANS: "sepa_direct_debit", f"{MEANS}.use_default": None}).status_code == 302


def test_an_organizations_ubl_profile_is_refused_where_its_website_keeps_a_direct_debit(shop, admin):
    settings(shop).apply({EINVOICES: True})
    config = shop[0].extensions["oro_reference_host"].config
    config.save(MEANS, "direct_debit", "website", 3)    # Sakura's website: not under organization 1
    assert save(admin, ORG1, {PROFILE: "ubl", f"{PROFILE}.use_default": None}).status_code == 302
    config.save(MEANS, "direct_debit", "website", 2)
    before = stored_everywhere(shop)
    resp = save(admin, ORG1, {PROFILE: "xrechnung", f"{PROFILE}.use_default": None})
    assert resp.status_code == 422
    assert error_next_to(resp.get_data(as_text=True), PROFILE).startswith(
        "Website 2 would then make XRechnung 3.0 (CII in the PDF) e-invoices with Direct Debit, which they cannot "
        "state:")
    assert stored_everywhere(shop) == before


def test_the_payment_means_help_says_which_profiles_cannot_state_direct_debit(admin):
    row = text_of(row_of(admin.get(CONFIG).get_data(as_text=True), MEANS))
    assert ('"Direct Debit" and "SEPA Direct Debit" cannot be stated in the XRechnung and EN 16931 UBL '
            "e-invoice profiles") in row


def test_the_seller_e_invoice_address_help_says_which_profiles_refuse_posting_without_it(admin):
    row = text_of(row_of(admin.get(CONFIG).get_data(as_text=True), "oro_invoices.seller.electronic_address"))
    assert ("The XRechnung and EN 16931 UBL e-invoice profiles need one of the two (PEPPOL-EN16931-R020): "
            "while both are empty, posting an invoice or credit note in them is refused") in row


def test_the_seller_e_invoice_address_help_says_what_to_enter_and_what_it_is_for(admin):
    row = text_of(row_of(admin.get(CONFIG).get_data(as_text=True), "oro_invoices.seller.electronic_address"))
    assert ("Enter the address at which you receive e-invoices: your Peppol participant id with its scheme in "
            "front, written scheme:id (such as 0088:4035811991021, where 0088 says a GLN follows;") in row
    assert "or an email address (such as invoices@example.com)" in row
    assert ("Every e-invoice states it as your electronic address (BT-34), so that the buyer's system knows where "
            "to reach you") in row
