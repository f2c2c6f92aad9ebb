"""The grid's Customer filter in a shop with more customers than the host lists: the start of a
name (any case) with suggestions, kept while paging and sorting, shown above the grid; an id
still works (old links); the suggestions are the admin's organization's only."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import insert

from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.app import CUSTOMER_CHOICES_LIMIT
from oro_invoices.hosts.reference.testing import ShopClient, text_of

NORTHWIND, SAKURA = 1, 2
ACME = {"Acme Industries AG", "Acme Industries – Berlin Branch"}


@pytest.fixture
def large_shop(shop):
    """The seeded shop with more customers than the filter lists (one statement)."""
    host = shop[0].extensions["oro_reference_host"]
    with host.engine.begin() as conn:
        conn.execute(insert(m.customers), [{"name": f"Bulk Customer {n:03}", "organization_id": NORTHWIND}
                                           for n in range(CUSTOMER_CHOICES_LIMIT)])
    return shop


def grid(client: ShopClient, query: str, status: int = 200) -> str:
    resp = client.get("/admin/invoices" + query)
    assert resp.status_code == status, resp.get_data(as_text=True)[-2000:]
    return resp.get_data(as_text=True)


def rows(html: str) -> int:
    return len(re.findall(r'<tr data-invoice-id="\d+">', html))


def summary(html: str) -> str:
    found = re.search(r'<p class="oi-grid-note" data-oi-filter-summary="customer">(.*?)</p>', html, re.S)
    return " ".join(text_of(found.group(1)).split()) if found else ""


def customer_names_of_grid(admin: ShopClient, query: str) -> set[str]:
    ids = re.findall(r'<tr data-invoice-id="(\d+)">', grid(admin, query))
    return {admin.service.get(int(i)).customer_name for i in ids}


def test_above_the_limit_the_filter_takes_the_start_of_a_name_in_any_case(large_shop, admin):
    html = grid(admin, "")
    assert '<select id="f-customer"' not in html
    field = re.search(r'<label for="f-customer">Customer</label>\s*<input ([^>]*)>', html)
    assert field and 'name="customer"' in field.group(1) and 'list="f-customer-names"' in field.group(1)
    html = grid(admin, "?customer=acme")
    assert customer_names_of_grid(admin, "?customer=acme") == ACME
    assert 'value="acme"' in html
    assert summary(html) == "Customer: names starting with “acme” Show all customers"
    datalist = html.split('<datalist id="f-customer-names">')[1].split("</datalist>")[0]
    assert {unescape(v) for v in re.findall(r'<option value="([^"]*)">', datalist)} == ACME
    assert customer_names_of_grid(admin, "?customer=ACME+Industries+-") == set()
    assert customer_names_of_grid(admin, "?customer=Acme+Industries+AG") == {"Acme Industries AG"}


def test_the_name_stays_while_paging_and_sorting(large_shop, admin):
    large_shop[0].extensions["oro_invoices"].ctx.page_size = 2
    acme = [i for i in admin.service.list_invoices({"organization_id": NORTHWIND}, limit=100).items
            if i.customer_name in ACME]
    assert len(acme) > 2
    seen: list[str] = []
    query: str | None = "?customer=acme"
    while query:
        html = grid(admin, query)
        assert 'value="acme"' in html and summary(html).startswith("Customer: names starting with")
        seen += re.findall(r'<tr data-invoice-id="(\d+)">', html)
        nxt = re.search(r'rel="next" href="(\?[^"]*)"', html)
        query = unescape(nxt.group(1)) if nxt else None
        assert query is None or "customer=acme" in query
    assert sorted(seen) == sorted(str(i.id) for i in acme)
    sort = re.search(r'<a class="oi-sort" href="(\?[^"]*sort=customer_name[^"]*)"', html)
    assert sort and "customer=acme" in unescape(sort.group(1))
    assert customer_names_of_grid(admin, unescape(sort.group(1))) <= ACME


def test_a_name_matching_nothing_shows_an_empty_grid_with_the_filter(large_shop, admin):
    html = grid(admin, "?customer=Nobody+Here")
    assert rows(html) == 0 and 'data-oi-error="customer"' not in html
    assert 'value="Nobody Here"' in html
    assert summary(html).startswith("Customer: names starting with “Nobody Here”")


def test_an_over_long_name_is_refused_next_to_the_field(large_shop, admin):
    html = grid(admin, "?customer=" + "a" * 256, status=422)
    error = re.search(r'<span class="oi-field__error" id="f-error-customer"[^>]*>([^<]*)</span>', html)
    assert error and error.group(1) == "Give at most 255 characters of the customer&#39;s name."
    assert 'aria-describedby="f-error-customer"' in html
    assert rows(html) > 0  # the grid of the other filters


def test_a_customer_id_still_filters_and_is_named(large_shop, admin):
    acme = next(c for c in large_shop[1]["customers"] if c["name"] == "Acme Industries AG")
    html = grid(admin, f"?customer={acme['id']}")
    assert customer_names_of_grid(admin, f"?customer={acme['id']}") == {"Acme Industries AG"}
    assert summary(html) == "Customer: Acme Industries AG Show all customers"
    tanaka = next(c for c in large_shop[1]["customers"] if c["organization_id"] == SAKURA)
    other = grid(admin, f"?customer={tanaka['id']}")
    assert rows(other) == 0 and "Tanaka" not in other  # another organization's customer stays unnamed


def names(client: ShopClient, q: str, status: int = 200) -> dict:
    resp = client.get("/admin/invoices/customer-names?q=" + q)
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    return resp.get_json()


def test_suggestions_are_the_admins_organization_names(large_shop, admin):
    assert names(admin, "ac") == {"names": sorted(ACME)}
    assert names(admin, "tanaka") == {"names": []}
    assert names(admin, "") == {"names": []}
    assert names(admin, "x" * 256, status=422)["errors"][0]["field"] == "q"
    assert names(admin, "ac%00", status=422)["errors"] == [
        {"field": "q", "message": "Must not contain NUL or unpaired surrogate characters."}]
    sakura = ShopClient(large_shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    assert names(sakura, "TAN") == {"names": ["Tanaka Seisakusho"]}
    assert names(sakura, "ac") == {"names": []}


def test_suggestions_need_the_view_permission(large_shop):
    host = large_shop[0].extensions["oro_reference_host"]
    host.records.add_admin("clerk", "clerk1234", organization_id=NORTHWIND, permissions=[])
    clerk = ShopClient(large_shop[0])
    clerk.login_admin("clerk", "clerk1234")
    resp = clerk.get("/admin/invoices/customer-names?q=ac")
    assert resp.status_code == 403 and "Acme" not in resp.get_data(as_text=True)
    anonymous = ShopClient(large_shop[0]).get("/admin/invoices/customer-names?q=ac")
    assert anonymous.status_code in (302, 401, 403) and b"Acme" not in anonymous.get_data()


def test_below_the_limit_the_filter_lists_the_organizations_customers_the_chosen_one_selected(shop, admin):
    host = shop[0].extensions["oro_reference_host"]
    with host.engine.begin() as conn:
        new = conn.execute(insert(m.customers).values(name='Smith & "Sons" <Ltd>', organization_id=NORTHWIND)
                           ).inserted_primary_key[0]
    select = grid(admin, f"?customer={new}").split('<select id="f-customer"')[1].split("</select>")[0]
    options = re.findall(r'<option value="(\d*)"( selected)?\s*>([^<]*)</option>', select)
    assert options[0] == ("", "", "All customers")
    assert (str(new), " selected", "Smith &amp; &#34;Sons&#34; &lt;Ltd&gt;") in options
    assert [o for o in options if o[1]] == [(str(new), " selected", "Smith &amp; &#34;Sons&#34; &lt;Ltd&gt;")]
    names = [unescape(name) for _id, _sel, name in options[1:]]
    assert len(names) == len(set(names)) <= CUSTOMER_CHOICES_LIMIT
