"""A customer whose locale is German, French or Japanese gets the PDF and the email in that
language; any other customer gets English (the PDF read back with pdftotext, the email as the
SMTP server received it)."""
from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default

import pytest
from support.mail import make_app, make_mail
from support.pdfs import pdf_text as read_back

WORDS = {
    # the PDF's headings and payment sentence, the email's subject, greeting and opening
    "de_DE": {"pdf": ["Rechnungsnummer", "Rechnungsdatum", "Fälligkeitsdatum", "Rechnungsempfänger",
                      "Zwischensumme", "Offener Betrag", "Bitte zahlen Sie"],
              "subject": "Rechnung {number} von Acme Supplies GmbH, fällig am",
              "text": ["Guten Tag Bea Buyer,", "anbei erhalten Sie die Rechnung {number} von Acme Supplies GmbH.",
                       "Rechnungsnummer: {number}", "Mit freundlichen Grüßen"]},
    "fr_FR": {"pdf": ["Numéro de facture", "Date de facture", "Date d’échéance", "Facturer à",
                      "Sous-total", "Montant dû", "Veuillez payer"],
              "subject": "Facture {number} de Acme Supplies GmbH, échéance le",
              "text": ["Bonjour Bea Buyer,", "veuillez trouver ci-joint la facture {number} de Acme Supplies GmbH.",
                       "Numéro de facture\u00a0: {number}", "Cordialement,"]},
    "ja_JP": {"pdf": ["請求書番号", "請求日", "支払期日", "請求先", "小計", "未払額"],
              "subject": "Acme Supplies GmbH より 請求書 {number}（支払期日",
              "text": ["Bea Buyer 様", "Acme Supplies GmbH より、請求書 {number} を添付にてお送りします。",
                       "請求書番号： {number}", "よろしくお願いいたします。"]},
    "en_US": {"pdf": ["Invoice number", "Invoice date", "Due date", "Bill to", "Subtotal", "Amount due",
                      "Please pay"],
              "subject": "Invoice {number} from Acme Supplies GmbH, due",
              "text": ["Hello Bea Buyer,", "please find attached invoice {number} from Acme Supplies GmbH.",
                       "Invoice number: {number}", "Kind regards,"]},
}
PAGE = {"de_DE": "Seite 1 von 1", "fr_FR": "Page 1 sur 1", "ja_JP": "1 / 1 ページ", "en_US": "Page 1 of 1"}
ENGLISH_ONLY = ["Invoice number", "Subtotal", "Amount due", "Please pay"]


@pytest.fixture
def app(sqlite_db, tmp_path):
    return make_app(sqlite_db, tmp_path)


def customer_locale(app, locale: str) -> None:
    """The customer's own locale (the setting at customer scope), as a shop would set it."""
    app.settings.set("oro_invoices.locale", locale, "customer", app.payload["customer_id"])


def pdf_text(app, invoice) -> str:
    data = app.invoices.open_pdf(invoice.id)[1].read()
    return read_back(data)


def delivered(app, smtp_server, invoice):
    mail = make_mail(app, smtp_server)
    draft = mail.prepare(invoice.id)
    mail.send(invoice.id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
              attach_pdf=True, actor="admin")
    assert mail.deliver_pending().sent == 1
    return message_from_bytes(smtp_server.handler.received[-1].content, policy=default)


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "ja_JP", "en_US"])
def test_the_pdf_is_in_the_customers_language(app, locale):
    customer_locale(app, locale)
    invoice = app.invoices.post(app.create().id, actor="admin")
    text = " ".join(pdf_text(app, invoice).split()).casefold()   # headings are in capitals
    for word in WORDS[locale]["pdf"] + [PAGE[locale]]:
        assert word.casefold() in text, f"{word!r} missing from the {locale} PDF:\n{text[:1500]}"
    if locale != "en_US":
        assert not [w for w in ENGLISH_ONLY + ["Page 1 of 1"] if w.casefold() in text], text[:1500]


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "ja_JP", "en_US"])
def test_the_email_is_in_the_customers_language(app, smtp_server, locale):
    customer_locale(app, locale)
    invoice = app.invoices.post(app.create().id, actor="admin")
    message = delivered(app, smtp_server, invoice)
    expected = WORDS[locale]
    assert str(message["Subject"]).startswith(expected["subject"].format(number=invoice.invoice_number))
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for line in expected["text"]:
        assert line.format(number=invoice.invoice_number) in text, text
    assert expected["text"][0] in html
    assert f'<html lang="{locale[:2]}">' in html
    if locale != "en_US":
        assert not [w for w in ("Invoice number", "Kind regards", "Hello") if w in text + html]


