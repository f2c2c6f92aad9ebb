"""A local Stripe server for the payment tests: localstripe, extended where it differs from Stripe.

What it is
    The payment code talks to Stripe through the official ``stripe`` SDK (16.x). Here there is no
    network, so the tests point the SDK at PyPI ``localstripe`` 1.15.10 (GPL-3.0-or-later: a test
    tool, never imported by ``oro_invoices``), run by ``server.StripeServer`` on 127.0.0.1 in a
    background thread, without localstripe's pickling to /tmp/localstripe.pickle. No file of
    localstripe is edited: ``app.install()`` replaces methods of its resource classes and puts three
    aiohttp middlewares in front of its own (idempotency, Stripe-shaped errors, overridden routes).

Use
    The ``stripe_server`` fixture (session-wide) yields the base URL; ``stripe_client`` is
    ``stripe.StripeClient("sk_test_local", base_addresses={"api": url}, max_network_retries=0)``;
    ``stripe_webhooks`` registers a ``webhooks.WebhookReceiver`` for the test and verifies each
    delivery with ``stripe.Webhook.construct_event``. ``webhooks.register_webhook`` /
    ``unregister_webhook`` call ``POST`` / ``DELETE /_config/webhooks/<id>`` (url, secret, events[]).
    Stripe.js is at ``<url>/js.stripe.com/v3/``. Standalone: ``cd tests && python -m support.stripe_server``.
    stripe 16: ``event.data.object`` is no dict (``.get("id")`` raises AttributeError); use
    attributes (``event.data.object.id``) or ``to_dict()``.

The extensions, each with the Stripe behaviour it restores (and its test in tests/payments_stripe_server)
    idempotency.py       Idempotency-Key: a retry with the same key and parameters returns the saved
                         first result with ``Idempotent-Replayed: true``; the same key with other
                         parameters is 400 ``idempotency_error`` (docs.stripe.com/api/idempotent_requests).
                         localstripe ignored the header and created a second object.
    payment_intents.py   create takes ``description``, ``receipt_email``, ``automatic_payment_methods``,
                         ``payment_method_data``, ``return_url``; confirm takes ``payment_method``,
                         ``payment_method_data``, ``return_url``, from a secret key or from a publishable
                         key plus the ``client_secret`` (docs.stripe.com/api/payment_intents/confirm);
                         ``latest_charge`` is a charge id, expandable; cancel sends
                         ``payment_intent.canceled``. localstripe answered 500/400 to those parameters,
                         embedded the charge and sent no event on cancel.
    three_d_secure.py    a failed challenge returns the intent to ``requires_payment_method`` with
                         ``last_payment_error.code = payment_intent_authentication_failure`` and sends
                         ``payment_intent.payment_failed`` (localstripe sent nothing); confirmed with a
                         ``return_url``, 3-D Secure is ``next_action.redirect_to_url`` to a challenge
                         page at ``/_3ds/<id>`` that returns to
                         ``return_url?payment_intent=…&payment_intent_client_secret=…&redirect_status=…``.
    declines.py, cards.py
                         the decline cards (4000000000000002, …9995, …9987, …9979, …0069, …0127, …0119,
                         …0341, and 3-D Secure then decline …3178, …1629) fail when paid with HTTP 402
                         ``type=card_error``, ``code``, ``decline_code``, ``charge``, ``payment_method``
                         and ``payment_intent`` in the error and in ``last_payment_error``, plus
                         ``payment_intent.payment_failed`` (docs.stripe.com/testing#declined-payments,
                         docs.stripe.com/api/errors). localstripe let most of them succeed.
    payment_methods.py   Stripe's test ids (``pm_card_visa``, ``pm_card_chargeDeclined``,
                         ``pm_card_visa_chargeDeclined``, ``pm_card_authenticationRequired``,
                         ``pm_card_threeDSecure2Required`` … see cards.TEST_PAYMENT_METHODS) and test
                         tokens (``tok_visa`` …) each make a new PaymentMethod of their card, with its
                         brand; Stripe.js may create PaymentMethods with the publishable key.
                         localstripe knew three ids and answered 404 for the others.
    refunds.py           no refund beyond the charge's unrefunded amount (400 on ``amount``, "Refund
                         amount ($150.00) is greater than unrefunded amount on charge ($100.00)"), a
                         fully refunded charge is ``charge_already_refunded``, ``reason`` is checked,
                         and ``refund.created`` + ``charge.refunded`` (and ``refund.updated`` on a
                         metadata update) are sent (docs.stripe.com/api/refunds). localstripe accepted
                         over-refunds and sent no refund event.
    events.py            ``GET /v1/events`` newest first, as Stripe lists them; endpoints can be
                         unregistered. Deliveries are localstripe's: one POST about a second after the
                         event, signed ``Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "{t}.{payload}")``.
    errors.py            every failure is Stripe's JSON error: unknown URLs are "Unrecognized request
                         URL", a crash inside the stand-in is ``api_error`` (the SDK's APIError).
    stripe_js.py, static/stripe-v3.js
                         a Stripe.js stand-in: ``elements([{clientSecret}])`` with ``card`` and
                         ``payment`` elements (inputs with placeholders number, exp_month, exp_year, cvc,
                         postal_code), ``confirmCardPayment`` sending the typed card,
                         ``confirmPayment({elements, confirmParams: {return_url}})`` redirecting to the
                         return URL as Stripe.js does, ``handleCardAction``/``handleNextAction``,
                         ``retrievePaymentIntent``, ``createPaymentMethod``, ``createToken``; 3-D Secure
                         cards (4000002760003184 …) open a dialog "Complete authentication" / "Fail
                         authentication" finished through ``/v1/payment_intents/<id>/_authenticate``.
                         localstripe's never sent the typed card and had no ``confirmPayment``.

Against real Stripe test mode
    contract.py holds the checks of the SDK calls; the local tests run them here and
    tests/payments_stripe_server/test_stripe_real_mode.py runs them against Stripe:
    ``STRIPE_TEST_SECRET_KEY=sk_test_… [STRIPE_TEST_PUBLISHABLE_KEY=pk_test_…] pytest
    tests/payments_stripe_server/test_stripe_real_mode.py`` (skipped without the key). A check that
    passes here and fails there marks a difference of the stand-in to fix.

Not covered
    Only card payments; one server per process (localstripe keeps its data in module globals);
    concurrent requests with the same idempotency key are not refused with 409; events carry
    localstripe's ``api_version`` "2017-08-15".
"""
from __future__ import annotations

import warnings

with warnings.catch_warnings():  # localstripe registers plain functions as aiohttp handlers
    warnings.filterwarnings("ignore", "Bare functions are deprecated", DeprecationWarning)
    import localstripe.server  # noqa: F401
