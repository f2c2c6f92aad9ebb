"""System > Configuration > Commerce > Sales > Invoices: scopes, "Use default", validation, the toggle."""
from __future__ import annotations

import re

from support.config_form import save
from support.pdfs import pdf_words

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings

CONFIG = "/admin/config/oro_invoices"


def settings(shop) -> Settings:
    return Settings(shop[0].extensions["oro_reference_host"].config)


def test_page_lists_the_schema_settings_by_section(admin):
    html = admin.get(CONFIG).get_data(as_text=True)
    text = text_of(html)
    assert "System / Configuration / Commerce / Sales / Invoices" in text
    for label in ("Enable Invoices", "Invoice Number Prefix", "Show Invoices in the Storefront",
                  "Generate PDF When Invoice Becomes Posted",
                  "Enable Invoice PDF Download in the Storefront", "Enable Invoice Payments",
                  "Payment Method", "Company Name", "Tax ID"):
        assert label in text
    assert 'data-menu-key="host.configuration"' in html


def test_scopes_offer_only_their_settings(admin):
    website = text_of(admin.get(CONFIG + "?scope=website").get_data(as_text=True))
    assert "Show Invoices in the Storefront" in website and "Enable Invoices" not in website
    customer = admin.get(CONFIG + "?scope=customer").get_data(as_text=True)
    # the storefront switch, the customer's own payment terms, its language of documents (docs/i18n.md)
    # and its payment reminders (docs/reminders.md)
    assert re.findall(r'data-setting="([^"]+)"', customer) == ["oro_invoices.storefront_enabled",
                                                               "oro_invoices.seller.payment_terms",
                                                               "oro_invoices.seller.payment_days",
                                                               "oro_invoices.locale",
                                                               "oro_invoices.reminders.enabled"]
    assert "Acme Industries AG" in customer  # the scope object selector
    assert "Tanaka" not in customer          # another organization's customer
    group = admin.get(CONFIG + "?scope=customer_group").get_data(as_text=True)
    assert re.findall(r'data-setting="([^"]+)"', group) == ["oro_invoices.storefront_enabled",
                                                            "oro_invoices.seller.payment_terms",
                                                            "oro_invoices.seller.payment_days",
                                                            "oro_invoices.locale",
                                                            "oro_invoices.reminders.enabled"]


def test_set_at_organization_scope_and_use_default(shop, admin):
    url = CONFIG + "?scope=organization&scope_id=1"
    resp = save(admin, url, {"oro_invoices.number_prefix": "NW-",
                             "oro_invoices.number_prefix.use_default": None})
    assert resp.status_code == 302
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Configuration saved." in text_of(page)
    assert 'name="oro_invoices.number_prefix" value="NW-"' in page
    assert settings(shop).value("oro_invoices.number_prefix", ScopeContext(organization_id=1)) == "NW-"
    assert settings(shop).value("oro_invoices.number_prefix") == "INV-"  # global untouched
    # "Use default" falls back to the parent (global) value again
    save(admin, url, {"oro_invoices.number_prefix.use_default": "1"})
    assert settings(shop).stored("oro_invoices.number_prefix", "organization", 1) is None
    page = admin.get(url).get_data(as_text=True)
    assert re.search(r'name="oro_invoices.number_prefix.use_default" value="1" checked', page)


def test_customer_scope_overrides_and_inherits(shop, admin):
    acme = next(c for c in shop[1]["customers"] if c["name"] == "Acme Industries AG")
    url = CONFIG + f"?scope=customer&scope_id={acme['id']}"
    save(admin, url, {"oro_invoices.storefront_enabled": "0",
                      "oro_invoices.storefront_enabled.use_default": None})
    ctx = ScopeContext(organization_id=1, customer_id=acme["id"])
    assert settings(shop).value("oro_invoices.storefront_enabled", ctx) is False
    html = admin.get(url).get_data(as_text=True)
    assert "Use default" in text_of(html)
    # each "Use default" box is named after its setting, not all alike
    names = re.findall(r'\.use_default" value="1" (?:checked )?aria-label="([^"]+)"', html)
    assert all(name.startswith("Use default: ") for name in names)
    assert len(names) == len(set(names)) >= 2


