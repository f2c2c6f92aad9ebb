"""Django admin (Oscar's payment event admins) leaves the invoices' payment events to the invoices:
"Invoice payment" / "Invoice refund" events and types are not added, changed or deleted by hand."""
from __future__ import annotations

from typing import Any

from support.oscar_shop import Shop, admin_get, admin_post, login_superuser, select_options

from oro_invoices.hosts.reference.testing import text_of

REFUSAL = ('"{}" payment events are recorded by the invoices when an invoice is paid or refunded, not by hand. '
           "Record the payment on the invoice (the order's Invoices tab) instead.")


def _model(name: str) -> Any:
    from oscar.core.loading import get_model
    return get_model("order", name)


def _paid_and_refunded(shop: Shop) -> None:
    invoices = shop.client.addon.invoices
    invoices.record_payment(shop.data.posted.id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                                                  "provider_reference": "BANK-A"}, actor="Accounting")
    invoices.record_payment(shop.data.posted.id, {"method": "bank_transfer", "action": "refund", "amount": "1.00",
                                                  "provider_reference": "BANK-A-R"}, actor="Accounting")


def _event_form(shop: Shop, event_type: Any, amount: str = "5.00") -> dict[str, str]:
    order = _model("Order").objects.get(pk=shop.data.order.id)
    shipped = _model("ShippingEvent").objects.create(
        order=order, event_type=_model("ShippingEventType").objects.get_or_create(name="Shipped")[0])
    return {"order": str(order.pk), "amount": amount, "reference": "", "event_type": str(event_type.pk),
            "shipping_event": str(shipped.pk), "line_quantities-TOTAL_FORMS": "0",
            "line_quantities-INITIAL_FORMS": "0", "line_quantities-MIN_NUM_FORMS": "0",
            "line_quantities-MAX_NUM_FORMS": "1000", "_save": "Save"}


def test_the_invoices_event_types_are_not_added_by_hand(shop: Shop) -> None:
    _paid_and_refunded(shop)
    cheque = _model("PaymentEventType").objects.create(name="Paid by cheque")
    events = _model("PaymentEvent").objects
    before = events.count()
    login_superuser(shop)
    status, page = admin_get(shop, "/admin/order/paymentevent/add/")
    assert status == 200 and select_options(page, "event_type") == ["Paid by cheque"]
    for name in ("Invoice payment", "Invoice refund"):
        status, page = admin_post(shop, "/admin/order/paymentevent/add/",
                             _event_form(shop, _model("PaymentEventType").objects.get(name=name)))
        assert status == 200 and REFUSAL.format(name) in page
    assert events.count() == before
    # the shop's own event types are recorded by hand as before
    status, page = admin_post(shop, "/admin/order/paymentevent/add/", _event_form(shop, cheque))
    assert status == 302 and "was added successfully" in page
    assert events.count() == before + 1


def test_an_event_is_not_changed_into_one_of_the_invoices(shop: Shop) -> None:
    _paid_and_refunded(shop)
    cheque = _model("PaymentEventType").objects.create(name="Paid by cheque")
    event = _model("PaymentEvent").objects.create(order_id=shop.data.order.id, amount="3.00", event_type=cheque)
    login_superuser(shop)
    url = f"/admin/order/paymentevent/{event.pk}/change/"
    form = _event_form(shop, _model("PaymentEventType").objects.get(name="Invoice payment"))
    status, page = admin_post(shop, url, form)
    assert status == 200 and REFUSAL.format("Invoice payment") in page
    event.refresh_from_db()
    assert event.event_type == cheque
    status, page = admin_post(shop, url, {**form, "event_type": str(cheque.pk), "amount": "4.00"})
    assert status == 302 and "was changed successfully" in page
    event.refresh_from_db()
    assert str(event.amount) == "4.00"


