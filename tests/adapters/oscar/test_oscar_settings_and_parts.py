"""The dashboard settings page, the email templates as Oscar event types, Oscar's staff flags
as the add-on's permissions and the dashboard navigation helper."""
from __future__ import annotations

import html
import re
from typing import Any

from support.oscar_shop import DJANGO_TOKEN, Shop

from oro_invoices.adapters.identity import PERMISSIONS

SETTINGS = "/dashboard/invoice-settings"
CONFIGURE = ["oro_invoices.view", "oro_invoices.configure"]


def page_of(resp: Any) -> str:
    return html.unescape(resp.text())


def test_settings_page_saves_all_or_nothing_at_the_organization_scope(shop: Shop) -> None:
    shop.client.login_admin(CONFIGURE)
    page = page_of(shop.get(SETTINGS))
    assert 'name="oro_invoices.enabled"' in page and 'name="oro_invoices.seller.payment_days"' in page
    # text of several lines (the payment terms, the address) is typed into a text area
    assert '<textarea class="form-control" id="oro_invoices.seller.payment_terms"' in page
    assert '<textarea class="form-control" id="oro_invoices.seller.business_address"' in page
    assert '<option value="global"' not in page  # global needs configure_global
    token = shop.token(SETTINGS, DJANGO_TOKEN)
    settings = shop.client.addon.settings
    refused = shop.post(SETTINGS, {"csrfmiddlewaretoken": token, "scope": "organization", "scope_id": "1",
                                   "oro_invoices.enabled": "0",
                                   "oro_invoices.mail.sender": "not an address"})
    assert refused.status == 422
    assert "oro_invoices.mail.sender-error" in refused.text()
    assert settings.store.load("oro_invoices.enabled", "organization", 1) is None  # nothing saved
    saved = shop.post(SETTINGS, {"csrfmiddlewaretoken": token, "scope": "organization", "scope_id": "1",
                                 "oro_invoices.enabled": "0",
                                 "oro_invoices.mail.sender.use_default": "1"})
    assert saved.status == 302
    assert settings.store.load("oro_invoices.enabled", "organization", 1) is False
    assert "The invoice settings were saved." in page_of(shop.get(saved.headers["Location"]))
    # "Use default" forgets the value again
    shop.post(SETTINGS, {"csrfmiddlewaretoken": token, "scope": "organization", "scope_id": "1",
                         "oro_invoices.enabled.use_default": "1"})
    assert settings.store.load("oro_invoices.enabled", "organization", 1) is None


