"""The invoice emails edited in Oscar's own email editor (Dashboard > Content > Email templates)."""
from __future__ import annotations

import html
import re
from typing import Any

from support.oscar_shop import DJANGO_TOKEN, Shop

from oro_invoices.adapters.identity import PERMISSIONS

EDITOR = "/dashboard/comms/ORO_INVOICE_NOTIFICATION_TEMPLATE/"


def _staff(shop: Shop) -> None:
    """A shop admin: Oscar's email editor needs the view and change permissions of email types."""
    from django.contrib.auth import get_user_model
    user = get_user_model().objects.create_superuser(username="comms-admin", email="comms@shop.test",
                                                     password="x")
    shop.client.http.force_login(user)


def _form(shop: Shop, page: str) -> dict[str, str]:
    """The editor's fields as the browser would send them."""
    fields: dict[str, str] = {"csrfmiddlewaretoken": DJANGO_TOKEN.search(page).group(1)}  # type: ignore[union-attr]
    for name in ("name", "email_subject_template"):
        found = re.search(rf'name="{name}" value="([^"]*)"', page)
        assert found, f"the editor has no {name} field"
        fields[name] = html.unescape(found.group(1))
    for name in ("email_body_template", "email_body_html_template"):
        found = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
        assert found, f"the editor has no {name} field"
        fields[name] = html.unescape(found.group(1))
    return fields


def _stored(code: str) -> Any:
    from oscar.core.loading import get_model
    return get_model("communication", "CommunicationEventType").objects.get(code=code)


def test_the_unchanged_default_saves_and_an_edit_is_what_send_to_customer_sends(shop: Shop) -> None:
    _staff(shop)
    page = shop.get(EDITOR)
    assert page.status == 200
    fields = _form(shop, page.text())
    assert '_("Hello %(name)s,"' in fields["email_body_template"]  # the add-on's Jinja2, shown as is
    same = shop.post(EDITOR, fields)
    assert same.status == 302, "saving the default unchanged was refused"

    fields["email_subject_template"] = "Your invoice {{ invoice.display_number }} is ready"
    fields["email_body_template"] = fields["email_body_template"].replace(
        '{{ _("Kind regards,") }}', "Thank you for shopping with us!")
    saved = shop.post(EDITOR, fields)
    assert saved.status == 302
    assert saved.headers["Location"] == "."  # back to the editor, with Oscar's message
    assert "Email saved" in html.unescape(shop.get(EDITOR).text())

    shop.client.login_admin(PERMISSIONS)
    invoice = shop.data.posted  # posted, with its PDF: Send to Customer opens the email dialog
    view = shop.url("oro_invoices.admin.view", invoice_id=invoice.id)
    token = shop.token(view + "?dialog=send-to-customer")
    sent = shop.post(shop.url("oro_invoices.admin.send_to_customer", invoice_id=invoice.id),
                     {"csrf_token": token})
    assert sent.status in (302, 303)
    dialog = html.unescape(shop.get(sent.headers["Location"]).text())  # the email dialog it opens
    number = invoice.display_number
    assert f'value="Your invoice {number} is ready"' in dialog
    assert "Thank you for shopping with us!" in dialog and "Kind regards" not in dialog


def test_a_broken_template_is_refused_under_its_field_and_nothing_is_saved(shop: Shop) -> None:
    _staff(shop)
    fields = _form(shop, shop.get(EDITOR).text())
    before = _stored("ORO_INVOICE_NOTIFICATION_TEMPLATE")
    fields["email_subject_template"] = "Invoice {{ invoice.display_number|shout }}"
    fields["email_body_html_template"] = "<p>{% if invoice.amount_due %}Due</p>"
    resp = shop.post(EDITOR, fields)
    page = html.unescape(resp.text())
    assert resp.status == 200
    assert "No filter named 'shout'" in page
    assert "(subject)" in page and "(html)" in page
    subject_field = page.index('name="email_subject_template"')
    assert page.index("No filter named 'shout'") > subject_field  # the error is beside its field
    after = _stored("ORO_INVOICE_NOTIFICATION_TEMPLATE")
    assert (after.email_subject_template, after.email_body_html_template) == (
        before.email_subject_template, before.email_body_html_template)


def test_preview_renders_the_sample_invoice(shop: Shop) -> None:
    _staff(shop)
    fields = _form(shop, shop.get(EDITOR).text())
    resp = shop.post(EDITOR, {**fields, "show_preview": "1"})
    page = html.unescape(resp.text())
    assert resp.status == 200
    assert "Invoice INV-0001 from Your Company" in page  # the rendered subject
    assert "Sample Customer Ltd" in page or "Sample Buyer" in page