def test_a_customers_own_payment_terms_are_printed_on_its_invoices(shop, admin):
    acme = next(c for c in shop[1]["customers"] if c["name"] == "Acme Industries AG")
    terms = "Zahlbar innerhalb von 60 Tagen ohne Abzug."
    save(admin, CONFIG + f"?scope=customer&scope_id={acme['id']}",
         {"oro_invoices.seller.payment_terms": terms, "oro_invoices.seller.payment_terms.use_default": None})
    draft = admin.service.get(admin.service.find_id(external_id="ERP-SO-1004-4"))
    assert draft.customer_id == acme["id"] and not draft.is_posted
    posted = admin.service.post(draft.id, actor="admin")
    assert posted.seller.payment_terms == terms                        # kept with the posted invoice
    assert terms in pdf_words(admin.get(f"/admin/invoices/{posted.id}/download").data)
    other = admin.service.get(admin.service.find_id(external_id="ERP-SO-1007-7"))    # Globex: the shop's terms
    assert other.customer_id != acme["id"]
    assert admin.service.seller(other).payment_terms == "Payable within 30 days without deduction."


def test_a_customer_groups_payment_terms_are_printed_on_its_customers_invoices(shop, admin):
    """Terms agreed with a customer group (Oro assigns payment terms to customer groups too); a
    customer's own terms still come first."""
    acme = next(c for c in shop[1]["customers"] if c["name"] == "Acme Industries AG")
    globex = next(c for c in shop[1]["customers"] if c["name"] == "Globex Corporation")
    retail = shop[0].extensions["oro_reference_host"].customers.get_customer(globex["id"]).group_id
    wholesale = shop[0].extensions["oro_reference_host"].customers.get_customer(acme["id"]).group_id
    assert retail != wholesale
    group_terms = "Payable within 10 days; 2 % discount within 5 days."
    save(admin, CONFIG + f"?scope=customer_group&scope_id={retail}",
         {"oro_invoices.seller.payment_terms": group_terms, "oro_invoices.seller.payment_terms.use_default": None})
    own_terms = "Net 45."
    save(admin, CONFIG + f"?scope=customer&scope_id={acme['id']}",
         {"oro_invoices.seller.payment_terms": own_terms, "oro_invoices.seller.payment_terms.use_default": None})
    service = admin.service
    retail_draft = service.get(service.find_id(external_id="ERP-SO-1009-9"))
    assert retail_draft.customer_id == globex["id"] and not retail_draft.is_posted
    posted = service.post(retail_draft.id, actor="admin")
    assert posted.seller.payment_terms == group_terms
    assert group_terms in pdf_words(admin.get(f"/admin/invoices/{posted.id}/download").data)
    acme_draft = service.get(service.find_id(external_id="ERP-SO-1004-4"))
    assert service.post(acme_draft.id, actor="admin").seller.payment_terms == own_terms   # in the group, own terms
    berlin = service.get(service.find_id(external_id="ERP-SO-1006-6"))      # the same group, no own terms
    assert berlin.customer_id != acme["id"] and not berlin.is_posted
    assert service.post(berlin.id, actor="admin").seller.payment_terms == "Payable within 30 days without deduction."


def test_invalid_values_are_refused_and_nothing_is_saved(shop, admin):
    url = CONFIG + "?scope=global"
    resp = save(admin, url, {"oro_invoices.payment_link_ttl_days": "-5",
                             "oro_invoices.payment_link_ttl_days.use_default": None,
                             "oro_invoices.number_prefix": "OK-",
                             "oro_invoices.number_prefix.use_default": None})
    assert resp.status_code == 422
    text = text_of(resp.get_data(as_text=True))
    assert "The configuration was not saved" in text
    assert "greater than or equal to 1" in text
    assert settings(shop).stored("oro_invoices.number_prefix") is None


