"""An order placed through Oscar's own checkout machinery (basket, strategy, order creator)
read back as the add-on's snapshot."""
from __future__ import annotations

from decimal import Decimal

from support.oscar_shop import Shop


def test_checkout_order_snapshot_with_uk_vat(shop: Shop) -> None:
    from django.contrib.auth import get_user_model
    from oscar.apps.partner.strategy import UK
    from oscar.test import factories
    buyer = get_user_model().objects.create_user(username="jo", email="jo@shop.test",
                                                 first_name="Jo", last_name="Brown")
    product = factories.create_product(title="Teapot", price=Decimal("10.00"), num_in_stock=5,
                                       partner_sku="TEA-1")
    basket = factories.create_basket(empty=True)
    basket.strategy = UK()  # 20% VAT on top of the stock record's price
    basket.add_product(product, 2)
    shipping = factories.ShippingAddressFactory(first_name="Jo", last_name="Brown", line1="1 Tea Lane",
                                                line4="Bath", postcode="BA1 1AA")
    order = factories.create_order(basket=basket, user=buyer, shipping_address=shipping)

    snapshot = shop.host.orders.get(order.id)
    line = order.lines.get()
    assert (snapshot.identifier, snapshot.currency) == (str(order.number), order.currency)
    assert snapshot.organization_id == line.partner_id
    assert [(l.description, l.quantity, l.unit_price, l.tax_rate, l.sku) for l in snapshot.lines] \
        == [("Teapot", Decimal("2"), Decimal("10.00"), Decimal("0.2"), "TEA-1")]
    # a plain Oscar customer becomes a customer user of a personal customer
    assert snapshot.customer_user_id == buyer.pk
    customer = shop.host.customers.get_customer(snapshot.customer_id)
    assert customer is not None and customer.name == "Jo Brown"
    assert shop.host.customers.get_customer_user(buyer.pk).customer_id == customer.id
    # Oscar's checkout took no billing address: the invoice is billed to where the goods went
    assert order.billing_address is None and snapshot.ship_to is not None
    assert snapshot.bill_to == snapshot.ship_to and snapshot.bill_to.street == "1 Tea Lane"
