"""Account > Invoices > Account activity in the reference shop: the activity statement of the
invoices the customer user's role shows, for a period, its CSV, and its PDF where PDF download is on."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from babel.dates import format_date
from support.days import days_ago, shown, today
from support.list_pages import ROLES, customer
from support.pdfs import pdf_words

from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.integration.config import Settings

PAGE = "/customer/invoices/activity"
#: A year back: from before the seeded shop's first invoice, dated 40 days back.
YEAR = f"from={days_ago(365)}"


def entries(page: str, currency: str = "EUR") -> list[tuple[str, int | None, str]]:
    """Each row of the currency's table: its kind, its invoice and its balance."""
    body = page.split(f'id="oi-activity-{currency}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [(kind, int(invoice) if invoice else None, text_of(re.search(r"data-balance>(.*?)</td>", cells, re.S).group(1)))
            for kind, invoice, cells in re.findall(
                r'<tr data-oi-line="([a-z_]+)"(?: data-invoice-id="(\d+)")?>(.*?)</tr>', body, re.S)]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_activity_shows_the_invoices_the_users_role_shows(shop, role):
    client = customer(shop, ROLES[role])
    listed = client.get("/customer/invoices?per_page=100").get_data(as_text=True)
    assert f'id="oi-account-activity" href="{PAGE}"' in listed
    visible = {int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)">', listed)}
    resp = client.get(f"{PAGE}?{YEAR}")
    assert resp.status_code == 200
    rows = entries(resp.get_data(as_text=True))
    assert rows[0][0] == "opening" and rows[0][2] == "€0.00"
    shown = {invoice for kind, invoice, _ in rows if kind in ("invoice", "credit_note")}
    service = client.service
    euros = {i for i in visible if service.get(i).currency == "EUR"}
    assert shown == euros, role                                   # exactly the EUR invoices the list shows
    balance = Decimal(rows[-1][2].replace("€", "").replace(",", ""))
    open_due = sum((service.get(i).amount_due for i in euros if not service.get(i).is_credit_note), Decimal(0))
    assert balance == open_due, role


def test_a_bad_period_is_said_and_the_pdf_follows_the_download_setting(shop):
    client = customer(shop, ROLES["department"])
    bad = client.get(f"{PAGE}?from=2026-12-01&to=2026-11-01")
    assert bad.status_code == 422
    assert re.search(r'data-oi-error="to">The period ends before it starts.<', bad.get_data(as_text=True))
    period = f"from={days_ago(60)}&to={today()}"
    page = client.get(f"{PAGE}?{period}").get_data(as_text=True)
    assert f'name="to" value="{today()}" max="{today()}"' in page          # the date picker stops at today
    link = unescape(re.search(r'id="oi-activity-pdf" href="([^"]+)"', page).group(1))
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.content_type == "application/pdf"
    assert "Account activity" in pdf_words(pdf.get_data()) and "Opening balance" in pdf_words(pdf.get_data())
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.storefront_pdf_download", False)
    page = client.get(f"{PAGE}?{period}").get_data(as_text=True)
    assert 'id="oi-activity-pdf"' not in page and client.get(link).status_code == 404


def test_an_admin_or_a_visitor_gets_no_customers_activity(shop, admin):
    from oro_invoices.hosts.reference.testing import ShopClient
    anonymous = ShopClient(shop[0]).get(PAGE)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert admin.get(PAGE).status_code in (302, 403)


def test_a_corporate_user_sees_whose_each_entry_is(shop):
    corporate = customer(shop, ROLES["corporate"]).get(f"{PAGE}?{YEAR}").get_data(as_text=True)
    branch = re.findall(r'<tr data-oi-line="invoice"[^>]*>(.*?)</tr>', corporate, re.S)
    names = {text_of(name) for cells in branch for name in re.findall(r"data-oi-customer>(.*?)</div>", cells, re.S)}
    assert names == {"Acme Industries AG", "Acme Industries – Berlin Branch"}
    department = customer(shop, ROLES["department"]).get(f"{PAGE}?{YEAR}").get_data(as_text=True)
    assert "data-oi-customer" not in department                  # one customer: nothing to tell apart


@pytest.mark.parametrize("language, start, end", [("ja", "開始日", "終了日"), ("de-DE", "Datum von", "Datum bis"),
                                                  ("fr-FR", "Date du", "Date au"), ("en", "Date from", "Date to")])
