"""The example shops run with only what their documented install brings: every package
installed here that ``pip install 'oro-invoices[EXTRAS]' …`` would not bring is unimportable in
the shop's process (``support.extras``), and a posted invoice's PDF is still downloaded."""
from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support.extras import command_without, modules_outside, run_without
from support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]

OSCAR_MANAGE = '''
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.oscar_shop.settings")
    from examples.oscar_shop.__main__ import main
    main(sys.argv[1:])
'''

OSCAR_BUYER_DOWNLOADS = '''
    import os, re
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.oscar_shop.settings")
    import django
    django.setup()
    from django.test import Client
    from oro_invoices.adapters.oscar.runtime import runtime
    from examples.oscar_shop.management.commands.seed_invoices import BUYER
    client = Client()
    assert client.login(username=BUYER[0], password=BUYER[1]), "the buyer cannot log in"
    listing = client.get(runtime().host.urls.url_for("oro_invoices.storefront.index"))
    assert listing.status_code == 200, listing.status_code
    views = re.findall(r'href="([^"]*/\\d+/?)"', listing.content.decode())
    for view in views:
        found = re.search(r'href="([^"]*/download)"', client.get(view).content.decode())
        if found:
            pdf = b"".join(client.get(found.group(1)).streaming_content)
            print("downloaded", len(pdf), pdf[:5].decode("latin-1"))
            break
    else:
        raise SystemExit(f"no invoice page offers a download: {views}")
'''


@pytest.mark.slow
def test_the_oscar_shop_runs_with_only_the_oscar_and_pdf_extras(tmp_path, monkeypatch):
    """docs/oscar.md: ``pip install 'oro-invoices[oscar,pdf]'``, then migrate, seed and serve."""
    blocked = modules_outside("oro-invoices", "oscar", "pdf")
    assert {"flask", "celery", "s3fs", "psycopg", "starlette"} <= set(blocked)
    monkeypatch.setenv("OSCAR_SHOP_DATA", str(tmp_path / "shop"))
    monkeypatch.chdir(ROOT)
    for command in (["migrate", "--no-input"], ["seed_invoices"], ["check"]):
        done = run_without(blocked, OSCAR_MANAGE, *command, timeout=600)
        assert done.returncode == 0, f"{command}: {done.stderr[-3000:]}"
    visit = run_without(blocked, OSCAR_BUYER_DOWNLOADS, timeout=300)
    assert visit.returncode == 0, visit.stderr[-3000:]
    assert re.search(r"^downloaded \d+ %PDF-$", visit.stdout, re.M), visit.stdout


STARLETTE_SERVE = '''
    import uvicorn
    uvicorn.run("starlette_host:demo_app", factory=True, app_dir="examples", host="127.0.0.1",
                port=int(sys.argv[1]), log_level="warning")
'''


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.status, resp.read().decode()


def _api(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(base + "/api" + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer erp-token",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _pdf_of_a_posted_invoice(base: str) -> bytes:
    """The ERP of the example's docs creates an invoice, posts it and downloads its PDF."""
    status, body = _api(base, "POST", "/invoices", {
        "invoice_date": "2026-11-02", "due_date": "2026-12-02", "currency": "EUR", "organization_id": 1,
        "customer_id": 1,
        "bill_to": {"name": "Bea Buyer", "organization": "ACME Corp", "street": "Hauptstr. 1",
                    "city": "Berlin", "postal_code": "10115", "country": "DE"},
        "lines": [{"description": "Widget", "quantity": "2", "unit_price": "19.99", "tax_rate": "0.19"}]})
    assert status == 201, body
    invoice = json.loads(body)["id"]
    status, body = _api(base, "POST", f"/invoices/{invoice}/post")
    assert status == 200, body
    status, pdf = _api(base, "GET", f"/invoices/{invoice}/pdf")
    assert status == 200, pdf[:2000]
    return pdf


@pytest.mark.slow
def test_the_starlette_example_serves_with_only_the_asgi_and_pdf_extras_and_uvicorn(tmp_path, monkeypatch):
    """docs/web.md: ``pip install 'oro-invoices[asgi,pdf]' uvicorn``, then ``uvicorn --factory
    starlette_host:demo_app --app-dir examples``."""
    blocked = modules_outside("oro-invoices", "asgi", "pdf", also=["uvicorn"])
    assert {"flask", "django", "celery", "s3fs", "psycopg"} <= set(blocked)
    monkeypatch.chdir(tmp_path)  # the example keeps its data under the working directory
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    port = free_port()
    server = subprocess.Popen([*command_without(blocked, STARLETTE_SERVE), str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                status, _ = _get(base + "/login")
                break
            except OSError:
                assert server.poll() is None, server.communicate()[0][-3000:]
                assert time.monotonic() < deadline, "the example did not answer within 120 s"
                time.sleep(0.5)
        assert status == 200
        assert _pdf_of_a_posted_invoice(base).startswith(b"%PDF-")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "ModuleNotFoundError" not in output, output[-3000:]
