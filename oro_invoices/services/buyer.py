"""The buyer's tax data frozen into an invoice at posting: what the invoice states, and for
what it leaves out, the host's customer's."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oro_invoices.adapters.base import HostAdapter
from oro_invoices.domain.invoice import BuyerInfo
from oro_invoices.formatting.countries import country_codes


def buyer_snapshot(host: HostAdapter | None, customer_id: int | None,
                   bill_to: Mapping[str, Any] | None, stated: Mapping[str, Any] | None = None) -> dict[str, str]:
    """``BuyerInfo`` as stored: each of the VAT id, country, reference and electronic address the
    invoice states (``stated``, its ``buyer`` field), else the customer's (its ``einvoice_address``).

    The country falls back to the billing address's when that is an ISO 3166-1 code.
    """
    given = BuyerInfo.from_mapping(stated)
    if given.vat_id and given.country_code and given.reference and given.electronic_address:
        return given.as_dict()
    customer = host.customers.get_customer(customer_id) if host is not None and customer_id else None
    country = given.country_code or (customer.country_code if customer is not None else "").strip().upper()
    if not country:
        address = str((bill_to or {}).get("country") or "").strip().upper()
        country = address if address in country_codes() else ""
    return BuyerInfo(vat_id=given.vat_id or (customer.vat_id.strip() if customer is not None else ""),
                     country_code=country,
                     reference=given.reference or (customer.buyer_reference.strip() if customer is not None
                                                   else ""),
                     electronic_address=given.electronic_address or (
                         customer.einvoice_address.strip() if customer is not None else "")).as_dict()
