"""The built-in OroPay method (the hosted payment page). Block this plugin to remove it, or
register another method named ``oropay`` to replace it."""
from __future__ import annotations

from oro_invoices.integration.hookspecs import hookimpl
from oro_invoices.integration.hosted_page.method import OroPayMethod
from oro_invoices.integration.payment_methods import PaymentMethod


@hookimpl(trylast=True)
def register_payment_methods() -> list[PaymentMethod]:
    return [OroPayMethod()]
