"""SQL statements per page: at most ``MAX_STATEMENTS`` for the grid, the view pages and the
storefront list of every invoice role, and as many for 5 rows as for 25, for a long history
as for a short one, for five customers as for two.

Counted on both engines (the add-on's and the reference host's) with SQLAlchemy's
``before_cursor_execute``; transaction control (``BEGIN`` …) is not a statement
read or written, and only SQLite's driver sends it through this event. Pool checkouts
(each a pre-ping round trip on PostgreSQL) are counted with the pool's ``checkout`` event:
one per engine per page, however many statements the page reads.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
from sqlalchemy import event
from support.list_pages import ROLES, customer
from support.statements import statements_sent as counted

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings

MAX_STATEMENTS = 8
ACME_USERS = ("amanda.cole@acme.example", "ben.ortiz@acme.example", "carla.nguyen@acme.example",
              "no.access@acme.example")


@contextlib.contextmanager
def checkouts(app):
    """The pool checkouts of each engine (``host``, ``addon``) while the block runs."""
    seen = {"host": 0, "addon": 0}
    engines = {"host": app.extensions["oro_reference_host"].engine,
               "addon": app.extensions["oro_invoices"].service.db.engine}
    listeners = {}
    for name, engine in engines.items():
        def count(*_args, name=name):
            seen[name] += 1
        listeners[name] = count
        event.listen(engine, "checkout", count)
    try:
        yield seen
    finally:
        for name, engine in engines.items():
            event.remove(engine, "checkout", listeners[name])


def statements(client: ShopClient, url: str) -> tuple[int, str]:
    """How many statements one GET of ``url`` sends (after a first GET), and its page."""
    assert client.get(url).status_code == 200
    with counted(client.app) as seen:
        resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return len(seen), resp.get_data(as_text=True)


def rows(html: str) -> int:
    return len(re.findall(r'<tr data-invoice-id="\d+">', html))


def add_acme_invoices(shop, count: int) -> None:
    """``count`` posted invoices of Acme, their buyers taken in turn from Acme's four users,
    sold on one of its organization's websites (whose name each page shows)."""
    app, info = shop
    service = app.extensions["oro_invoices"].service
    users = {u["email"]: u["id"] for u in info["customer_users"]}
    acme = next(c for c in info["customers"] if c["name"] == "Acme Industries AG")
    [website, *_] = next(o["websites"] for o in info["organizations"] if o["id"] == acme["organization_id"])
    bill_to = {"name": "Accounts Payable", "street": "Industriestraße 5", "city": "Stuttgart",
               "postal_code": "70565", "country": "DE"}
    for n in range(count):
        day = dt.date.today() - dt.timedelta(days=n)
        doc = service.create({
            "external_id": f"QRY-{n}", "invoice_date": day.isoformat(),
            "due_date": (day + dt.timedelta(days=30)).isoformat(), "bill_to": bill_to,
            "currency": "EUR", "organization_id": acme["organization_id"], "customer_id": acme["id"],
            "customer_user_id": users[ACME_USERS[n % len(ACME_USERS)]], "website_id": website,
            "lines": [{"description": "Bolts", "quantity": "1", "unit_price": "10.00", "tax_rate": "0.19"}],
        }, actor="test")
        service.post(doc.id, actor="test")



def add_history(shop, invoice_id: int, first: int, last: int) -> None:
    """Notes, payments and emails number ``first`` to ``last`` on the invoice (each also
    writes activity)."""
    invoices = shop[0].extensions["oro_invoices"]
    for k in range(first, last + 1):
        invoices.service.add_note(invoice_id, f"Note {k}", actor="test")
        invoices.service.record_payment(invoice_id, {
            "method": "card", "action": "charge", "amount": "0.01", "successful": True,
            "provider_reference": f"ch-{invoice_id}-{k}"}, actor="test")
        invoices.mail.send(invoice_id, to="ap@acme.example", subject=f"Invoice, copy {k}",
                           text="Attached.", actor="test")


@pytest.mark.parametrize("page", ["grid", *ROLES])
def test_statements_per_list_are_bounded_and_do_not_grow_with_rows(shop, admin, page):
    client, url = (admin, "/admin/invoices") if page == "grid" \
        else (customer(shop, ROLES[page]), "/customer/invoices")
    few, html = statements(client, url)
    shown_before = rows(html)
    add_acme_invoices(shop, 25)
    many, html = statements(client, url)
    assert shown_before < rows(html) <= 25
    assert many <= MAX_STATEMENTS, f"{page}: {many} statements for {rows(html)} rows"
    assert many == few, f"{page}: {few} statements for {shown_before} rows, {many} for {rows(html)}"


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_list_filtered_by_overdue_reads_no_count_of_its_own(shop, role):
    """The Overdue filter needs no count of the overdue invoices to choose how to read them: the
    balance read first counted the open ones, and there are a few. As many statements as the list
    unfiltered, within the bound (one more for a page with no row: its own count)."""
    client = customer(shop, ROLES[role])
    plain, _html = statements(client, "/customer/invoices")
    overdue, html = statements(client, "/customer/invoices?overdue=yes")
    assert overdue <= MAX_STATEMENTS, f"{role}: {overdue} statements"
    assert overdue == plain + (0 if rows(html) else 1), f"{role}: {plain} statements, {overdue} by Overdue"


