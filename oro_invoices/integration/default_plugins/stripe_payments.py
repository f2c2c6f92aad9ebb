"""The built-in Stripe method, offered when the ``stripe`` package (the ``stripe`` extra) is installed.
Block this plugin to remove it, or register another method named ``stripe`` to replace it."""
from __future__ import annotations

from oro_invoices.integration.hookspecs import hookimpl
from oro_invoices.integration.payment_methods import PaymentMethod
from oro_invoices.integration.stripe_method.client import sdk_installed
from oro_invoices.integration.stripe_method.method import StripeMethod


@hookimpl(trylast=True)
def register_payment_methods() -> list[PaymentMethod]:
    return [StripeMethod()] if sdk_installed() else []
