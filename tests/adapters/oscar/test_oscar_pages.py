"""The add-on's pages inside a real Oscar shop, driven through Django's test client."""
from __future__ import annotations

import html
import re

from support.counting_storage import CountingStorage
from support.days import days_ago, today
from support.oscar_shop import Shop

from oro_invoices.adapters.identity import PERMISSIONS

GRID = "oro_invoices.admin.index"
VIEW = "oro_invoices.admin.view"


def text(resp: object) -> str:
    return html.unescape(resp.text())  # type: ignore[attr-defined]


def test_dashboard_grid_inside_oscars_dashboard(shop: Shop) -> None:
    shop.client.login_admin(PERMISSIONS)
    resp = shop.get(shop.url(GRID))
    page = text(resp)
    assert resp.status == 200
    assert shop.data.posted.display_number in page
    assert shop.data.foreign.display_number in page  # Globex is of organization 1 too
    assert "dashboard" in page and 'href="/dashboard/orders/"' in page  # Oscar's navigation
    assert 'href="/dashboard/invoices"' in page  # the Invoices entry in it


def test_navigation_entry_needs_the_view_permission(shop: Shop) -> None:
    shop.client.login_admin([])
    page = text(shop.get("/dashboard/"))
    assert 'href="/dashboard/orders/"' in page or "Dashboard" in page
    assert 'href="/dashboard/invoices"' not in page


def test_view_page_and_send_to_customer(shop: Shop) -> None:
    shop.client.login_admin(PERMISSIONS)
    draft = shop.data.draft
    view = shop.url(VIEW, invoice_id=draft.id)
    assert shop.get(view).status == 200
    token = shop.token(view + "?dialog=send-to-customer")
    resp = shop.post(shop.url("oro_invoices.admin.send_to_customer", invoice_id=draft.id),
                     {"csrf_token": token, "confirm": "1"})
    assert resp.status in (302, 303)
    posted = shop.client.addon.invoices.get(draft.id)
    assert posted.is_posted
    after = text(shop.get(resp.headers["Location"]))
    assert f"Invoice {posted.display_number} has been posted." in after  # a Django message
    assert f"Invoice {posted.display_number} has been posted." not in text(shop.get(view))


def test_post_with_oscars_form_token_of_another_session_is_refused(shop: Shop) -> None:
    shop.client.login_admin(PERMISSIONS)
    draft = shop.data.draft
    resp = shop.post(shop.url("oro_invoices.admin.send_to_customer", invoice_id=draft.id),
                     {"csrf_token": "A" * 64, "confirm": "1"})
    assert resp.status == 400
    assert not shop.client.addon.invoices.get(draft.id).is_posted


def test_download(shop: Shop) -> None:
    shop.client.login_admin(["oro_invoices.view"])
    resp = shop.get(shop.url("oro_invoices.admin.download", invoice_id=shop.data.posted.id))
    assert resp.status == 200 and resp.body.startswith(b"%PDF")
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment;")


def test_head_on_a_download_answers_its_headers_and_opens_no_file(shop: Shop) -> None:
    shop.data.settings.set("oro_invoices.storefront_pdf_download", True)
    counting = CountingStorage.install(shop.client.addon)
    posted = shop.data.posted.id
    for login, url in ((lambda: shop.client.login_admin(["oro_invoices.view"]),
                        shop.url("oro_invoices.admin.download", invoice_id=posted)),
                       (lambda: shop.client.login_customer_user(shop.data.users["own"].id),
                        shop.url("oro_invoices.storefront.download", invoice_id=posted))):
        login()
        got = shop.get(url)
        assert got.status == 200 and got.body.startswith(b"%PDF"), url
        opened, reads = counting.opened, counting.reads
        head = shop.client.request("HEAD", url)
        assert head.status == 200 and head.body == b"", url
        assert head.headers["Content-Length"] == str(len(got.body)), url
        for name in ("Content-Type", "Content-Disposition", "ETag"):
            assert head.headers[name] == got.headers[name], (url, name)
        assert (counting.opened, counting.reads) == (opened, reads), url


def test_order_page_has_the_invoices_tab(shop: Shop) -> None:
    shop.client.login_admin(["oro_invoices.view"])
    page = text(shop.get(f"/dashboard/orders/{shop.data.order.identifier}/"))
    assert 'data-oro-tab="oro_invoices-order_invoices"' in page
    assert shop.data.posted.display_number in page
    assert shop.data.colleague_invoice.display_number not in page



