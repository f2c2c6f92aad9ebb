"""The ASGI example under gunicorn with two uvicorn workers, as docs/operations.md runs it:
a login and a form's CSRF token hold whichever process answers."""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.ports import free_port

pytest.importorskip("gunicorn")
pytest.importorskip("uvicorn_worker")

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r"name='csrf_token' value='([^']+)'")


def _open(opener, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=30) as resp:
            return resp.status, resp.geturl(), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode()


@pytest.fixture
def served(tmp_path):
    """``gunicorn -k uvicorn_worker.UvicornWorker --workers 2`` over a copy of the example, with
    the commands of docs/operations.md run where it runs them (the folder above ``examples``)."""
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "starlette_host.py", tmp_path / "examples")
    env = {**os.environ, "SHOP_SECRET_KEY": "one-secret-for-every-process", "PYTHONPATH": str(ROOT)}
    migrate = re.search(r"^oro-invoices (migrate --db \S+)", (ROOT / "docs" / "operations.md").read_text(), re.M)
    assert migrate is not None
    subprocess.run([sys.executable, "-m", "oro_invoices", *migrate.group(1).split()],
                   cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    with open(tmp_path / "gunicorn.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "uvicorn_worker.UvicornWorker",
                                 "--workers", "2", "--bind", f"127.0.0.1:{port}", "--chdir", "examples",
                                 "starlette_host:demo_app()"], cwd=tmp_path, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        assert not (tmp_path / "shop-invoices.db").exists()  # the schema went where the workers look
        while (tmp_path / "gunicorn.log").read_text().count("Application startup complete") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", tmp_path / "gunicorn.log"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_two_uvicorn_workers_share_the_signed_session(served):
    base, log = served
    assert len(set(re.findall(r"Booting worker with pid: (\d+)", log.read_text()))) == 2
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    _, _, login = _open(browser, base + "/admin/login")
    status, landed, _ = _open(browser, base + "/admin/login",
                              {"username": "admin", "password": "admin", "csrf_token": TOKEN.search(login).group(1)})
    assert status == 200 and "/admin/login" not in landed

    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: _open(browser, base + "/admin/invoices"), range(32)))
    assert all(status == 200 and landed.endswith("/admin/invoices") for status, landed, _ in pages)

    # a token from one page is accepted by every process: the buyer logs in with it many times
    buyer = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    _, _, form = _open(buyer, base + "/login")
    token = TOKEN.search(form).group(1)
    with ThreadPoolExecutor(8) as pool:
        logins = list(pool.map(lambda _: _open(buyer, base + "/login", {
            "email": "buyer@acme.test", "password": "buyer", "csrf_token": token}), range(16)))
    assert all(status == 200 and "/login" not in landed for status, landed, _ in logins), logins[0][:2]