def test_a_corporate_list_reads_more_sub_customers_in_as_many_statements(shop):
    client = customer(shop, ROLES["corporate"])
    before, _html = statements(client, "/customer/invoices")
    app, info = shop
    host, service = app.extensions["oro_reference_host"], app.extensions["oro_invoices"].service
    acme = next(c for c in info["customers"] if c["name"] == "Acme Industries AG")
    numbers = []
    for n in range(3):
        branch = host.add_customer(f"Acme Branch {n}", parent_id=acme["id"],
                                   organization_id=acme["organization_id"])
        doc = service.create({
            "external_id": f"BRANCH-{n}", "invoice_date": dt.date.today().isoformat(),
            "due_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
            "bill_to": {"name": branch.name, "street": "Hafenstraße 1", "city": "Hamburg",
                        "postal_code": "20457", "country": "DE"},
            "currency": "EUR", "organization_id": acme["organization_id"], "customer_id": branch.id,
            "lines": [{"description": "Nuts", "quantity": "2", "unit_price": "3.00",
                       "tax_rate": "0.19"}]}, actor="test")
        numbers.append(service.post(doc.id, actor="test").display_number)
    after, html = statements(client, "/customer/invoices")
    assert all(number in html for number in numbers)
    assert after == before <= MAX_STATEMENTS, f"{before} statements for 2 customers, {after} for 5"


@pytest.mark.parametrize("role", [*ROLES])
def test_a_list_in_one_currency_sorted_by_total_reads_as_much_as_by_date(shop, role):
    """Whether the listed invoices are all in one currency (Total sorts only then) is read with
    the page, in no statement of its own."""
    client = customer(shop, ROLES[role])
    by_date, _html = statements(client, "/customer/invoices")
    by_total, html = statements(client, "/customer/invoices?sort=-total_amount")
    assert re.search(r'aria-sort="descending"><a class="oi-sort" href="\?[^"]*sort=total_amount[^"]*">Total</a>', html)
    assert by_total == by_date <= MAX_STATEMENTS


def test_the_list_of_a_user_without_invoice_access_is_refused_within_the_bound(shop):
    client = customer(shop, "no.access@acme.example")
    assert client.get("/customer/invoices").status_code == 403
    with counted(shop[0]) as seen:
        assert client.get("/customer/invoices").status_code == 403
    assert len(seen) <= MAX_STATEMENTS


@pytest.mark.parametrize("page", ["back-office", *ROLES])
def test_statements_per_view_page_are_bounded_and_do_not_grow_with_its_history(shop, admin, page):
    add_acme_invoices(shop, 4)  # one of each Acme user, so each role may see one
    client = admin if page == "back-office" else customer(shop, ROLES[page])
    listed = client.get("/admin/invoices" if page == "back-office" else "/customer/invoices")
    invoice_id = int(re.findall(r'<tr data-invoice-id="(\d+)">', listed.get_data(as_text=True))[0])
    url = f"/admin/invoices/{invoice_id}" if page == "back-office" \
        else f"/customer/invoices/{invoice_id}"
    add_history(shop, invoice_id, 1, 1)
    few, html = statements(client, url)
    add_history(shop, invoice_id, 2, 4)
    many, html = statements(client, url)
    if page == "back-office":  # the longer history is on the page
        shown = text_of(html)
        assert all(f"Note {k}" in shown and f"Invoice, copy {k}" in shown
                   and f"ch-{invoice_id}-{k}" in shown for k in range(1, 5))
    assert many <= MAX_STATEMENTS, f"{page} view: {many} statements"
    assert many == few, f"{page} view: {few} statements with 1 note, payment and email, {many} with 4"


def test_the_view_page_of_an_invoice_whose_pdf_is_pending_reads_as_much_as_with_its_pdf(shop, admin):
    service = shop[0].extensions["oro_invoices"].service
    drafts = service.list_invoices({"organization_id": 1, "status": "draft"}, limit=2).items
    with_pdf = service.post(drafts[0].id, actor="test")
    pending = service.post(drafts[1].id, actor="test", defer_pdf=True)
    assert with_pdf.pdf is not None and pending.pdf is None
    read_with_pdf, html = statements(admin, f"/admin/invoices/{with_pdf.id}")
    assert f"/admin/invoices/{with_pdf.id}/download" in html
    read_pending, html = statements(admin, f"/admin/invoices/{pending.id}")
    assert f"/admin/invoices/{pending.id}/download" in html       # its first download makes it
    assert read_pending == read_with_pdf <= MAX_STATEMENTS, (read_with_pdf, read_pending)