def test_the_period_is_labelled_as_the_days_it_runs_between(shop, admin, language, start, end):
    """The period's fields are a range of days, not an email's sender and recipient (差出人/宛先,
    Von/An): on the customer's activity page and the back-office's."""
    headers = {"Accept-Language": language}
    pages = {"customer": customer(shop, ROLES["department"]).get(PAGE, headers=headers).get_data(as_text=True)}
    acme = admin.service.get(admin.service.find_id(external_id="ERP-SO-1001-1")).customer_id
    pages["admin"] = admin.get(f"/admin/invoices/statement/activity?customer={acme}", headers=headers).get_data(
        as_text=True)
    for who, page in pages.items():
        labels = (re.search(r'<label for="f-from">(.*?)</label>', page).group(1),
                  re.search(r'<label for="f-to">(.*?)</label>', page).group(1))
        assert labels == (start, end), who



CSV_HEADER = "currency,date,kind,entry,number,reference,charges,credits,balance"
#: A year back to today: every entry the seeded shop has.
YEAR_TO_TODAY = f"{YEAR}&to={today()}"


def csv_rows(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    text = resp.get_data(as_text=True)
    assert text.splitlines()[0] == CSV_HEADER
    return list(csv.DictReader(io.StringIO(text)))


def amount(text: str) -> Decimal:
    """A balance as the English page writes it ("€1,234.50", "-€5.00") or as the CSV does."""
    return Decimal(text.replace("€", "").replace(",", ""))


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_csv_is_the_activity_the_page_shows_and_no_one_elses(shop, role):
    client = customer(shop, ROLES[role])
    page = client.get(f"{PAGE}?{YEAR_TO_TODAY}").get_data(as_text=True)
    link = unescape(re.search(r'id="oi-activity-csv" href="([^"]+)"', page).group(1))
    assert link == f"{PAGE}.csv?{YEAR_TO_TODAY}"
    resp = client.get(link)
    acme = client.service.get(client.service.find_id(external_id="ERP-SO-1002-2")).customer_id
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="activity-{acme}-{days_ago(365)}-{today()}.csv"')
    assert resp.headers["Cache-Control"] == "private, no-store"
    rows = csv_rows(resp)
    service = client.service
    shown = entries(page)
    eur = [row for row in rows if row["currency"] == "EUR"]
    assert [row["kind"] for row in eur] == ["opening_balance", *(kind for kind, _i, _b in shown[1:]), "closing_balance"]
    assert [row["number"] for row in eur[1:-1]] == [service.get(i).invoice_number if i else "" for _k, i, _b in shown[1:]]
    assert [Decimal(row["balance"]) for row in eur[:-1]] == [amount(balance) for _k, _i, balance in shown], role
    assert eur[-1]["balance"] == eur[-2]["balance"]                       # the closing row: the last balance
    listed = client.get("/customer/invoices?per_page=100").get_data(as_text=True)
    visible = {service.get(int(i)).invoice_number for i in re.findall(r'<tr data-invoice-id="(\d+)">', listed)}
    everyone = {item.invoice_number for item in service.list_invoices({}, limit=500).items if item.invoice_number}
    numbers = {row["number"] for row in rows if row["number"]}
    assert numbers and numbers <= visible
    assert everyone - visible and not numbers & (everyone - visible), role


@pytest.mark.parametrize("download", [".csv", ".pdf"])
def test_a_bad_period_download_shows_the_form_saying_why(shop, download):
    client = customer(shop, ROLES["own"])
    for query, field, said in (("from=2026-12-01&to=2026-11-01", "to", "The period ends before it starts."),
                               ("from=yesterday", "from", "Enter the first day of the period as YYYY-MM-DD."),
                               (f"from={days_ago(365 * 4)}&to={today()}", "to",
                                "A statement covers at most three years.")):
        resp = client.get(f"{PAGE}{download}?{query}")
        assert resp.status_code == 422 and resp.content_type.startswith("text/html"), query
        assert re.search(rf'data-oi-error="{field}">{re.escape(said)}<', resp.get_data(as_text=True)), query
        assert "oi-activity-csv" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("language, opening, invoice, closing", [
    ("de", "Anfangssaldo", "Rechnung {number}", "Endsaldo"),
    ("ja", "期首残高", "請求書 {number}", "期末残高"),
])
def test_the_csv_is_in_the_storefronts_language(shop, language, opening, invoice, closing):
    client = customer(shop, ROLES["department"])
    headers = {"Accept-Language": language}
    page = client.get(f"{PAGE}?{YEAR_TO_TODAY}", headers=headers).get_data(as_text=True)
    assert f'<html lang="{language}"' in page
    rows = csv_rows(client.get(f"{PAGE}.csv?{YEAR_TO_TODAY}", headers=headers))
    assert (rows[0]["entry"], rows[-1]["entry"]) == (opening, closing)
    invoices = [row for row in rows if row["kind"] == "invoice"]
    assert invoices and all(row["entry"] == invoice.format(number=row["number"]) for row in invoices)
    english = csv_rows(client.get(f"{PAGE}.csv?{YEAR_TO_TODAY}", headers={"Accept-Language": "en"}))
    assert [(r["kind"], r["number"], r["balance"]) for r in rows] == \
        [(r["kind"], r["number"], r["balance"]) for r in english]          # the same figures, other words
    assert english[0]["entry"] == "Opening balance"


def test_a_visitor_or_an_admin_gets_no_customers_csv(shop, admin):
    from oro_invoices.hosts.reference.testing import ShopClient
    anonymous = ShopClient(shop[0]).get(f"{PAGE}.csv")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert admin.get(f"{PAGE}.csv").status_code in (302, 403)


def test_the_csv_is_offered_whatever_the_pdf_download_setting(shop):
    client = customer(shop, ROLES["department"])
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.storefront_pdf_download", False)
    page = client.get(f"{PAGE}?{YEAR_TO_TODAY}").get_data(as_text=True)
    assert 'id="oi-activity-pdf"' not in page and 'id="oi-activity-csv"' in page
    assert csv_rows(client.get(f"{PAGE}.csv?{YEAR_TO_TODAY}"))[0]["kind"] == "opening_balance"


@pytest.mark.parametrize("download", ["", ".csv", ".pdf"])
def test_a_period_reaching_into_the_future_is_refused_saying_so(shop, download):
    """A customer's account has no activity to come: a day after today, picked or typed, is
    refused beside its field (422), on the page and its downloads alike."""
    client = customer(shop, ROLES["department"])
    tomorrow, later = days_ago(-1), days_ago(-30)
    for query, fields in ((f"from={days_ago(30)}&to={tomorrow}", {"to": "end"}),
                          (f"from={tomorrow}&to={later}", {"from": "start", "to": "end"})):
        resp = client.get(f"{PAGE}{download}?{query}")
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422 and resp.content_type.startswith("text/html"), query
        for field, word in fields.items():
            said = f"Choose a day up to today ({shown(today())}): the period cannot {word} in the future."
            assert re.search(rf'data-oi-error="{field}">{re.escape(said)}<', page), (query, field)
        assert "oi-activity-csv" not in page and 'id="oi-activity-EUR"' not in page
    assert client.get(f"{PAGE}?from={days_ago(30)}&to={today()}").status_code == 200     # up to today: shown


@pytest.mark.parametrize("language, written", [("fr-FR", format_date(today(), "medium", locale="fr")),
                                                ("ja", format_date(today(), "medium", locale="ja"))])
def test_the_future_day_refused_is_today_written_as_the_pages_language_writes_days(shop, language, written):
    """"Up to today (…)" names today as the rest of the page writes a day (6 déc. 2026, 2026/12/06),
    not as the ISO day the API reads."""
    page = customer(shop, ROLES["department"]).get(f"{PAGE}?from={days_ago(30)}&to={days_ago(-1)}",
                                                   headers={"Accept-Language": language}).get_data(as_text=True)
    said = unescape(re.search(r'data-oi-error="to">(.*?)<', page).group(1))
    assert written in said and today().isoformat() not in said, said


def test_a_refused_period_is_said_in_the_title_and_listed_above_the_form_linking_to_its_fields(shop):
    """A screen reader hears "Error:" first on the page that refused the period, and the summary above
    the form names each field with what is wrong, linking to it; a good period has neither."""
    client = customer(shop, ROLES["department"])
    resp = client.get(f"{PAGE}?from=xx&to={days_ago(-1)}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r"<title>Error: Account activity\b", page)
    summary = page.split('id="oi-error-summary" role="alert">')[1].split("</div>")[0]
    assert [(href, text_of(said)) for href, said in re.findall(r'<a href="#([\w-]+)">(.*?)</a>', summary, re.S)] == [
        ("f-from", "Date from: Enter the first day of the period as YYYY-MM-DD."),
        ("f-to", f"Date to: Choose a day up to today ({shown(today())}): the period cannot end in the future.")]
    assert 'id="f-from"' in page and 'id="f-to"' in page
    good = client.get(f"{PAGE}?{YEAR}").get_data(as_text=True)
    assert "oi-error-summary" not in good and re.search(r"<title>Account activity\b", good)
