"""Storefront invoices: visibility by invoice role, drafts hidden, downloads, the guest payment page."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from support.list_pages import inline_error, link, pager_text

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings


def customer(shop, email: str) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_customer(email)
    return client


def listed(client: ShopClient, query: str = "") -> list[str]:
    html = client.get("/customer/invoices" + query).get_data(as_text=True)
    return re.findall(r'<tr data-invoice-id="\d+">\s*<td><a [^>]*>([^<]+)</a>', html)


def numbers(client: ShopClient, *external_ids: str) -> set[str]:
    return {client.service.get(client.service.find_id(external_id=e)).invoice_number
            for e in external_ids}


# external ids of the seeded posted invoices, by customer
ACME = ("ERP-SO-1001-1", "ERP-SO-1002-2", "ERP-SO-1003-3")
ACME_BERLIN = ("ERP-SO-1005-5",)
CARLA_OWN = ("ERP-SO-1003-3",)


@pytest.mark.parametrize("email,expected", [
    ("amanda.cole@acme.example", ACME + ACME_BERLIN),          # corporate: customer + sub-customer
    ("ben.ortiz@acme.example", ACME),                           # department: the customer
    ("carla.nguyen@acme.example", CARLA_OWN),                   # own: only hers
    ("dieter.berg@acme.example", ACME_BERLIN),                  # own, at the sub-customer
    ("gina.park@globex.example", ("ERP-SO-1007-7", "ERP-SO-1008-8")),
])
def test_each_role_sees_exactly_its_invoices(shop, email, expected):
    client = customer(shop, email)
    assert set(listed(client)) == numbers(client, *expected)
    assert len(listed(client)) == len(expected)


def test_role_none_sees_nothing(shop):
    client = customer(shop, "no.access@acme.example")
    resp = client.get("/customer/invoices")
    assert resp.status_code == 403
    assert "Access denied" in text_of(resp.get_data(as_text=True))
    account = client.get("/customer/account").get_data(as_text=True)
    assert 'data-menu-key="oro_invoices.account_invoices"' not in account


def test_account_menu_has_invoices(shop):
    account = customer(shop, "ben.ortiz@acme.example").get("/customer/account").get_data(as_text=True)
    assert re.search(r'data-menu-key="oro_invoices.account_invoices"[^>]*>Invoices</a>', account)


def test_drafts_are_invisible(shop):
    client = customer(shop, "carla.nguyen@acme.example")
    draft = client.service.find_id(external_id="ERP-SO-1004-4")  # Carla's own draft
    assert not any(n.startswith("Draft") for n in listed(client))
    assert client.get(f"/customer/invoices/{draft}").status_code == 404


def test_another_customers_invoice_is_not_found(shop):
    client = customer(shop, "ben.ortiz@acme.example")
    globex = client.service.find_id(external_id="ERP-SO-1007-7")
    berlin = client.service.find_id(external_id="ERP-SO-1005-5")  # sub-customer: not department's
    for inv in (globex, berlin):
        resp = client.get(f"/customer/invoices/{inv}")
        assert resp.status_code == 404
        assert "Page not found" in text_of(resp.get_data(as_text=True))
        assert client.get(f"/customer/invoices/{inv}/download").status_code == 404
    carla = customer(shop, "carla.nguyen@acme.example")
    bens = carla.service.find_id(external_id="ERP-SO-1002-2")    # own: a colleague's invoice
    assert carla.get(f"/customer/invoices/{bens}").status_code == 404


def test_filters(shop):
    client = customer(shop, "amanda.cole@acme.example")
    assert listed(client, "?payment_status=paid_in_full") == sorted(numbers(client, "ERP-SO-1001-1"))
    assert listed(client, "?payment_status=paid_partially") == sorted(numbers(client, "ERP-SO-1002-2"))
    one = sorted(numbers(client, "ERP-SO-1005-5"))[0]
    assert listed(client, "?number=" + one[-5:]) == [one]
    doc = client.service.get(client.service.find_id(external_id="ERP-SO-1003-3"))
    day = doc.invoice_date.isoformat()
    assert listed(client, f"?date_from={day}&date_to={day}") == [doc.invoice_number]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("?date_from=2026-02-31&payment_status=paid_partially", "date_from", "'2026-02-31' is not a date"),
    # a long value is quoted by its first 40 characters, not echoed whole
    (f"?date_to={'9' * 3000}&payment_status=paid_partially", "date_to", f"'{'9' * 40}…' is not a date"),
    ("?overdue=maybe&payment_status=paid_partially", "overdue", "Use Yes or No."),
    ("?number=INV%00&payment_status=paid_partially", "number", "Must not contain NUL"),
    ("?number=" + "7" * 65 + "&payment_status=paid_partially", "number",
     "Give at most 64 characters of the invoice or PO number."),
    ("?sort=bogus&payment_status=paid_partially", "sort", "Cannot sort by 'bogus'; use one of Invoice Number, "
     "Invoice Date, Customer, Due Date, Total, or Payment Status."),
])
def test_a_bad_filter_is_said_next_to_its_field_over_the_list_of_the_others(shop, query, field, message):
    client = customer(shop, "amanda.cole@acme.example")
    assert message in inline_error(client.get("/customer/invoices" + query), field)
    assert listed(client, query) == sorted(numbers(client, "ERP-SO-1002-2"))  # the valid filter applies


def test_the_number_field_takes_what_an_invoice_number_can_be_and_a_longer_one_is_not_echoed(shop):
    client = customer(shop, "amanda.cole@acme.example")
    page = client.get("/customer/invoices").get_data(as_text=True)
    assert re.search(r'<input type="text" id="f-number" name="number" value="" maxlength="64"', page)
    resp = client.get("/customer/invoices?number=" + "INV" * 1000)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "INVINV" not in page
    assert "Invoice or PO Number: Give at most 64 characters of the invoice or PO number." in text_of(page)


def test_refused_filters_are_said_in_the_title_and_listed_above_the_form_linking_to_their_fields(shop):
    """A screen reader hears "Error:" first on a list that refused its filters, and the summary above
    the filters names each refused field with what is wrong, linking to it."""
    client = customer(shop, "amanda.cole@acme.example")
    resp = client.get("/customer/invoices?date_to=2026-02-31&overdue=maybe&sort=bogus")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and re.search(r"<title>Error: Invoices\b", page)
    summary = page.split('id="oi-error-summary" role="alert">')[1].split("</div>")[0]
    links = [(href, text_of(said)) for href, said in re.findall(r'<a href="#([\w-]+)">(.*?)</a>', summary, re.S)]
    assert links[:2] == [("f-date-to", "Invoice Date to: '2026-02-31' is not a date (use YYYY-MM-DD)."),
                         ("f-overdue", "Overdue: Use Yes or No.")]
    assert links[2][0] == "f-error-sort" and links[2][1].startswith("Cannot sort by 'bogus'")
    for target, _said in links:
        assert f'id="{target}"' in page
    good = client.get("/customer/invoices").get_data(as_text=True)
    assert "oi-error-summary" not in good and re.search(r"<title>Invoices\b", good)


def test_view_page_links_the_order_and_offers_download(shop):
    client = customer(shop, "ben.ortiz@acme.example")
    inv = client.service.find_id(external_id="ERP-SO-1002-2")
    html = client.get(f"/customer/invoices/{inv}").get_data(as_text=True)
    text = text_of(html)
    doc = client.service.get(inv)
    assert f"Invoice {doc.invoice_number}" in text and "Paid partially" in text
    assert re.search(r'href="/customer/orders/\d+">SO-1002</a>', html)
    assert "Download" in text and "Pay" in text
    pdf = client.get(f"/customer/invoices/{inv}/download")
    assert pdf.status_code == 200 and pdf.data == client.service.storage.read(doc.pdf.sha256)


def test_download_follows_its_setting(shop):
    Settings(shop[0].extensions["oro_reference_host"].config).set(
        "oro_invoices.storefront_pdf_download", False)
    client = customer(shop, "ben.ortiz@acme.example")
    inv = client.service.find_id(external_id="ERP-SO-1002-2")
    assert "Download" not in text_of(client.get(f"/customer/invoices/{inv}").get_data(as_text=True))
    assert client.get(f"/customer/invoices/{inv}/download").status_code == 404


def test_storefront_switched_off_for_one_customer(shop):
    host = shop[0].extensions["oro_reference_host"]
    acme = next(c for c in shop[1]["customers"] if c["name"] == "Acme Industries AG")
    Settings(host.config).set("oro_invoices.storefront_enabled", False, "customer", acme["id"])
    assert customer(shop, "ben.ortiz@acme.example").get("/customer/invoices").status_code == 404
    assert customer(shop, "gina.park@globex.example").get("/customer/invoices").status_code == 200


def test_anonymous_is_sent_to_sign_in(shop):
    resp = ShopClient(shop[0]).get("/customer/invoices")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/customer/login?next=/customer/invoices")


def test_guest_payment_page(shop):
    client = ShopClient(shop[0])                                  # nobody logged in
    doc = client.service.get(client.service.find_id(external_id="ERP-SO-1002-2"))
    html = client.get(f"/invoices/pay/{doc.payment_token}").get_data(as_text=True)
    text = text_of(html)
    assert f"Payment - Invoice #{doc.invoice_number}" in text
    # payments are off: said once, then how to pay anyway
    assert f"Invoice #{doc.invoice_number} cannot be paid online. To pay it another way, contact the seller." in text
    assert "Online payment is not available" not in text
    assert "billing@northwind.example" in text
    assert client.get("/invoices/pay/not-a-real-token-at-all").status_code == 404


def test_guest_payment_page_with_external_url_asks_first(shop):
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    settings.set("oro_invoices.payments_enabled", True)
    settings.set("oro_invoices.payment_method", "oropay")
    client = ShopClient(shop[0])
    doc = client.service.get(client.service.find_id(external_id="ERP-SO-1007-7"))
    page = client.get(f"/invoices/pay/{doc.payment_token}").get_data(as_text=True)
    assert doc.external_payment_url not in page                   # not before confirming
    confirm = client.get(f"/invoices/pay/{doc.payment_token}?confirm=1").get_data(as_text=True)
    assert "You are leaving this site to pay at pay.example.com" in text_of(confirm)
    assert f'href="{doc.external_payment_url}"' in confirm


def test_guest_payment_page_of_paid_invoice_and_of_a_draft(shop):
    client = ShopClient(shop[0])
    paid = client.service.get(client.service.find_id(external_id="ERP-SO-1001-1"))
    text = text_of(client.get(f"/invoices/pay/{paid.payment_token}").get_data(as_text=True))
    assert f"Invoice #{paid.invoice_number} is paid. Nothing is due on this invoice." in text
    draft = client.service.get(client.service.find_id(external_id="ERP-SO-1004-4"))
    assert client.get(f"/invoices/pay/{draft.payment_token}").status_code == 404
    note = client.service.create_credit_note(paid.id, {"lines": [{"line": 1, "quantity": "1"}], "settlement": "outside"},
                                             actor="admin")
    credit = note.credit_note
    page = client.get(f"/invoices/pay/{credit.payment_token}").get_data(as_text=True)
    text = text_of(page)
    assert (f"Credit note #{credit.invoice_number} is not paid: it lowers what is due on the invoice it "
            "corrects.") in text
    assert f"<h1>Credit note {credit.invoice_number}</h1>" in page       # titled as what it is, not "Payment"
    assert re.search(rf"<title>Credit note {credit.invoice_number} ·", page)
    assert "Payment - Invoice" not in text


def test_the_list_filters_invoices_from_credit_notes(shop):
    client = customer(shop, "amanda.cole@acme.example")
    paid = client.service.get(client.service.find_id(external_id="ERP-SO-1001-1"))
    credit = client.service.create_credit_note(paid.id, {"lines": [{"line": 1, "quantity": "1"}],
                                                         "settlement": "outside"}, actor="admin").credit_note

    def numbers(query: str) -> list[str]:
        html = client.get("/customer/invoices" + query).get_data(as_text=True)
        return re.findall(r'<tr data-invoice-id="\d+">\s*<td><a [^>]*>([^<]+)</a>', html)

    everything = numbers("")
    assert credit.invoice_number in everything and paid.invoice_number in everything
    assert numbers("?document_type=credit_note") == [credit.invoice_number]
    assert sorted(numbers("?document_type=invoice")) == sorted(n for n in everything if n != credit.invoice_number)
    page = client.get("/customer/invoices?document_type=credit_note").get_data(as_text=True)
    assert '<option value="credit_note" selected>Credit note</option>' in page
    assert "1 credit note · Page 1 of 1" in text_of(page)          # the pager counts what is listed
    invoices = numbers("?document_type=invoice")
    assert f"{len(invoices)} invoices · Page 1 of 1" in text_of(
        client.get("/customer/invoices?document_type=invoice").get_data(as_text=True))
    none = client.get(f"/customer/invoices?document_type=credit_note&number={paid.invoice_number}")
    assert "No credit notes found." in text_of(none.get_data(as_text=True))
    # a credit note shows no payment status in the list, so no status filter lists it
    status = client.service.get(credit.id).payment_status.value
    assert credit.invoice_number not in numbers(f"?payment_status={status}")
    wrong = client.get("/customer/invoices?document_type=receipt")
    assert wrong.status_code == 422                                   # said beside the field, as any bad filter
    assert "Use Invoice or Credit note." in text_of(wrong.get_data(as_text=True))


def test_corporate_list_pages_forward_and_back_in_date_order(shop):
    shop[0].extensions["oro_invoices"].ctx.page_size = 1
    client = customer(shop, "amanda.cole@acme.example")
    expected = [client.service.get(client.service.find_id(external_id=e))
                for e in ACME + ACME_BERLIN]
    expected = [d.invoice_number for d in sorted(expected, key=lambda d: (d.invoice_date, d.id),
                                                 reverse=True)]
    html = client.get("/customer/invoices").get_data(as_text=True)
    pages = [re.findall(r'<tr data-invoice-id="\d+">\s*<td><a [^>]*>([^<]+)</a>', html)]
    links = []
    while (nxt := re.search(r'rel="next" href="(\?[^"]*)"', html)):
        links.append(nxt.group(1).replace("&amp;", "&"))
        html = client.get("/customer/invoices" + links[-1]).get_data(as_text=True)
        pages.append(re.findall(r'<tr data-invoice-id="\d+">\s*<td><a [^>]*>([^<]+)</a>', html))
    assert [n for p in pages for n in p] == expected
    back = re.search(r'rel="prev" href="(\?[^"]*)"', html).group(1).replace("&amp;", "&")
    html = client.get("/customer/invoices" + back).get_data(as_text=True)
    assert re.findall(r'<tr data-invoice-id="\d+">\s*<td><a [^>]*>([^<]+)</a>', html) == [expected[-2]]


def test_the_page_size_is_chosen_from_the_list_and_kept_while_paging(shop):
    shop[0].extensions["oro_invoices"].ctx.page_size = 3
    client = customer(shop, "amanda.cole@acme.example")
    assert len(listed(client)) == 3
    html = client.get("/customer/invoices?per_page=10").get_data(as_text=True)
    assert len(listed(client, "?per_page=10")) == 4 and '<option value="10" selected>' in html
    assert 'rel="next"' not in html
    refused = client.get("/customer/invoices?per_page=7")
    assert "Show 3, 10, 25, 50, 100 rows per page." in inline_error(refused, "per_page")
    assert len(listed(client, "?per_page=7")) == 3                 # at the default size
    html = client.get("/customer/invoices?per_page=3").get_data(as_text=True)
    after = re.search(r'rel="next" href="(\?[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "per_page=3" in after and len(listed(client, after)) == 1


def test_the_total_page_x_of_y_and_the_first_and_last_pages(shop):
    shop[0].extensions["oro_invoices"].ctx.page_size = 3
    client = customer(shop, "amanda.cole@acme.example")
    every = [client.service.get(client.service.find_id(external_id=e)) for e in ACME + ACME_BERLIN]
    newest_first = [d.invoice_number for d in sorted(every, key=lambda d: (d.invoice_date, d.id), reverse=True)]
    first = client.get("/customer/invoices").get_data(as_text=True)
    assert pager_text(first) == "4 documents · Page 1 of 2 Next → Last »"
    assert link(first, "first") is None and link(first, "prev") is None
    last = client.get("/customer/invoices" + link(first, "last")).get_data(as_text=True)
    assert pager_text(last) == "4 documents · Page 2 of 2 « First ← Previous"
    assert listed(client, link(first, "last")) == newest_first[3:]
    assert listed(client, link(last, "first")) == newest_first[:3]
    [paid] = [d.invoice_number for d in every if d.payment_status.value == "paid_in_full"]
    html = client.get("/customer/invoices?payment_status=paid_in_full").get_data(as_text=True)
    assert pager_text(html) == "1 invoice · Page 1 of 1"       # counts what the filters select
    assert listed(client, "?payment_status=paid_in_full") == [paid]
    german = client.get("/customer/invoices?document_type=invoice", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert pager_text(german).startswith("4 Rechnungen · Seite 1 von 2")


def test_the_payment_method_column_is_hidden_until_asked_for_and_kept_while_paging(shop):
    client = customer(shop, "amanda.cole@acme.example")
    plain = client.get("/customer/invoices").get_data(as_text=True)
    assert "Payment Method</th>" not in plain and 'name="show_payment_method" value="1" >' in plain
    html = client.get("/customer/invoices?show_payment_method=1").get_data(as_text=True)
    assert '<th scope="col" data-oi-column="payment_method">Payment Method</th>' in html
    cells = dict(re.findall(r'<tr data-invoice-id="\d+">\s*<td><a [^>]*>([^<]+)</a>.*?'
                            r'data-label="Payment Method">([^<]*)</td>', html, re.S))
    paid = client.service.get(client.service.find_id(external_id="ERP-SO-1001-1"))
    unpaid = client.service.get(client.service.find_id(external_id="ERP-SO-1003-3"))
    assert cells[paid.invoice_number] == "Bank transfer"     # the method's label, never its code
    assert cells[unpaid.invoice_number] == "—"
    shop[0].extensions["oro_invoices"].ctx.page_size = 1
    html = client.get("/customer/invoices?show_payment_method=1").get_data(as_text=True)
    after = re.search(r'rel="next" href="(\?[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "show_payment_method=1" in after
    assert "Payment Method</th>" in client.get("/customer/invoices" + after).get_data(as_text=True)


def test_a_corporate_list_says_which_customer_each_invoice_is_made_out_to(shop):
    """A corporate customer user sees their customer's and its sub-customers' invoices: the
    Customer column tells the branches apart (and sorts by them); a list of one customer has none."""
    client = customer(shop, "amanda.cole@acme.example")
    html = client.get("/customer/invoices").get_data(as_text=True)
    cells = dict(re.findall(r'<tr data-invoice-id="\d+">\s*<td><a [^>]*>([^<]+)</a>.*?'
                            r'data-label="Customer">([^<]*)</td>', html, re.S))
    branch, = numbers(client, *ACME_BERLIN)
    assert cells == {**dict.fromkeys(numbers(client, *ACME), "Acme Industries AG"),
                     branch: "Acme Industries – Berlin Branch"}
    by_customer = client.get("/customer/invoices?sort=-customer_name").get_data(as_text=True)
    assert listed_first(by_customer) == branch                             # "Acme Industries –" after "… AG"
    assert listed_first(client.get("/customer/invoices?sort=customer_name").get_data(as_text=True)) != branch
    for email in ("ben.ortiz@acme.example", "dieter.berg@acme.example"):   # department, own: one customer
        page = customer(shop, email).get("/customer/invoices").get_data(as_text=True)
        assert 'data-label="Customer"' not in page and ">Customer</" not in page
    # the invoice's page says it too
    branch_doc = client.service.get(client.service.find_id(external_id=ACME_BERLIN[0]))
    view = client.get(f"/customer/invoices/{branch_doc.id}").get_data(as_text=True)
    assert '<dd id="oi-customer">Acme Industries – Berlin Branch</dd>' in view
    dieter = customer(shop, "dieter.berg@acme.example").get(f"/customer/invoices/{branch_doc.id}").get_data(as_text=True)
    assert 'id="oi-customer"' not in dieter


def test_a_corporate_user_filters_the_list_by_one_of_their_customers(shop):
    client = customer(shop, "amanda.cole@acme.example")
    branch_id = next(c["id"] for c in shop[1]["customers"] if c["name"] == "Acme Industries – Berlin Branch")
    acme_id = next(c["id"] for c in shop[1]["customers"] if c["name"] == "Acme Industries AG")
    html = client.get("/customer/invoices").get_data(as_text=True)
    select = re.search(r'<select id="f-customer" name="customer"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select) == [
        ("", "All customers"), (str(acme_id), "Acme Industries AG"),
        (str(branch_id), "Acme Industries – Berlin Branch")]
    assert set(listed(client, f"?customer={branch_id}")) == numbers(client, *ACME_BERLIN)
    assert f'<option value="{branch_id}" selected>' in client.get(f"/customer/invoices?customer={branch_id}").get_data(
        as_text=True)
    assert set(listed(client, f"?customer={acme_id}")) == numbers(client, *ACME)
    # the archive follows it
    branch_number, = numbers(client, *ACME_BERLIN)
    assert set(archived(client, f"?customer={branch_id}")) == {f"invoice-{branch_number}.pdf"}
    # a customer outside theirs, or no id, is none of the list's choices: said beside the filter,
    # which shows all of theirs (never the other customer's), not "All customers" over an empty list
    globex_id = next(c["id"] for c in shop[1]["customers"] if c["name"] == "Globex Corporation")
    for value in (str(globex_id), "abc"):
        resp = client.get(f"/customer/invoices?customer={value}")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, value
        assert re.search(r'data-oi-error="customer">Choose a customer from the list.<', html), value
        assert set(listed(client, f"?customer={value}")) == numbers(client, *ACME, *ACME_BERLIN)
        assert client.get(f"/customer/invoices/download-pdfs.zip?customer={value}").status_code == 422
    # other roles have no such filter: it never replaces the customer their role sets
    for email, theirs in (("ben.ortiz@acme.example", ACME), ("carla.nguyen@acme.example", CARLA_OWN)):
        other = customer(shop, email)
        assert 'id="f-customer"' not in other.get("/customer/invoices").get_data(as_text=True)
        assert set(listed(other, f"?customer={branch_id}")) == numbers(other, *theirs)
        assert set(archived(other, f"?customer={globex_id}")) == {f"invoice-{n}.pdf" for n in numbers(other, *theirs)}


def listed_first(html: str) -> str:
    return re.search(r'<tr data-invoice-id="\d+">\s*<td><a [^>]*>([^<]+)</a>', html).group(1)


def test_guest_payment_link_expires_after_the_configured_days(shop, monkeypatch):
    app = shop[0]
    client = ShopClient(app)
    doc = client.service.get(client.service.find_id(external_id="ERP-SO-1002-2"))
    Settings(app.extensions["oro_reference_host"].config).set(
        "oro_invoices.payment_link_ttl_days", 30, "organization", doc.organization_id)
    services = app.extensions["oro_invoices"].service.context  # its clock: the pages' and emails' alike
    monkeypatch.setattr(services, "clock", lambda: doc.posted_at + dt.timedelta(days=29))
    assert client.get(f"/invoices/pay/{doc.payment_token}").status_code == 200
    monkeypatch.setattr(services, "clock", lambda: doc.posted_at + dt.timedelta(days=31))
    expired = client.get(f"/invoices/pay/{doc.payment_token}")
    assert expired.status_code == 410
    assert "This payment link has expired" in text_of(expired.get_data(as_text=True))


def test_the_list_shows_and_sorts_by_due_date(shop):
    client = customer(shop, "amanda.cole@acme.example")
    docs = [client.service.get(client.service.find_id(external_id=e)) for e in ACME + ACME_BERLIN]
    html = client.get("/customer/invoices?sort=due_date").get_data(as_text=True)
    assert ">Due Date" in html
    shown = re.findall(r'<tr data-invoice-id="(\d+)">', html)
    expected = sorted(docs, key=lambda d: (d.due_date, d.id))
    assert shown == [str(d.id) for d in expected]
    row = re.search(rf'<tr data-invoice-id="{expected[0].id}">.*?</tr>', html, re.S).group(0)
    assert client.service.get(expected[0].id).due_date.strftime("%b %-d, %Y") in text_of(row)


def test_the_line_table_says_its_tax_column_is_a_rate(shop):
    client = customer(shop, "amanda.cole@acme.example")
    doc_id = client.service.find_id(external_id=ACME[0])
    page = client.get(f"/customer/invoices/{doc_id}").get_data(as_text=True)
    assert '<th class="oi-num">Tax Rate</th>' in page and '<th class="oi-num">Tax</th>' not in page


def test_every_page_names_the_shops_icon_and_it_is_served(shop):
    """Browsers ask every site for an icon: the layouts name one, so none asks for a missing
    /favicon.ico."""
    client = ShopClient(shop[0])
    for path in ("/", "/customer/login", "/admin/login"):
        icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">',
                         client.get(path).get_data(as_text=True))
        assert icon is not None, path
        served = client.get(icon.group(1))
        assert served.status_code == 200 and served.content_type.startswith("image/svg+xml")


def archived(client: ShopClient, query: str = "") -> dict[str, bytes]:
    resp = client.get("/customer/invoices/download-pdfs.zip" + query)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.content_type == "application/zip" and resp.is_streamed
    assert re.fullmatch(r'attachment; filename="invoices-\d{4}-\d{2}-\d{2}\.zip"', resp.headers["Content-Disposition"])
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("email,expected", [
    ("amanda.cole@acme.example", ACME + ACME_BERLIN),          # corporate
    ("ben.ortiz@acme.example", ACME),                           # department
    ("carla.nguyen@acme.example", CARLA_OWN),                   # own
])
def test_download_pdfs_gives_each_role_the_pdfs_of_exactly_its_invoices(shop, email, expected):
    client = customer(shop, email)
    page = client.get("/customer/invoices?payment_status=&per_page=10").get_data(as_text=True)
    href = re.search(r'id="oi-download-pdfs" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert href.startswith("/customer/invoices/download-pdfs.zip") and "Download PDFs (ZIP)" in text_of(page)
    files = archived(client, href.removeprefix("/customer/invoices/download-pdfs.zip"))
    docs = [client.service.get(client.service.find_id(external_id=e)) for e in expected]
    assert files == {f"invoice-{doc.invoice_number}.pdf": client.service.storage.read(doc.pdf.sha256)
                     for doc in docs}


@pytest.mark.parametrize("sort", ["invoice_number", "-invoice_number", "-due_date"])
def test_download_pdfs_holds_the_pdfs_in_the_lists_order(shop, sort):
    client = customer(shop, "amanda.cole@acme.example")
    page = client.get(f"/customer/invoices?sort={sort}&per_page=100").get_data(as_text=True)
    href = re.search(r'id="oi-download-pdfs" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"sort={sort}" in href
    shown = [client.service.get(int(i)).invoice_number for i in re.findall(r'<tr data-invoice-id="(\d+)"', page)]
    names = list(archived(client, href.removeprefix("/customer/invoices/download-pdfs.zip")))
    assert len(names) > 2 and [re.sub(r"^(invoice|credit-note)-|\.pdf$", "", n) for n in names] == shown


def test_download_pdfs_follows_the_lists_filters_and_the_download_setting(shop):
    client = customer(shop, "ben.ortiz@acme.example")
    one = client.service.get(client.service.find_id(external_id=ACME[1]))
    assert list(archived(client, f"?number={one.invoice_number}")) == [f"invoice-{one.invoice_number}.pdf"]
    assert archived(client, "?document_type=credit_note") == {}
    none_found = client.get("/customer/invoices?number=NO-SUCH-INVOICE").get_data(as_text=True)
    assert "No documents found." in text_of(none_found) and "Download PDFs (ZIP)" not in text_of(none_found)
    no_invoice = client.get("/customer/invoices?number=NO-SUCH-INVOICE&document_type=invoice").get_data(as_text=True)
    assert "No invoices found." in text_of(no_invoice) and "No documents" not in text_of(no_invoice)
    unpaid = client.get("/customer/invoices?number=NO-SUCH-INVOICE&payment_status=paid_in_full").get_data(as_text=True)
    assert "No invoices found." in text_of(unpaid)   # by payment status: invoices only
    bad = client.get("/customer/invoices/download-pdfs.zip?date_from=2026-02-31")
    assert bad.status_code == 422 and "is not a date" in text_of(bad.get_data(as_text=True))
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.storefront_pdf_download", False)
    assert "oi-download-pdfs" not in client.get("/customer/invoices").get_data(as_text=True)
    assert client.get("/customer/invoices/download-pdfs.zip").status_code == 404
    assert ShopClient(shop[0]).get("/customer/invoices/download-pdfs.zip").status_code in (302, 401)


def test_a_page_number_below_one_is_said_plainly_over_the_first_page(shop):
    client = customer(shop, "ben.ortiz@acme.example")
    resp = client.get("/customer/invoices?page=-3")
    text = text_of(resp.get_data(as_text=True))
    assert resp.status_code == 422
    assert "'-3' is not a page number: pages are numbered from 1; here is the first page." in text
    assert "reached with the pager" not in text and "Page 1 of" in text
