"""The Oscar kit seeder's ``add_order``: the order it puts into the shop is the one the host reads
back (its number, currency, organization, customer, lines, addresses and when it was placed),
and an order it cannot place as asked is refused, saying why."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from oro_invoices.adapters import OrderLine
from oro_invoices.domain.invoice import Address

#: When the seeded orders are placed (the host's clock, as the kit's orders are).
PLACED = dt.datetime(2031, 5, 6, 7, 8, tzinfo=dt.UTC)
BILL_TO = Address(name="Bea Buyer", organization="Umbrella Ltd", street="Hauptstr. 1", city="Berlin",
                  postal_code="10115", country="DE")


def test_an_order_added_is_read_back_as_placed(shop, monkeypatch) -> None:
    monkeypatch.setattr(shop.host, "clock", lambda: PLACED)
    seeder = shop.host.seeder()
    customer = seeder.add_customer("Umbrella Ltd")
    buyer = seeder.add_customer_user(customer.id, "bea@umbrella.test", "Bea Buyer")
    order = seeder.add_order(
        identifier="SO-7001", currency="EUR", organization_id=1, customer_id=customer.id,
        customer_user_id=buyer.id, bill_to=BILL_TO,
        lines=(OrderLine(description="Widget", quantity=Decimal(2), unit_price=Decimal("19.99"),
                         tax_rate=Decimal("0.19"), sku="W-1"),
               OrderLine(description="Gadget", quantity=Decimal(1), unit_price=Decimal("49.00"), sku="G-1")))
    assert shop.host.orders.get(order.id) == order
    assert (order.identifier, order.currency, order.organization_id, order.customer_id, order.customer_user_id) == (
        "SO-7001", "EUR", 1, customer.id, buyer.id)
    assert [(line.description, line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("Widget", "W-1", Decimal(2), Decimal("19.99")), ("Gadget", "G-1", Decimal(1), Decimal("49.00"))]
    assert [round(line.tax_rate, 2) for line in order.lines] == [Decimal("0.19"), Decimal("0.00")]
    assert order.bill_to is not None and (order.bill_to.name, order.bill_to.city, order.bill_to.country) == (
        "Bea Buyer", "Berlin", "DE")
    assert order.ship_to is None and order.created_at == PLACED


def test_orders_added_without_a_number_get_one_each(shop) -> None:
    seeder = shop.host.seeder()
    line = OrderLine(description="Bolt", quantity=Decimal(1), unit_price=Decimal("1.00"))
    first, second = (seeder.add_order(lines=(line,)) for _ in range(2))
    assert first.identifier.startswith("KIT-") and second.identifier.startswith("KIT-")
    assert first.identifier != second.identifier and first.currency == "USD"


def _shop_rows() -> dict[str, list[str]]:
    """What the shop holds of orders: their numbers, their lines' titles and their billing
    addresses' names."""
    from oscar.core.loading import get_model
    return {"orders": sorted(get_model("order", "Order").objects.values_list("number", flat=True)),
            "lines": sorted(get_model("order", "Line").objects.values_list("title", flat=True)),
            "billing addresses": sorted(get_model("order", "BillingAddress").objects
                                        .values_list("first_name", flat=True))}


def test_a_line_less_order_is_its_websites_organizations(shop) -> None:
    seeder = shop.host.seeder()
    website = seeder.add_website("Initech Store", organization_id=2)
    assert seeder.add_order(organization_id=2, website_id=website.id).organization_id == 2
    before = _shop_rows()
    with pytest.raises(ValueError, match="give it lines or a website of organization 2"):
        seeder.add_order(identifier="SO-7201", organization_id=2, bill_to=BILL_TO)
    assert _shop_rows() == before  # the refused order is not left half-made
    assert "SO-7201" not in before["orders"]


def test_an_order_for_a_customer_its_buyer_does_not_buy_for_is_refused(shop) -> None:
    seeder = shop.host.seeder()
    own, other = seeder.add_customer("Umbrella Ltd"), seeder.add_customer("Hooli Inc")
    buyer = seeder.add_customer_user(own.id, "bea@umbrella.test", "Bea Buyer")
    line = OrderLine(description="Refused bolt", quantity=Decimal(1), unit_price=Decimal("1.00"))
    before = _shop_rows()
    with pytest.raises(ValueError, match=f"customer user {buyer.id} does not buy for customer {other.id}"):
        seeder.add_order(identifier="SO-7202", customer_id=other.id, customer_user_id=buyer.id,
                         lines=(line,), bill_to=BILL_TO)
    assert _shop_rows() == before  # neither the order nor its line nor its address stays
    assert "SO-7202" not in before["orders"] and "Refused bolt" not in before["lines"]
    order = seeder.add_order(identifier="SO-7202", customer_id=own.id, customer_user_id=buyer.id, lines=(line,))
    assert order.identifier == "SO-7202" and order.customer_id == own.id  # its number is free again


def test_an_orders_po_number_is_read_back_and_one_no_invoice_can_state_is_refused(shop) -> None:
    seeder = shop.host.seeder()
    line = OrderLine(description="Bolt", quantity=Decimal(1), unit_price=Decimal("1.00"))
    order = seeder.add_order(identifier="SO-7100", lines=(line,), purchase_order=" PO-88231 ")
    assert order.purchase_order == "PO-88231" and shop.host.orders.get(order.id).purchase_order == "PO-88231"
    assert seeder.add_order(identifier="SO-7101", lines=(line,)).purchase_order == ""
    from oscar.core.loading import get_model
    orders = get_model("order", "Order").objects
    before = orders.count()
    with pytest.raises(ValueError, match=r"purchase_order 'PO\\u202e1'.*U\+202E"):
        seeder.add_order(identifier="SO-7102", lines=(line,), purchase_order="PO\u202e1")
    assert orders.count() == before  # no order without its PO number