def test_the_editor_explains_jinja2_and_lists_the_templates_variables(shop: Shop) -> None:
    _staff(shop)
    page = html.unescape(shop.get(EDITOR).text())
    assert "These fields are rendered using Django's template system." not in page  # Oscar's help
    assert "{{ user.get_full_name }}" not in page and 'name="preview_order_number"' not in page
    assert ("These fields are Jinja2 templates, rendered by the invoice add-on rather than by Django's "
            "template system: {{ seller.company_name }} shows a value") in re.sub(r"</?code>", "", page)
    listed = re.findall(r"<dt><code>\{\{ (\w+) \}\}</code></dt>\s*<dd>([^<]*)</dd>", page)
    # the template's own variables, then those every invoice email is given
    assert [name for name, _ in listed] == ["invoice", "payment_url", "seller", "recipient_name", "pdf_attached"]
    assert dict(listed)["payment_url"].startswith("The invoice's payment page")
    assert dict(listed)["pdf_attached"].startswith("Whether the PDF is attached to this email")
    statement = html.unescape(shop.get("/dashboard/comms/ORO_CUSTOMER_STATEMENT_TEMPLATE/").text())
    assert re.findall(r"<dt><code>\{\{ (\w+) \}\}</code></dt>", statement) == [
        "statement", "seller", "recipient_name", "pdf_attached"]
    # a section's aging is the open invoices' alone: the editor is told where the credit is
    statement_vars = dict(re.findall(r"<dt><code>\{\{ (\w+) \}\}</code></dt>\s*<dd>([^<]*)</dd>", statement))
    assert ("aging.amounts by bucket (the aging carries no credit: its credit is 0 and its net the total; "
            "the customer's credit is in credits)") in statement_vars["statement"]
    receipt = html.unescape(shop.get("/dashboard/comms/ORO_PAYMENT_RECEIPT_TEMPLATE/").text())
    described = dict(re.findall(r"<dt><code>\{\{ (\w+) \}\}</code></dt>\s*<dd>([^<]*)</dd>", receipt))
    assert {"recipient_name", "pdf_attached", "receipt_attached", "paid_by", "remittance"} <= set(described)
    assert described["paid_by"].startswith("The address of the colleague who paid")
    assert all(described.values())  # each says what it holds


def test_preview_is_in_the_shops_currency(shop: Shop) -> None:
    from django.test import override_settings
    _staff(shop)
    fields = _form(shop, shop.get(EDITOR).text())
    with override_settings(OSCAR_DEFAULT_CURRENCY="EUR"):
        page = html.unescape(shop.post(EDITOR, {**fields, "show_preview": "1"}).text())
    preview = page[page.index('id="email_preview"'):page.index("</table>", page.index('id="email_preview"'))]
    assert "Total: €120.00" in preview and "$" not in preview


def test_oscars_own_email_types_keep_djangos_check(shop: Shop) -> None:
    from oscar.core.loading import get_model
    get_model("communication", "CommunicationEventType").objects.create(
        code="ORDER_PLACED", name="Order placed", email_subject_template="Order {{ order.number }}",
        email_body_template="Thanks", email_body_html_template="<p>Thanks</p>")
    _staff(shop)
    url = "/dashboard/comms/ORDER_PLACED/"
    fields = _form(shop, shop.get(url).text())
    fields["email_subject_template"] = "Order {% if %}"
    assert "These fields are rendered using Django's template system." in html.unescape(shop.get(url).text())
    page = html.unescape(shop.post(url, fields).text())
    assert "Unexpected end of expression in if tag" in page
    assert _stored("ORDER_PLACED").email_subject_template == "Order {{ order.number }}"


def test_the_variables_are_described_in_the_admins_language(shop: Shop) -> None:
    _staff(shop)
    page = html.unescape(shop.client.request("GET", "/dashboard/comms/ORO_PAYMENT_RECEIPT_TEMPLATE/",
                                             headers={"Accept-Language": "de-DE,de;q=0.9"}).text())
    described = dict(re.findall(r"<dt><code>\{\{ (\w+) \}\}</code></dt>\s*<dd>([^<]*)</dd>", page))
    assert described["recipient_name"].startswith("Der Name des Kundenbenutzers")
    assert described["pdf_attached"].startswith("Ob die PDF-Datei an diese E-Mail angehängt ist")
    assert described["paid_by"].startswith("Die Adresse des Kollegen, der bezahlt hat")


