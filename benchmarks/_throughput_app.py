"""The WSGI application ``bench_throughput.py`` serves: the reference shop, and ``/hello``.

``/hello`` is the one-line baseline: the same server, process and request path up to the
application, without the application's work. ``/hello-flask`` is a one-line view of the
shop's Flask application: what Flask's own request handling costs, before any page's work.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from oro_invoices.hosts.reference.app import create_app

HELLO_PATH = "/hello"
FLASK_HELLO_PATH = "/hello-flask"


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def make(data_dir: str) -> Callable[..., Iterable[bytes]]:
    """The shop in ``data_dir`` (built and migrated already) with ``/hello`` beside it."""
    shop = create_app(data_dir, migrate=False, install=False)
    shop.add_url_rule(FLASK_HELLO_PATH, "bench_hello", lambda: "ok")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HELLO_PATH:
            return hello(environ, start_response)
        return shop(environ, start_response)  # type: ignore[no-any-return]

    return app
