"""A form whose text is not UTF-8 (``note=%FF%FE``, an unescaped byte) is refused naming the field,
nothing saved, on back-office and storefront forms alike; a U+FFFD typed on purpose is text."""
from __future__ import annotations

from urllib.parse import quote

from support.payloads import posted_for_seeded_customer

from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of

FORM = "application/x-www-form-urlencoded"


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
