"""The ASGI adapter on a Starlette application: one call mounts pages, static files and the API."""
from __future__ import annotations

import re
from html import unescape

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request as StarletteRequest
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from support.counting_storage import CountingStorage
from support.days import today

from oro_invoices.adapters.asgi import OroInvoices
from oro_invoices.adapters.identity import ANONYMOUS, PERMISSIONS, CurrentUser
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.hosts.memory import MemoryHost, MemoryUsers
from oro_invoices.integration import profile
from oro_invoices.testing.pages import KIT_PDF, KitShop
from oro_invoices.web import current_request
from oro_invoices.web.api import ApiClient
from oro_invoices.web.sessions import SessionFlashes


class SessionUsers(MemoryUsers):
    """The admin whose permissions the session names; records the native requests it saw."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[object] = []

    def _who(self) -> tuple[CurrentUser, frozenset[str]]:
        request = current_request()
        if request is None:
            return self.user, self.granted
        self.seen.append(request.native)
        granted = request.session.get("admin") if request.session is not None else None
        if granted is None:
            return ANONYMOUS, frozenset()
        return CurrentUser(7, "admin", "Ada", "ada@shop.test", 1), frozenset(granted)

    def current(self) -> CurrentUser:
        return self._who()[0]

    def can(self, permission: str) -> bool:
        return permission in self._who()[1]


class Host(MemoryHost):
    def __init__(self) -> None:
        super().__init__()
        self.users: SessionUsers = SessionUsers()


async def log_in(request: StarletteRequest) -> PlainTextResponse:
    request.session["admin"] = request.query_params.get("perms", "").split(",")
    return PlainTextResponse("ok")


async def login_page(request: StarletteRequest) -> HTMLResponse:
    shown = " ".join(m for _, m in SessionFlashes(request.session).pop())
    return HTMLResponse(f"<p>login {shown}</p>")


async def order_page(request: StarletteRequest) -> HTMLResponse:
    invoices: OroInvoices = request.app.state.oro_invoices
    tab = await invoices.fragment(request, "oro_invoices.admin.order_invoices",
                                  order_id=request.path_params["order_id"])
    return HTMLResponse(f"<h1>Order</h1><section data-status='{tab.status}'>{tab.text()}</section>")


@pytest.fixture
def shop(tmp_path, sqlite_template):
    """A Starlette app with the add-on mounted, its data and a client: (client, invoices, shop)."""
    import shutil
    shutil.copy(sqlite_template, tmp_path / "invoices.db")
    host = Host()
    profile.install(host)
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'invoices.db'}",
                                    storage_url=(tmp_path / "pdf").as_uri(), pdf=False,
                                    load_entrypoints=False), host=host)
    app = Starlette(routes=[Route("/test-login", log_in), Route("/login", login_page, name="login"),
                            Route("/orders/{order_id:int}", order_page, name="order")],
                    middleware=[Middleware(SessionMiddleware, secret_key="s3cret")])
    invoices = OroInvoices(app, addon=addon, login_route="login", order_route="order",
                           api_authenticate={"tok": ApiClient("erp", 1)}.get)
    data = KitShop.build(host, addon, addon.settings)
    client = TestClient(app, follow_redirects=False)
    yield client, invoices, data
    client.close()
    addon.close()


def login(client, *permissions):
    client.get("/test-login", params={"perms": ",".join(permissions)})


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_one_call_serves_pages_static_files_and_the_api(shop):
    client, invoices, data = shop
    login(client, *PERMISSIONS)
    grid = client.get("/admin/invoices")
    assert grid.status_code == 200 and data.posted.display_number in grid.text
    assert 'href="/oro-invoices/static/oro_invoices.css"' in grid.text
    css = client.get("/oro-invoices/static/oro_invoices.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/api/invoices").status_code == 401
    listed = client.get("/api/invoices", headers={"Authorization": "Bearer tok"})
    assert listed.status_code == 200 and len(listed.json()["data"]) == 4
    assert client.get("/api/openapi.json").json()["openapi"].startswith("3.")


def test_anonymous_visitor_goes_to_the_login_route_with_next_and_a_flash(shop):
    client, _, _ = shop
    resp = client.get("/admin/invoices?status=posted")
    assert resp.status_code == 302
    assert resp.headers["location"] == "/login?next=/admin/invoices%3Fstatus%3Dposted"
    assert client.get("/login").text == "<p>login Please log in to continue.</p>"


def test_invoices_on_for_an_organization_only_send_anonymous_visitors_to_log_in(shop):
    """Anonymous visitors belong to no organization: while invoices are on in some organization
    they are sent to log in (then the organization's setting decides), and only while invoices
    are off everywhere do the pages not exist."""
    client, invoices, _ = shop
    settings = invoices.settings
    settings.set("oro_invoices.enabled", False)
    settings.set("oro_invoices.enabled", True, "organization", 1)
    resp = client.get("/admin/invoices")
    assert resp.status_code == 302 and resp.headers["location"] == "/login?next=/admin/invoices"
    for path in ("/customer/invoices", "/customer/invoices/1"):   # no storefront login route here
        resp = client.get(path)
        assert resp.status_code == 401 and "Please log in to see your invoices." in resp.text, path
    settings.set("oro_invoices.enabled", False, "organization", 1)
    login(client, *PERMISSIONS)                             # an admin of organization 1, where invoices are off
    settings.set("oro_invoices.enabled", True, "organization", 2)
    off = client.get("/admin/invoices")
    assert off.status_code == 404 and "Invoices are switched off for your organization." in off.text
    settings.set("oro_invoices.enabled", False, "organization", 2)
    assert client.get("/customer/invoices").status_code == 404
    client.cookies.clear()                                  # off everywhere: no page, to anyone
    resp = client.get("/admin/invoices")
    assert resp.status_code == 404 and "switched off" not in resp.text


def test_the_users_see_the_bound_starlette_request(shop):
    client, invoices, _ = shop
    login(client, "oro_invoices.view")
    assert client.get("/admin/invoices").status_code == 200
    seen = invoices.host.users.seen
    assert seen and all(isinstance(r, StarletteRequest) for r in seen)
    assert current_request() is None


def test_forms_need_the_sessions_token_and_their_flash_shows_once(shop):
    client, invoices, data = shop
    login(client, *PERMISSIONS)
    view = f"/admin/invoices/{data.posted.id}"
    refused = client.post(f"{view}/notes", data={"body": "no token"})
    assert refused.status_code == 400 and invoices.service.notes(data.posted.id) == []
    token = token_of(client.get(view).text)
    done = client.post(f"{view}/notes", files={"body": (None, "Called"), "csrf_token": (None, token)})
    assert done.status_code == 303 and done.headers["location"] == f"{view}#notes"
    assert "Note added." in client.get(view).text
    assert "Note added." not in client.get(view).text
    assert [n.body for n in invoices.service.notes(data.posted.id)] == ["Called"]


def test_download_streams_answers_head_and_revalidates(shop):
    client, _, data = shop
    login(client, "oro_invoices.view")
    url = f"/admin/invoices/{data.posted.id}/download"
    resp = client.get(url)
    assert resp.status_code == 200 and resp.content == KIT_PDF
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["content-disposition"].startswith("attachment; filename=")
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(KIT_PDF))
    assert client.get(url, headers={"If-None-Match": resp.headers["etag"]}).status_code == 304


def test_head_on_a_pdf_download_reads_nothing_of_the_file(shop):
    """The back-office's, the storefront's and the API's: GET's headers, the storage not opened."""
    client, invoices, data = shop
    login(client, *PERMISSIONS)
    counting = CountingStorage.install(invoices.addon)
    auth = {"Authorization": "Bearer tok"}
    for url in (f"/admin/invoices/{data.posted.id}/download", f"/api/invoices/{data.posted.id}/pdf"):
        got = client.get(url, headers=auth)
        assert got.status_code == 200 and got.content == KIT_PDF
        opened, reads = counting.opened, counting.reads
        head = client.head(url, headers=auth)
        assert head.status_code == 200 and head.content == b""
        for name in ("content-length", "content-type", "content-disposition", "etag"):
            assert head.headers[name] == got.headers[name], (url, name)
        assert (counting.opened, counting.reads) == (opened, reads), url
    assert counting.opened == 2 and counting.reads >= 2      # the GETs were counted


@pytest.mark.parametrize("url", ["/admin/invoices/export.csv", "/admin/invoices/aging-detail.csv",
                                 "/admin/invoices/export-pdfs.zip", "/api/invoices/pdfs.zip"])
def test_head_on_a_streamed_download_sends_its_headers_and_no_length(shop, url):
    client, _, _ = shop
    login(client, *PERMISSIONS)
    auth = {"Authorization": "Bearer tok"}
    got = client.get(url, headers=auth)
    assert got.status_code == 200 and got.content and "content-length" not in got.headers
    head = client.head(url, headers=auth)
    assert head.status_code == 200 and head.content == b""
    assert "content-length" not in head.headers                              # not "0": the file is not empty
    for name in ("content-type", "content-disposition"):
        assert head.headers[name] == got.headers[name]


def test_the_order_tab_is_embedded_from_an_async_view(shop):
    client, _, data = shop
    login(client, "oro_invoices.view")
    page = client.get(f"/orders/{data.order.id}")
    assert "data-status='200'" in page.text and data.posted.display_number in page.text
    login(client)
    assert "data-status='403'" in client.get(f"/orders/{data.order.id}").text



def test_the_embedded_order_tab_reads_nothing_of_the_order_pages_own_query(shop):
    client, _, data = shop
    login(client, "oro_invoices.view")
    for query in ("foo=%FF", "foo=bar", "%FF=1"):
        page = client.get(f"/orders/{data.order.id}?{query}")
        assert "data-status='200'" in page.text and data.posted.display_number in page.text, query
        assert "cannot be read as text" not in page.text, query

def test_invoices_link_to_the_hosts_order_route(shop):
    client, _, data = shop
    login(client, "oro_invoices.view")
    assert f'href="/orders/{data.order.id}"' in client.get(f"/admin/invoices/{data.posted.id}").text


def test_prefixes_and_the_applications_root_path(tmp_path, sqlite_template):
    import shutil
    shutil.copy(sqlite_template, tmp_path / "i.db")
    host = Host()
    profile.install(host)
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'i.db'}", pdf=False,
                                    load_entrypoints=False), host=host)
    app = Starlette(routes=[Route("/login", login_page, name="login")],
                    middleware=[Middleware(SessionMiddleware, secret_key="s3cret")])
    invoices = OroInvoices(app, addon=addon, backoffice_prefix="/bo/invoices", login_route="login")
    addon.settings.set("oro_invoices.enabled", True)
    with TestClient(app, root_path="/shop", follow_redirects=False) as client:
        resp = client.get("/shop/bo/invoices")
        assert resp.headers["location"] == "/shop/login?next=/shop/bo/invoices"
        assert client.get("/shop/admin/invoices").status_code == 404
    assert invoices.url_for("oro_invoices.admin.view", invoice_id=3) == "/bo/invoices/3"
    addon.close()


def test_an_application_mounted_under_a_prefix_keeps_it_in_every_link_and_redirect(shop):
    """The shop is one application of a larger one (``Mount("/shop", app=shop)``): the add-on's
    pages, links, redirects and static files are under /shop, and a host view nested in its own
    ``Mount`` sees the shop's root, not its mount's."""
    from starlette.routing import Mount
    _, invoices, data = shop
    app = invoices.app

    async def where(request: StarletteRequest) -> PlainTextResponse:
        from oro_invoices.adapters.asgi import host_request
        from oro_invoices.web import bind_request
        with bind_request(host_request(request)) as req:
            return PlainTextResponse(f"{req.root_path}|{req.path}|{invoices.url_for('oro_invoices.admin.index')}")
    app.router.routes.append(Mount("/account", routes=[Route("/where", where)]))
    outer = Starlette(routes=[Mount("/shop", app=app)])
    with TestClient(outer, follow_redirects=False) as client:
        resp = client.get("/shop/admin/invoices")
        assert resp.headers["location"] == "/shop/login?next=/shop/admin/invoices"
        client.get("/shop/test-login", params={"perms": ",".join(PERMISSIONS)})
        grid = client.get("/shop/admin/invoices")
        assert grid.status_code == 200 and data.posted.display_number in grid.text
        assert f'href="/shop/admin/invoices/{data.posted.id}"' in grid.text
        assert 'href="/shop/oro-invoices/static/oro_invoices.css"' in grid.text
        assert client.get("/shop/oro-invoices/static/oro_invoices.css").status_code == 200
        view = client.get(f"/shop/admin/invoices/{data.posted.id}")
        assert f'href="/shop/admin/invoices/{data.posted.id}/download"' in view.text
        note = client.post(f"/shop/admin/invoices/{data.posted.id}/notes",
                           data={"csrf_token": token_of(view.text), "body": "Checked"})
        assert note.headers["location"].startswith(f"/shop/admin/invoices/{data.posted.id}")
        assert client.get("/shop/account/where").text == "/shop|/account/where|/shop/admin/invoices"


def test_a_page_without_session_middleware_says_what_is_missing(tmp_path, sqlite_template):
    import shutil
    shutil.copy(sqlite_template, tmp_path / "i.db")
    host = Host()
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'i.db'}", pdf=False,
                                    load_entrypoints=False), host=host)
    app = Starlette()
    OroInvoices(app, addon=addon)
    with pytest.raises(RuntimeError, match="add starlette.middleware.sessions.SessionMiddleware"):
        TestClient(app).get("/admin/invoices")
    with pytest.raises(RuntimeError, match="already mounted"):
        OroInvoices(app, addon=addon)
    addon.close()


def test_an_oversized_page_body_is_refused(shop):
    client, _, _ = shop
    resp = client.post("/invoices/pay/notify/fake", content=b"x" * (1024 * 1024 + 10),
                       headers={"Content-Type": "application/json"})
    assert resp.status_code == 413


def test_a_host_needs_an_adapter():
    with pytest.raises(RuntimeError, match="needs the host adapter"):
        OroInvoices(Starlette())


@pytest.mark.parametrize(("debug", "template_reload", "mounted_later", "reads_again"), [
    (False, None, False, False), (True, None, False, True), (True, None, True, True),
    (False, None, True, False), (True, False, False, False), (False, True, True, True)])
def test_an_edited_template_is_read_again_when_the_application_debugs(
        tmp_path, sqlite_template, debug, template_reload, mounted_later, reads_again):
    """As Starlette's debug pages: a template edited on disk shows on the next page in debug
    mode (or with ``template_reload=True``); otherwise each is read once per process."""
    import os
    import shutil
    shutil.copy(sqlite_template, tmp_path / "i.db")
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "error.html"
    page.write_text("<p>first edition</p>")
    host = Host()
    profile.install(host)
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'i.db'}", pdf=False,
                                    load_entrypoints=False), host=host)
    addon.settings.set("oro_invoices.enabled", True)
    app = Starlette(debug=debug, routes=[Route("/test-login", log_in)],
                    middleware=[Middleware(SessionMiddleware, secret_key="s3cret")])
    invoices = OroInvoices(None if mounted_later else app, addon=addon, template_reload=template_reload,
                           template_dirs=[str(tmp_path / "templates")])
    if mounted_later:
        invoices.init_app(app)
    with TestClient(app) as client:
        login(client, *PERMISSIONS)
        assert "first edition" in client.get("/admin/invoices/999999").text
        page.write_text("<p>second edition</p>")
        later = page.stat().st_mtime + 5
        os.utime(page, (later, later))
        shown = client.get("/admin/invoices/999999").text
    assert ("second edition" if reads_again else "first edition") in shown
    addon.close()


def test_every_file_of_a_multiple_upload_reaches_the_page(shop):
    client, _, _ = shop
    login(client, *PERMISSIONS)
    token = token_of(client.get("/admin/invoices/import").text)
    resp = client.post("/admin/invoices/import", data={"csrf_token": token},
                       files=[("files", ("a.xml", b"<order/>", "application/xml")),
                              ("files", ("b.xml", b"<invoice/>", "application/xml"))])
    assert resp.status_code == 422
    assert "a.xml" in resp.text and "b.xml" in resp.text and resp.text.count('data-oi-outcome="refused"') == 2


def test_mounting_in_a_host_the_add_on_is_not_installed_in_warns_how_to_install(tmp_path, sqlite_template, caplog):
    import shutil
    shutil.copy(sqlite_template, tmp_path / "i.db")
    for install in (False, True):
        host = Host()
        if install:
            profile.install(host)
        addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'i.db'}", pdf=False,
                                        load_entrypoints=False), host=host)
        caplog.clear()
        OroInvoices(Starlette(), addon=addon)
        warned = [r.getMessage() for r in caplog.records if "is not installed in the host" in r.getMessage()]
        assert bool(warned) is not install
        if warned:
            assert "oro_invoices.integration.profile.install(host)" in warned[0]
        addon.close()


def test_a_method_no_page_answers_gets_the_add_ons_405_page_and_the_hosts_routes_their_own(shop):
    client, _, data = shop
    login(client, *PERMISSIONS)
    resp = client.delete("/admin/invoices", headers={"Accept-Language": "de"})
    assert resp.status_code == 405 and resp.headers["allow"] == "GET, HEAD"
    assert resp.headers["content-type"].startswith("text/html") and "<!doctype html>" in resp.text.lower()
    assert "Anfrage nicht angenommen" in resp.text                                     # in the reader's language
    own = client.post("/login")                                                         # the host's route: its own 405
    assert own.status_code == 405 and own.text == "Method Not Allowed"


def test_an_external_id_ending_in_a_slash_is_found_by_its_url(shop):
    client = shop[0]
    auth = {"Authorization": "Bearer tok"}
    body = {"invoice_date": today().isoformat(), "currency": "EUR",
            "lines": [{"description": "Widget", "quantity": "1", "unit_price": "10"}]}
    created = client.post("/api/invoices", json={**body, "external_id": "ERP/2026/7/"}, headers=auth)
    assert created.status_code == 201
    for url in ("/api/invoices/by-external-id/ERP/2026/7/", "/api/invoices/by-external-id/ERP%2F2026%2F7%2F"):
        found = client.get(url, headers=auth)
        assert found.status_code == 200 and found.json()["id"] == created.json()["id"]
    again = client.put("/api/invoices/by-external-id/ERP/2026/7/", json=body, headers=auth)
    assert again.status_code == 200 and again.headers["Invoice-Write-Result"] == "unchanged"
    assert client.get("/api/invoices/by-external-id/ERP/2026/7", headers=auth).status_code == 404


def test_the_api_answers_options_and_trace_itself(shop):
    client, _, _ = shop
    options = client.options("/api/invoices/1")
    assert options.status_code == 204 and options.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
    trace = client.request("TRACE", "/api/invoices", headers={"Authorization": "Bearer tok"})
    assert trace.status_code == 405 and trace.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert trace.json()["errors"][0]["message"] == "TRACE is not allowed here; use GET, HEAD, OPTIONS, POST."


def test_an_api_query_that_is_not_utf8_is_refused_naming_the_parameter(shop):
    client, _, data = shop
    auth = {"Authorization": "Bearer tok"}
    refused = client.get("/api/invoices?external_id=%FF", headers=auth)
    assert refused.status_code == 422 and refused.json()["errors"] == [
        {"field": "external_id", "message": "Not UTF-8 after percent-decoding (a byte such as %FF stands alone): "
                                            "percent-encode the UTF-8 bytes of each character."}]
    assert client.get("/api/invoices?%FF=1", headers=auth).json()["errors"][0]["field"] == "query"
    typed = client.get("/api/invoices?external_id=%EF%BF%BD", headers=auth)   # a U+FFFD sent as such is text
    assert typed.status_code == 200 and typed.json()["data"] == []
    found = client.get(f"/api/invoices?invoice_number={data.posted.invoice_number}", headers=auth)
    assert [i["id"] for i in found.json()["data"]] == [data.posted.id]


def test_a_form_that_is_not_utf8_is_refused_naming_its_field(shop):
    client, invoices, data = shop
    login(client, *PERMISSIONS)
    view = f"/admin/invoices/{data.posted.id}"
    token = token_of(client.get(view).text)
    refused = client.post(f"{view}/notes", content=b"body=%FF%FE&csrf_token=" + token.encode(),
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 400
    assert "Nothing was saved: what was sent in “Note” cannot be read as text" in refused.text
    assert invoices.service.notes(data.posted.id) == []


def test_a_filter_that_is_not_utf8_is_refused_naming_it(shop):
    client, _invoices, data = shop
    login(client, *PERMISSIONS)
    for url, named in (("/admin/invoices?customer=%FF", "“Customer”"),
                       ("/admin/invoices/aging?as_of=%FF", "“As of”"),
                       ("/admin/invoices/export.csv?number=%FE", "“Invoice Number”")):
        refused = client.get(url)
        assert refused.status_code == 400, url
        assert (f"Nothing was shown: what the page's address gives for {named} cannot be read as text (bytes that "
                "are not UTF-8)") in unescape(refused.text)
    assert "holds a parameter name that cannot be read" in client.get("/admin/invoices?%FF=1").text
    assert client.get("/admin/invoices?customer=%EF%BF%BD").status_code == 200
    assert data.posted.display_number in client.get(f"/admin/invoices?number={data.posted.display_number}").text


def test_a_filter_is_judged_after_the_login_and_the_permission(shop):
    client, _invoices, _data = shop
    visitor = client.get("/admin/invoices?customer=%FF")
    assert visitor.status_code == 302
    assert visitor.headers["location"] == "/login?next=/admin/invoices%3Fcustomer%3D%25FF"   # kept as sent
    login(client)                                                       # may use no invoice page
    denied = client.get("/admin/invoices?customer=%FF")
    assert denied.status_code == 403 and "cannot be read as text" not in denied.text
    login(client, "oro_invoices.view")
    refused = client.get("/admin/invoices?customer=%FF")
    assert refused.status_code == 400 and "gives for “Customer” cannot be read as text" in unescape(refused.text)
