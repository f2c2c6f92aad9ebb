"""Reading a list page (the grid, the storefront list): what it says about a bad query, per
field, and its pager."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

from oro_invoices.hosts.reference.testing import ShopClient, text_of

#: A customer user of each storefront invoice role in the seeded shop (the corporate one sees
#: Acme Berlin's invoices too).
ROLES = {"corporate": "amanda.cole@acme.example", "department": "ben.ortiz@acme.example",
         "own": "carla.nguyen@acme.example"}


def customer(shop: Any, email: str) -> ShopClient:
    """A client of the seeded shop logged in as the customer user ``email``."""
    client = ShopClient(shop[0])
    client.login_customer(email)
    return client


#: A row of the back-office grid: its checkbox cell, then the invoice's number (linked).
GRID_ROW_NUMBER = re.compile(r'<tr data-invoice-id="\d+">\s*<td class="oi-select">.*?</td>\s*'
                             r'<td class="oi-nowrap"><a [^>]*>([^<]+)</a>', re.S)


def grid_numbers(html: str) -> list[str]:
    """The invoice numbers the back-office grid shows, in its order."""
    return GRID_ROW_NUMBER.findall(html)


def inline_error(resp: Any, field: str) -> str:
    """The message a 422 list page shows for ``field``: next to its input (which points at it
    with ``aria-describedby``), or above the list for the sort and the page number."""
    assert resp.status_code == 422, resp.status_code
    html = resp.get_data(as_text=True)
    found = re.search(rf'<(span|p) class="oi-field__error" id="f-error-{field}" data-oi-error="{field}"'
                      r'[^>]*>([^<]*)</\1>', html)
    assert found, f"the page says nothing about {field}"
    if found.group(1) == "span":
        assert f'aria-describedby="f-error-{field}"' in html
    assert "Traceback" not in html
    return unescape(found.group(2))


def pager_text(html: str) -> str:
    """The pager's words ("4 documents · Page 1 of 2 First Previous Next Last"), spaces collapsed."""
    return " ".join(text_of(html.split('<nav class="oi-pager"')[1].split(">", 1)[1].split("</nav>")[0]).split())


def link(html: str, rel: str) -> str | None:
    """The query string of the page's ``rel`` link (first, prev, next, last), if it has one."""
    found = re.search(rf'rel="{rel}" href="(\?[^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else None
