"""Sorting the grid and the storefront list by payment status: the rows come in the order of the
labels the page shows, in its language, ties by id, across pages."""
from __future__ import annotations

import re
from html import unescape

import pytest
from support.list_pages import customer

from oro_invoices.hosts.reference.testing import ShopClient

#: A payment status badge of a row: its code and the label shown (the Overdue and Payment
#: authorized badges carry attributes of their own).
BADGE = re.compile(r'<span class="oi-badge oi-badge--([a-z_]+)">([^<]*)</span>')
STATUSES = ("paid_in_full", "voided", "declined", "authorized", "refunded", "invoiced")


def rows(html: str) -> list[tuple[int, str, str]]:
    """(id, status code, label shown) of each row, in the page's order."""
    found = []
    for invoice_id, cells in re.findall(r'<tr data-invoice-id="(\d+)">(.*?)</tr>', html, re.S):
        badge = BADGE.search(cells)
        if badge is not None:                                   # a credit note's row has none
            found.append((int(invoice_id), badge.group(1), unescape(badge.group(2)).strip()))
    return found


def walk(client: ShopClient, path: str, query: str, language: str) -> list[tuple[int, str, str]]:
    """Every row of the list at ``path``, page after page (Next), as the page in ``language`` shows it."""
    seen: list[tuple[int, str, str]] = []
    url: str | None = f"{path}?{query}"
    while url:
        html = client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
        assert f'<html lang="{language}"' in html
        seen += rows(html)
        following = re.search(r'rel="next" href="\?([^"]+)"', html)
        url = f"{path}?{unescape(following.group(1))}" if following else None
    return seen


def assert_in_label_order(seen: list[tuple[int, str, str]], desc: bool) -> None:
    """The labels shown come in their alphabetical order (any case), each label's rows by id."""
    keys = [(label.casefold(), invoice_id) for invoice_id, _code, label in seen]
    assert keys == sorted(keys, reverse=desc), seen
    assert len({invoice_id for invoice_id, _c, _l in seen}) == len(seen)


def vary_statuses(admin: ShopClient) -> None:
    """Give some of organization 1's posted invoices other payment statuses, so that the codes'
    order and the labels' differ."""
    service = admin.service
    posted = [i.id for i in service.list_invoices({"organization_id": 1, "status": "posted",
                                                   "document_type": "invoice"}, sort="id", limit=100).items]
    for n, invoice_id in enumerate(posted[:len(STATUSES) * 2]):
        service.force_payment_status(invoice_id, STATUSES[n % len(STATUSES)], actor="test")


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("sort", ["payment_status", "-payment_status"])
def test_the_grid_sorted_by_payment_status_follows_the_labels_it_shows(admin, language, sort):
    vary_statuses(admin)
    seen = walk(admin, "/admin/invoices", f"sort={sort}&per_page=10", language)
    assert len({code for _i, code, _l in seen}) >= 5
    # drafts show no payment status ("—"): a group of their own, after the labels (before them, descending)
    assert len(seen) == admin.service.count_invoices({"organization_id": 1, "status": "posted"})
    assert_in_label_order(seen, sort.startswith("-"))
    codes = [code for _i, code, _l in seen]
    assert codes != sorted(codes, reverse=sort.startswith("-"))       # not the codes' order


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_storefront_list_sorted_by_payment_status_follows_the_labels_it_shows(shop, admin, language):
    vary_statuses(admin)
    client = customer(shop, "amanda.cole@acme.example")
    seen = walk(client, "/customer/invoices", "sort=payment_status", language)
    assert len({code for _i, code, _l in seen}) >= 3
    assert_in_label_order(seen, False)