def test_the_invoices_events_are_read_only_and_stay(shop: Shop) -> None:
    """Changing or deleting one would make the order disagree with its invoices' payments."""
    _paid_and_refunded(shop)
    events = _model("PaymentEvent").objects
    paid = events.get(event_type__name="Invoice payment")
    login_superuser(shop)
    status, page = admin_get(shop, f"/admin/order/paymentevent/{paid.pk}/change/")
    assert status == 200
    assert "View Payment Event" in page and 'name="_save"' not in page and 'name="amount"' not in page
    assert REFUSAL.format("Invoice payment") in page  # why it is read-only
    assert "/delete/" not in page
    form = _event_form(shop, paid.event_type, amount="99.00")
    assert shop.client.request("POST", f"/admin/order/paymentevent/{paid.pk}/change/", data=form).status == 403
    status, _ = admin_get(shop, f"/admin/order/paymentevent/{paid.pk}/delete/")
    assert status == 403
    # the list's "Delete selected" action deletes none of them either
    status, page = admin_post(shop, "/admin/order/paymentevent/",
                         {"action": "delete_selected", "_selected_action": str(paid.pk), "post": "yes"})
    assert status == 403
    # nor does deleting the order, which would delete its events with it
    status, page = admin_get(shop, f"/admin/order/order/{shop.data.order.id}/delete/")
    assert status == 200 and "doesn't have permission to delete the following types of objects" in page
    assert shop.client.request("POST", f"/admin/order/order/{shop.data.order.id}/delete/",
                               data={"post": "yes"}).status == 403
    paid.refresh_from_db()
    assert str(paid.amount) == "10.00" and events.filter(order_id=shop.data.order.id).count() == 2
    # the shop's own events are still deleted by hand
    cheque = events.create(order_id=shop.data.order.id, amount="3.00",
                           event_type=_model("PaymentEventType").objects.create(name="Paid by cheque"))
    status, page = admin_post(shop, f"/admin/order/paymentevent/{cheque.pk}/delete/", {"post": "yes"})
    assert status == 302 and not events.filter(pk=cheque.pk).exists()


def test_the_invoices_event_types_keep_their_names(shop: Shop) -> None:
    _paid_and_refunded(shop)
    types = _model("PaymentEventType").objects
    paid = types.get(name="Invoice payment")
    login_superuser(shop)
    for name, reserved in (("Invoice refund", "Invoice refund"), (" invoice  PAYMENT", "Invoice payment")):
        status, page = admin_post(shop, "/admin/order/paymenteventtype/add/", {"name": name, "_save": "Save"})
        assert status == 200
        assert (f'"{reserved}" is the name of the payment events the invoices record when an invoice is paid or '
                "refunded. Choose another name.") in page
    cheque = types.create(name="Paid by cheque")
    status, page = admin_post(shop, f"/admin/order/paymenteventtype/{cheque.pk}/change/",
                         {"name": "Invoice payment", "_save": "Save"})
    assert status == 200 and "Choose another name." in page
    cheque.refresh_from_db()
    assert cheque.name == "Paid by cheque"
    status, page = admin_post(shop, f"/admin/order/paymenteventtype/{cheque.pk}/change/",
                         {"name": "Paid by check", "_save": "Save"})
    assert status == 302 and types.filter(name="Paid by check").exists()
    # the invoices' own types are read-only and stay (deleting one deletes its events)
    status, page = admin_get(shop, f"/admin/order/paymenteventtype/{paid.pk}/change/")
    assert status == 200 and 'name="_save"' not in page and REFUSAL.format("Invoice payment") in page
    assert shop.client.request("POST", f"/admin/order/paymenteventtype/{paid.pk}/change/",
                               data={"name": "Renamed"}).status == 403
    assert admin_get(shop, f"/admin/order/paymenteventtype/{paid.pk}/delete/")[0] == 403
    assert types.filter(name="Invoice payment").exists()


def test_the_admins_refusal_is_in_the_admins_language(shop: Shop) -> None:
    _paid_and_refunded(shop)
    login_superuser(shop)
    status, page = admin_post(shop, "/admin/order/paymentevent/add/",
                         _event_form(shop, _model("PaymentEventType").objects.get(name="Invoice payment")),
                         language="de")
    assert status == 200
    assert ("Zahlungsereignisse „Invoice payment“ werden von den Rechnungen erfasst, wenn eine Rechnung bezahlt oder "
            "erstattet wird, nicht von Hand.") in page


def test_a_business_customers_e_invoice_address_is_its_customer_refs(shop: Shop) -> None:
    """The einvoice_address capability: kept on the business customer, checked in the Django admin."""
    from oro_invoices.adapters.oscar.models import BusinessCustomer
    assert "einvoice_address" in shop.host.capabilities
    customer = shop.host.seeder().add_customer("Acme Industries AG", einvoice_address="0088:4035811991021")
    assert shop.host.customers.get_customer(customer.id).einvoice_address == "0088:4035811991021"
    login_superuser(shop)
    row = BusinessCustomer.objects.get(pk=customer.id)
    form = {"name": row.name, "organization": str(row.organization_id), "parent": "", "vat_id": "",
            "country_code": "", "buyer_reference": "", "einvoice_address": "4035811991021",
            "buyers-TOTAL_FORMS": "0", "buyers-INITIAL_FORMS": "0", "buyers-MIN_NUM_FORMS": "0",
            "buyers-MAX_NUM_FORMS": "1000", "_save": "Save"}
    status, page = admin_post(shop, f"/admin/oro_invoices_oscar/businesscustomer/{row.pk}/change/", form)
    assert status == 200
    assert ("Must be an email address or a Peppol participant id written scheme:id, such as 0088:4035811991021."
            in page)
    assert shop.host.customers.get_customer(customer.id).einvoice_address == "0088:4035811991021"


