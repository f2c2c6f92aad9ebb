"""Account > Invoices sorted by Total: only while every invoice listed is in one currency, since
amounts in different currencies do not compare (¥10,000 is not more than $500)."""
from __future__ import annotations

import datetime as dt
import re

from support.list_pages import ROLES, customer

from oro_invoices.hosts.reference.testing import text_of

URL = "/customer/invoices"
DROPPED = ("These invoices are in several currencies, whose amounts do not compare, so they are sorted by "
           "Invoice Date (newest first) instead of Total.")


def shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)">', html)]


def total_is_a_sort_link(html: str) -> bool:
    return bool(re.search(r'<a class="oi-sort" href="[^"]*sort=-?total_amount[^"]*">Total</a>', html))


def add_invoice(shop, currency: str, unit_price: str) -> int:
    """A posted invoice of Acme, bought by its corporate user, in ``currency``."""
    app, info = shop
    service = app.extensions["oro_invoices"].service
    user = next(u for u in info["customer_users"] if u["email"] == ROLES["corporate"])
    acme = next(c for c in info["customers"] if c["name"] == "Acme Industries AG")
    [website, *_] = next(o["websites"] for o in info["organizations"] if o["id"] == acme["organization_id"])
    day = dt.date.today() - dt.timedelta(days=400)          # older than the others: never first by date
    doc = service.create({
        "external_id": f"TOTAL-{currency}", "invoice_date": day.isoformat(),
        "due_date": (day + dt.timedelta(days=30)).isoformat(), "currency": currency,
        "bill_to": {"name": "Accounts Payable", "street": "Industriestraße 5", "city": "Stuttgart",
                    "postal_code": "70565", "country": "DE"},
        "organization_id": acme["organization_id"], "customer_id": acme["id"], "customer_user_id": user["id"],
        "website_id": website,
        "lines": [{"description": "Bolts", "quantity": "1", "unit_price": unit_price, "tax_rate": "0"}],
    }, actor="test")
    return service.post(doc.id, actor="test").id


def test_invoices_all_in_one_currency_sort_by_total(shop):
    client = customer(shop, ROLES["corporate"])
    big = add_invoice(shop, "EUR", "99999.00")
    listed = client.get(URL).get_data(as_text=True)
    assert total_is_a_sort_link(listed) and DROPPED not in text_of(listed)
    resp = client.get(URL + "?sort=-total_amount")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and DROPPED not in text_of(html)
    assert shown(html)[0] == big
    totals = [client.service.get(i).total_amount for i in shown(html)]
    assert totals == sorted(totals, reverse=True)


def test_invoices_in_several_currencies_offer_no_total_sort_and_refuse_it_saying_why(shop):
    client = customer(shop, ROLES["corporate"])
    add_invoice(shop, "JPY", "10000")
    by_date = client.get(URL).get_data(as_text=True)
    assert not total_is_a_sort_link(by_date) and ">Total</th>" in by_date
    resp = client.get(URL + "?sort=-total_amount")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and DROPPED in text_of(html)
    assert shown(html) == shown(by_date)                              # newest first, as by default
    assert 'name="sort" value="-invoice_date"' in html               # the filter form sends that on
    # filtered to one currency's invoices (credit notes have none here): Total sorts them again
    one = client.get(URL + "?sort=-total_amount&date_from=" + (dt.date.today() - dt.timedelta(days=100)).isoformat())
    assert DROPPED not in text_of(one.get_data(as_text=True))


def test_download_pdfs_by_total_is_refused_while_the_invoices_are_in_several_currencies(shop):
    client = customer(shop, ROLES["corporate"])
    assert client.get(URL + "/download-pdfs.zip?sort=-total_amount").status_code == 200     # all in EUR
    add_invoice(shop, "JPY", "10000")
    refused = client.get(URL + "/download-pdfs.zip?sort=-total_amount")
    assert refused.status_code == 422 and refused.content_type != "application/zip"
    assert ("These invoices are in several currencies, whose amounts do not compare: they cannot be sorted by "
            "Total.") in text_of(refused.get_data(as_text=True))
    assert client.get(URL + "/download-pdfs.zip?sort=-invoice_date").status_code == 200


def test_a_filtered_list_in_several_currencies_refuses_total_within_the_statement_budget(shop):
    """Filtered, the list cannot tell its rows' currencies before reading them: the page by
    Total is read with the first page by Invoice Date, which it shows without reading again."""
    from support.statements import statements_sent

    client = customer(shop, ROLES["corporate"])
    add_invoice(shop, "JPY", "10000")
    since = "&date_from=" + (dt.date.today() - dt.timedelta(days=1000)).isoformat()
    by_date = client.get(URL + "?sort=-invoice_date" + since).get_data(as_text=True)
    for query in ("?sort=-total_amount" + since, "?sort=total_amount&document_type=invoice" + since):
        assert client.get(URL + query).status_code == 200                    # as a page read before
        with statements_sent(client.app) as sent:
            resp = client.get(URL + query)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and DROPPED in text_of(html), query
        assert len(sent) <= 8, f"{query}: {len(sent)} statements"
    assert shown(client.get(URL + "?sort=-total_amount" + since).get_data(as_text=True)) == shown(by_date)
    # in one currency, the same filter sorts by Total, in as many statements as by date
    one = URL + "?date_from=" + (dt.date.today() - dt.timedelta(days=100)).isoformat()
    client.get(one + "&sort=-total_amount")
    with statements_sent(client.app) as by_total:
        html = client.get(one + "&sort=-total_amount").get_data(as_text=True)
    with statements_sent(client.app) as dated:
        client.get(one + "&sort=-invoice_date")
    assert DROPPED not in text_of(html) and len(by_total) == len(dated) <= 8
    totals = [client.service.get(i).total_amount for i in shown(html)]
    assert totals == sorted(totals, reverse=True)