def test_order_pages_own_query_leaves_the_invoices_tab_shown(shop: Shop) -> None:
    """Oscar's order page keeps its own query (a byte that is not UTF-8 too): the tab reads none of it."""
    shop.client.login_admin(["oro_invoices.view"])
    for query in ("foo=%FF", "foo=bar", "%FF=1"):
        page = text(shop.get(f"/dashboard/orders/{shop.data.order.identifier}/?{query}"))
        assert 'data-oro-tab="oro_invoices-order_invoices"' in page, query
        assert shop.data.posted.display_number in page and "cannot be read as text" not in page, query

def test_order_page_without_the_view_permission_has_no_tab(shop: Shop) -> None:
    shop.client.login_admin([])
    resp = shop.get(f"/dashboard/orders/{shop.data.order.identifier}/")
    assert "data-oro-tab" not in text(resp)


def test_account_list_view_and_download(shop: Shop) -> None:
    shop.data.settings.set("oro_invoices.storefront_pdf_download", True)
    shop.client.login_customer_user(shop.data.users["own"].id)
    listing = text(shop.get(shop.url("oro_invoices.storefront.index")))
    assert shop.data.posted.display_number in listing
    assert shop.data.colleague_invoice.display_number not in listing
    assert 'href="/accounts/profile/"' in listing  # Oscar's account menu around it …
    assert 'class="nav-link active" href="/accounts/invoices"' in listing  # … with the entry
    german = text(shop.client.request("GET", shop.url("oro_invoices.storefront.index"),
                                      headers={"Accept-Language": "de"}))
    assert 'class="nav-link active" href="/accounts/invoices">Rechnungen</a>' in german   # in Oscar's language
    view = shop.get(shop.url("oro_invoices.storefront.view", invoice_id=shop.data.posted.id))
    assert view.status == 200 and shop.data.posted.display_number in text(view)
    pdf = shop.get(shop.url("oro_invoices.storefront.download", invoice_id=shop.data.posted.id))
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"


def test_account_activity_downloads_as_csv_of_the_users_own_invoices(shop: Shop) -> None:
    shop.client.login_customer_user(shop.data.users["own"].id)
    period = f"from={days_ago(30)}&to={today()}"          # the kit's invoices are dated today (UTC)
    activity = text(shop.get(shop.url("oro_invoices.storefront.activity") + "?" + period))
    link = re.search(r'id="oi-activity-csv" href="(/accounts/invoices/activity\.csv\?[^"]+)"', activity)
    assert link, activity
    export = shop.get(link.group(1))
    assert export.status == 200 and export.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = export.text().splitlines()
    assert rows[0] == "currency,date,kind,entry,number,reference,charges,credits,balance"
    assert any(f",invoice,Invoice {shop.data.posted.display_number}," in row for row in rows), rows
    assert shop.data.colleague_invoice.display_number not in export.text()


def test_account_menu_of_role_none_has_no_entry(shop: Shop) -> None:
    shop.client.login_customer_user(shop.data.users["nobody"].id)
    page = text(shop.get("/accounts/profile/"))
    assert 'href="/accounts/profile/"' in page
    assert 'href="/accounts/invoices"' not in page
    assert shop.get(shop.url("oro_invoices.storefront.index")).status == 403


def test_anonymous_visitors_go_to_oscars_login_pages(shop: Shop) -> None:
    admin = shop.get(shop.url(GRID))
    assert admin.status == 302 and admin.headers["Location"].startswith("/dashboard/login/?next=")
    store = shop.get(shop.url("oro_invoices.storefront.index"))
    assert store.status == 302 and store.headers["Location"].startswith("/accounts/login/?next=")


def test_templates_are_read_again_when_edited_only_as_django_debugs(shop: Shop) -> None:
    """``DEBUG`` decides whether the add-on's templates are checked on disk at every render, as
    for Django's development server; ``ORO_INVOICES["TEMPLATE_RELOAD"]`` decides over it."""
    from django.conf import settings
    from django.test import override_settings

    from oro_invoices.adapters.oscar.runtime import build_runtime
    options = dict(getattr(settings, "ORO_INVOICES", {}), INSTALL=False)
    for debug, reload, expected in ((False, None, False), (True, None, True), (True, False, False),
                                    (False, True, True)):
        chosen = dict(options) if reload is None else dict(options, TEMPLATE_RELOAD=reload)
        with override_settings(DEBUG=debug, ORO_INVOICES=chosen):
            env = build_runtime(shop.host, shop.client.addon).mount.ctx.env
        assert env.auto_reload is expected, (debug, reload)