def test_a_language_without_a_catalog_is_english(app):
    customer_locale(app, "es_ES")
    invoice = app.invoices.post(app.create().id, actor="admin")
    text = " ".join(pdf_text(app, invoice).split()).casefold()
    assert all(word.casefold() in text for word in ENGLISH_ONLY)
    assert make_mail(app).prepare(invoice.id).text.startswith("Hello Bea Buyer,\n")


def test_other_customers_keep_the_organizations_locale(app):
    """The customer's locale applies to that customer only."""
    app.settings.set("oro_invoices.locale", "fr_FR", "customer", app.payload["customer_id"] + 1000)
    invoice = app.invoices.post(app.create().id, actor="admin")
    assert make_mail(app).prepare(invoice.id).subject.startswith(f"Invoice {invoice.invoice_number}")


def test_a_company_name_ending_in_a_full_stop_ends_the_sentence_once(app):
    app.settings.set("oro_invoices.seller.company_name", "Sakura K.K.")
    customer_locale(app, "de_DE")
    invoice = app.invoices.post(app.create().id, actor="admin")
    draft = make_mail(app).prepare(invoice.id)
    assert f"anbei erhalten Sie die Rechnung {invoice.invoice_number} von Sakura K.K.\n" in draft.text
    assert "K.K.." not in draft.text + draft.html


OSAKA = {"name": "田中 博", "organization": "田中製作所", "street": "梅田4-5-6", "city": "大阪市北区",
         "region": "大阪府", "postal_code": "530-0001", "country": "JP"}
HAMBURG = {"street": "Hafenstraße 12", "street2": "Speicher 3", "postal_code": "20457", "city": "Hamburg",
           "country_code": "DE"}
EMAIL_EXPECTED = {
    # the lines' quantities with their units; the billing address and the seller's, each in its
    # country's order with the country named in the reader's language
    "de_DE": {"lines": ["Widget · 3\u00a0Stück · 59,97\u00a0$", "Installation · 1,5\u00a0Stunden · 150,00\u00a0$"],
              "bill_to": ["Rechnungsadresse", "田中 博", "田中製作所", "梅田4-5-6", "大阪市北区, 大阪府 530-0001", "Japan"],
              "seller": ["Hafenstraße 12", "Speicher 3", "20457 Hamburg", "Deutschland"]},
    "ja_JP": {"lines": ["Widget · 3\u00a0個 · $59.97", "Installation · 1.5\u00a0時間 · $150.00"],
              "bill_to": ["請求先住所", "〒530-0001", "大阪府大阪市北区", "梅田4-5-6", "田中製作所", "田中 博", "日本"],
              "seller": ["Hafenstraße 12", "Speicher 3", "20457 Hamburg", "ドイツ"]},
}


@pytest.mark.parametrize("locale", ["de_DE", "ja_JP"])
def test_the_email_shows_units_and_addresses_as_read_in_the_customers_country(app, locale):
    customer_locale(app, locale)
    for key, value in HAMBURG.items():
        app.settings.set(f"oro_invoices.seller.{key}", value)
    invoice = app.invoices.post(app.create(bill_to=OSAKA).id, actor="admin")
    draft = make_mail(app).prepare(invoice.id)
    text_lines = draft.text.splitlines()
    expected = EMAIL_EXPECTED[locale]

    def consecutive(lines: list[str], wanted: list[str]) -> bool:
        return any(lines[i:i + len(wanted)] == wanted for i in range(len(lines)))

    for wanted in expected.values():
        assert consecutive(text_lines, wanted), (wanted, draft.text)
    html = re.sub(r"[ \n]+", " ", draft.html)  # the no-break spaces stay
    for line in expected["lines"]:
        description, quantity, amount = line.split(" · ")
        assert (f'<td>{description}</td><td align="right">{quantity}</td>'
                f'<td align="right">{amount}</td>') in html, html
    assert "<br>".join(expected["bill_to"][1:]) in html, html
    assert ", ".join(expected["seller"]) in html, html
    assert "Hauptstraße 1" not in draft.text + draft.html  # the free text of an older install is not used


