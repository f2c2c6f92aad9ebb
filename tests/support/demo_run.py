"""Run ``oro-invoices demo`` in a subprocess and act on it as a shopper would, over HTTP."""
from __future__ import annotations

import contextlib
import html
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from support.extras import command_without
from support.lifetime import tied
from support.ports import free_port

#: ``python -m oro_invoices demo`` with Ctrl-C (SIGINT) at Python's own handler, as at a
#: terminal: a test run started in the background of a non-interactive shell inherits SIGINT
#: ignored, and the demo would inherit that too.
DEMO_CODE = ("import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
             "runpy.run_module('oro_invoices', run_name='__main__', alter_sys=True)")
DEMO = (sys.executable, "-c", DEMO_CODE, "demo")


@contextlib.contextmanager
def running_demo(work: Path, *options: str, timeout: float = 120,
                 blocked: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """Start the demo on a free port with ``options`` (and the ``blocked`` packages unimportable,
    as if not installed); yield its demo.json; stop it afterwards."""
    data_dir, port = work / "demo-data", free_port()
    demo = [*command_without(blocked, DEMO_CODE), "demo"] if blocked else list(DEMO)
    with open(work / "demo.log", "w") as log:
        proc = subprocess.Popen(
            tied([*demo, "--data-dir", str(data_dir), "--port", str(port), *options]), stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            deadline, info = time.monotonic() + timeout, None
            while time.monotonic() < deadline and info is None:
                assert proc.poll() is None, (work / "demo.log").read_text()[-3000:]
                try:     # ready once it printed its banner, just after writing demo.json
                    info = json.loads((data_dir / "demo.json").read_text()) \
                        if "Press Ctrl-C to stop." in (work / "demo.log").read_text() else None
                except (OSError, ValueError):
                    info = None
                if info is None:
                    time.sleep(0.2)
            assert info is not None, "no demo.json"
            yield info
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


class Shopper:
    """A browser without JavaScript: cookies kept, forms posted, error pages read."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """``(status, final URL, body)`` of a GET, or of a form POST when ``data`` is given."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=60) as resp:
                return resp.status, resp.geturl(), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode()

    def log_in(self, base_url: str, email: str, password: str) -> None:
        """Log in to the storefront through its form."""
        _, _, login = self.open(base_url + "/customer/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        self.open(base_url + "/customer/login", {"email": email, "password": password, "csrf_token": token})

    def first_pay_link(self, base_url: str) -> str:
        """The path of the first Pay link on the storefront's invoice list."""
        _, _, listing = self.open(base_url + "/customer/invoices")
        return html.unescape(re.search(r'href="([^"]+/payment)" data-oi-pay', listing).group(1))


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page's forms."""
    return {html.unescape(k): html.unescape(v)
            for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


def form_tag(page: str, form_id: str) -> str:
    """The opening tag of the form with ``form_id``."""
    return re.search(rf'<form[^>]*id="{form_id}"[^>]*>', page, re.S).group(0)


def form_action(page: str, form_id: str) -> str:
    """Where the form with ``form_id`` posts."""
    return html.unescape(re.search(r'action="([^"]+)"', form_tag(page, form_id)).group(1))
