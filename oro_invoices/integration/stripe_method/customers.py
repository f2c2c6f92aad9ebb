"""The Stripe customer a payment is made for: found by the customer user's email, else created.

A Stripe customer the add-on creates carries its ids in ``metadata`` (``oro_customer_user_id``,
``oro_customer_id``, ``oro_organization_id``); among the customers with the invoice's email, the
one mapped to the invoice's customer user wins, then one mapped to nobody (made in the Stripe
Dashboard, say). A customer mapped to another customer user is never used for this one.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from oro_invoices.domain.invoice import InvoiceDocument

if TYPE_CHECKING:  # pragma: no cover
    import stripe
    from stripe.params import CustomerCreateParams, CustomerListParams

USER_KEY, CUSTOMER_KEY, ORGANIZATION_KEY = "oro_customer_user_id", "oro_customer_id", "oro_organization_id"
#: How many customers with one email are looked at.
LIST_LIMIT = 100


def customer_for(client: stripe.StripeClient, invoice: InvoiceDocument) -> str | None:
    """The id of the Stripe customer for ``invoice``'s customer user; None when it has no email."""
    email = invoice.customer_user_email.strip()
    if not email:
        return None
    found = _find(client, invoice, email)
    if found is not None:
        return found
    params: CustomerCreateParams = {
        "email": email,
        "metadata": {USER_KEY: _id(invoice.customer_user_id), CUSTOMER_KEY: _id(invoice.customer_id),
                     ORGANIZATION_KEY: str(invoice.organization_id)},
    }
    if invoice.customer_name:
        params["name"] = invoice.customer_name[:256]
    # Two payments started at once for a new customer make one customer, not two.
    key = hashlib.sha256(f"{invoice.organization_id}/{invoice.customer_user_id}/{email}".encode()).hexdigest()[:32]
    return client.v1.customers.create(params, {"idempotency_key": f"oro-invoices-customer-{key}"}).id


def _find(client: stripe.StripeClient, invoice: InvoiceDocument, email: str) -> str | None:
    params: CustomerListParams = {"email": email, "limit": LIST_LIMIT}
    unmapped = None
    for customer in client.v1.customers.list(params).data:
        metadata = customer.metadata.to_dict() if customer.metadata is not None else {}
        mapped = metadata.get(USER_KEY)
        if mapped and mapped == _id(invoice.customer_user_id):
            return customer.id
        if not mapped and unmapped is None:
            unmapped = customer.id
    return unmapped


def _id(value: int | None) -> str:
    return "" if value is None else str(value)
