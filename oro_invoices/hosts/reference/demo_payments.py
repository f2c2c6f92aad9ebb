"""``oro-invoices demo --hosted-page-url URL``: the demo's organizations pay through OroPay.

The hosted page at URL (Global Payments' own, or a stand-in that signs its responses the same
way) gets the demo's merchant id, a shared secret and a rebate password made once per data
directory (kept in ``hosted_page.json``, private), so a stand-in can sign what it posts back:
``demo.json`` lists them under ``hosted_page`` with the response URL.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from oro_invoices.integration.hosted_page import method as oropay
from oro_invoices.integration.links import absolute_link
from oro_invoices.integration.links import base_url_problem as url_problem

if TYPE_CHECKING:  # pragma: no cover
    import flask

MERCHANT_ID = "OroInvoicesDemo"
ACCOUNT = "internet"
NOTIFY_ENDPOINT = "oro_invoices.storefront.payment_notify"


def api_url_for(page_url: str) -> str:
    """The XML API next to a hosted page: ``…/epage-remote.cgi`` on the same origin."""
    parts = urlsplit(page_url)
    return urlunsplit((parts.scheme, parts.netloc, "/epage-remote.cgi", "", ""))


def check_url(value: str, option: str) -> str:
    problem = url_problem(value) if value else "Must not be empty."
    if problem is not None:
        raise ValueError(f"{option} {value!r}: {problem}")
    return value


def _credentials(data_dir: Path) -> dict[str, str]:
    path = data_dir / "hosted_page.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    made = {"shared_secret": secrets.token_urlsafe(24), "rebate_password": secrets.token_urlsafe(16)}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(made))
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return made


def configure_hosted_page(app: flask.Flask, *, page_url: str, api_url: str | None, base_url: str,
                          organization_ids: list[int], data_dir: Path) -> dict[str, Any]:
    """Turn payments on with OroPay at ``page_url`` for each organization; what demo.json lists."""
    from oro_invoices.integration.config import Settings
    host = app.extensions["oro_reference_host"]
    settings = Settings.of_host(host)
    creds = _credentials(data_dir)
    api = api_url or api_url_for(page_url)
    values = {"oro_invoices.payments_enabled": True, "oro_invoices.mail.payment_receipts": True,
              "oro_invoices.payment_method": "oropay",
              oropay.MERCHANT_ID: MERCHANT_ID, oropay.ACCOUNT: ACCOUNT,
              oropay.SHARED_SECRET: creds["shared_secret"], oropay.REBATE_PASSWORD: creds["rebate_password"],
              oropay.HPP_URL: page_url, oropay.API_URL: api}
    for organization_id in organization_ids:
        settings.apply(values, "organization", organization_id)
    response_url = absolute_link(base_url, str(host.urls.url_for(NOTIFY_ENDPOINT, method="oropay")))
    return {"url": page_url, "api_url": api, "response_url": response_url, "merchant_id": MERCHANT_ID,
            "account": ACCOUNT, "shared_secret": creds["shared_secret"],
            "rebate_password": creds["rebate_password"], "organization_ids": organization_ids}