def test_every_file_of_a_multiple_upload_reaches_the_import_page(shop: Shop) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    shop.client.login_admin(PERMISSIONS)
    page = shop.url("oro_invoices.admin.import_form")
    token = shop.token(page)
    resp = shop.client.http.post(shop.url("oro_invoices.admin.import_files"), {
        "csrf_token": token, "files": [SimpleUploadedFile("a.xml", b"<order/>", "application/xml"),
                                       SimpleUploadedFile("b.xml", b"<invoice/>", "application/xml")]})
    body = html.unescape(resp.content.decode())
    assert resp.status_code == 422
    assert "a.xml" in body and "b.xml" in body and body.count('data-oi-outcome="refused"') == 2


def test_an_upload_larger_than_a_pages_raw_body_limit_reaches_the_import_page(shop: Shop) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from oro_invoices.web.mounting import MAX_PAGE_BODY
    shop.client.login_admin(PERMISSIONS)
    token = shop.token(shop.url("oro_invoices.admin.import_form"))
    big = b"<invoice>" + b" " * (2 * MAX_PAGE_BODY) + b"</invoice>"        # a large e-invoice's size
    resp = shop.client.http.post(shop.url("oro_invoices.admin.import_files"), {
        "csrf_token": token, "files": [SimpleUploadedFile("big.xml", big, "application/xml")]})
    assert resp.status_code == 422          # read and judged: not an e-invoice it knows, said per file
    body = html.unescape(resp.content.decode())
    assert "big.xml" in body and body.count('data-oi-outcome="refused"') == 1


