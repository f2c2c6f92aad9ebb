"""When Stripe applies: its keys, its currencies and minimum amounts, the plugin, the optional package."""
from __future__ import annotations

import json

import pytest
from support.extras import run_without
from support.stripe_payments import local_account, posted, start, stripe_service

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.integration.stripe_method import settings as keys
from oro_invoices.integration.stripe_method.amounts import MINIMUM_CHARGE, charge_limits
from oro_invoices.integration.stripe_method.method import StripeMethod
from oro_invoices.services.checkout import NO_METHOD, PAYABLE

NO_METHOD_MESSAGE = "No payment methods are available, please contact us to proceed."
ACCOUNT = local_account("http://stripe.invalid")  # nothing here reaches Stripe


def one_line(price: str, currency: str) -> dict:
    return {"currency": currency, "lines": [{"description": "Sample", "quantity": "1", "unit_price": price,
                                             "tax_rate": "0"}]}


@pytest.mark.parametrize(("currency", "below", "minimum"), [
    ("USD", "0.49", "0.50"), ("EUR", "0.49", "0.50"), ("GBP", "0.29", "0.30"), ("JPY", "49", "50"),
    ("HKD", "3.99", "4.00"), ("MXN", "9.99", "10.00")])
def test_below_stripes_minimum_no_method_applies(sqlite_db, currency, below, minimum):
    service, _ = stripe_service(sqlite_db, ACCOUNT)
    small = posted(service, **one_line(below, currency))
    assert service.payment_availability(small).reason == NO_METHOD
    assert not service.can_pay(small)
    with pytest.raises(Conflict) as refused:
        start(service, small.id)
    assert refused.value.message == NO_METHOD_MESSAGE
    enough = posted(service, **one_line(minimum, currency))
    assert service.payment_availability(enough).reason == PAYABLE


def test_a_part_payment_is_at_least_stripes_minimum(sqlite_db):
    service, _ = stripe_service(sqlite_db, ACCOUNT, partial=True, minimum="0")
    doc = posted(service)
    assert service.payment_availability(doc).amounts[0] == pytest.approx(0.5)
    with pytest.raises(ValidationError) as refused:
        start(service, doc.id, "0.40")
    assert refused.value.errors == [("amount", "Must be between 0.50 USD and 231.86 USD.")]


def test_the_minimum_table():
    assert MINIMUM_CHARGE["USD"] == 50 and MINIMUM_CHARGE["GBP"] == 30 and MINIMUM_CHARGE["JPY"] == 50
    limits = charge_limits("usd")
    assert limits is not None and (limits.minimum, limits.maximum) == (50, 99_999_999)
    assert charge_limits("KWD") is None  # three-decimal: not taken


def test_stripe_needs_both_keys_and_a_currency_it_takes():
    method = StripeMethod()
    config = {keys.SECRET_KEY: "sk_test_x", keys.PUBLISHABLE_KEY: "pk_test_x"}
    assert method.limits("EUR", config) is not None
    assert method.limits("EUR", {**config, keys.SECRET_KEY: ""}) is None
    assert method.limits("EUR", {**config, keys.PUBLISHABLE_KEY: " "}) is None
    assert method.limits("KWD", config) is None


def test_without_keys_the_payment_page_offers_no_method(sqlite_db):
    service, settings = stripe_service(sqlite_db, ACCOUNT)
    settings.set(keys.SECRET_KEY, "")
    doc = posted(service)
    assert service.payment_availability(doc).reason == NO_METHOD


def test_stripe_is_a_default_plugin_that_can_be_blocked_or_replaced():
    from oro_invoices.integration.payment_methods import PaymentMethods
    assert "stripe" in PaymentMethods.from_plugins(get_plugin_manager(load_entrypoints=False))
    blocked = get_plugin_manager(load_entrypoints=False,
                                 blocked=["oro_invoices.integration.default_plugins.stripe_payments"])
    assert "stripe" not in PaymentMethods.from_plugins(blocked)

    class OtherStripe(StripeMethod):
        label = "Stripe (custom)"

    class Plugin:
        @hookimpl
        def register_payment_methods(self):
            return [OtherStripe()]

    replaced = PaymentMethods.from_plugins(get_plugin_manager(load_entrypoints=False, plugins=[Plugin()]))
    assert replaced.get("stripe").label == "Stripe (custom)"


BUILD = '''
    import json, sys
    from oro_invoices.composition import AddonConfig, build_addon
    with build_addon(AddonConfig(database_url=sys.argv[1], host="memory", migrate=True, pdf=False,
                                 load_entrypoints=False)) as addon:
        methods = sorted(addon.invoices.payment_methods.names())
    print(json.dumps({"methods": methods, "stripe_imported": "stripe" in sys.modules}))
'''


def test_the_core_works_without_the_stripe_package(tmp_path):
    result = run_without(["stripe"], BUILD, f"sqlite:///{tmp_path / 'a.db'}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"methods": ["oropay"], "stripe_imported": False}


def test_stripe_is_imported_only_when_a_payment_needs_it(tmp_path):
    result = run_without([], BUILD, f"sqlite:///{tmp_path / 'b.db'}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"methods": ["oropay", "stripe"],
                                                                  "stripe_imported": False}


def test_stripe_out_of_reach_is_a_clear_error_and_ends_the_attempt(sqlite_db):
    from oro_invoices.integration.payment_methods import ProviderError
    service, _ = stripe_service(sqlite_db, local_account("http://127.0.0.1:1"))
    doc = posted(service)
    with pytest.raises(ProviderError, match="Stripe could not be reached while creating the payment"):
        start(service, doc.id, request_key="form-key-0000000000000009")
    [attempt] = [a for a in service.activities(doc.id) if "did not go through" in a.summary]
    assert "Stripe could not be reached" in attempt.summary
    assert service.transactions(doc.id) == []


def test_a_refused_secret_key_says_so(sqlite_db, stripe_server):
    from oro_invoices.integration.payment_methods import ProviderError
    service, settings = stripe_service(sqlite_db, local_account(stripe_server))
    settings.set(keys.SECRET_KEY, "pk_test_not_a_secret_key")
    doc = posted(service)
    with pytest.raises(ProviderError, match="Stripe refused the configured secret key while creating the payment"):
        start(service, doc.id)
