"""``oro-invoices demo --stripe-api-base``: the demo pays with Stripe (the local Stripe server here),
and Stripe's webhook reaches the URL demo.json lists, signed with its secret."""
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
import uuid

import pytest
from support.stripe_server.fixtures import local_client
from support.stripe_server.webhooks import register_webhook, unregister_webhook


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


def _form(page: str, form_id: str) -> str:
    return re.search(rf'<form[^>]*id="{form_id}"[^>]*>', page, re.S).group(0)


def test_demo_pays_with_stripe_and_takes_its_webhooks(tmp_path, stripe_server):
    data_dir, port = tmp_path / "demo-data", _free_port()
    log = open(tmp_path / "demo.log", "w")  # noqa: SIM115 - closed below
    proc, endpoint, registered = None, f"demo-{uuid.uuid4().hex}", False
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "oro_invoices", "demo", "--data-dir", str(data_dir), "--port", str(port),
             "--stripe-api-base", stripe_server], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline, info = time.monotonic() + 120, None
        while time.monotonic() < deadline and info is None:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
            try:
                info = json.loads((data_dir / "demo.json").read_text())
            except (OSError, ValueError):
                time.sleep(0.2)
        assert info is not None, "no demo.json"
        stripe = info["stripe"]
        assert stripe["webhook_url"] == f"{info['base_url']}/invoices/pay/notify/stripe"
        assert stripe["webhook_secret"] == "whsec_oro_invoices_demo"
        assert stripe["publishable_key"] == "pk_test_oro_invoices_demo"
        assert stripe["js_url"] == f"{stripe_server}/js.stripe.com/v3/"
        assert sorted(stripe["organization_ids"]) == sorted(o["id"] for o in info["organizations"])
        register_webhook(stripe_server, endpoint, stripe["webhook_url"], stripe["webhook_secret"],
                         ["payment_intent.succeeded"])
        registered = True

        buyer = _Client()
        ben = next(u for u in info["customer_users"] if u["email"] == "ben.ortiz@acme.example")
        _, _, login = buyer.open(info["base_url"] + "/customer/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        buyer.open(info["base_url"] + "/customer/login",
                   {"email": ben["email"], "password": ben["password"], "csrf_token": token})
        _, _, listing = buyer.open(info["base_url"] + "/customer/invoices")
        pay = html.unescape(re.search(r'href="([^"]+/payment)" data-oi-pay', listing).group(1))
        _, _, payment = buyer.open(info["base_url"] + pay)
        fields = {html.unescape(k): html.unescape(v)
                  for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', payment)}
        action = html.unescape(re.search(r'action="([^"]+)"', _form(payment, "oi-payment-form")).group(1))
        status, _, handover = buyer.open(info["base_url"] + action, fields)
        assert status == 200 and f'<script src="{stripe["js_url"]}"></script>' in handover
        form = _form(handover, "oi-provider-form")
        assert f'data-publishable-key="{stripe["publishable_key"]}"' in form
        secret = html.unescape(re.search(r'data-client-secret="([^"]+)"', form).group(1))
        return_url = html.unescape(re.search(r'data-return-url="([^"]+)"', form).group(1))
        # the card, as Stripe.js confirms it; the customer never comes back: the webhook pays
        local_client(stripe_server, "sk_test_oro_invoices_demo").v1.payment_intents.confirm(
            secret.split("_secret_")[0], {"payment_method": "pm_card_visa", "return_url": return_url})
        deadline = time.monotonic() + 30
        while True:
            _, _, view = buyer.open(info["base_url"] + pay.rsplit("/payment", 1)[0])
            if "Paid in full" in view:
                break
            assert time.monotonic() < deadline, "the webhook did not mark the invoice paid"
            time.sleep(0.5)
        assert "data-oi-pay" not in view
    finally:
        if registered:
            unregister_webhook(stripe_server, endpoint)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()


@pytest.mark.parametrize(("options", "message"), [
    (["--stripe-api-base", "ftp://nowhere"], "error: --stripe-api-base 'ftp://nowhere': Must be an absolute URL"),
    (["--stripe-api-base", "http://127.0.0.1:1", "--stripe-secret-key", "pk_wrong"],
     "error: --stripe-secret-key 'pk_wrong': a Stripe secret key starts with sk_"),
    (["--stripe-api-base", "http://127.0.0.1:1", "--hosted-page-url", "http://127.0.0.1:2/pay"],
     "error: --stripe-api-base and --hosted-page-url each choose the payment method"),
])
def test_bad_stripe_options_are_one_clear_line(tmp_path, options, message):
    result = subprocess.run([sys.executable, "-m", "oro_invoices", "demo", "--data-dir", str(tmp_path / "d"),
                             *options], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(message), result.stderr
    assert not (tmp_path / "d").exists()
