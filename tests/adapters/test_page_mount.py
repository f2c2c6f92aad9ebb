"""The framework-neutral mounting every adapter shares (``oro_invoices.web.mounting``).

Driven through the memory host's in-process page mount (``hosts.memory_pages``), which is
``PageMount`` with a session dict and nothing else.
"""
from __future__ import annotations

import io
import re
from html import unescape
from urllib.parse import unquote

import pytest

from oro_invoices.adapters.identity import PERMISSIONS, CurrentUser
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration import profile
from oro_invoices.testing.pages import KIT_PDF, KitShop
from oro_invoices.web import current_request
from oro_invoices.web.downloads import FileChunks
from oro_invoices.web.http import Request, Response
from oro_invoices.web.mounting import (
    MountedRoute,
    Outcome,
    check_prefixes,
    login_location,
    mounted_routes,
)
from oro_invoices.web.sessions import SessionFlashes


@pytest.fixture
def pages():
    host = MemoryHost()
    client = host.page_client()
    profile.install(host)
    shop = KitShop.build(host, client.addon, client.addon.settings)
    yield host, client, shop
    client.close()


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# -- routes and URLs ---------------------------------------------------------------------------

def test_routes_sit_under_their_area_prefix():
    routes = {r.endpoint: r for r in mounted_routes(check_prefixes({"backoffice": "/bo"}))}
    assert routes["oro_invoices.admin.index"].rule == "/bo"
    assert routes["oro_invoices.admin.view"].rule == "/bo/<int:invoice_id>"
    assert routes["oro_invoices.storefront.index"].rule == "/customer/invoices"
    assert routes["oro_invoices.storefront.pay"].rule == "/invoices/pay/<token>"
    assert routes["oro_invoices.storefront.pay"].layout_area == "storefront"


