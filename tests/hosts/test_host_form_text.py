"""A form whose text is not UTF-8 (``note=%FF%FE``, an unescaped byte) is refused naming the field,
nothing saved, on back-office and storefront forms alike; a U+FFFD typed on purpose is text."""
from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from support.admins import admin_with
from support.payloads import invoice_payload, posted_for_seeded_customer
from support.statements import statements_sent

from oro_invoices.adapters.commerce import OrderLine
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.web.pages import CHECKED_AREAS, RAW_FORMS, ROUTES

FORM = "application/x-www-form-urlencoded"
#: What a page sends at most (``test_host_page_queries``).
MAX_STATEMENTS = 8


def _post_raw(client: ShopClient, page_url: str, action: str, body: bytes, content_type: str = FORM):
    token = form_token(client.get(page_url).get_data(as_text=True))
    return client.client.post(action, data=body + b"&csrf_token=" + quote(token).encode(),
                              content_type=content_type)


def _notes(admin: ShopClient, invoice_id: int) -> list[str]:
    return [note.body for note in admin.service.notes(invoice_id)]


def test_a_note_of_bytes_that_are_not_utf8_is_refused_naming_the_field(admin):
    inv = posted_for_seeded_customer(admin.service)
    view = f"/admin/invoices/{inv.id}"
    before = _notes(admin, inv.id)
    for body in (b"body=%FF%FE", b"body=Paid%20by%20\xe9check", b"body=caf%C3"):
        resp = _post_raw(admin, view, f"{view}/notes", body)
        assert resp.status_code == 400, body
        text = text_of(resp.get_data(as_text=True))
        assert ("Nothing was saved: what was sent in “Note” cannot be read as text (bytes that are not UTF-8). Go "
                "back, type it again and send the form again.") in text
    assert _notes(admin, inv.id) == before
    # the replacement character itself, sent as UTF-8, is what was typed
    resp = _post_raw(admin, view, f"{view}/notes", b"body=" + quote("Unreadable \ufffd in the PO").encode())
    assert resp.status_code in (302, 303)
    assert "Unreadable \ufffd in the PO" in _notes(admin, inv.id)


def test_every_field_sent_unreadable_is_named_and_a_field_name_refuses_the_form(admin):
    inv = posted_for_seeded_customer(admin.service)
    view = f"/admin/invoices/{inv.id}"
    resp = _post_raw(admin, f"{view}/credit-notes/new", f"{view}/credit-notes",
                     b"mode=partial&qty_1=1&reason=%FF&buyer_reference=PO%FE&request_key=k1")
    assert resp.status_code == 400
    assert ("Nothing was saved: what was sent in “Reason” and “Buyer reference” cannot be read as text"
            in text_of(resp.get_data(as_text=True)))
    resp = _post_raw(admin, f"{view}/credit-notes/new", f"{view}/credit-notes",
                     b"mode=full&request_key=k2&%FF=1")
    assert resp.status_code == 400
    assert ("Nothing was saved: the form was sent with a field name that cannot be read as text (it is not UTF-8). "
            "Reload the page and send the form again.") in text_of(resp.get_data(as_text=True))
    assert admin.service.credit_notes_of(inv.id) == []


def test_a_multipart_form_is_refused_by_what_its_framework_could_not_read(admin):
    inv = posted_for_seeded_customer(admin.service)
    view = f"/admin/invoices/{inv.id}"
    token = form_token(admin.get(view).get_data(as_text=True))
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token.encode() +
            b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nNet \xff\xfe 30\r\n--XyZ--\r\n")
    resp = admin.client.post(f"{view}/notes", data=body, content_type="multipart/form-data; boundary=XyZ")
    assert resp.status_code == 400
    assert "what was sent in “Note” cannot be read as text" in text_of(resp.get_data(as_text=True))
    assert not any("Net" in note for note in _notes(admin, inv.id))


def test_a_storefront_form_is_refused_alike(shop, admin):
    inv = posted_for_seeded_customer(admin.service)
    customer = ShopClient(shop[0])
    customer.login_customer(inv.customer_user_email)
    page = f"/customer/invoices/{inv.id}"
    resp = _post_raw(customer, page, f"{page}/payment", b"method=%FFpay")
    assert resp.status_code == 400
    assert "what was sent in “Payment Method” cannot be read as text" in \
        text_of(resp.get_data(as_text=True))