def test_the_business_customers_list_shows_and_finds_their_e_invoice_address(shop: Shop) -> None:
    shop.host.seeder().add_customer("Acme Industries AG", einvoice_address="0088:4035811991021")
    shop.host.seeder().add_customer("Globex Corporation", einvoice_address="ap@globex.example")
    login_superuser(shop)
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/businesscustomer/")
    assert status == 200
    assert "E-invoice address" in page and "0088:4035811991021" in page and "ap@globex.example" in page
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/businesscustomer/?q=4035811991021")
    assert status == 200
    assert "Acme Industries AG" in page and "Globex Corporation" not in page


def _content(page: str) -> str:
    """The text an admin page shows in its content (the sidebar listing every app's models left out)."""
    return text_of(page[page.index('<main id="content-start"'):])


def test_the_apps_models_are_named_in_the_admins_language(shop: Shop) -> None:
    login_superuser(shop)
    status, page = admin_get(shop, "/admin/", language="de")
    shown = _content(page)
    assert status == 200
    assert "Rechnungen Modellname Link hinzufügen Linkliste bearbeiten oder ansehen Bestellnummern der Käufer" in shown
    assert "Geschäftskunden" in shown and "Organisationen der Sites" in shown
    for english in ("Invoices", "Business customers", "Purchase order numbers", "Site organizations"):
        assert english not in shown
    status, page = admin_get(shop, "/admin/")
    assert "Invoices Model name Add link Change or view list link Business customers" in _content(page)


def test_the_business_customer_is_labelled_in_the_admins_language(shop: Shop) -> None:
    """Its fields' labels and help, the e-invoice address's refusal and its buyers' roles come from
    the add-on's catalogs, in Django's active language."""
    from oro_invoices.adapters.oscar.models import BusinessCustomer
    customer = shop.host.seeder().add_customer("Acme Industries AG", einvoice_address="0088:4035811991021")
    login_superuser(shop)
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/businesscustomer/", language="de")
    shown = _content(page)
    assert status == 200
    assert "Name Organisation Übergeordneter Kunde USt-IdNr. Ländercode E-Rechnungsadresse" in shown
    for english in ("Organization Parent", "VAT id", "Country code", "E-invoice address"):
        assert english not in shown
    url = f"/admin/oro_invoices_oscar/businesscustomer/{customer.id}/change/"
    status, page = admin_get(shop, url, language="de")
    shown = _content(page)
    assert status == 200
    for label in ("Name:", "Übergeordneter Kunde:", "Organisation:",
                  "Der Partner, dessen Rechnungen dieser Kunde erhält.", "USt-IdNr.", "Ländercode:",
                  "Käuferreferenz:", "E-Rechnungsadresse:", "Wo der Kunde E-Rechnungen empfängt"):
        assert label in shown
    # the buyers' roles (the inline's empty row offers them)
    assert select_options(page, "buyers-__prefix__-invoice_role") == [
        "Keine Rechnungen", "Eigene Rechnungen", "Die Rechnungen des Kunden",
        "Die Rechnungen des Kunden und seiner Unterkunden"]
    for english in ("Parent:", "Organization:", "The partner whose invoices", "VAT id", "Country code",
                    "Buyer reference", "Where the customer receives", "No invoices", "Own invoices",
                    "customer's invoices", "sub-customers"):
        assert english not in shown
    row = BusinessCustomer.objects.get(pk=customer.id)
    form = {"name": row.name, "organization": str(row.organization_id), "parent": "", "vat_id": "",
            "country_code": "", "buyer_reference": "", "einvoice_address": "4035811991021",
            "buyers-TOTAL_FORMS": "0", "buyers-INITIAL_FORMS": "0", "buyers-MIN_NUM_FORMS": "0",
            "buyers-MAX_NUM_FORMS": "1000", "_save": "Save"}
    status, page = admin_post(shop, url, form, language="de")
    assert status == 200 and "Muss eine E-Mail-Adresse oder eine Peppol-Teilnehmer-ID" in _content(page)
    # and in English as before
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/businesscustomer/")
    assert "Name Organization Parent VAT id Country code E-invoice address" in _content(page)
    status, page = admin_get(shop, url)
    shown = _content(page)
    assert "Buyer reference:" in shown and "Parent:" in shown and "Organization:" in shown
    assert "The customer's invoices" in select_options(page, "buyers-__prefix__-invoice_role")


