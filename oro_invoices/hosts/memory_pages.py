"""The memory host's pages: the add-on's page mount served in-process, with no web framework.

The memory host has no HTTP server, so ``MemoryPages`` is its HTTP stack: it routes a method
and a URL to ``web.mounting.PageMount`` (404 for no page, 405 for a wrong method), keeps one
session dict per client (CSRF token, flash messages) and answers as a server would: redirects
are not followed, HEAD has no body. It shows that ``PageMount`` is all a framework adapter
needs, and it is what the conformance kit's page part drives for the ``memory`` host
(``MemoryHost.page_client()``).
"""
from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from oro_invoices.adapters.identity import PERMISSIONS
from oro_invoices.composition import Addon, AddonConfig, build_addon
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.web.http import Request, Response
from oro_invoices.web.mounting import PageMount, build_context, compose
from oro_invoices.web.sessions import SessionCsrf, SessionFlashes

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.hosts.memory import MemoryHost

#: Where the memory host "has" its login pages (nothing is served there).
LOGIN_PATHS = {"backoffice": "/admin/login", "storefront": "/login"}


class MemoryPages:
    """The add-on's pages of one memory host and add-on, answered without a server."""

    def __init__(self, host: MemoryHost, addon: Addon):
        self.host = host
        ctx = build_context(compose(host, addon=addon), host, csrf=SessionCsrf(),
                            url_builder=self.url_for, static_url=self.static_url)
        self.mount = PageMount(ctx, login_url=lambda area, request: LOGIN_PATHS[area])
        for route in self.mount.routes:  # the host's Urls build the same paths
            host.urls.routes[route.endpoint] = route.braces

    def url_for(self, endpoint: str, **params: Any) -> str:
        return self.mount.url_for(endpoint, **params)

    def static_url(self, filename: str) -> str:
        return self.mount.static_url(filename)

    def handle(self, method: str, url: str, session: dict[str, Any], *,
               data: Mapping[str, str] | None = None,
               headers: Mapping[str, str] | None = None,
               files: Mapping[str, tuple[str, bytes]] | None = None) -> Response:
        """Answer one request as a server would (the full headers, the body read)."""
        parts = urlsplit(url)
        found = self.mount.match(method, parts.path)
        if found is None:
            allowed = self.mount.method_allowed(parts.path)
            status = 405 if allowed else 404
            return Response(status=status, body=b"Not found" if status == 404 else b"",
                            content_type="text/plain",
                            headers={"Allow": ", ".join(allowed)} if allowed else {})
        route, params = found
        query_lists = parse_qs(parts.query, keep_blank_values=True)
        form_lists = {k: [v] for k, v in (data or {}).items()}
        request = Request(method=method.upper(), path=parts.path,
                          query={k: v[0] for k, v in query_lists.items()}, query_lists=query_lists,
                          query_string=parts.query.encode(),
                          form={k: v[0] for k, v in form_lists.items()}, form_lists=form_lists,
                          files=dict(files or {}), file_lists={k: [v] for k, v in (files or {}).items()},
                          headers={k.lower(): v for k, v in (headers or {}).items()},
                          path_params=params, session=session)
        out = self.mount.respond(route.endpoint, request, SessionFlashes(session))
        body = out.body if isinstance(out.body, (bytes, bytearray)) else b"".join(out.body)
        return Response(status=out.status, body=bytes(body), content_type=out.content_type,
                        headers={**out.headers, "Content-Type": out.content_type})


class MemoryPageClient:
    """A browser of the memory host's pages: one session; logins act on the host's one user.

    Implements the conformance kit's page client (``oro_invoices.testing.pages.PageClient``).
    """

    def __init__(self, pages: MemoryPages, addon: Addon, workdir: Path):
        self.pages = pages
        self.addon = addon
        self.workdir = workdir
        self.session: dict[str, Any] = {}

    def request(self, method: str, url: str, *, data: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None,
                files: Mapping[str, tuple[str, bytes]] | None = None) -> Response:
        return self.pages.handle(method, url, self.session, data=data, headers=headers, files=files)

    def login_admin(self, permissions: Iterable[str] = PERMISSIONS, *,
                    organization_id: int = 1) -> None:
        self.pages.host.login_admin(permissions, organization_id=organization_id)

    def login_customer_user(self, customer_user_id: int) -> None:
        self.pages.host.login_customer_user(customer_user_id)

    def logout(self) -> None:
        self.pages.host.logout()

    def close(self) -> None:
        self.addon.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


@functools.cache
def _migrated_template() -> Path:
    """A migrated SQLite file, made once per process and copied for each client."""
    folder = Path(tempfile.mkdtemp(prefix="oro-memory-pages-template-"))
    atexit.register(shutil.rmtree, folder, True)
    db = Database(f"sqlite:///{folder / 'invoices.db'}")
    try:
        upgrade(db)
    finally:
        db.dispose()
    return folder / "invoices.db"


def page_client(host: MemoryHost, **addon_options: Any) -> MemoryPageClient:
    """A page client over a fresh add-on for ``host``: its own SQLite file and PDF folder, or
    what ``addon_options`` (``AddonConfig`` fields) name instead (a given database is migrated)."""
    workdir = Path(tempfile.mkdtemp(prefix="oro-memory-pages-"))
    if "database_url" not in addon_options:
        shutil.copy(_migrated_template(), workdir / "invoices.db")
    options = {"database_url": f"sqlite:///{workdir / 'invoices.db'}",
               "storage_url": (workdir / "pdf").as_uri(), "load_entrypoints": False, "pdf": False,
               "migrate": "database_url" in addon_options, **addon_options}
    addon = build_addon(AddonConfig(**options), host=host)
    return MemoryPageClient(MemoryPages(host, addon), addon, workdir)