@pytest.mark.parametrize("prefixes,problem", [
    ({"backoffice": "admin/invoices"}, "must start with '/'"),
    ({"storefront": "/customer/"}, "not end with '/'"),
    ({"guest": "/pay/<int:x>"}, "hold no parameters"),
    ({"storefront": "/admin/invoices"}, "three different prefixes"),
    ({"admin": "/x"}, "unknown page area(s) admin"),
])
def test_bad_prefixes_say_what_is_wrong(prefixes, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        check_prefixes(prefixes)


def test_build_quotes_parameters_and_adds_the_rest_as_query():
    route = MountedRoute("x.pay", "/pay/<token>", ("GET",), "guest", "storefront")
    assert route.build({"token": "a/b c", "confirm": 1}) == "/pay/a%2Fb%20c?confirm=1"
    assert route.template(lambda conv, name: "{" + name + "}") == "/pay/{token}"
    with pytest.raises(ValueError, match="x.pay needs token"):
        route.build({})


def test_login_location_keeps_path_and_query():
    req = Request("GET", "/admin/invoices", query={"status": "posted"},
                  query_lists={"status": ["posted"], "sort": ["-total_amount"]}, root_path="/shop")
    assert login_location("/login", req) == \
        "/login?next=/shop/admin/invoices%3Fstatus%3Dposted%26sort%3D-total_amount"
    assert login_location("/login?area=admin", Request("GET", "/x")) == "/login?area=admin&next=/x"


def test_url_for_an_unknown_endpoint_lists_the_pages(pages):
    host, client, _ = pages
    with pytest.raises(ValueError, match="'nope' is not a page of oro-invoices; the pages are"):
        client.pages.url_for("nope")


# -- answering ---------------------------------------------------------------------------------

def test_wrong_method_is_405_and_unknown_path_404(pages):
    host, client, shop = pages
    client.login_admin()
    resp = client.request("POST", f"/admin/invoices/{shop.posted.id}/download")
    assert resp.status == 405 and resp.headers["Allow"] == "GET"
    assert client.request("GET", "/admin/invoices/nope/more").status == 404


def test_user_and_permissions_come_from_the_hosts_users_while_the_request_is_bound(pages):
    host, client, shop = pages
    seen = []
    real_current = host.users.current

    def current() -> CurrentUser:
        bound = current_request()
        seen.append(bound.path if bound is not None else None)
        return real_current()
    host.users.current = current
    client.login_admin(["oro_invoices.view"])
    view = client.request("GET", f"/admin/invoices/{shop.posted.id}")
    assert view.status == 200
    assert seen and set(seen) == {f"/admin/invoices/{shop.posted.id}"}
    assert current_request() is None
    # the page offers what the request's permissions allow, nothing more
    assert "send-to-customer" not in view.text() and f"/{shop.draft.id}/delete" not in view.text()


def test_permissions_are_read_once_per_request_for_every_check(pages):
    host, client, shop = pages
    client.login_admin(PERMISSIONS)
    asked = []
    real_can = host.users.can
    host.users.can = lambda permission: asked.append(permission) or real_can(permission)
    assert client.request("GET", f"/admin/invoices/{shop.draft.id}").status == 200
    assert sorted(asked) == sorted(PERMISSIONS)  # each asked once, whatever the page checks


def test_anonymous_users_are_asked_for_no_permission(pages):
    host, client, _ = pages
    host.users.can = lambda permission: pytest.fail("asked can() for an anonymous user")
    assert client.request("GET", "/admin/invoices").status == 302


def test_the_login_redirect_keeps_the_query_as_sent_so_the_page_then_refuses_it(pages):
    """Not the U+FFFD the bytes decode to: after the login the page names the filter rather than search for it."""
    host, client, shop = pages
    visitor = client.request("GET", "/admin/invoices?customer=%FF&status=posted")
    assert visitor.status == 302
    login = visitor.headers["Location"]
    assert login == "/admin/login?next=/admin/invoices%3Fcustomer%3D%25FF%26status%3Dposted"
    client.login_admin()
    after = client.request("GET", unquote(login.partition("next=")[2]))
    assert after.status == 400
    assert "what the page's address gives for “Customer” cannot be read as text" in unescape(after.text())


def test_a_not_modified_download_is_passed_through_not_redirected(pages):
    host, client, shop = pages
    client.login_admin()
    url = f"/admin/invoices/{shop.posted.id}/download"
    etag = client.request("GET", url).headers["ETag"]
    resp = client.request("GET", url, headers={"If-None-Match": etag})
    assert resp.status == 304 and "Location" not in resp.headers and resp.body == b""


def test_head_keeps_the_headers_and_closes_a_download_unread():
    stream = io.BytesIO(KIT_PDF)
    out = Outcome("raw", 200, {"Content-Length": str(len(KIT_PDF))}, FileChunks(stream),
                  "application/pdf").headers_only()
    assert out.streamed and list(out.body) == [] and out.headers["Content-Length"] == str(len(KIT_PDF))
    assert stream.closed
    chunked = Outcome("raw", 200, {}, iter([b"a,b\n"]), "text/csv").headers_only()
    assert chunked.streamed and list(chunked.body) == [] and "Content-Length" not in chunked.headers
    page = Outcome("page", 200, {}, b"<p>12345</p>").headers_only()
    assert page.body == b"" and page.headers["Content-Length"] == "12"


def test_a_failing_layout_still_answers_a_page_without_internals(pages, caplog):
    host, client, _ = pages
    client.login_admin()

    def broken(fragment, *, title, area="backoffice"):
        raise RuntimeError("layout database is down")
    host.layout.wrap = broken
    resp = client.request("GET", "/admin/invoices")
    assert resp.status == 500 and b"Something went wrong" in resp.body
    assert b"layout database" not in resp.body
    assert "oro-invoices could not answer GET /admin/invoices" in caplog.text


def test_flashes_wait_in_the_session_when_the_layout_shows_them(pages):
    host, client, shop = pages
    mount = client.pages.mount
    mount.render_flashes = False
    client.login_admin()
    view = f"/admin/invoices/{shop.posted.id}"
    token = token_of(client.request("GET", view).text())
    resp = client.request("POST", f"{view}/notes", data={"body": "hi", "csrf_token": token})
    assert resp.status == 303
    page = client.request("GET", resp.headers["Location"])
    assert "Note added." not in page.text()  # not rendered by the add-on ...
    assert SessionFlashes(client.session).pop() == [("success", "Note added.")]  # ... but kept


def test_fragment_runs_a_page_for_the_hosts_request_as_get(pages):
    host, client, shop = pages
    client.login_admin(["oro_invoices.view"])
    own = Request("POST", "/admin/orders/1", form={"x": "y"}, session={})
    resp = client.pages.mount.fragment("oro_invoices.admin.order_invoices", own,
                                       order_id=shop.order.id)
    assert isinstance(resp, Response) and resp.status == 200 and resp.page_title == "Invoices"
    assert shop.posted.display_number in resp.text()
    # the host's order page's query is its own: not read, nor refused, by the tab
    for raw in (b"view=%FF", b"%FE=1", b"view=lines"):
        own = Request("GET", "/admin/orders/1", query={"view": "\ufffd"}, query_lists={"view": ["\ufffd"]},
                      query_string=raw, session={})
        resp = client.pages.mount.fragment("oro_invoices.admin.order_invoices", own, order_id=shop.order.id)
        assert resp.status == 200 and shop.posted.display_number in resp.text(), raw
    with pytest.raises(ValueError, match="not a page"):
        client.pages.mount.fragment("host.orders", own)