def test_customer_user_names_of_every_row_are_shown(shop, admin):
    add_acme_invoices(shop, 8)
    html = admin.get("/admin/invoices").get_data(as_text=True)
    for name in ("Amanda Cole", "Ben Ortiz", "Carla Nguyen", "Nate Noaccess"):
        assert html.count(f"<td>{name}</td>") >= 2


def test_a_setting_changed_between_requests_is_seen_by_the_next_one(shop, admin):
    assert admin.get("/admin/invoices").status_code == 200
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.enabled", False)
    assert admin.get("/admin/invoices").status_code == 404  # switched off: no such page
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.enabled", True)
    assert admin.get("/admin/invoices").status_code == 200


@pytest.mark.parametrize("page", ["grid", "view", *ROLES])
def test_a_page_reads_on_one_connection_per_engine(shop, admin, page):
    add_acme_invoices(shop, 4)
    client = admin if page in ("grid", "view") else customer(shop, ROLES[page])
    url = "/customer/invoices" if page in ROLES else "/admin/invoices"
    if page == "view":
        first = re.findall(r'<tr data-invoice-id="(\d+)">', admin.get(url).get_data(as_text=True))[0]
        url = f"/admin/invoices/{first}"
    assert client.get(url).status_code == 200
    with counted(shop[0]) as sent, checkouts(shop[0]) as taken:
        resp = client.get(url)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Bolts" in text_of(html) if page == "view" else rows(html) >= 1
    assert len(sent) >= 3, f"{page}: {len(sent)} statements"  # several reads, yet one checkout each
    assert taken == {"host": 1, "addon": 1}, f"{page}: {taken} checkouts for {len(sent)} statements"


#: The reference host's own pages, each with a word of what it shows.
HOST_PAGES = {"dashboard": ("/admin/", "Dashboard"),
              "orders": ("/admin/orders", "SO-1001"), "customers": ("/admin/customers", "Acme"),
              "order": ("/admin/orders/{order}?tab=oro_invoices.order_invoices", "SO-1001"),
              "configuration": ("/admin/config/", "Configuration"),
              "storefront orders": ("/customer/orders", "Order History")}


@pytest.mark.parametrize("page", HOST_PAGES)
def test_a_host_page_reads_on_one_connection_per_engine(shop, admin, page):
    url, shown = HOST_PAGES[page]
    url = url.format(order=shop[1]["orders"][0]["id"])
    client = customer(shop, ROLES["department"]) if page.startswith("storefront") else admin
    assert client.get(url).status_code == 200
    with counted(shop[0]) as sent, checkouts(shop[0]) as taken:
        resp = client.get(url)
    assert resp.status_code == 200
    assert shown in text_of(resp.get_data(as_text=True))
    assert len(sent) >= 2, f"{page}: {len(sent)} statements"
    assert taken["host"] == 1 and taken["addon"] <= 1, \
        f"{page}: {taken} checkouts for {len(sent)} statements"


def test_the_aging_report_reads_its_customers_names_in_one_statement(shop, admin):
    """The host's names of the customers on the Aging Report are read at once: the page sends as
    many statements with one more line (Initech owing in JPY, under another name) as before."""
    few, page = statements(admin, "/admin/invoices/aging")
    assert "Acme Industries AG" in text_of(page) and 'data-currency="JPY"' not in page
    app, info = shop
    service = app.extensions["oro_invoices"].service
    initech = next(c for c in info["customers"] if c["name"] == "Initech GmbH")
    service.post(service.create({
        "invoice_date": dt.date.today().isoformat(), "due_date": dt.date.today().isoformat(), "currency": "JPY",
        "organization_id": 1, "customer_id": initech["id"], "customer_name": "Initech (billing text)",
        "bill_to": {"name": "Accounts", "street": "Main St 1", "city": "Berlin", "country": "DE"}, "lines": [
            {"description": "Bolts", "quantity": "1", "unit_price": "1000", "tax_rate": "0"}]}).id)
    many, page = statements(admin, "/admin/invoices/aging")
    jpy = re.search(r'<table[^>]*data-currency="JPY".*?</table>', page, re.S).group(0)
    assert "Initech GmbH" in text_of(jpy) and "billing text" not in text_of(page)
    assert many == few <= MAX_STATEMENTS, f"{few} statements, {many} with one more line"


