"""The pages' filter forms as a browser submits them: every field, the empty ones too. Unlike the
JSON API (which refuses a filter given empty, docs/api.md "Errors"), the back-office grid, the
Aging Report and the storefront's list ignore an empty field and show what they show unfiltered."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from support.list_pages import grid_numbers

from oro_invoices.hosts.reference.testing import ShopClient, text_of

FILTER_FORM = re.compile(r'<form class="oi-filters" method="get" action="" role="search".*?</form>', re.S)
FIELD = re.compile(r'<(input|select)\b[^>]*\bname="([^"]+)"[^>]*>')
HIDDEN_VALUE = re.compile(r'\btype="hidden"[^>]*\bvalue="([^"]*)"|\bvalue="([^"]*)"[^>]*\btype="hidden"')


def submitted_empty(page: str) -> str:
    """The query a browser sends from the page's filter form with nothing typed or chosen: each
    field empty, a hidden one with its value."""
    form = FILTER_FORM.search(page)
    assert form is not None, page[-2000:]
    fields: list[tuple[str, str]] = []
    for tag in FIELD.finditer(form.group(0)):
        hidden = HIDDEN_VALUE.search(tag.group(0))
        fields.append((tag.group(2), next((v for v in hidden.groups() if v is not None), "") if hidden else ""))
    assert any(value == "" for _, value in fields), fields
    return "?" + urlencode(fields)


def rows(page: str) -> str:
    """The page's table rows as text."""
    return text_of(page.split("<tbody>")[1].split("</tbody>")[0])


@pytest.mark.parametrize("path", ["/admin/invoices", "/admin/invoices/aging"])
def test_the_back_office_filter_forms_ignore_the_fields_left_empty(admin: ShopClient, path: str):
    unfiltered = admin.get(path).get_data(as_text=True)
    resp = admin.get(path + submitted_empty(unfiltered))
    assert resp.status_code == 200, resp.get_data(as_text=True)[-2000:]
    page = resp.get_data(as_text=True)
    assert "Must not be empty" not in page and rows(page) == rows(unfiltered) and rows(page).strip()
    if path == "/admin/invoices":
        assert grid_numbers(page) == grid_numbers(unfiltered) != []


def test_the_storefront_filter_form_ignores_the_fields_left_empty(shop):
    client = ShopClient(shop[0])
    client.login_customer("amanda.cole@acme.example")
    unfiltered = client.get("/customer/invoices").get_data(as_text=True)
    resp = client.get("/customer/invoices" + submitted_empty(unfiltered))
    assert resp.status_code == 200, resp.get_data(as_text=True)[-2000:]
    page = resp.get_data(as_text=True)
    assert "Must not be empty" not in page and rows(page) == rows(unfiltered) and rows(page).strip()
