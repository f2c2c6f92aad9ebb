"""The buyer's tax data frozen into an invoice at posting, from the host's customer."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oro_invoices.adapters.base import HostAdapter
from oro_invoices.domain.invoice import BuyerInfo
from oro_invoices.formatting.countries import country_codes


def buyer_snapshot(host: HostAdapter | None, customer_id: int | None,
                   bill_to: Mapping[str, Any] | None) -> dict[str, str]:
    """``BuyerInfo`` as stored: the customer's VAT id, country and reference.

    The country falls back to the billing address's when that is an ISO 3166-1 code.
    """
    customer = host.customers.get_customer(customer_id) if host is not None and customer_id else None
    country = (customer.country_code if customer is not None else "").strip().upper()
    if not country:
        given = str((bill_to or {}).get("country") or "").strip().upper()
        country = given if given in country_codes() else ""
    return BuyerInfo(vat_id=customer.vat_id.strip() if customer is not None else "",
                     country_code=country,
                     reference=customer.buyer_reference.strip() if customer is not None else "").as_dict()