def test_send_preview_email_mails_the_sample_and_says_so_in_the_admins_language(shop: Shop) -> None:
    from django.core import mail
    _staff(shop)
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    fields = _form(shop, shop.client.request("GET", EDITOR, headers=german).text())
    resp = shop.client.request("POST", EDITOR, headers=german,
                               data={**fields, "send_preview": "1", "preview_email": "admin@shop.test"})
    page = html.unescape(resp.text())
    assert resp.status == 200
    assert "Eine Vorschau-E-Mail wurde an admin@shop.test geschickt" in page  # Oscar's own words, in German
    assert "A preview email has been sent" not in page
    [sent] = [m for m in mail.outbox if m.to == ["admin@shop.test"]]
    assert "INV-0001" in sent.subject


RECEIPT_EDITOR = "/dashboard/comms/ORO_PAYMENT_RECEIPT_TEMPLATE/"


def _previews(page: str) -> list[tuple[str, str]]:
    """Each email of the Preview tab: the heading above it ("" for none) and its table's text."""
    tab = page[page.index('id="email_preview"'):page.index('class="form-actions"', page.index('id="email_preview"'))]
    found = re.findall(r"(?:<h3>([^<]*)</h3></div>\s*)?<table[^>]*data-oro-preview>(.*?)</table>", tab, re.S)
    return [(label, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for label, body in found]


def test_the_payment_receipts_preview_shows_a_payment_for_several_invoices_too(shop: Shop) -> None:
    """The receipt template also writes the receipt of one payment shared across invoices: the
    preview shows it, each invoice with its share and what stays due, after the usual one."""
    _staff(shop)
    editor = shop.get(RECEIPT_EDITOR).text()
    assert "the preview shows each, under what it is" in html.unescape(editor)
    fields = _form(shop, editor)
    page = html.unescape(shop.post(RECEIPT_EDITOR, {**fields, "show_preview": "1"}).text())
    [(one_label, one), (several_label, several)] = _previews(page)
    assert one_label == "Receipt of a payment for one invoice"
    assert "Payment received for invoice INV-0001" in one and "INV-0002" not in one
    assert several_label == "Receipt of one payment for several invoices"
    assert "Payment received for invoices INV-0001, INV-0002, INV-0003" in several  # its subject
    assert "thank you for your payment of $250.00 for invoices INV-0001, INV-0002, INV-0003." in several
    assert re.sub(r" \([^)]*\)", "", several).count("Invoice number:") == 3
    for number, paid, due in (("INV-0001", "$120.00", "$0.00"), ("INV-0002", "$80.00", "$0.00"),
                              ("INV-0003", "$50.00", "$100.00")):
        assert re.search(rf"Invoice number: {number} \([^)]*\) Paid: {re.escape(paid)} Amount due: {re.escape(due)}",
                         several), (number, several)
    assert "What remains due on each invoice is listed above." in several
    assert page.count("<iframe") == 2 and page.count('id="preview_box"') == 1  # each HTML body framed once
    # a template of one kind of email keeps one preview, without a heading
    single = html.unescape(shop.post(EDITOR, {**_form(shop, shop.get(EDITOR).text()), "show_preview": "1"}).text())
    assert [label for label, _ in _previews(single)] == [""]


def test_send_preview_email_of_the_payment_receipt_mails_each_kind(shop: Shop) -> None:
    from django.core import mail
    _staff(shop)
    fields = _form(shop, shop.get(RECEIPT_EDITOR).text())
    shop.post(RECEIPT_EDITOR, {**fields, "send_preview": "1", "preview_email": "editor@shop.test"})
    sent = [m for m in mail.outbox if m.to == ["editor@shop.test"]]
    assert [m.subject for m in sent] == ["Payment received for invoice INV-0001",
                                         "Payment received for invoices INV-0001, INV-0002, INV-0003"]
    assert "$50.00" in sent[1].body and "$100.00" in sent[1].body


def test_the_html_preview_is_the_emails_html_not_its_markup_as_text(shop: Shop) -> None:
    """The page's script writes each frame's text into the frame's document, as Oscar's own
    preview does: the frame holds the HTML itself, so the admin sees the email laid out."""
    _staff(shop)
    page = shop.post(RECEIPT_EDITOR, {**_form(shop, shop.get(RECEIPT_EDITOR).text()), "show_preview": "1"}).text()
    frames = re.findall(r"<iframe[^>]*>(.*?)</iframe>", page, re.S)
    assert len(frames) == 2
    for frame in frames:
        assert frame.startswith("<!doctype html>") and "<p>Hello Sample Buyer,</p>" in frame
        assert "&lt;" not in frame


def test_preview_is_dated_today_in_the_configured_time_zone(shop: Shop, monkeypatch) -> None:
    import datetime as dt
    addon = shop.client.addon
    addon.settings.set("oro_invoices.timezone", "Asia/Tokyo")
    # 23:30 UTC on March 31st: already April 1st in Tokyo
    monkeypatch.setattr(addon.invoices.context, "clock", lambda: dt.datetime(2031, 3, 31, 23, 30, tzinfo=dt.UTC))
    _staff(shop)
    fields = _form(shop, shop.get(EDITOR).text())
    page = html.unescape(shop.post(EDITOR, {**fields, "show_preview": "1"}).text())
    assert "Invoice date: Apr 1, 2031" in page and "Mar 31, 2031" not in page


def test_the_check_before_saving_renders_the_sample_of_the_previews_today(shop: Shop, monkeypatch) -> None:
    """A template that writes something of the day is checked with the sample the preview shows:
    of today in the configured time zone by the add-on's clock, not of the machine's UTC date."""
    import datetime as dt
    addon = shop.client.addon
    addon.settings.set("oro_invoices.timezone", "Asia/Tokyo")
    # 23:30 UTC on March 31st: already April 1st in Tokyo
    monkeypatch.setattr(addon.invoices.context, "clock", lambda: dt.datetime(2031, 3, 31, 23, 30, tzinfo=dt.UTC))
    _staff(shop)
    fields = _form(shop, shop.get(EDITOR).text())
    subject = ("{% if (invoice.invoice_date.year, invoice.invoice_date.month, invoice.invoice_date.day) "
               "!= (2031, 4, 1) %}{{ invoice.total_amount / 0 }}{% endif %}April invoice {{ invoice.display_number }}")
    saved = shop.post(EDITOR, {**fields, "email_subject_template": subject})
    assert saved.status == 302, html.unescape(saved.text())[:2000]
    assert _stored("ORO_INVOICE_NOTIFICATION_TEMPLATE").email_subject_template == subject


def test_preview_is_in_the_shops_language(shop: Shop, monkeypatch) -> None:
    """With German as the shop's (global) locale, the preview is the email a customer gets in
    German: its amounts and dates in German formats, not en_US's."""
    import datetime as dt
    addon = shop.client.addon
    addon.settings.set("oro_invoices.locale", "de_DE")
    monkeypatch.setattr(addon.invoices.context, "clock", lambda: dt.datetime(2031, 3, 31, 12, 0, tzinfo=dt.UTC))
    _staff(shop)
    fields = _form(shop, shop.get(EDITOR).text())
    page = html.unescape(shop.post(EDITOR, {**fields, "show_preview": "1"}).text())
    preview = page[page.index('id="email_preview"'):page.index("</table>", page.index('id="email_preview"'))]
    assert "Rechnungsdatum: 31.03.2031" in preview and "Gesamtbetrag: 120,00\xa0$" in preview
    assert "Mar 31, 2031" not in preview and "$120.00" not in preview


def _preview_of(page: str) -> str:
    start = page.index('id="email_preview"')
    return page[start:page.index("</table>", start)]


def test_preview_is_in_the_locale_chosen_of_those_emails_go_out_in(shop: Shop, monkeypatch) -> None:
    """An organization's customers get their emails in German while the shop's locale is en_US:
    the editor offers both, the shop's first and chosen, and previews the sample in the one chosen
    as the real renderer writes an email in it."""
    import datetime as dt
    addon = shop.client.addon
    addon.settings.set("oro_invoices.locale", "de_DE", "organization", 1)
    monkeypatch.setattr(addon.invoices.context, "clock", lambda: dt.datetime(2031, 3, 31, 12, 0, tzinfo=dt.UTC))
    _staff(shop)
    editor = shop.get(EDITOR).text()
    choice = re.search(r'<select name="preview_locale"[^>]*>(.*?)</select>', editor, re.S)
    assert choice, "the editor has no language choice for its preview"
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', choice.group(1))
    assert [(code, chosen != "", html.unescape(name)) for code, chosen, name in options] == [
        ("en_US", True, "English (United States) (the shop's)"), ("de_DE", False, "German (Germany)")]
    fields = _form(shop, editor)
    english = _preview_of(html.unescape(shop.post(EDITOR, {**fields, "show_preview": "1"}).text()))
    assert "Invoice date: Mar 31, 2031" in english and "$120.00" in english
    german = _preview_of(html.unescape(shop.post(EDITOR, {**fields, "show_preview": "1",
                                                          "preview_locale": "de_DE"}).text()))
    assert "Rechnungsdatum: 31.03.2031" in german and "Gesamtbetrag: 120,00\xa0$" in german
    assert "Mar 31, 2031" not in german and "$120.00" not in german


def test_a_locale_no_email_goes_out_in_is_refused_under_the_choice(shop: Shop) -> None:
    _staff(shop)
    fields = _form(shop, shop.get(EDITOR).text())
    resp = shop.post(EDITOR, {**fields, "show_preview": "1", "preview_locale": "fr_FR"})
    page = html.unescape(resp.text())
    assert resp.status == 200 and "data-oro-preview>" not in page     # no preview, in no language
    field = page[page.index('name="preview_locale"'):]
    assert "Select a valid choice. fr_FR is not one of the available choices." in field[:2000]


def test_a_template_is_checked_in_each_locale_an_email_goes_out_in(shop: Shop, monkeypatch) -> None:
    """A subject that fails only where the date is written the German way is refused before it is
    saved, though the shop's locale is en_US."""
    import datetime as dt
    addon = shop.client.addon
    addon.settings.set("oro_invoices.locale", "de_DE", "organization", 1)
    monkeypatch.setattr(addon.invoices.context, "clock", lambda: dt.datetime(2031, 3, 31, 12, 0, tzinfo=dt.UTC))
    _staff(shop)
    fields = _form(shop, shop.get(EDITOR).text())
    subject = '{% if (invoice.invoice_date | date) == "31.03.2031" %}{{ invoice.total_amount / 0 }}{% endif %}Invoice'
    refused = shop.post(EDITOR, {**fields, "email_subject_template": subject})
    assert refused.status == 200
    assert "(subject)" in html.unescape(refused.text())
    assert _stored("ORO_INVOICE_NOTIFICATION_TEMPLATE").email_subject_template != subject
    addon.settings.set("oro_invoices.locale", "en_US", "organization", 1)
    saved = shop.post(EDITOR, {**fields, "email_subject_template": subject})
    assert saved.status == 302, html.unescape(saved.text())[:2000]


AGING_EDITOR = "/dashboard/comms/ORO_AGING_REPORT_TEMPLATE/"


def _offered(page: str) -> list[str]:
    """The locales the editor's **Preview in** offers, in order."""
    choice = re.search(r'<select name="preview_locale"[^>]*>(.*?)</select>', page, re.S)
    assert choice, "the editor has no language choice for its preview"
    return re.findall(r'<option value="([^"]*)"', choice.group(1))


def test_a_staff_only_template_is_offered_and_checked_in_no_customers_locale(shop: Shop) -> None:
    """The aging report goes to the seller's staff in the organization's or website's locale,
    never a customer's or customer group's: its editor offers and checks it in those only, while
    a customer's email (the invoice notification) is offered and checked in every one."""
    addon = shop.client.addon
    addon.settings.set("oro_invoices.locale", "ja_JP", "organization", 1)
    addon.settings.set("oro_invoices.locale", "de_DE", "customer", 10)
    addon.settings.set("oro_invoices.locale", "fr_FR", "customer_group", 3)
    _staff(shop)
    aging = html.unescape(shop.get(AGING_EDITOR).text())
    assert _offered(aging) == ["en_US", "ja_JP"]
    assert "This email goes to the seller's staff, in the locale set for the website or organization" in aging
    assert _offered(shop.get(EDITOR).text()) == ["en_US", "de_DE", "fr_FR", "ja_JP"]
    # amounts are written with a decimal comma in German and French only
    subject = '{% if "," in (1 | money("USD")) %}{{ 1 / 0 }}{% endif %}Receivables aging'
    saved = shop.post(AGING_EDITOR, {**_form(shop, shop.get(AGING_EDITOR).text()), "email_subject_template": subject})
    assert saved.status == 302, html.unescape(saved.text())[:2000]
    assert _stored("ORO_AGING_REPORT_TEMPLATE").email_subject_template == subject
    refused = shop.post(EDITOR, {**_form(shop, shop.get(EDITOR).text()), "email_subject_template": subject})
    assert refused.status == 200 and "(subject)" in html.unescape(refused.text())
    assert _stored("ORO_INVOICE_NOTIFICATION_TEMPLATE").email_subject_template != subject