def test_settings_page_refuses_other_scopes(shop: Shop) -> None:
    shop.client.login_admin(CONFIGURE)
    assert shop.get(SETTINGS + "?scope=global").status == 403
    other = shop.client.request("GET", SETTINGS + "?scope=organization&scope_id=2",
                                headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert other.status == 404
    assert "Diese Organisation gehört nicht zu denen, die Sie konfigurieren dürfen." in page_of(other)
    shop.client.login_admin(["oro_invoices.view"])
    assert shop.get(SETTINGS).status == 403
    shop.client.logout()
    assert shop.get(SETTINGS).status == 302


def test_settings_post_without_djangos_token_is_refused(shop: Shop) -> None:
    shop.client.login_admin(CONFIGURE)
    resp = shop.post(SETTINGS, {"scope": "organization", "scope_id": "1", "oro_invoices.enabled": "0"})
    assert resp.status == 403  # Django's CSRF middleware
    assert shop.client.addon.settings.store.load("oro_invoices.enabled", "organization", 1) is None


def test_email_template_is_an_oscar_event_type_an_admin_edits(shop: Shop) -> None:
    from oscar.core.loading import get_model

    from oro_invoices.integration import profile
    event_type = get_model("communication", "CommunicationEventType")
    event = event_type.objects.get(code="ORO_INVOICE_NOTIFICATION_TEMPLATE")
    assert "invoice" in event.email_subject_template.lower()
    event.email_subject_template = "Your bill {{ invoice.display_number }}"
    event.save()  # what Dashboard > Content > Emails does
    profile.install(shop.host)  # the default refreshed: the edit stays
    loaded = shop.host.email_templates.load("invoice_notification_template")
    assert loaded.subject == "Your bill {{ invoice.display_number }}"
    shop.host.email_templates.remove("invoice_notification_template")
    assert not event_type.objects.filter(code="ORO_INVOICE_NOTIFICATION_TEMPLATE").exists()


def test_staff_flags_map_onto_the_permissions(shop: Shop) -> None:
    from django.contrib.auth import get_user_model

    from oro_invoices.adapters.oscar.identity import backoffice_login
    users = get_user_model().objects
    staff = users.create_user(username="staff", email="staff@shop.test", is_staff=True)
    root = users.create_superuser(username="root", email="root@shop.test", password="x")
    customer = users.create_user(username="buyer", email="buyer@shop.test")
    staff_who, staff_granted = backoffice_login(staff)
    assert staff_who.kind == "admin" and staff_who.organization_id == 1
    assert "oro_invoices.configure" in staff_granted
    assert "oro_invoices.configure_global" not in staff_granted
    assert "oro_invoices.configure_global" in backoffice_login(root)[1]
    assert backoffice_login(customer)[0].is_anonymous
    assert set(backoffice_login(root)[1]) == set(PERMISSIONS) - {"oro_invoices.pay"}


def test_navigation_helper_puts_invoices_after_orders(shop) -> None:  # the shop's Django translates the labels
    from oro_invoices.adapters.oscar.navigation import NAVIGATION_ENTRY, with_invoices
    navigation = [{"label": "Fulfilment", "children": [
        {"label": "Orders", "url_name": "dashboard:order-list"},
        {"label": "Statistics", "url_name": "dashboard:order-stats"}]}]
    added = with_invoices(with_invoices(navigation))  # idempotent
    assert [c["label"] for c in added[0]["children"]] \
        == ["Orders", "Invoices", "Invoice settings", "Statistics"]
    assert added[0]["children"][1] == NAVIGATION_ENTRY
    assert navigation[0]["children"][1]["label"] == "Statistics"  # the original is untouched


def test_customer_scope_hides_the_storefront_for_one_business_customer(shop: Shop) -> None:
    from oro_invoices.adapters.oscar.models import BusinessCustomer
    acme = BusinessCustomer.objects.get(name="ACME Corp")
    other = shop.host.seeder().add_customer("Initech", organization_id=2)
    shop.client.login_admin(CONFIGURE)
    page = page_of(shop.get(SETTINGS + f"?scope=customer&scope_id={acme.id}"))
    assert '<option value="customer" selected>Customer (business customer)</option>' in page
    assert f'<option value="{acme.id}" selected>ACME Corp</option>' in page
    assert "Globex Inc" in page and "Initech" not in page  # only this organization's customers
    assert 'name="oro_invoices.storefront_enabled"' in page
    assert 'name="oro_invoices.mail.sender"' not in page  # no customer scope for that one
    assert shop.get(SETTINGS + f"?scope=customer&scope_id={other.id}").status == 404

    token = shop.token(SETTINGS, DJANGO_TOKEN)
    saved = shop.post(SETTINGS, {"csrfmiddlewaretoken": token, "scope": "customer",
                                 "scope_id": str(acme.id), "oro_invoices.storefront_enabled": "0"})
    assert saved.status == 302
    assert saved.headers["Location"] == f"{SETTINGS}?scope=customer&scope_id={acme.id}"
    store = shop.client.addon.settings.store
    assert store.load("oro_invoices.storefront_enabled", "customer", acme.id) is False

    shop.client.login_customer_user(shop.data.users["own"].id)  # of ACME: no Invoices any more
    assert 'href="/accounts/invoices"' not in page_of(shop.get("/accounts/profile/"))
    shop.client.login_customer_user(shop.data.users["stranger"].id)  # of Globex: still there
    assert 'href="/accounts/invoices"' in page_of(shop.get("/accounts/profile/"))


def test_settings_page_explains_a_refused_value_in_the_admins_language(shop: Shop) -> None:
    shop.client.login_admin(CONFIGURE)
    token = shop.token(SETTINGS, DJANGO_TOKEN)
    refused = shop.client.request(
        "POST", SETTINGS, headers={"Accept-Language": "de-DE,de;q=0.9"},
        data={"csrfmiddlewaretoken": token, "scope": "organization", "scope_id": "1",
              "oro_invoices.mail.sender": "not an address"})
    assert refused.status == 422
    error = re.search(r'id="oro_invoices\.mail\.sender-error">([^<]*)<', page_of(refused))
    assert error and error.group(1) == "Keine gültige E-Mail-Adresse."


def test_settings_page_shows_the_settings_in_the_admins_language(shop: Shop) -> None:
    shop.client.login_admin(CONFIGURE)
    page = page_of(shop.client.request("GET", SETTINGS, headers={"Accept-Language": "de-DE,de;q=0.9"}))
    row = re.search(r'<label for="oro_invoices\.enabled">([^<]*)</label>'
                    r'<div class="small text-muted">([^<]*)</div>', page)
    assert row and row.group(1) == "Rechnungen aktivieren"
    assert row.group(2).startswith("Schaltet die gesamte Rechnungsfunktion ein")
    assert "<h3>Allgemein</h3>" in page and "Seller Information" not in page
    assert re.search(r'<option value="organization"[^>]*>Organisation \(Partner\)</option>', page)
    assert re.search(r'<option value="sepa_credit_transfer"[^>]*>SEPA-Überweisung</option>', page)
    # the page's own words too, not only the settings'
    for word in ("Standard verwenden", "Einstellungen speichern", "Geltungsbereich wechseln", "Rechnungseinstellungen"):
        assert word in page
    for english in ("Use default", "Save settings", "Switch scope", "Invoice settings"):
        assert english not in page


def test_customer_scope_lists_a_page_of_customers_and_finds_the_others(shop: Shop) -> None:
    """More business customers than a selector can show: a page of them by name, the others
    by part of their name; another organization's are never found."""
    from oro_invoices.adapters.settings_form import CHOICES_SHOWN
    seeder = shop.host.seeder()
    added = [seeder.add_customer(f"Zeta Trading {n:03d}") for n in range(60)]
    seeder.add_customer("Zeta Trading of Initech", organization_id=2)
    shop.client.login_admin(CONFIGURE)

    def options(page: str) -> list[str]:
        body = re.search(r'<select[^>]*id="scope_id"[^>]*>(.*?)</select>', page, re.S)
        return re.findall(r"<option[^>]*>([^<]*)</option>", body.group(1)) if body else []

    page = page_of(shop.get(SETTINGS + "?scope=customer"))
    assert len(options(page)) == CHOICES_SHOWN and f"At most {CHOICES_SHOWN} are listed" in page
    found = page_of(shop.get(SETTINGS + "?scope=customer&scope_of_id=customer&scope_search=trading 05"))
    assert options(found) == [f"Zeta Trading 05{n}" for n in range(10)]
    assert f'<option value="{added[50].id}" selected>' in found
    assert "of Initech" not in page_of(shop.get(SETTINGS + "?scope=customer&scope_of_id=customer&scope_search=Initech"))
    switched = shop.get(SETTINGS + f"?scope=website&scope_id={added[59].id}&scope_of_id=customer")
    assert switched.status == 200  # the customer's id is not read as a website's