def test_the_add_ons_pages_speak_the_language_django_chose_for_oscars(shop: Shop) -> None:
    """The language switch's cookie (Django's ``i18n/`` view) wins over the browser's language,
    for Oscar's words and the add-on's alike."""
    from django.conf import settings
    shop.client.login_admin(PERMISSIONS)
    shop.client.http.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    page = text(shop.client.request("GET", shop.url(GRID), headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert "Rechnungen" in page and "Invoice Number" not in page


def _breadcrumbs(page: str) -> list[str]:
    """The items of Oscar's breadcrumb bar, as read."""
    bar = re.search(r'<ol class="breadcrumb">(.*?)</ol>', page, re.S)
    assert bar is not None
    return [" ".join(re.sub(r"<[^>]+>", "", item).split())
            for item in re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(.*?)</li>', bar.group(1), re.S)]


def test_the_pages_trail_is_in_oscars_breadcrumb_bar_and_names_no_other_platforms_menu(shop: Shop) -> None:
    shop.client.login_admin(PERMISSIONS)
    statement = text(shop.get(shop.url("oro_invoices.admin.statement") + f"?customer={shop.data.posted.customer_id}"))
    assert _breadcrumbs(statement)[:3] == ["Dashboard", "Invoices", "Aging Report"]
    assert 'class="oi-crumbs"' not in statement and "Sales" not in statement
    view = text(shop.get(shop.url(VIEW, invoice_id=shop.data.posted.id)))
    assert _breadcrumbs(view)[:2] == ["Dashboard", "Invoices"] and "Sales / Invoices" not in view
    shop.client.login_customer_user(shop.data.users["own"].id)
    account = text(shop.get(shop.url("oro_invoices.storefront.view", invoice_id=shop.data.posted.id)))
    crumbs = _breadcrumbs(account)
    assert crumbs[:3] == ["Home", "Account", "Invoices"] and shop.data.posted.display_number in crumbs[-1]
    assert "Account / Invoices" not in account


def test_the_payment_hand_over_page_lets_oscars_layout_scripts_run(shop: Shop) -> None:
    """The hand-over page's strict Content-Security-Policy allows the inline scripts and event
    handlers of Oscar's layout around it (jQuery's fallback, ``oscar.init()``, the mini basket)
    by their hashes, and no others."""
    import base64
    import hashlib
    import re

    from oro_invoices.integration.hosted_page import method as oropay
    for key, value in {"oro_invoices.payments_enabled": True, "oro_invoices.payment_method": "oropay",
                       "oro_invoices.storefront_base_url": "http://shop.test",
                       oropay.MERCHANT_ID: "KitMerchant", oropay.SHARED_SECRET: "kit-secret",
                       oropay.HPP_URL: "http://hpp.test/pay"}.items():
        shop.data.settings.set(key, value)
    shop.client.login_customer_user(shop.data.users["own"].id)
    page = shop.get(shop.url("oro_invoices.storefront.payment", invoice_id=shop.data.posted.id)).text()
    form = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form".*?</form>', page, re.S)
    assert form, "the payment page has no payment form"
    handover = shop.post(html.unescape(form.group(1)),
                         dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0))))
    assert handover.status == 200 and 'action="http://hpp.test/pay"' in handover.text()
    inline = [body for attributes, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", handover.text(), re.S)
              if "src=" not in attributes]
    assert any("oscar.init()" in body for body in inline)  # Oscar's layout is around the page
    policy = dict(d.strip().partition(" ")[::2] for d in handover.headers["Content-Security-Policy"].split(";"))
    allowed = policy["script-src"].split()
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, body
    assert allowed[0] == "'self'" and "'unsafe-inline'" not in allowed
    # the layout's event handlers (the mini basket's) too, each by its hash and no other
    handlers = {html.unescape(a or b) for tag in re.findall(r"<[a-zA-Z][^<>]*>", handover.text())
                for a, b in re.findall(r"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag, re.I)}
    for code in handlers:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, code
    assert handlers                                          # Oscar's layout has some (the mini basket)
    assert "'unsafe-hashes'" in allowed
    assert len(allowed) == 1 + len(set(inline)) + 1 + len(handlers)


def test_a_form_that_is_not_utf8_is_refused_naming_its_field(shop: Shop) -> None:
    shop.client.login_admin(PERMISSIONS)
    posted = shop.data.posted
    view = shop.url(VIEW, invoice_id=posted.id)
    token = shop.token(view)
    resp = shop.client.http.generic("POST", shop.url("oro_invoices.admin.add_note", invoice_id=posted.id),
                                    b"body=caf%C3&csrf_token=" + token.encode(),
                                    content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400
    assert "Nothing was saved: what was sent in “Note” cannot be read as text" in resp.content.decode()
    assert shop.client.addon.invoices.notes(posted.id) == []


def test_a_filter_that_is_not_utf8_is_refused_naming_it(shop: Shop) -> None:
    shop.client.login_admin(PERMISSIONS)
    grid = shop.url(GRID)
    for query, named in (("customer=%FF", "“Customer”"), ("number=INV%FE&date_to=%FF", "“Invoice Number” and "
                                                                                         "“Date to”")):
        resp = shop.get(f"{grid}?{query}")
        assert resp.status == 400, query
        assert (f"Nothing was shown: what the page's address gives for {named} cannot be read as text (bytes that "
                "are not UTF-8)") in text(resp)
    export = shop.get(shop.url("oro_invoices.admin.export_csv") + "?customer=%FF")
    assert export.status == 400 and "“Customer” cannot be read as text" in text(export)
    assert shop.get(f"{grid}?customer=%EF%BF%BD").status == 200          # a U+FFFD typed as such is text
    shop.client.login_customer_user(shop.data.users["own"].id)
    listing = shop.get(shop.url("oro_invoices.storefront.index") + "?number=%FF")
    assert listing.status == 400 and "gives for “Invoice Number” cannot be read as text" in text(listing)


def test_a_filter_is_judged_after_the_login_and_the_permission(shop: Shop) -> None:
    grid, store = shop.url(GRID), shop.url("oro_invoices.storefront.index")
    visitor = shop.get(f"{grid}?customer=%FF")
    assert visitor.status == 302 and visitor.headers["Location"].startswith("/dashboard/login/?next=")
    assert shop.get(f"{store}?number=%FF").headers["Location"].startswith("/accounts/login/?next=")
    shop.client.login_admin([])
    denied = shop.get(f"{grid}?customer=%FF")
    assert denied.status == 403 and "cannot be read as text" not in text(denied)
    shop.client.login_customer_user(shop.data.users["nobody"].id)      # a customer user of no invoice role
    denied = shop.get(f"{store}?number=%FF")
    assert denied.status == 403 and "cannot be read as text" not in text(denied), text(denied)[-3000:]
    shop.client.login_admin(["oro_invoices.view"])
    assert shop.get(f"{grid}?customer=%FF").status == 400
