"""Test helpers for the reference shop: a seeded shop per test, and a browser-like client.

Seeding (password hashes, PDFs) takes seconds, so it is done once per process
into a template directory that each ``make_shop`` copies. The add-on is built by
``create_app`` through the composition root.
"""
from __future__ import annotations

import atexit
import io
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oro_invoices.adapters.identity import PERMISSIONS
from oro_invoices.web.http import Response

if TYPE_CHECKING:  # pragma: no cover
    import flask
    from werkzeug.test import TestResponse

    from oro_invoices.services.facade import InvoiceService

_template: dict[str, Any] = {}
_lock = threading.Lock()
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _seeded_template() -> tuple[Path, dict[str, Any]]:
    from oro_invoices.hosts.reference.app import create_app
    from oro_invoices.hosts.reference.seed import seed
    with _lock:
        if not _template:
            path = Path(tempfile.mkdtemp(prefix="oro-shop-template-"))
            atexit.register(shutil.rmtree, path, True)
            app = create_app(path, migrate=True, testing=True)
            info = seed(app)
            app.extensions["oro_reference_host"].engine.dispose()
            app.extensions["oro_invoices"].addon.close()
            _template.update(path=path, info=info)
        return _template["path"], _template["info"]


def make_shop(target: str | Path, *, seeded: bool = True,
              **options: Any) -> tuple[flask.Flask, dict[str, Any]]:
    """A reference shop in ``target`` (a copy of the seeded template); returns (app, info).

    ``options`` go to ``create_app``; with a ``storage_url`` the template's PDFs are copied
    into that storage first (``migrate_storage``), so the seeded invoices keep their PDFs.
    """
    from oro_invoices.hosts.reference.app import create_app
    target = Path(target)
    info: dict[str, Any] = {}
    if seeded:
        source, info = _seeded_template()
        shutil.copytree(source, target, dirs_exist_ok=True)
        if options.get("storage_url"):
            _copy_pdfs(source / "pdf", options["storage_url"])
    options.setdefault("migrate", not seeded)  # the template is migrated already
    app = create_app(target, testing=True, **options)
    return app, info


def _copy_pdfs(folder: Path, storage_url: str) -> None:
    from oro_invoices.documents.storage import LocalStorage, storage_from_url
    from oro_invoices.services.storage_migration import migrate_storage
    report = migrate_storage(LocalStorage(folder), storage_from_url(storage_url))
    if not report.ok:
        raise RuntimeError(f"the seeded PDFs could not be copied to {storage_url}: "
                           + "; ".join(report.problems))


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _TOKEN.search(html)
    if not found:
        raise AssertionError("the page has no form with a csrf_token")
    return found.group(1)


#: Elements that continue the line around them: a browser adds no space for their tags, so
#: ``<strong>続行</strong>をクリック`` reads "続行をクリック". Any other tag (a cell, a paragraph, a
#: line break, a button) separates the words around it.
INLINE_ELEMENTS = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd",
                             "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
                             "time", "u", "var"})
_ELEMENT_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>")


def text_of(html: str) -> str:
    """A page's visible text as a browser lays it out, whitespace collapsed (what a user reads):
    inline elements' tags (``INLINE_ELEMENTS``) are dropped, any other tag stands for a space."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    html = _ELEMENT_TAG.sub(lambda tag: "" if tag.group(1).lower() in INLINE_ELEMENTS else " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


class ShopClient:
    """A Flask test client that logs in through the forms and submits forms with their token."""

    def __init__(self, app: flask.Flask):
        self.app = app
        self.client = app.test_client()

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def submit(self, page_url: str, action: str, data: dict[str, Any], **kwargs: Any) -> TestResponse:
        """Open ``page_url``, take its form's CSRF token, POST ``data`` to ``action``, with a fresh
        one-time ``request_key`` as a form that moves money carries (unless ``data`` has one); a
        form without its key is posted with ``client.post``."""
        token = form_token(self.client.get(page_url).get_data(as_text=True))
        key = {} if "request_key" in data else {"request_key": secrets.token_urlsafe(24)}
        return self.client.post(action, data={**key, **data, "csrf_token": token}, **kwargs)

    def login_admin(self, username: str = "admin", password: str = "admin1234") -> TestResponse:
        resp = self.submit("/admin/login", "/admin/login",
                           {"username": username, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp

    def login_customer(self, email: str, password: str = "demo1234") -> TestResponse:
        resp = self.submit("/customer/login", "/customer/login",
                           {"email": email, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp

    @property
    def service(self) -> InvoiceService:
        service: InvoiceService = self.app.extensions["oro_invoices"].service
        return service


class ReferencePageClient:
    """The conformance kit's page client for the reference shop (``ReferenceHost.page_client``).

    Flask's test client on the shop's application; users are made in the shop's tables and
    logged in through its login forms, so sessions work as in a browser.
    """

    PASSWORD = "kit-password-1234"

    def __init__(self, app: flask.Flask):
        from oro_invoices.persistence.migrate import upgrade
        self.app = app
        self.host = app.extensions["oro_reference_host"]
        self.addon = app.extensions["oro_invoices"].addon
        upgrade(self.addon.db)  # the kit's hosts are built without the add-on's tables
        self.client = ShopClient(app)
        self._count = 0

    def request(self, method: str, url: str, *, data: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None,
                files: Mapping[str, tuple[str, bytes]] | None = None) -> Response:
        form: dict[str, Any] = dict(data or {})
        form.update({field: (io.BytesIO(content), name) for field, (name, content) in (files or {}).items()})
        resp = self.client.client.open(url, method=method, data=form, headers=dict(headers or {}),
                                       content_type="multipart/form-data" if files else None)
        return Response(status=resp.status_code, body=resp.get_data(),
                        content_type=resp.content_type or "", headers=dict(resp.headers))

    def login_admin(self, permissions: Iterable[str] = PERMISSIONS, *,
                    organization_id: int = 1) -> None:
        from oro_invoices.hosts.reference import models as m
        records = self.host.records
        if records.row(m.organizations, organization_id) is None:
            records._insert(m.organizations, id=organization_id, name=f"Organization {organization_id}")
        self._count += 1
        username = f"kit-admin-{self._count}"
        records.add_admin(username, self.PASSWORD, organization_id=organization_id,
                          permissions=permissions)
        self.client.login_admin(username, self.PASSWORD)

    def login_customer_user(self, customer_user_id: int) -> None:
        from sqlalchemy import update
        from werkzeug.security import generate_password_hash

        from oro_invoices.hosts.reference import models as m
        t = m.customer_users
        with self.host.engine.begin() as c:
            c.execute(update(t).where(t.c.id == customer_user_id)
                      .values(password_hash=generate_password_hash(self.PASSWORD)))
        row = self.host.records.row(t, customer_user_id)
        self.client.login_customer(row.email, self.PASSWORD)

    def logout(self) -> None:
        self.client.client.delete_cookie("session")
        self.client = ShopClient(self.app)