def test_the_business_customers_and_buyers_are_named_in_the_admins_language(shop: Shop) -> None:
    customer = shop.host.seeder().add_customer("Acme Industries AG")
    login_superuser(shop)
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/businesscustomer/", language="de")
    shown = _content(page)
    assert status == 200 and shown.startswith("Geschäftskunde zur Änderung auswählen Geschäftskunde hinzufügen")
    assert "business customer" not in shown
    url = f"/admin/oro_invoices_oscar/businesscustomer/{customer.id}/change/"
    status, page = admin_get(shop, url, language="de")
    shown = _content(page)
    assert status == 200 and shown.startswith("Geschäftskunde ändern Acme Industries AG")
    assert "Käufer Benutzer Rechnungsrolle Löschen?" in shown  # the buyers' table: heading and columns
    for english in ("business customer", "Buyers", "User", "Invoice role"):
        assert english not in shown
    status, page = admin_get(shop, url)
    shown = _content(page)
    assert shown.startswith("Change business customer Acme Industries AG")
    assert "Buyers User Invoice role Delete?" in shown


def test_the_sites_organization_is_labelled_in_the_admins_language(shop: Shop) -> None:
    login_superuser(shop)
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/siteorganization/add/", language="de")
    shown = _content(page)
    assert status == 200 and shown.startswith("Organisation der Site hinzufügen Site:")
    assert "Organisation: --------- " in shown
    assert ("Der Partner (Organisation), zu dem die Site gehört, und mit ihr die Bestellungen der Site, deren "
            "Positionen keinen Partner nennen. Eine Site ohne Eintrag gehört zur Standardorganisation.") in shown
    for english in ("site organization", "Organization:", "The partner (organization)", "default organization"):
        assert english not in shown
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/siteorganization/", language="de")
    assert "0 Organisationen der Sites" in _content(page) and "site organizations" not in _content(page)
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/siteorganization/add/")
    shown = _content(page)
    assert shown.startswith("Add site organization Site:") and "Organization: --------- " in shown
    assert "A site without one belongs to the default organization." in shown


def test_the_setting_scopes_are_named_in_the_admins_language(shop: Shop) -> None:
    from django.utils import translation

    from oro_invoices.adapters.oscar.models import ConfigValue
    scopes = ("global", "organization", "website", "customer")
    with translation.override("de"):
        assert [ConfigValue(scope=s).get_scope_display() for s in scopes] == [
            "Global", "Organisation (Partner)", "Website (Site)", "Kunde"]
    with translation.override("en"):
        assert [ConfigValue(scope=s).get_scope_display() for s in scopes] == [
            "Global", "Organization (partner)", "Website (site)", "Customer"]


def test_an_orders_po_number_is_given_in_django_admin_and_read_into_its_snapshot(shop: Shop) -> None:
    """Oscar's orders have no PO number: the app keeps one per order (``OrderPurchaseOrder``), given in
    Django admin, which the order's snapshot, and so its invoices, carry."""
    order = shop.data.order
    assert shop.host.orders.get(order.id).purchase_order == ""
    login_superuser(shop)
    add = "/admin/oro_invoices_oscar/orderpurchaseorder/add/"
    status, page = admin_post(shop, add, {"order": str(order.id), "number": "PO\u202e-4711", "_save": "Save"})
    assert status == 200 and "U+202E" in page and "PO number" in _content(page)
    assert shop.host.orders.get(order.id).purchase_order == ""
    status, page = admin_post(shop, add, {"order": str(order.id), "number": "  PO-4711 ", "_save": "Save"})
    assert status == 302 and "was added successfully" in page
    assert shop.host.orders.get(order.id).purchase_order == "PO-4711"
    status, page = admin_get(shop, "/admin/oro_invoices_oscar/orderpurchaseorder/?q=SO-KIT-1")
    assert status == 200 and "PO-4711" in _content(page)
    # Oscar's order admin page shows it too, at its foot
    status, page = admin_get(shop, f"/admin/order/order/{order.id}/change/")
    assert status == 200 and 'value="PO-4711"' in page and "Purchase order number" in _content(page)