@pytest.mark.parametrize("stopped_for", [None, "customer", "customer_group"])
def test_the_view_page_with_reminders_on_reads_as_much_as_with_them_off(shop, admin, stopped_for):
    """With payment reminders on for the invoice's website the page reads its customer's (and
    their group's) settings for its "reminders are stopped" notice in the request's one read of
    the settings: as many statements as with reminders off, within the bound."""
    add_acme_invoices(shop, 1)
    app, info = shop
    settings = Settings(app.extensions["oro_reference_host"].config)
    service = app.extensions["oro_invoices"].service
    doc = service.get(service.find_id(external_id="QRY-0"))
    url = f"/admin/invoices/{doc.id}"
    off, html = statements(admin, url)
    assert "Payment reminders are stopped" not in text_of(html)
    settings.set("oro_invoices.reminders.enabled", True, "website", doc.website_id)
    if stopped_for == "customer":
        settings.set("oro_invoices.reminders.enabled", False, "customer", doc.customer_id)
    elif stopped_for == "customer_group":
        group = app.extensions["oro_reference_host"].customers.get_customer(doc.customer_id).group_id
        assert group is not None
        settings.set("oro_invoices.reminders.enabled", False, "customer_group", group)
    on, html = statements(admin, url)
    assert ("Payment reminders are stopped for this customer" in text_of(html)) == (stopped_for is not None)
    assert on == off <= MAX_STATEMENTS, f"{off} statements with reminders off, {on} with them on"


def test_a_total_sort_refused_across_currencies_reads_within_the_bound(shop):
    """Total sorts only while the listed invoices are in one currency: across several, the
    refusal and the page by date come within the bound (the balance, read first, says the
    unfiltered list is in several currencies: no page is read by Total)."""
    app, info = shop
    service = app.extensions["oro_invoices"].service
    acme = next(c for c in info["customers"] if c["name"] == "Acme Industries AG")
    doc = service.create({
        "external_id": "QRY-USD", "invoice_date": dt.date.today().isoformat(),
        "due_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "bill_to": {"name": "Accounts Payable", "street": "Industriestraße 5", "city": "Stuttgart",
                    "postal_code": "70565", "country": "DE"},
        "currency": "USD", "organization_id": acme["organization_id"], "customer_id": acme["id"],
        "lines": [{"description": "Bolts", "quantity": "1", "unit_price": "10.00", "tax_rate": "0.19"}]},
        actor="test")
    service.post(doc.id, actor="test")
    client = customer(shop, ROLES["corporate"])
    by_date, _html = statements(client, "/customer/invoices")
    for url in ("/customer/invoices?sort=-total_amount", "/customer/invoices?sort=total_amount&per_page=10"):
        refused, html = statements(client, url)
        assert ("These invoices are in several currencies, whose amounts do not compare, so they are sorted by "
                "Invoice Date (newest first) instead of Total.") in text_of(html), url
        assert re.search(r'aria-sort="descending"><a class="oi-sort" href="[^"]*">Invoice Date</a>', html), url
        assert refused <= MAX_STATEMENTS, f"{url}: {refused} statements"
    assert refused <= by_date + 1


#: What the Send email dialog reads on top of its view page: the template names it offers, the
#: payments and refunds received (which receipts fit), and the chosen template; with
#: ``attach_xml`` on, the profile the e-invoice was made in (its XML's name). The invoice, its
#: PDF's record and its emails are the page's, not read again, and the storage is not opened.
EMAIL_DIALOG_EXTRA = 3


@pytest.mark.parametrize("attach_xml", [False, True], ids=["pdf", "pdf-and-xml"])
def test_the_email_dialog_reads_a_fixed_few_statements_more_than_its_view_page(shop, admin, attach_xml):
    if attach_xml:
        settings = Settings(shop[0].extensions["oro_reference_host"].config)
        settings.set("oro_invoices.einvoice.enabled", True)
        settings.set("oro_invoices.einvoice.attach_xml", True)
    add_acme_invoices(shop, 1)
    listed = admin.get("/admin/invoices").get_data(as_text=True)
    invoice_id = int(re.findall(r'<tr data-invoice-id="(\d+)">', listed)[0])
    view = f"/admin/invoices/{invoice_id}"
    add_history(shop, invoice_id, 1, 1)
    page, _ = statements(admin, view)
    few, html = statements(admin, f"{view}?dialog=email")
    add_history(shop, invoice_id, 2, 4)
    many, html = statements(admin, f"{view}?dialog=email")
    shown = text_of(html)
    assert "Attach PDF · invoice-" in shown and ("factur-x.xml" in shown) == attach_xml
    assert "Invoice, copy 4" in shown                                 # the page's emails, newest first
    extra = EMAIL_DIALOG_EXTRA + attach_xml
    assert many <= page + extra, f"email dialog: {many} statements, its view page {page}"
    assert many == few, f"email dialog: {few} statements with 1 payment and email, {many} with 4"
