"""Create Invoice on the order page's Invoices tab of the reference shop: a draft of the order,
or of the quantities chosen of its lines, opened with a flash; refusals said on the tab, a
quantity's beside its field; only for admins who create invoices."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from support.admins import admin_with

from oro_invoices.adapters.commerce import OrderLine
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of

TAB = "?tab=oro_invoices.order_invoices"
TWO_LINES = (OrderLine("Pallet jack", Decimal("2"), Decimal("310.00"), Decimal("0.19"), "PJ-2", "piece"),
             OrderLine("Shrink wrap", Decimal("5"), Decimal("12.50"), Decimal("0.19"), "SW-5", "box"))


def admin(shop) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_admin()
    return client


def new_order(shop, *, lines=(OrderLine("Pallet jack", Decimal("2"), Decimal("310.00"), Decimal("0.19"),
                                        "PJ-2", "piece"),), customer=True) -> int:
    """A new order of Northwind's first seeded order's customer, nothing invoiced yet."""
    seeded = shop[1]["orders"][0]
    host = shop[0].extensions["oro_reference_host"]
    known = host.orders.get(seeded["id"])
    return host.records.add_order(
        identifier="SO-2001" if customer else "SO-2002", currency="EUR", organization_id=1,
        customer_id=seeded["customer_id"] if customer else None,
        customer_user_id=seeded["customer_user_id"] if customer else None, website_id=known.website_id,
        lines=lines, bill_to=known.bill_to, ship_to=known.ship_to)


def create(client: ShopClient, order_id: int, **fields):
    tab = client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)
    data = {"invoice_date": "2026-03-02", "due_date": "2026-04-01", "csrf_token": form_token(tab), **fields}
    return client.client.post(f"/admin/invoices/orders/{order_id}/invoices", data=data)


def test_create_invoice_makes_a_draft_of_the_order_and_opens_it(shop):
    client = admin(shop)
    order_id = new_order(shop)
    tab = client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)
    assert "There are no invoices for this order yet." in text_of(tab)
    assert re.search(r'<button type="submit"[^>]*>Create Invoice</button>', tab)
    resp = create(client, order_id)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    text = text_of(page)
    doc = client.service.list_invoices({"order_id": order_id}).items[0]
    assert f"Draft invoice Draft #{doc.id} was created from order SO-2001. Check it, then post it." in text
    assert "Pallet jack" in text and "€737.80" in text          # 2 × 310.00 + 19 %
    invoice = client.service.get(doc.id)
    assert (invoice.status.value, str(invoice.invoice_date), str(invoice.due_date), invoice.customer_name) \
        == ("draft", "2026-03-02", "2026-04-01", "Acme Industries AG")
    tab = text_of(client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True))
    assert f"Draft #{doc.id}" in tab


def test_an_order_invoiced_in_full_is_named_on_the_tab_and_can_be_invoiced_again(shop):
    client = admin(shop)
    order_id = new_order(shop)
    create(client, order_id)
    first = client.service.list_invoices({"order_id": order_id}).items[0]
    resp = create(client, order_id)
    assert resp.status_code == 409
    text = text_of(resp.get_data(as_text=True))
    assert (f"Order SO-2001 is invoiced in full already (€737.80 of its €737.80) by Draft #{first.id}. "
            "Create another invoice of it only if that is intended.") in text
    assert "Create Another Invoice" in text and "Order SO-2001" in text
    again = form_token(resp.get_data(as_text=True))
    resp = client.client.post(f"/admin/invoices/orders/{order_id}/invoices", data={
        "invoice_date": "2026-03-02", "due_date": "2026-04-01", "invoice_again": "1", "csrf_token": again})
    assert resp.status_code == 303
    assert client.service.count_invoices({"order_id": order_id}) == 2


def test_refusals_are_said_on_the_tab(shop):
    client = admin(shop)
    guest = new_order(shop, customer=False)
    resp = create(client, guest)
    assert resp.status_code == 422
    assert alert(resp) == "Order SO-2002 names no customer: an invoice is addressed to the customer who ordered."
    order_id = new_order(shop)
    resp = create(client, order_id, due_date="")
    assert resp.status_code == 422
    assert alert(resp) == "Give the invoice date and the due date: a posted invoice needs both."
    resp = create(client, order_id, due_date="2026-02-01")
    assert resp.status_code == 422 and alert(resp) == "Due date: Must not be before the invoice date."
    assert re.search(r'id="oi-order-due-date"[^>]*aria-invalid="true" aria-describedby="oi-order-invoice-error"',
                     resp.get_data(as_text=True))
    resp = create(client, order_id, invoice_date="2026-02-30")           # no such day: not "missing"
    assert resp.status_code == 422 and alert(resp) == "'2026-02-30' is not a date (YYYY-MM-DD)."
    resp = create(client, order_id, invoice_date="1900-01-01", due_date="1900-02-01")
    assert resp.status_code == 422 and "Invoice date: Jan 1, 1900 is not a plausible date for an invoice" in alert(resp)
    assert client.service.count_invoices({"order_id": order_id}) == 0


def test_only_admins_who_create_invoices_see_and_use_the_button(shop):
    order_id = new_order(shop)
    viewer = admin_with(shop)                                          # oro_invoices.view only
    tab = viewer.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)
    assert "Create Invoice" not in text_of(tab)
    token = form_token(viewer.get("/admin/invoices").get_data(as_text=True))
    resp = viewer.client.post(f"/admin/invoices/orders/{order_id}/invoices",
                              data={"invoice_date": "2026-03-02", "due_date": "2026-04-01", "csrf_token": token})
    assert resp.status_code == 403
    client = admin(shop)
    resp = client.client.post(f"/admin/invoices/orders/{order_id}/invoices",
                              data={"invoice_date": "2026-03-02", "due_date": "2026-04-01"})   # no CSRF token
    assert resp.status_code == 400
    sakura = next(o for o in shop[1]["orders"] if o["organization_id"] == 2)
    resp = create(client, order_id)
    assert resp.status_code == 303
    resp = client.client.post(f"/admin/invoices/orders/{sakura['id']}/invoices",
                              data={"invoice_date": "2026-03-02", "due_date": "2026-04-01",
                                    "csrf_token": form_token(tab_of(client, order_id))})
    assert resp.status_code == 404 and "That order does not exist." in text_of(resp.get_data(as_text=True))


def tab_of(client: ShopClient, order_id: int) -> str:
    return client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)


def alert(resp) -> str:
    """What the tab's error says."""
    found = re.search(r'<div class="oi-alert oi-alert--error" role="alert" id="oi-order-invoice-error">(.*?)</div>',
                      resp.get_data(as_text=True), re.S)
    assert found, resp.get_data(as_text=True)[:500]
    return text_of(found.group(1))