#: German for the app's model names and permission names as the catalogs will have them (set for the test:
#: what the admin shows comes from the add-on's catalogs in the admin's language).
GERMAN = {"setting value": "Einstellungswert", "registry entry": "Registereintrag",
          "email template default": "Standard einer E-Mail-Vorlage", "invoice permission": "Rechnungsberechtigung",
          "Can see invoices": "Kann Rechnungen sehen",
          "Can change the invoice settings of every organization":
              "Kann die Rechnungseinstellungen jeder Organisation ändern"}


def _german_catalog(monkeypatch: Any) -> None:
    from oro_invoices.i18n.catalogs import translations
    for msgid, text in GERMAN.items():
        monkeypatch.setitem(translations("de")._catalog, msgid, text)


def test_the_permission_pickers_name_the_apps_models_and_permissions_in_the_admins_language(
        shop: Shop, monkeypatch: Any) -> None:
    """Django stores permission names in English: a group's and a user's permission pickers show the
    app's model names and its own permissions' names from the add-on's catalogs all the same."""
    _german_catalog(monkeypatch)
    login_superuser(shop)
    from django.contrib.auth import get_user_model
    user = get_user_model().objects.create_user(username="clerk", email="clerk@shop.test", password="pw")
    for url, field in (("/admin/auth/group/add/", "permissions"),
                       (f"/admin/auth/user/{user.pk}/change/", "user_permissions")):
        status, page = admin_get(shop, url, language="de")
        assert status == 200
        shown = select_options(page, field)
        for option in ("Rechnungen | Rechnungsberechtigung | Kann Rechnungen sehen",
                       "Rechnungen | Rechnungsberechtigung | Kann die Rechnungseinstellungen jeder Organisation ändern",
                       "Rechnungen | Geschäftskunde | Can add business customer"):
            assert option in shown, option
        assert not [o for o in shown if o.startswith("Invoices |") or "invoice permission" in o]
        assert "Bestellung | Bestellzeile | Can change Order Line" in shown  # Oscar's, as Django shows them
        status, page = admin_get(shop, url)
        shown = select_options(page, field)
        assert "Invoices | invoice permission | Can see invoices" in shown
        assert "Invoices | business customer | Can change business customer" in shown


#: The app's models without an admin page, whose Django permissions no picker lists.
UNLISTED = ("setting value", "registry entry", "email template default", "config value")


def _unlisted_shown(options: list[str]) -> list[str]:
    return [o for o in options if any(name in o for name in UNLISTED)
            or any(GERMAN[name] in o for name in UNLISTED if name in GERMAN)]


def test_the_models_without_an_admin_page_have_no_permissions_to_grant(shop: Shop, monkeypatch: Any) -> None:
    """Setting values, registry entries and email template defaults are changed through the add-on's
    pages, not the admin: no permission picker lists adding, changing, deleting or viewing them."""
    _german_catalog(monkeypatch)
    login_superuser(shop)
    for language in ("en", "de"):
        status, page = admin_get(shop, "/admin/auth/group/add/", language=language)
        shown = select_options(page, "permissions")
        assert status == 200 and len(shown) > 20  # Oscar's and the app's other permissions are there
        assert _unlisted_shown(shown) == []


def test_a_shop_migrated_before_loses_those_permissions_and_keeps_current_names(shop: Shop) -> None:
    """A shop migrated before: Django made the three models' permissions (and named them after the
    models' names of the day) and does not delete or rename them; migration 0011 does."""
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command
    call_command("migrate", "oro_invoices_oscar", "0010", verbosity=0, interactive=False)
    of_app = Permission.objects.filter(content_type__app_label="oro_invoices_oscar")
    old = of_app.get(codename="add_configvalue")
    assert old.name == "Can add setting value"  # made after migrating back, as a shop at 0010 has it
    of_app.filter(codename="add_configvalue").update(name="Can add config value")  # before 0010
    of_app.filter(codename="manage_invoice_payments").update(  # before 0004
        name="Can refund, cancel and re-authorise invoice payments")
    clerks = Group.objects.create(name="Clerks")
    clerks.permissions.add(old, of_app.get(codename="view_invoices"))
    login_superuser(shop)
    status, page = admin_get(shop, f"/admin/auth/group/{clerks.pk}/change/")
    assert "Invoices | setting value | Can add config value" in select_options(page, "permissions")

    call_command("migrate", "oro_invoices_oscar", verbosity=0, interactive=False)
    status, page = admin_get(shop, f"/admin/auth/group/{clerks.pk}/change/")
    assert status == 200 and _unlisted_shown(select_options(page, "permissions")) == []
    assert [p.name for p in clerks.permissions.all()] == ["Can see invoices"]  # the other grant stays
    assert of_app.get(codename="manage_invoice_payments").name == (
        "Can refund, capture, cancel and re-authorize invoice payments")