def test_a_long_invoice_lists_its_first_twenty_lines_and_counts_the_rest(app):
    customer_locale(app, "de_DE")
    lines = [{"description": f"Part {n}", "sku": f"P-{n}", "unit": "kg", "quantity": "2", "unit_price": "1.00",
              "tax_rate": "0.19"} for n in range(1, 24)]
    invoice = app.invoices.post(app.create(lines=lines).id, actor="admin")
    draft = make_mail(app).prepare(invoice.id)
    assert "Part 20 · 2\u00a0kg · 2,00\u00a0$\n… und 3 weitere Positionen\n" in draft.text, draft.text
    assert "Part 21" not in draft.text + draft.html
    assert '<td colspan="3">… und 3 weitere Positionen</td>' in draft.html


def test_a_customer_groups_locale_applies_to_its_customers_unless_one_has_its_own(app):
    from dataclasses import replace
    customers = app.host.customers.customers
    customer_id = app.payload["customer_id"]
    customers[customer_id] = replace(customers[customer_id], group_id=7)
    app.settings.set("oro_invoices.locale", "fr_FR", "customer_group", 7)
    grouped = app.invoices.post(app.create().id, actor="admin")
    assert "numéro de facture" in " ".join(pdf_text(app, grouped).split()).casefold()
    assert make_mail(app).prepare(grouped.id).subject.startswith(f"Facture {grouped.invoice_number}")
    customer_locale(app, "de_DE")
    own = app.invoices.post(app.create().id, actor="admin")
    assert make_mail(app).prepare(own.id).subject.startswith(f"Rechnung {own.invoice_number}")
    other = app.host.add_customer("Globex", group_id=8)
    elsewhere = app.invoices.post(app.create(customer_id=other.id, customer_user_id=None, order_id=None).id, actor="admin")
    assert make_mail(app).prepare(elsewhere.id).subject.startswith(f"Invoice {elsewhere.invoice_number}")


HEADINGS = {  # the longest words of the statement's and the account activity's column headings
    "de_DE": ["Rechnungsnummer", "Rechnungsdatum", "Fälligkeitsdatum", "überfällig", "Gesamtbetrag",
              "gutgeschrieben", "Belastungen", "Gutschriften", "Kontostand"],
    "fr_FR": ["Numéro", "d’échéance", "retard", "crédité", "Débits", "Crédits"],
    "ja_JP": ["請求書番号", "超過日数", "支払済み", "クレジット済み", "請求額", "入金・減額"],
    "en_US": ["number", "overdue", "credited", "Charges", "Credits", "Balance"],
}


@pytest.mark.parametrize("locale", list(HEADINGS))
def test_the_statements_column_headings_are_whole_words_in_the_customers_language(app, locale):
    """A heading longer than its column in some language ("Fälligkeitsdatum") is neither
    hyphenated nor broken inside a Japanese word: each column is as wide as its longest word."""
    customer_locale(app, locale)
    invoice = app.invoices.post(app.create().id, actor="admin")
    customer = invoice.customer_id
    statement = read_back(app.invoices.statement_pdf(app.invoices.statement_of(customer)))
    activity = read_back(app.invoices.activity_pdf(app.invoices.activity_statement(
        customer, start=invoice.invoice_date, end=invoice.invoice_date)))
    text = " ".join((statement + activity).split())
    missing = [word for word in HEADINGS[locale] if word not in text]
    assert not missing, f"{missing} not whole in the {locale} statements:\n{text[:2500]}"