def rows(html: str) -> list[list[str]]:
    """The Create Invoice form's lines as the admin reads them: #, SKU, description, ordered,
    already invoiced, in drafts, and the quantity to invoice as its field holds it."""
    table = re.search(r'<table class="oi-table oi-table--cards" id="oi-order-lines">(.*?)</table>', html, re.S)
    assert table, html[:500]
    found = []
    for row in re.findall(r"<tr data-line.*?</tr>", table.group(1), re.S):
        cells = [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        value = re.search(r'<input[^>]*\bvalue="([^"]*)"', row)
        found.append(cells[:6] + [value.group(1) if value else None])
    return found


def quantity_input(html: str, position: int) -> str:
    found = re.search(rf'<input[^>]*name="qty_{position}"[^>]*>', html)
    assert found, html[:500]
    return found.group(0)


def beside(html: str, field: str) -> str:
    """What the form says beside ``field``."""
    found = re.search(rf'<[a-z]+ class="oi-field__error[^"]*" id="f-error-{field}" data-oi-error="{field}">(.*?)</',
                      html, re.S)
    assert found, html[:500]
    return text_of(found.group(1))


def test_the_form_lists_the_orders_lines_with_what_is_left_to_invoice(shop):
    client = admin(shop)
    order_id = new_order(shop, lines=TWO_LINES)
    tab = tab_of(client, order_id)
    assert re.search(r'<table class="oi-table oi-table--cards" id="oi-order-lines">\s*<caption>Lines to invoice</caption>', tab)
    assert "# SKU Description Ordered Already invoiced In drafts Quantity to invoice" in text_of(tab)
    assert rows(tab) == [["1", "PJ-2", "Pallet jack", "2 items", "0 items", "0 items", "2"],
                         ["2", "SW-5", "Shrink wrap", "5 boxes", "0 boxes", "0 boxes", "5"]]
    assert 'aria-label="Quantity to invoice of line 2: SW-5 Shrink wrap"' in quantity_input(tab, 2)
    assert "aria-invalid" not in quantity_input(tab, 1)


def test_a_partial_draft_has_exactly_the_quantities_chosen_and_the_tab_then_offers_the_rest(shop):
    client = admin(shop)
    order_id = new_order(shop, lines=TWO_LINES)
    resp = create(client, order_id, qty_1="1", qty_2="0")
    assert resp.status_code == 303
    first = client.service.list_invoices({"order_id": order_id}).items[0]
    page = text_of(client.get(resp.headers["Location"]).get_data(as_text=True))
    assert f"Draft invoice Draft #{first.id} was created from order SO-2001. Check it, then post it." in page
    assert [(l.sku, l.quantity) for l in client.service.get(first.id).lines] == [("PJ-2", Decimal("1"))]
    assert client.service.get(first.id).total_amount == Decimal("368.90")              # 310.00 + 19 %
    tab = tab_of(client, order_id)
    assert rows(tab) == [["1", "PJ-2", "Pallet jack", "2 items", "0 items", "1 item", "1"],
                         ["2", "SW-5", "Shrink wrap", "5 boxes", "0 boxes", "0 boxes", "5"]]
    resp = create(client, order_id, qty_1="1", qty_2="")                                 # empty: left out too
    assert resp.status_code == 303
    resp = create(client, order_id, qty_1="0", qty_2="2.5")
    assert resp.status_code == 303
    third = client.service.get(int(resp.headers["Location"].rsplit("/", 1)[1]))
    assert [(l.sku, l.quantity) for l in third.lines] == [("SW-5", Decimal("2.5"))]
    assert rows(tab_of(client, order_id)) == [["1", "PJ-2", "Pallet jack", "2 items", "0 items", "2 items", "0"],
                                              ["2", "SW-5", "Shrink wrap", "5 boxes", "0 boxes", "2.5 boxes", "2.5"]]
    client.service.post(first.id)                                  # posted: invoiced, no longer in drafts
    assert rows(tab_of(client, order_id))[0] == ["1", "PJ-2", "Pallet jack", "2 items", "1 item", "1 item", "0"]
    assert client.service.count_invoices({"order_id": order_id}) == 3


def test_a_credit_note_gives_back_what_it_took_to_invoice(shop):
    client = admin(shop)
    order_id = new_order(shop, lines=TWO_LINES)
    create(client, order_id, qty_1="2", qty_2="5")
    doc = client.service.list_invoices({"order_id": order_id}).items[0]
    posted = client.service.post(doc.id)
    client.service.create_credit_note(posted.id, {"lines": [{"line": 2, "quantity": "3"}], "reason": "returned"},
                                      actor="test")
    assert rows(tab_of(client, order_id))[1] == ["2", "SW-5", "Shrink wrap", "5 boxes", "2 boxes", "0 boxes", "3"]


@pytest.mark.parametrize("typed, said", [
    ("two", "Line 2 of order SO-2001: 'two' is not a decimal number: write it like 1,234.50."),
    ("-1", "Line 2 of order SO-2001: give a quantity of 0 or more (0 leaves the line out)."),
    ("6", "Line 2 of order SO-2001: at most 5 can be invoiced, as many as were ordered."),
    ("1.1234567", "Line 2 of order SO-2001: give a quantity with at most 6 decimals."),
])
def test_a_bad_quantity_is_refused_beside_its_field_and_nothing_is_written(shop, typed, said):
    client = admin(shop)
    order_id = new_order(shop, lines=TWO_LINES)
    resp = create(client, order_id, qty_1="1", qty_2=typed, invoice_date="2026-03-05")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and alert(resp) == "No invoice was created. Correct the quantities marked below."
    assert beside(html, "qty_2") == said
    assert f'value="{typed}"' in quantity_input(html, 2)
    assert 'aria-invalid="true" aria-describedby="f-error-qty_2"' in quantity_input(html, 2)
    assert 'value="1"' in quantity_input(html, 1) and "aria-invalid" not in quantity_input(html, 1)
    assert 'value="2026-03-05"' in re.search(r'<input[^>]*id="oi-order-invoice-date"[^>]*>', html).group(0)
    assert client.service.count_invoices({"order_id": order_id}) == 0


def test_no_line_chosen_is_refused_beside_the_lines(shop):
    client = admin(shop)
    order_id = new_order(shop, lines=TWO_LINES)
    resp = create(client, order_id, qty_1="0", qty_2="")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and alert(resp) == "No invoice was created. Correct the quantities marked below."
    assert beside(html, "lines") == "Choose at least one line of order SO-2001 to invoice."
    for position in (1, 2):
        assert 'aria-invalid="true" aria-describedby="f-error-lines"' in quantity_input(html, position)
    assert client.service.count_invoices({"order_id": order_id}) == 0
    resp = create(client, order_id, qty_1="x", qty_2="0", due_date="")                 # said with the dates'
    assert resp.status_code == 422 and alert(resp) == ("Give the invoice date and the due date: a posted invoice "
                                                       "needs both. No invoice was created. Correct the quantities "
                                                       "marked below.")
    assert beside(resp.get_data(as_text=True), "qty_1").startswith("Line 1 of order SO-2001: 'x' is not")
    assert client.service.count_invoices({"order_id": order_id}) == 0


def test_quantities_are_read_and_written_in_the_pages_number_format(shop):
    client = admin(shop)
    order_id = new_order(shop, lines=TWO_LINES)
    german = {"Accept-Language": "de-DE"}
    tab = client.get(f"/admin/orders/{order_id}{TAB}", headers=german).get_data(as_text=True)
    resp = client.client.post(f"/admin/invoices/orders/{order_id}/invoices", headers=german, data={
        "invoice_date": "2026-03-02", "due_date": "2026-04-01", "csrf_token": form_token(tab),
        "qty_1": "0", "qty_2": "1,5"})
    assert resp.status_code == 303
    doc = client.service.list_invoices({"order_id": order_id}).items[0]
    assert [(l.sku, l.quantity) for l in client.service.get(doc.id).lines] == [("SW-5", Decimal("1.5"))]
    tab = client.get(f"/admin/orders/{order_id}{TAB}", headers=german).get_data(as_text=True)
    assert 'value="3,5"' in quantity_input(tab, 2)
    resp = client.client.post(f"/admin/invoices/orders/{order_id}/invoices", headers=german, data={
        "invoice_date": "2026-03-02", "due_date": "2026-04-01", "csrf_token": form_token(tab),
        "qty_1": "0", "qty_2": "1,000.50"})
    said = beside(resp.get_data(as_text=True), "qty_2")
    assert resp.status_code == 422 and said.startswith("Position 2 der Bestellung SO-2001: '1,000.50' ist keine Dezimalzahl")
    assert said.endswith(" 1.234,50.") and "19.99" not in said
    assert client.service.count_invoices({"order_id": order_id}) == 1


def test_lines_invoiced_in_full_are_offered_at_0_and_invoicing_more_asks_first(shop):
    client = admin(shop)
    order_id = new_order(shop, lines=TWO_LINES)
    create(client, order_id, qty_1="2", qty_2="5")
    tab = tab_of(client, order_id)
    assert [row[4:] for row in rows(tab)] == [["0 items", "2 items", "0"], ["0 boxes", "5 boxes", "0"]]
    resp = create(client, order_id, qty_1="1", qty_2="0")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and alert(resp).startswith("Order SO-2001 is invoiced in full already")
    assert "Create Another Invoice" in text_of(html) and 'value="1"' in quantity_input(html, 1)
    resp = client.client.post(f"/admin/invoices/orders/{order_id}/invoices", data={
        "invoice_date": "2026-03-02", "due_date": "2026-04-01", "invoice_again": "1", "qty_1": "1", "qty_2": "0",
        "csrf_token": form_token(html)})
    assert resp.status_code == 303
    again = client.service.get(int(resp.headers["Location"].rsplit("/", 1)[1]))
    assert [(l.sku, l.quantity) for l in again.lines] == [("PJ-2", Decimal("1"))]


def test_the_seeded_first_order_is_invoiced_by_a_posted_invoice_and_a_draft_of_its_back_order(shop):
    """A posted invoice and a draft are told apart: what is invoiced is what posted invoices
    invoice; a draft's quantities are in drafts; nothing is invoiced beyond what was ordered."""
    client = admin(shop)
    tab = tab_of(client, shop[1]["orders"][0]["id"])
    assert rows(tab) == [["1", "DRL-18V", "Cordless drill 18 V", "2 items", "2 items", "0 items", "0"],
                         ["2", "BOOK-TH3", "Technical handbook, 3rd edition", "5 items", "5 items", "0 items", "0"],
                         ["3", "SVC-INST", "On-site installation", "3.5 hours", "3.5 hours", "0 hours", "0"],
                         ["4", "GLV-L", "Safety gloves, size L (pair)", "10 pairs", "0 pairs", "10 pairs", "0"]]
    assert ("Already invoiced: by posted invoices, less what credit notes took back. In drafts: by draft "
            "invoices not posted yet.") in text_of(tab)


def test_create_invoice_states_the_buyers_e_invoice_address_typed(shop):
    client = admin(shop)
    order_id = new_order(shop)
    tab = client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)
    assert re.search(r'<label for="oi-order-buyer-address">Buyer(&#39;|&#x27;|\')s E-Invoice Address</label>', tab)
    assert "Where the buyer receives e-invoices (BT-49)" in text_of(tab)
    resp = create(client, order_id, buyer_electronic_address="4035811991021")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "No invoice was created. Correct the e-invoice address marked below." in text_of(html)
    beside = re.search(r'id="f-error-buyer_electronic_address"[^>]*>([^<]*)<', html)
    assert beside and beside.group(1) == ("Must be an email address or a Peppol participant id written scheme:id, "
                                          "such as 0088:4035811991021.")
    assert 'value="4035811991021"' in html and 'aria-invalid="true"' in html
    assert client.service.count_invoices({"order_id": order_id}) == 0
    resp = create(client, order_id, buyer_electronic_address=" 0088:4035811991021 ")
    assert resp.status_code == 303
    doc = client.service.list_invoices({"order_id": order_id}).items[0]
    assert client.service.get(doc.id).buyer.electronic_address == "0088:4035811991021"


