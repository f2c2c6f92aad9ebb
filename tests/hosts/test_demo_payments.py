"""``oro-invoices demo --hosted-page-url``: the demo pays through a hosted page (a stand-in here)."""
from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from support.hpp_standin import APPROVED_CARD, HostedPageStandIn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Client:
    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, url: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=60) as resp:
                return resp.status, resp.geturl(), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode()


def _hidden(page: str) -> dict[str, str]:
    return {html.unescape(k): html.unescape(v)
            for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


def _action(page: str, form_id: str) -> str:
    tag = re.search(rf'<form[^>]*id="{form_id}"[^>]*>', page).group(0)
    return html.unescape(re.search(r'action="([^"]+)"', tag).group(1))


def test_demo_pays_through_the_hosted_page(tmp_path):
    data_dir, port = tmp_path / "demo-data", _free_port()
    standin = None
    log = open(tmp_path / "demo.log", "w")  # noqa: SIM115 - closed below
    proc = None
    try:
        standin = HostedPageStandIn(secret="unknown-until-demo.json").start()
        proc = subprocess.Popen(
            [sys.executable, "-m", "oro_invoices", "demo", "--data-dir", str(data_dir), "--port", str(port),
             "--hosted-page-url", standin.pay_url], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline, info = time.monotonic() + 120, None
        while time.monotonic() < deadline and info is None:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
            try:
                info = json.loads((data_dir / "demo.json").read_text())
            except (OSError, ValueError):
                time.sleep(0.2)
        assert info is not None, "no demo.json"
        hosted = info["hosted_page"]
        assert hosted["url"] == standin.pay_url and hosted["api_url"] == standin.api_url
        assert hosted["response_url"] == f"{info['base_url']}/invoices/pay/notify/oropay"
        assert len(hosted["shared_secret"]) >= 24 and hosted["merchant_id"]
        assert sorted(hosted["organization_ids"]) == sorted(o["id"] for o in info["organizations"])
        assert info["customer_users"] and info["organizations"]       # what the demo lists anyway
        standin.secret, standin.rebate_password = hosted["shared_secret"], hosted["rebate_password"]

        buyer = _Client()
        ben = next(u for u in info["customer_users"] if u["email"] == "ben.ortiz@acme.example")
        _, _, login = buyer.open(info["base_url"] + "/customer/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        buyer.open(info["base_url"] + "/customer/login",
                   {"email": ben["email"], "password": ben["password"], "csrf_token": token})
        _, _, listing = buyer.open(info["base_url"] + "/customer/invoices")
        pay = html.unescape(re.search(r'href="([^"]+/payment)" data-oi-pay', listing).group(1))
        _, _, payment = buyer.open(info["base_url"] + pay)
        assert "Proceed with Payment" in payment
        _, _, handover = buyer.open(info["base_url"] + _action(payment, "oi-payment-form"), _hidden(payment))
        assert _action(handover, "oi-provider-form") == standin.pay_url
        card_page = _client_post(standin.pay_url, _hidden(handover))
        answer = _client_post(standin.base_url + "/pay/submit", {**_hidden(card_page), "card_number": APPROVED_CARD})
        status, _, reply = buyer.open(_action(answer, "hpp-return"), _hidden(answer))
        assert status == 200
        result_url = html.unescape(re.search(r'id="oi-payment-continue" href="([^"]+)"', reply).group(1)) \
            if 'id="oi-payment-continue" href=' in reply else \
            html.unescape(re.search(r'href="([^"]+)" id="oi-payment-continue"', reply).group(1))
        _, _, result = buyer.open(result_url)
        assert "Payment Successful!" in result and "was successfully processed." in result
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
        if standin is not None:
            standin.stop()


def _client_post(url: str, data: dict) -> str:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode())
    with urllib.request.urlopen(request, timeout=30) as resp:
        return resp.read().decode()


def test_a_bad_hosted_page_url_is_one_clear_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "oro_invoices", "demo", "--data-dir", str(tmp_path / "d"),
                             "--hosted-page-url", "ftp://nowhere"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --hosted-page-url 'ftp://nowhere': Must be an absolute URL")
