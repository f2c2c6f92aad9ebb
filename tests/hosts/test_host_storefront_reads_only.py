"""Showing the storefront writes nothing: a page of every invoice role only reads.

A write per storefront request (a session refreshed, a last-seen time, a counter) would hold a
row lock or the SQLite write lock in every request, and the web processes would wait on each
other. Counted on both engines (the add-on's and the reference host's); transaction control
(``BEGIN`` …) is not a statement.
"""
from __future__ import annotations

import re

import pytest
from support.statements import statements_sent as sent

from oro_invoices.hosts.reference.testing import ShopClient

ROLES = {"corporate": "amanda.cole@acme.example", "department": "ben.ortiz@acme.example",
         "own": "carla.nguyen@acme.example"}
READS = ("SELECT", "WITH")


@pytest.mark.parametrize("role", ROLES)
def test_the_storefront_list_and_invoice_page_only_read(shop, role):
    client = ShopClient(shop[0])
    client.login_customer(ROLES[role])
    listed = client.get("/customer/invoices?sort=-invoice_date")
    assert listed.status_code == 200
    first = re.search(r'<tr data-invoice-id="(\d+)">', listed.get_data(as_text=True))
    assert first is not None, f"{role}: the list shows no invoice"
    for url in ("/customer/invoices?sort=-invoice_date", f"/customer/invoices/{first.group(1)}"):
        with sent(shop[0]) as seen:
            assert client.get(url).status_code == 200
        assert seen, f"{role}: {url} read nothing"
        writes = [s for s in seen if not s.lstrip().upper().startswith(READS)]
        assert not writes, f"{role}: {url} wrote {writes}"
