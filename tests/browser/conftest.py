"""Browser tests: Debian's Chromium driven by Playwright against a live reference shop."""
from __future__ import annotations

import threading

import pytest
from support import chromium
from werkzeug.serving import make_server

from oro_invoices.hosts.reference.testing import make_shop


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real browser (Chromium via Playwright)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium; nothing is downloaded."""
    return chromium.launch_args(browser_type_launch_args)


@pytest.fixture
def live_shop(tmp_path):
    """A seeded reference shop served over HTTP in a thread: (base_url, app, info)."""
    app, info = make_shop(tmp_path / "shop")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.extensions["oro_reference_host"].urls.base_url = base_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url, app, info
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].service.db.dispose()
