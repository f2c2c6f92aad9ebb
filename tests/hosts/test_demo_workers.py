"""``oro-invoices demo --workers 2``: gunicorn with two processes; logins, CSRF and flashes hold across them."""
from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.demo_run import Shopper, running_demo

pytest.importorskip("gunicorn")

ACCESS = re.compile(r'"(GET|POST) (\S+) HTTP/1\.[01]" (\d{3}) .* pid=<(\d+)>')


def _served(log: Path, method: str, path: str) -> list[tuple[int, str]]:
    """(status, worker pid) of every logged request for ``method`` ``path``."""
    return [(int(status), pid) for m, p, status, pid in ACCESS.findall(log.read_text())
            if m == method and p == path]


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _burst(shopper: Shopper, url: str, log: Path, status: int) -> list[tuple[int, str, str]]:
    """GETs of ``url`` with ``shopper``'s cookies, eight at a time, until both workers have answered
    ``status`` to it (at most five rounds of 24)."""
    path = url.split("//", 1)[1].split("/", 1)[1]
    pages: list[tuple[int, str, str]] = []
    with ThreadPoolExecutor(8) as pool:
        for _ in range(5):
            pages += pool.map(lambda _: shopper.open(url), range(24))
            if len({pid for s, pid in _served(log, "GET", "/" + path) if s == status}) == 2:
                break
    return pages


def test_two_workers_share_logins_csrf_and_flashes(tmp_path):
    log = tmp_path / "demo.log"
    with running_demo(tmp_path, "--workers", "2") as info:
        base = info["base_url"]
        admin = Shopper()
        _, _, login = admin.open(base + "/admin/login")
        status, landed, _ = admin.open(base + "/admin/login", {
            "username": info["admin"]["username"], "password": info["admin"]["password"],
            "csrf_token": _token(login)})
        assert status == 200 and landed.endswith("/admin/")

        # the login made by one worker is honoured by both
        pages = _burst(admin, base + "/admin/invoices", log, 200)
        assert all(status == 200 and landed.endswith("/admin/invoices") and "INV-" in body
                   for status, landed, body in pages)
        served = _served(log, "GET", "/admin/invoices")
        assert {status for status, _ in served} == {200}
        assert len({pid for _, pid in served}) == 2, served

        # a form's token from one worker is accepted by either, and the flash shows after the redirect
        notes = []
        for n in range(6):
            _, _, view = admin.open(base + "/admin/invoices/1")
            status, landed, page = admin.open(base + "/admin/invoices/1/notes",
                                              {"body": f"note {n}", "csrf_token": _token(view)})
            notes.append((status, landed, page))
        assert [(status, landed.removeprefix(base), "Note added." in page) for status, landed, page in notes] \
            == [(200, "/admin/invoices/1#notes", True)] * 6
        # one page's token, posted to both workers at once
        _, _, view = admin.open(base + "/admin/invoices/1")
        token = _token(view)
        with ThreadPoolExecutor(8) as pool:
            for _ in range(5):
                list(pool.map(lambda n: admin.open(base + "/admin/invoices/1/notes",
                                                   {"body": f"burst {n}", "csrf_token": token}), range(16)))
                posts = _served(log, "POST", "/admin/invoices/1/notes")
                if len({pid for _, pid in posts}) == 2:
                    break
        assert {status for status, _ in posts} == {303} and len({pid for _, pid in posts}) == 2
        assert all(f"note {n}" in notes[-1][2] for n in range(6))

        # a form without the token is refused, whichever worker gets it
        status, _, page = admin.open(base + "/admin/invoices/1/notes", {"body": "forged"})
        assert status == 400 and "did not come from this site" in page

        # logging out ends the session on the server: the old cookie works on no worker
        _, _, view = admin.open(base + "/admin/invoices/1")
        admin.open(base + "/admin/logout", {"csrf_token": _token(view)})
        after = _burst(admin, base + "/admin/invoices", log, 302)
        assert after and all("/admin/login" in landed for _, landed, _ in after)
        assert len({pid for status, pid in _served(log, "GET", "/admin/invoices") if status == 302}) == 2
    output = log.read_text()
    assert "Served by gunicorn with 2 worker processes." in output
    assert re.search(r"Booting worker with pid", output)


def test_workers_must_be_a_positive_number(tmp_path):
    result = subprocess.run([sys.executable, "-m", "oro_invoices", "demo", "--workers", "0",
                             "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--workers: must be at least 1, not 0" in result.stderr
