"""``oro-invoices demo --hosted-page-url``: the demo pays through a hosted page (a stand-in here)."""
from __future__ import annotations

import html
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

from support.demo_run import Shopper, form_action, hidden_fields, running_demo
from support.hpp_standin import APPROVED_CARD, HostedPageStandIn


def test_demo_pays_through_the_hosted_page(tmp_path):
    standin = HostedPageStandIn(secret="unknown-until-demo.json").start()
    try:
        with running_demo(tmp_path, "--hosted-page-url", standin.pay_url) as info:
            hosted = info["hosted_page"]
            assert hosted["url"] == standin.pay_url and hosted["api_url"] == standin.api_url
            assert hosted["response_url"] == f"{info['base_url']}/invoices/pay/notify/oropay"
            assert len(hosted["shared_secret"]) >= 24 and hosted["merchant_id"]
            assert sorted(hosted["organization_ids"]) == sorted(o["id"] for o in info["organizations"])
            assert info["customer_users"] and info["organizations"]       # what the demo lists anyway
            standin.secret, standin.rebate_password = hosted["shared_secret"], hosted["rebate_password"]

            buyer = Shopper()
            ben = next(u for u in info["customer_users"] if u["email"] == "ben.ortiz@acme.example")
            buyer.log_in(info["base_url"], ben["email"], ben["password"])
            pay = buyer.first_pay_link(info["base_url"])
            _, _, payment = buyer.open(info["base_url"] + pay)
            assert "Proceed with Payment" in payment
            _, _, handover = buyer.open(info["base_url"] + form_action(payment, "oi-payment-form"),
                                        hidden_fields(payment))
            assert form_action(handover, "oi-provider-form") == standin.pay_url
            card_page = _client_post(standin.pay_url, hidden_fields(handover))
            answer = _client_post(standin.base_url + "/pay/submit",
                                  {**hidden_fields(card_page), "card_number": APPROVED_CARD})
            status, _, reply = buyer.open(form_action(answer, "hpp-return"), hidden_fields(answer))
            assert status == 200
            result_url = html.unescape(re.search(r'id="oi-payment-continue" href="([^"]+)"', reply).group(1)) \
                if 'id="oi-payment-continue" href=' in reply else \
                html.unescape(re.search(r'href="([^"]+)" id="oi-payment-continue"', reply).group(1))
            _, _, result = buyer.open(result_url)
            assert "Payment Successful!" in result and "was successfully processed." in result
    finally:
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