def test_numbered_fields_are_named_as_their_page_labels_them(admin):
    """A line's quantity, a tax rate's amount, a remittance share: never their internal names; a
    hidden field the page fills in is said to be one."""
    inv = posted_for_seeded_customer(admin.service)
    view = f"/admin/invoices/{inv.id}"
    resp = _post_raw(admin, f"{view}/credit-notes/new", f"{view}/credit-notes",
                     b"mode=partial&qty_1=%FF&amount_0_19=1%FE&request_key=k%FF&qty_2=%FF")
    assert resp.status_code == 400
    text = text_of(resp.get_data(as_text=True))
    assert ("Nothing was saved: what was sent in “Quantity of line 1 to credit”, “Amount at 19% tax”, “Quantity of "
            "line 2 to credit”, and a field the page fills in itself cannot be read as text") in text
    assert "qty_" not in text and "amount_" not in text and "request_key" not in text
    assert admin.service.credit_notes_of(inv.id) == []
    resp = _post_raw(admin, view, "/admin/invoices/selected/payment",
                     f"invoice={inv.id}&amount-{inv.id}=%FF&request_key=k&confirm=%FF&to_customer=%FE".encode())
    assert resp.status_code == 400
    assert (f"what was sent in “Payment for {inv.invoice_number}” and 2 fields the page fills in itself cannot be "
            "read") in text_of(resp.get_data(as_text=True))


def test_a_share_is_named_as_the_record_payment_page_labels_it_in_as_many_statements_for_any_number(shop, admin):
    """“Payment for INV-…”, the number read once for all the shares (at most ``MAX_STATEMENTS``);
    an invoice of another organization is not named by its number."""
    mine = [posted_for_seeded_customer(admin.service) for _ in range(3)]
    theirs = admin.service.post(admin.service.create(invoice_payload(
        organization_id=2, customer_id=None, customer_user_id=None, order_id=None, website_id=None,
        external_id="THEIRS-1"), actor="test").id, actor="test")
    page = f"/admin/invoices/selected/payment?invoice={mine[0].id}"
    token = form_token(admin.get(page).get_data(as_text=True))
    sent = []
    for docs in (mine[:1], mine):
        body = "&".join([f"invoice={doc.id}&amount-{doc.id}=1%FF" for doc in docs] +
                        [f"amount-{theirs.id}=%FE", "request_key=k", f"csrf_token={quote(token)}"]).encode()
        with statements_sent(shop[0]) as seen:
            resp = admin.client.post("/admin/invoices/selected/payment", data=body, content_type=FORM)
        assert resp.status_code == 400
        named = ", ".join(f"“Payment for {doc.invoice_number}”" for doc in docs)
        assert (f"what was sent in {named}{',' if len(docs) > 1 else ''} and “Amount” cannot be read as text"
                in text_of(resp.get_data(as_text=True)))
        assert theirs.invoice_number not in resp.get_data(as_text=True)
        sent.append(len(seen))
    assert sent[0] == sent[1] and sent[0] <= MAX_STATEMENTS
    assert [t.amount for doc in mine for t in admin.service.transactions(doc.id)] == []


def test_an_order_lines_quantity_is_named_with_its_item_as_the_tab_labels_it(shop, admin):
    host = shop[0].extensions["oro_reference_host"]
    seeded = host.orders.get(shop[1]["orders"][0]["id"])
    order_id = host.records.add_order(
        identifier="SO-3001", currency="EUR", organization_id=1, customer_id=seeded.customer_id,
        customer_user_id=seeded.customer_user_id, website_id=seeded.website_id, bill_to=seeded.bill_to,
        ship_to=seeded.ship_to,
        lines=(OrderLine("Pallet jack", Decimal("2"), Decimal("310.00"), Decimal("0.19"), "PJ-2", "piece"),
               OrderLine("Shrink wrap", Decimal("5"), Decimal("12.50"), Decimal("0.19"), "", "box")))
    tab = f"/admin/orders/{order_id}?tab=oro_invoices.order_invoices"
    token = form_token(admin.get(tab).get_data(as_text=True))
    with statements_sent(shop[0]) as seen:
        resp = admin.client.post(f"/admin/invoices/orders/{order_id}/invoices", content_type=FORM,
                                 data=b"qty_1=%FF&qty_2=1%FE&qty_3=%FF&invoice_date=2026-01-01&due_date=2026-02-01"
                                      b"&csrf_token=" + quote(token).encode())
    assert resp.status_code == 400 and len(seen) <= MAX_STATEMENTS
    assert ("Nothing was saved: what was sent in “Quantity to invoice of line 1: PJ-2 Pallet jack”, “Quantity to "
            "invoice of line 2: Shrink wrap”, and “Quantity to invoice of line 3” cannot be read as text"
            in text_of(resp.get_data(as_text=True)))
    assert admin.service.list_invoices({"order_id": order_id}).items == []