def test_switching_invoices_off_removes_everything(shop, admin):
    order = shop[1]["orders"][0]
    inv = admin.service.find_id(external_id="ERP-SO-1002-2")
    token = shop[1]["api_token"]
    buyer = ShopClient(shop[0])
    buyer.login_customer("ben.ortiz@acme.example")
    doc = admin.service.get(inv)

    def present():
        return {
            "menu": 'data-menu-key="oro_invoices.invoices"' in admin.get("/admin/").get_data(as_text=True),
            "tab": 'data-tab-key="oro_invoices.order_invoices"' in
                   admin.get(f"/admin/orders/{order['id']}").get_data(as_text=True),
            "grid": admin.get("/admin/invoices").status_code,
            "view": admin.get(f"/admin/invoices/{inv}").status_code,
            "tab_page": admin.get(f"/admin/invoices/orders/{order['id']}").status_code,
            "account": 'data-menu-key="oro_invoices.account_invoices"' in
                       buyer.get("/customer/account").get_data(as_text=True),
            "store_list": buyer.get("/customer/invoices").status_code,
            "store_view": buyer.get(f"/customer/invoices/{inv}").status_code,
            "pay": buyer.get(f"/invoices/pay/{doc.payment_token}").status_code,
            "api": admin.client.get("/api/invoices",
                                    headers={"Authorization": f"Bearer {token}"}).status_code,
        }

    on = present()
    assert on == {"menu": True, "tab": True, "grid": 200, "view": 200, "tab_page": 200,
                  "account": True, "store_list": 200, "store_view": 200, "pay": 200, "api": 200}
    resp = save(admin, CONFIG + "?scope=global", {"oro_invoices.enabled": "0",
                                                  "oro_invoices.enabled.use_default": None})
    assert resp.status_code == 302
    assert present() == {"menu": False, "tab": False, "grid": 404, "view": 404, "tab_page": 404,
                         "account": False, "store_list": 404, "store_view": 404, "pay": 404,
                         "api": 404}
    # the configuration page itself stays reachable, so invoices can be switched on again
    save(admin, CONFIG + "?scope=global", {"oro_invoices.enabled": "1"})
    assert present() == on


def test_organization_can_switch_invoices_off_for_itself(shop, admin):
    save(admin, CONFIG + "?scope=organization&scope_id=1",
         {"oro_invoices.enabled": "0", "oro_invoices.enabled.use_default": None})
    assert admin.get("/admin/invoices").status_code == 404
    other = ShopClient(shop[0])
    other.login_admin("admin.jp", "admin1234")             # Sakura keeps its invoices
    assert other.get("/admin/invoices").status_code == 200


def test_page_shows_the_settings_in_the_admins_language(admin):
    html = admin.get(CONFIG, headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    row = re.search(r'<label for="oro_invoices\.enabled">([^<]*)</label>'
                    r'<div class="h-muted"[^>]*>([^<]*)</div>', html)
    assert row and row.group(1) == "Rechnungen aktivieren"
    assert text_of(row.group(2)).startswith("Schaltet die gesamte Rechnungsfunktion ein")
    text = text_of(html)
    assert "Commerce / Vertrieb / Rechnungen" in text
    assert re.search(r"<h2>Allgemein</h2>", html) and "<h1>Rechnungen</h1>" in html
    assert re.search(r'<option value="organization"[^>]*>Organisation</option>', html)
    assert re.search(r'<option value="sepa_credit_transfer"\s*[^>]*>SEPA-Überweisung</option>', html)
    for english in ("Enable Invoices", "Switches the whole invoice feature on", "Seller Information"):
        assert english not in text


def test_a_host_without_an_address_of_its_own_inherits_the_default_sender(admin):
    """The reference host has no ``default_mail_sender``: its mail goes from the setting's default,
    which the page shows as the inherited Sender Email."""
    html = admin.get(CONFIG + "?scope=global").get_data(as_text=True)
    field = re.search(r'<input type="text" id="oro_invoices\.mail\.sender"[^>]*>', html)
    assert field and 'value="invoices@example.com"' in field.group(0) and "disabled" in field.group(0)
