"""Stripe: the card is collected by Stripe.js in the customer's browser, the server creates and reads
PaymentIntents and refunds through the official ``stripe`` SDK (the ``stripe`` extra).

``settings`` reads the method's settings, ``amounts`` holds Stripe's minimum charge per currency,
``client`` builds the SDK's client (imported only when a payment is made, so the core works
without the package), ``customers`` finds or creates the Stripe customer, ``reports`` turns
PaymentIntents and refunds into provider events, ``webhooks`` verifies and reads Stripe's webhook
events, and ``method`` is the ``PaymentMethod`` built on them. See docs/payments.md.
"""
