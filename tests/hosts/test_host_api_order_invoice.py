"""``POST /api/orders/{id}/invoices`` on the reference shop: a draft invoice of a host order."""
from __future__ import annotations

from decimal import Decimal

from support.api import shop_api_call

from oro_invoices.adapters.commerce import OrderLine

LINES = (OrderLine("Pallet jack", Decimal("2"), Decimal("310.00"), Decimal("0.19"), "PJ-2", "piece"),
         OrderLine("Delivery", Decimal("1"), Decimal("45.00"), Decimal("0.19"), "SHIP", "service"))


def new_order(shop, *, lines=LINES, identifier: str = "SO-3001") -> int:
    """A new order of Northwind's first seeded order's customer, nothing invoiced yet."""
    seeded = shop[1]["orders"][0]
    host = shop[0].extensions["oro_reference_host"]
    known = host.orders.get(seeded["id"])
    return host.records.add_order(identifier=identifier, currency="EUR", organization_id=1,
                                  customer_id=seeded["customer_id"], customer_user_id=seeded["customer_user_id"],
                                  website_id=known.website_id, lines=lines, bill_to=known.bill_to,
                                  ship_to=known.ship_to)


def test_a_draft_of_the_order_is_created(shop):
    order_id = new_order(shop)
    resp = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices",
                         {"invoice_date": "2026-03-02", "due_date": "2026-04-01"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert resp.headers["Location"] == f"/api/invoices/{body['id']}"
    assert (body["status"], body["order_id"], body["order_identifier"], body["currency"], body["total_amount"]) \
        == ("draft", order_id, "SO-3001", "EUR", "791.35")
    assert (body["invoice_date"], body["due_date"], body["customer_name"]) \
        == ("2026-03-02", "2026-04-01", "Acme Industries AG")
    assert [(l["sku"], l["quantity"], l["unit_price"]) for l in body["lines"]] \
        == [("PJ-2", "2", "310.00"), ("SHIP", "1", "45.00")]
    assert body["bill_to"]["city"] and body["ship_to"]["city"]


def test_a_part_of_the_order_then_the_rest_then_no_more(shop):
    order_id = new_order(shop)
    part = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices", {"lines": [{"line": 1, "quantity": "1"}]})
    assert part.status_code == 201 and part.get_json()["total_amount"] == "368.90"
    rest = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices",
                         {"lines": [{"line": 1, "quantity": "1"}, {"line": 2, "quantity": "1"}]})
    assert rest.status_code == 201
    refused = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices")
    assert refused.status_code == 409
    [error] = refused.get_json()["errors"]
    assert error["code"] == "order_invoiced"
    ids = part.get_json()["id"], rest.get_json()["id"]
    assert error["message"] == (f"Order SO-3001 is invoiced in full already (791.35 EUR of its 791.35 EUR) by "
                                f"Draft #{ids[0]}, Draft #{ids[1]}. Create another invoice of it only if that "
                                "is intended.")
    again = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices", {"invoice_again": True})
    assert again.status_code == 201


def test_bad_requests_are_answered_in_words(shop):
    order_id = new_order(shop)
    sakura = next(o for o in shop[1]["orders"] if o["organization_id"] == 2)
    resp = shop_api_call(shop, "POST", f"/orders/{sakura['id']}/invoices")
    assert resp.status_code == 404
    assert resp.get_json()["errors"][0]["message"] == f"Order {sakura['id']} does not exist in organization 1."
    assert shop_api_call(shop, "POST", "/orders/abc/invoices").status_code == 404
    resp = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices",
                         {"lines": [{"line": 3, "quantity": "1"}, {"line": 1, "quantity": "5"}]})
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [
        {"field": "lines", "message": "Line 1 of order SO-3001: at most 2 can be invoiced, as many as were ordered."},
        {"field": "lines", "message": "Order SO-3001 has no line 3: its lines are 1 to 2."}]
    resp = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices", {"due_date": "soon", "colour": "red"})
    assert resp.status_code == 422
    assert sorted(e["field"] for e in resp.get_json()["errors"]) == ["colour", "due_date"]
    empty = new_order(shop, lines=(), identifier="SO-3002")
    resp = shop_api_call(shop, "POST", f"/orders/{empty}/invoices")
    assert resp.status_code == 422 and resp.get_json()["errors"] == [
        {"field": "order_id", "message": "Order SO-3002 has no lines: there is nothing to invoice."}]


def test_an_idempotency_key_creates_one_draft(shop):
    order_id = new_order(shop)
    first = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices", {}, headers={"Idempotency-Key": "k-1"})
    second = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices", {}, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true" and second.get_json()["id"] == first.get_json()["id"]
    service = shop[0].extensions["oro_invoices"].service
    assert service.count_invoices({"order_id": order_id}) == 1


def test_the_invoice_of_an_order_carries_the_buyers_po_number(shop):
    seeded = shop[1]["orders"][0]
    host = shop[0].extensions["oro_reference_host"]
    order_id = host.records.add_order(identifier="SO-3002", currency="EUR", organization_id=1,
                                      customer_id=seeded["customer_id"], lines=LINES, purchase_order="PO-88231")
    resp = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices", {"invoice_date": "2026-03-02"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["purchase_order"] == "PO-88231"


def test_the_request_may_give_another_po_number_or_none(shop):
    seeded = shop[1]["orders"][0]
    host = shop[0].extensions["oro_reference_host"]
    order_id = host.records.add_order(identifier="SO-3003", currency="EUR", organization_id=1,
                                      customer_id=seeded["customer_id"], lines=LINES, purchase_order="PO-88231")
    other = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices",
                          {"lines": [{"line": 1, "quantity": "1"}], "purchase_order": "PO-9"})
    assert other.status_code == 201 and other.get_json()["purchase_order"] == "PO-9"
    none = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices",
                         {"lines": [{"line": 2, "quantity": "1"}], "purchase_order": ""})
    assert none.status_code == 201 and none.get_json()["purchase_order"] == ""
    refused = shop_api_call(shop, "POST", f"/orders/{order_id}/invoices", {"purchase_order": "PO\u202e9"})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} == {"purchase_order"}