@pytest.mark.parametrize("hosts_own", ["foo=%FF", "foo=bar", "%FF=1", "customer=%FF&date_from=%FE"])
def test_the_order_pages_invoices_tab_shows_whatever_the_order_pages_own_query_holds(shop, admin, hosts_own):
    """The order page's address is the host's: the embedded tab reads none of it, so none of it is refused."""
    order = shop[1]["orders"][0]
    inv = next(i for i in admin.service.list_invoices({"order_id": order["id"]}).items if i.status == "posted")
    resp = admin.get(f"/admin/orders/{order['id']}?tab=oro_invoices.order_invoices&{hosts_own}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "This tab is not available." not in page and "cannot be read as text" not in text_of(page)
    row = re.search(rf'<tr data-invoice-id="{inv.id}">.*?</tr>', page, re.S)
    assert row is not None and inv.invoice_number in text_of(row.group(0))
    assert 'id="oi-order-invoice-date" name="invoice_date"' in page      # the Create Invoice form too


@pytest.mark.parametrize("url,named", [
    ("/admin/invoices?customer=%FF", "“Customer”"),
    ("/admin/invoices?number=INV%FE&status=posted&date_from=%FF", "“Invoice Number” and “Date from”"),
    ("/admin/invoices/export.csv?customer=%FF", "“Customer”"),
    ("/admin/invoices/aging?as_of=%FF&customer=%C3", "“As of” and “Customer”"),
    ("/admin/invoices/aging.csv?currency=%FF", "“Currency”"),
    ("/admin/invoices/statement?customer=%FF", "“Customer”"),
    ("/admin/invoices/statement/activity?customer=1&from=%FF&to=%FE", "“Date from” and “Date to”"),
    ("/admin/invoices?dialog=%FF&sort=%FF", "“Sort by” and a value the page put in its address itself"),
])
def test_a_back_office_query_that_is_not_utf8_is_refused_naming_its_filter(admin, url, named):
    resp = admin.get(url)
    assert resp.status_code == 400, url
    assert resp.mimetype == "text/html"
    text = text_of(resp.get_data(as_text=True))
    assert (f"Nothing was shown: what the page's address gives for {named} cannot be read as text (bytes that are "
            "not UTF-8). Go back, choose or type the filter again and search again.") in text
    assert "\ufffd" not in text


def test_a_query_parameter_name_that_is_not_utf8_is_refused_and_a_typed_replacement_character_is_text(admin):
    resp = admin.get("/admin/invoices?%FF=1")
    assert resp.status_code == 400
    assert ("Nothing was shown: the page's address holds a parameter name that cannot be read as text (it is not "
            "UTF-8). Open the page again from its link or menu.") in text_of(resp.get_data(as_text=True))
    assert admin.get("/admin/invoices?customer=" + quote("\ufffd")).status_code == 200


def test_a_storefront_filter_that_is_not_utf8_is_refused_alike(shop, admin):
    inv = posted_for_seeded_customer(admin.service)
    customer = ShopClient(shop[0])
    customer.login_customer(inv.customer_user_email)
    for url, named in (("/customer/invoices?number=%FF&document_type=invoice", "“Invoice Number”"),
                       ("/customer/invoices/activity?from=%FF", "“Date from”")):
        resp = customer.get(url)
        assert resp.status_code == 400, url
        assert f"what the page's address gives for {named} cannot be read as text" in \
            text_of(resp.get_data(as_text=True))
    assert customer.get("/customer/invoices?number=" + quote("Ä")).status_code == 200


def _refusal_of_customer(text: str) -> bool:
    return "what the page's address gives for “Customer” cannot be read as text" in text


def test_a_visitor_not_logged_in_is_asked_to_log_in_before_what_they_sent_is_judged(shop):
    """Login comes first; the page asked for keeps its address as sent, so after the login it
    refuses the filter naming it rather than searching for the U+FFFD the bytes decode to."""
    visitor = ShopClient(shop[0])
    resp = visitor.get("/admin/invoices?customer=%FF")
    assert resp.status_code == 302
    login = resp.headers["Location"]
    assert login == "/admin/login?next=/admin/invoices%3Fcustomer%3D%25FF"
    assert not _refusal_of_customer(text_of(resp.get_data(as_text=True)))
    done = visitor.submit(login, login, {"username": "admin", "password": "admin1234"})
    assert done.status_code == 302 and done.headers["Location"] == "/admin/invoices?customer=%FF"
    after = visitor.get(done.headers["Location"])
    assert after.status_code == 400 and _refusal_of_customer(text_of(after.get_data(as_text=True)))
    store = visitor.get("/customer/invoices?number=%FF")
    assert store.status_code == 302 and store.headers["Location"].startswith("/customer/login?next=")
    note = ShopClient(shop[0]).client.post("/admin/invoices/1/notes", data=b"body=%FF", content_type=FORM)
    assert note.status_code == 302 and note.headers["Location"].startswith("/admin/login?next=")


def test_a_user_without_the_permission_is_refused_before_what_they_sent_is_judged(shop, admin):
    inv = posted_for_seeded_customer(admin.service)
    nobody = admin_with(shop, [], username="nobody")
    resp = nobody.get("/admin/invoices?customer=%FF")
    assert resp.status_code == 403
    text = text_of(resp.get_data(as_text=True))
    assert "You do not have permission to do this." in text and not _refusal_of_customer(text)
    viewer = admin_with(shop)          # may view invoices, not write notes
    view = f"/admin/invoices/{inv.id}"
    note = _post_raw(viewer, view, f"{view}/notes", b"body=%FF%FE")
    assert note.status_code == 403 and "cannot be read as text" not in text_of(note.get_data(as_text=True))
    assert viewer.get("/admin/invoices?customer=%FF").status_code == 400    # the page is theirs: judged
    no_access = ShopClient(shop[0])
    no_access.login_customer("no.access@acme.example")
    store = no_access.get("/customer/invoices?number=%FF")
    assert store.status_code == 403 and "cannot be read as text" not in text_of(store.get_data(as_text=True))
    records = shop[0].extensions["oro_reference_host"].records    # a department buyer of no organization
    records.add_customer_user(records.add_customer("Nowhere Ltd", organization_id=None), "nobody@nowhere.test",
                              "No Body", password="demo1234", invoice_role="department")
    nowhere = ShopClient(shop[0])
    nowhere.login_customer("nobody@nowhere.test")
    store = nowhere.get("/customer/invoices?number=%FF")
    assert store.status_code == 403 and "belongs to no organization" in text_of(store.get_data(as_text=True))


def test_every_page_a_user_may_use_refuses_a_query_it_cannot_read(shop, admin):
    """Every back-office and storefront page judges what it was sent in ``guard.check``: none
    runs without it."""
    inv = posted_for_seeded_customer(admin.service)
    customer = ShopClient(shop[0])
    customer.login_customer(inv.customer_user_email)
    prefixes = {"backoffice": "/admin/invoices", "storefront": "/customer/invoices"}
    unjudged = []
    for route in ROUTES:
        if route.area not in CHECKED_AREAS or route.endpoint in RAW_FORMS:
            continue
        path = re.sub(r"<\w+>", "x", re.sub(r"<int:\w+>", str(inv.id), prefixes[route.area] + route.rule))
        client = admin if route.area == "backoffice" else customer
        resp = client.client.open(f"{path}?page_token=%FF", method=route.methods[0])
        said = text_of(resp.get_data(as_text=True))
        if resp.status_code != 400 or "a value the page put in its address itself cannot be read" not in said:
            unjudged.append((route.endpoint, resp.status_code, said[:120]))
    assert unjudged == []