@pytest.mark.parametrize("address,said", [
    ("@", "Must be an email address or a Peppol participant id written scheme:id, such as 0088:4035811991021."),
    ("billing@acme\u200b.example",
     "Must be an email address or a Peppol participant id written scheme:id, such as 0088:4035811991021."),
    ("billing@acme\u202e.example", "Must not contain U+202E RIGHT-TO-LEFT OVERRIDE: a control or text-direction "
                                   "character, which can hide or reorder what the PDF and the pages show."),
    ("b" * 250 + "@acme.example", "At most 255 characters.")])
def test_create_invoice_refuses_an_e_invoice_address_no_one_receives_at_beside_it(shop, address, said):
    client = admin(shop)
    order_id = new_order(shop)
    resp = create(client, order_id, buyer_electronic_address=address)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "No invoice was created. Correct the e-invoice address marked below." in text_of(html)
    beside = re.search(r'id="f-error-buyer_electronic_address"[^>]*>([^<]*)<', html)
    assert beside and beside.group(1) == said
    assert client.service.count_invoices({"order_id": order_id}) == 0


def test_create_invoice_says_a_wrong_date_and_a_wrong_e_invoice_address_at_once(shop):
    client = admin(shop)
    order_id = new_order(shop)
    resp = create(client, order_id, invoice_date="2026-02-30", buyer_electronic_address="billing@")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert ("'2026-02-30' is not a date (YYYY-MM-DD). No invoice was created. Correct the e-invoice address "
            "marked below.") in text_of(html)
    beside = re.search(r'id="f-error-buyer_electronic_address"[^>]*>([^<]*)<', html)
    assert beside and beside.group(1) == ("Must be an email address or a Peppol participant id written scheme:id, "
                                          "such as 0088:4035811991021.")
    assert 'value="billing@"' in html
    assert client.service.count_invoices({"order_id": order_id}) == 0


def test_create_invoice_says_a_wrong_quantity_and_a_wrong_e_invoice_address_at_once(shop):
    client = admin(shop)
    order_id = new_order(shop)
    resp = create(client, order_id, qty_1="99", buyer_electronic_address="@acme.example")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "No invoice was created. Correct the quantities and the e-invoice address marked below." in text_of(html)
    assert 'id="f-error-buyer_electronic_address"' in html and 'value="@acme.example"' in html
    assert client.service.count_invoices({"order_id": order_id}) == 0
