"""``oro-invoices demo --stripe-api-base URL``: the demo's organizations pay with Stripe.

The Stripe API at URL (Stripe's own, or a local stand-in such as localstripe) gets test keys and
a webhook signing secret (options with test defaults); Stripe.js is loaded from
``--stripe-js-url``, by default Stripe's own for Stripe's API and ``<URL>/js.stripe.com/v3/``
(where localstripe serves its Stripe.js) for any other. ``demo.json`` lists, under ``stripe``,
the webhook URL to register at Stripe with the signing secret, and the publishable key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oro_invoices.integration.links import absolute_link
from oro_invoices.integration.links import base_url_problem as url_problem
from oro_invoices.integration.stripe_method import settings as stripe_settings

if TYPE_CHECKING:  # pragma: no cover
    import flask

SECRET_KEY = "sk_test_oro_invoices_demo"
PUBLISHABLE_KEY = "pk_test_oro_invoices_demo"
WEBHOOK_SECRET = "whsec_oro_invoices_demo"
NOTIFY_ENDPOINT = "oro_invoices.storefront.payment_notify"
#: option -> (what it is, how Stripe's values of it start)
_KEYS = {"--stripe-secret-key": ("secret key", "sk_"), "--stripe-publishable-key": ("publishable key", "pk_"),
         "--stripe-webhook-secret": ("webhook signing secret", "whsec_")}


@dataclass(frozen=True)
class StripeDemo:
    """Where the demo's Stripe is, and its test keys."""

    api_base: str
    js_url: str
    secret_key: str
    publishable_key: str
    webhook_secret: str


def default_js_url(api_base: str) -> str:
    """Stripe.js for an API base: Stripe's own for Stripe's API, else the stand-in's ``/js.stripe.com/v3/``."""
    if api_base.rstrip("/") == stripe_settings.STRIPE_API_BASE:
        return stripe_settings.STRIPE_JS_URL
    return f"{api_base.rstrip('/')}/js.stripe.com/v3/"


def stripe_demo(api_base: str, *, js_url: str | None = None, secret_key: str = SECRET_KEY,
                publishable_key: str = PUBLISHABLE_KEY, webhook_secret: str = WEBHOOK_SECRET) -> StripeDemo:
    """The options checked; ``ValueError`` names the option that is wrong and why."""
    for option, value in (("--stripe-api-base", api_base), ("--stripe-js-url", js_url)):
        if value is None:
            continue
        problem = url_problem(value) if value else "Must not be empty."
        if option == "--stripe-js-url" and problem == "Must not have a query (?) or a fragment (#).":
            problem = None  # a script URL may carry a query
        if problem is not None:
            raise ValueError(f"{option} {value!r}: {problem}")
    for option, value in (("--stripe-secret-key", secret_key), ("--stripe-publishable-key", publishable_key),
                          ("--stripe-webhook-secret", webhook_secret)):
        what, prefix = _KEYS[option]
        if not value.startswith(prefix) or len(value) <= len(prefix) or any(c.isspace() for c in value):
            raise ValueError(f"{option} {value!r}: a Stripe {what} starts with {prefix} and has no spaces.")
    return StripeDemo(api_base=api_base.rstrip("/"), js_url=js_url or default_js_url(api_base),
                      secret_key=secret_key, publishable_key=publishable_key, webhook_secret=webhook_secret)


def configure_stripe(app: flask.Flask, demo: StripeDemo, *, base_url: str,
                     organization_ids: list[int]) -> dict[str, Any]:
    """Turn payments on with Stripe for each organization; what demo.json lists under ``stripe``."""
    from oro_invoices.integration.config import Settings
    host = app.extensions["oro_reference_host"]
    settings = Settings.of_host(host)
    values = {"oro_invoices.payments_enabled": True, "oro_invoices.mail.payment_receipts": True,
              "oro_invoices.payment_method": "stripe",
              stripe_settings.SECRET_KEY: demo.secret_key, stripe_settings.PUBLISHABLE_KEY: demo.publishable_key,
              stripe_settings.WEBHOOK_SECRET: demo.webhook_secret, stripe_settings.API_BASE: demo.api_base,
              stripe_settings.JS_URL: demo.js_url}
    for organization_id in organization_ids:
        settings.apply(values, "organization", organization_id)
    # Stripe's events about no payment started here (a refund made in its Dashboard) are verified
    # with the global settings: the demo's organizations share one Stripe account
    settings.apply({key: values[key] for key in (stripe_settings.SECRET_KEY, stripe_settings.WEBHOOK_SECRET,
                                                stripe_settings.API_BASE)})
    webhook_url = absolute_link(base_url, str(host.urls.url_for(NOTIFY_ENDPOINT, method="stripe")))
    return {"webhook_url": webhook_url, "webhook_secret": demo.webhook_secret,
            "publishable_key": demo.publishable_key, "api_base": demo.api_base, "js_url": demo.js_url,
            "organization_ids": organization_ids}
