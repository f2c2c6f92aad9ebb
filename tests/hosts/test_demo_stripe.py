"""``oro-invoices demo --stripe-api-base``: the demo pays with Stripe (the local Stripe server here),
and Stripe's webhook reaches the URL demo.json lists, signed with its secret."""
from __future__ import annotations

import html
import re
import subprocess
import sys
import time
import uuid

import pytest
from support.demo_run import Shopper, form_action, form_tag, hidden_fields, running_demo
from support.stripe_server.fixtures import local_client
from support.stripe_server.webhooks import register_webhook, unregister_webhook


def test_demo_pays_with_stripe_and_takes_its_webhooks(tmp_path, stripe_server):
    endpoint, registered = f"demo-{uuid.uuid4().hex}", False
    try:
        with running_demo(tmp_path, "--stripe-api-base", stripe_server) as info:
            stripe = info["stripe"]
            assert stripe["webhook_url"] == f"{info['base_url']}/invoices/pay/notify/stripe"
            assert stripe["webhook_secret"] == "whsec_oro_invoices_demo"
            assert stripe["publishable_key"] == "pk_test_oro_invoices_demo"
            assert stripe["js_url"] == f"{stripe_server}/js.stripe.com/v3/"
            assert sorted(stripe["organization_ids"]) == sorted(o["id"] for o in info["organizations"])
            register_webhook(stripe_server, endpoint, stripe["webhook_url"], stripe["webhook_secret"],
                             ["payment_intent.succeeded", "refund.created"])
            registered = True

            buyer = Shopper()
            ben = next(u for u in info["customer_users"] if u["email"] == "ben.ortiz@acme.example")
            buyer.log_in(info["base_url"], ben["email"], ben["password"])
            pay = buyer.first_pay_link(info["base_url"])
            _, _, payment = buyer.open(info["base_url"] + pay)
            status, _, handover = buyer.open(info["base_url"] + form_action(payment, "oi-payment-form"),
                                             hidden_fields(payment))
            assert status == 200 and f'<script src="{stripe["js_url"]}"></script>' in handover
            form = form_tag(handover, "oi-provider-form")
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
            assert "data-oi-pay>" not in view
            # a refund made in the Stripe Dashboard names no payment of the add-on: its webhook is
            # verified with the global settings the demo sets too
            local_client(stripe_server, "sk_test_oro_invoices_demo").v1.refunds.create(
                {"payment_intent": secret.split("_secret_")[0], "amount": 100})
            while "Refunded partially" not in view:
                assert time.monotonic() < deadline + 30, "the refund's webhook was not recorded"
                time.sleep(0.5)
                _, _, view = buyer.open(info["base_url"] + pay.rsplit("/payment", 1)[0])
    finally:
        if registered:
            unregister_webhook(stripe_server, endpoint)


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
