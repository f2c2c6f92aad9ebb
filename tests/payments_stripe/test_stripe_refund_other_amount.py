"""Stripe refunding another amount than it was asked: the refusal says both as money in the
payment's currency (Stripe's amounts are minor units: 500 is ¥500, $5.00)."""
from __future__ import annotations

import pytest
from support.stripe_payments import back_from_stripe, confirm, posted, start, stripe_service

from oro_invoices import i18n
from oro_invoices.formatting import Formatter
from oro_invoices.integration.payment_methods import ProviderError


def asking_more(service, extra: int) -> None:
    """The Stripe client sends each refund for ``extra`` minor units more than it was asked."""
    method = service.payment_methods.get("stripe")
    real = method.client_factory

    def factory(settings):
        client = real(settings)
        create = client.v1.refunds.create
        client.v1.refunds.create = lambda params, options=None: create({**params, "amount": params["amount"] + extra},
                                                                        options)
        return client
    method.client_factory = factory


@pytest.mark.parametrize("currency, price, asked, said, shown", [
    ("JPY", "2400", "400", "Stripe refunded 500 JPY instead of 400 JPY; check the Stripe Dashboard.",
     "Stripe refunded ¥500 instead of ¥400; check the Stripe Dashboard."),
    ("USD", "24.00", "4.00", "Stripe refunded 5.00 USD instead of 4.00 USD; check the Stripe Dashboard.",
     "Stripe refunded $5.00 instead of $4.00; check the Stripe Dashboard."),
])
def test_a_refund_of_another_amount_says_both_as_money(db, stripe_account, currency, price, asked, said, shown):
    stripe_account.local_only("the refund request is changed on its way")
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service, currency=currency, lines=[{"description": "Tea", "quantity": "1", "unit_price": price}])
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    charge = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded")).attempt.transaction_id
    asking_more(service, 100)
    with pytest.raises(ProviderError) as refused:
        service.refund_payment(charge, asked, actor="admin")
    assert refused.value.message == said
    with i18n.using("en_US", values=Formatter("en_US").value):
        assert i18n._(refused.value.message) == shown
