"""OroPay's hosted payment page: the signing rule checked against the official SDKs, the response
check, the XML refunds, and the method as the add-on uses it."""
from __future__ import annotations

import datetime as dt
import random
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from support.oracles import run_node_sdk, run_python_sdk

from oro_invoices.domain.money import to_minor
from oro_invoices.integration.hosted_page import method as oropay
from oro_invoices.integration.hosted_page import remote
from oro_invoices.integration.hosted_page.signing import (
    HppRequest,
    request_fields,
    sha1_hash,
    sign_response,
    verify_response,
)
from oro_invoices.integration.payment_methods import (
    AttemptRecord,
    CallbackRejected,
    PaymentMethod,
    ProviderCallback,
    ProviderError,
    RefundRequest,
    TransactionRef,
)

SECRET = "Po8lRRT67a"
MERCHANT = "MerchantId"
NOW = dt.datetime(2026, 11, 30, 12, 0, 5, tzinfo=dt.UTC)
CONFIG = {oropay.MERCHANT_ID: MERCHANT, oropay.ACCOUNT: "internet", oropay.SHARED_SECRET: SECRET,
          oropay.HPP_URL: "https://pay.sandbox.realexpayments.com/pay",
          oropay.API_URL: "https://api.sandbox.realexpayments.com/epage-remote.cgi",
          oropay.REBATE_PASSWORD: "rebate-pass"}


def amounts(count: int = 120) -> list[str]:
    rng = random.Random(20261130)
    chosen = {"0.01", "0.29", "1.00", "10.01", "19.99", "100.00", "999.99", "231.86"}
    while len(chosen) < count:
        chosen.add(f"{rng.randint(1, 99_999) / 100:.2f}")
    return sorted(chosen, key=Decimal)


def ours(amount: str, order_id: str = "N6qsk4kYRZihmPrTXWYS6g") -> dict[str, str]:
    return request_fields(HppRequest(
        merchant_id=MERCHANT, account="internet", order_id=order_id,
        amount=to_minor(Decimal(amount), "EUR"), currency="EUR", timestamp="20261130120005",
        response_url="https://shop.test/invoices/pay/notify/oropay", comment="Invoice INV-2026-11-00001"),
        SECRET)


def test_the_request_is_signed_like_the_python_sdk_signs_it():
    cases = [{"kind": "request", "merchant_id": MERCHANT, "account": "internet", "secret": SECRET,
              "amount": a, "currency": "EUR", "order_id": f"ORDER-{i}", "timestamp": "20261130120005",
              "comment": "Invoice INV-2026-11-00001",
              "response_url": "https://shop.test/invoices/pay/notify/oropay"} for i, a in enumerate(amounts())]
    sdk = run_python_sdk(cases)
    agreed = wrong_in_sdk = 0
    for case, theirs in zip(cases, sdk):
        mine = ours(case["amount"], case["order_id"])
        for name in ("MERCHANT_ID", "ACCOUNT", "ORDER_ID", "CURRENCY", "TIMESTAMP", "AUTO_SETTLE_FLAG",
                     "MERCHANT_RESPONSE_URL", "COMMENT1"):
            assert mine[name] == str(theirs[name]), name
        if str(theirs["AMOUNT"]) == mine["AMOUNT"]:
            assert mine["SHA1HASH"] == theirs["SHA1HASH"]
            agreed += 1
        else:  # the SDK's int(float(a) * 100) loses a cent; the signing rule is still the same
            assert int(theirs["AMOUNT"]) == int(mine["AMOUNT"]) - 1
            wrong_in_sdk += 1
    assert agreed > 80 and wrong_in_sdk > 0
    # where the SDK's amount is wrong, its hash function agrees with ours over the right fields
    fields = [ours(a) for a in amounts()]
    hashes = run_python_sdk([{"kind": "hash", "secret": SECRET,
                              "values": [f[n] for n in ("TIMESTAMP", "MERCHANT_ID", "ORDER_ID", "AMOUNT", "CURRENCY")]}
                             for f in fields])
    assert hashes == [f["SHA1HASH"] for f in fields]


def test_the_request_fields():
    fields = ours("19.99")
    assert fields["AMOUNT"] == "1999" and fields["HPP_VERSION"] == "2" and fields["AUTO_SETTLE_FLAG"] == "1"
    first = __import__("hashlib").sha1(b"20261130120005.MerchantId.N6qsk4kYRZihmPrTXWYS6g.1999.EUR").hexdigest()
    assert fields["SHA1HASH"] == __import__("hashlib").sha1(f"{first}.{SECRET}".encode()).hexdigest()
    with pytest.raises(ValueError, match="ORDER_ID"):
        ours("1.00", order_id="bad id!")


def response(**overrides) -> dict[str, str]:
    fields = {"TIMESTAMP": "20261130120105", "MERCHANT_ID": MERCHANT, "ACCOUNT": "internet",
              "ORDER_ID": "N6qsk4kYRZihmPrTXWYS6g", "RESULT": "00", "MESSAGE": "[ test system ] Authorised",
              "PASREF": "14631546336115597", "AUTHCODE": "12345", "AMOUNT": "1999"}
    fields.update(overrides)
    return fields


def test_responses_are_verified_like_the_npm_sdk_verifies_them():
    good = [sign_response(response(), SECRET), sign_response(response(RESULT="101", MESSAGE="Declined",
                                                                      AUTHCODE=""), SECRET)]
    forged = [sign_response(response(), "another-secret"),
              {**sign_response(response(), SECRET), "MESSAGE": "Authorised!"},
              {**sign_response(response(RESULT="101"), SECRET), "RESULT": "00"}]
    unsigned_amount = {**sign_response(response(), SECRET), "AMOUNT": "1"}  # AMOUNT is not signed
    cases = [{"kind": "response", "merchant_id": MERCHANT, "secret": SECRET, "response": r}
             for r in [*good, *forged, unsigned_amount]]
    verdicts = run_node_sdk(cases)
    assert [v["ok"] for v in verdicts] == [True, True, False, False, False, True]
    for fields, verdict in zip([*good, *forged, unsigned_amount], verdicts):
        if verdict["ok"]:
            checked = verify_response(fields, secret=SECRET, merchant_id=MERCHANT)
            assert (checked.result, checked.pasref, checked.order_id) == (
                verdict["result"], verdict["pasref"], verdict["order_id"])
        else:
            with pytest.raises(CallbackRejected, match="not signed with the shared secret"):
                verify_response(fields, secret=SECRET, merchant_id=MERCHANT)
    # and a response hashed by the npm SDK is accepted here
    names = ("TIMESTAMP", "MERCHANT_ID", "ORDER_ID", "RESULT", "MESSAGE", "PASREF", "AUTHCODE")
    [their_hash] = run_node_sdk([{"kind": "hash", "secret": SECRET, "values": [response()[n] for n in names]}])
    assert verify_response({**response(), "SHA1HASH": their_hash}, secret=SECRET, merchant_id=MERCHANT).approved


@pytest.mark.parametrize("fields,message", [
    (response(), "has no SHA1HASH"),
    (sign_response(response(MERCHANT_ID="Other"), SECRET), "for merchant 'Other'"),
    (sign_response(response(AMOUNT="19.99"), SECRET), "AMOUNT '19.99' is not a number of minor units"),
    (sign_response(response(AMOUNT=""), SECRET), "AMOUNT '' is not"),
    (sign_response(response(AMOUNT="\u00b2"), SECRET), "AMOUNT '\u00b2' is not a number of minor units"),
    (sign_response(response(AMOUNT="1\u0669"), SECRET), "AMOUNT '1\u0669' is not a number of minor units"),
    (sign_response(response(ORDER_ID="../x"), SECRET), "names no valid ORDER_ID"),
])
def test_bad_responses_are_refused_with_the_reason(fields, message):
    with pytest.raises(CallbackRejected, match=message.replace("(", r"\(").replace(".", r"\.")):
        verify_response(fields, secret=SECRET, merchant_id=MERCHANT)


def test_the_rebate_request_is_signed_like_the_python_sdk_signs_it():
    creds = remote.Credentials(MERCHANT, "internet", SECRET, CONFIG[oropay.API_URL], "rebate-pass")
    body = remote.rebate_xml(creds, timestamp="20261130120005", order_id="ORDER-1", pasref="P1",
                             authcode="A1", amount=1999, currency="EUR", comment="Damaged")
    root = ET.fromstring(body)
    assert root.get("type") == "rebate" and root.find("amount").text == "1999"
    expected = run_python_sdk([
        {"kind": "hash", "secret": SECRET, "values": ["20261130120005", MERCHANT, "ORDER-1", "1999", "EUR", ""]},
        {"kind": "hash", "secret": "rebate-pass", "values": None}])
    assert [root.find("sha1hash").text, root.find("refundhash").text] == expected


class StandInApi:
    """The XML API's answers, signed like the provider signs them."""

    def __init__(self, result="00"):
        self.result = result
        self.requests = []

    def __call__(self, url, body):
        root = ET.fromstring(body)
        self.requests.append((url, root))
        values = [root.get("timestamp"), root.find("merchantid").text, root.find("orderid").text,
                  self.result, "Refunded" if self.result == "00" else "Declined", "RB-1", ""]
        signed = sha1_hash(values, SECRET)
        return (f'<response timestamp="{values[0]}"><merchantid>{values[1]}</merchantid>'
                f"<orderid>{values[2]}</orderid><result>{values[3]}</result><message>{values[4]}</message>"
                f"<pasref>RB-1</pasref><authcode></authcode><sha1hash>{signed}</sha1hash></response>").encode()


def refund_request(amount=500):
    parent = TransactionRef(transaction_id=7, action="charge", amount=1999, currency="EUR",
                            provider_reference="P1", attempt_id="ORDER-1", data={"authcode": "A1"})
    return RefundRequest(attempt_id="refund-attempt-0001", transaction=parent, amount=amount,
                         currency="EUR", notes="Damaged", timestamp=NOW, config=CONFIG)


def test_a_refund_through_the_api():
    api = StandInApi()
    event = oropay.OroPayMethod(transport=api).refund(refund_request())
    assert (event.action, event.successful, event.amount, event.provider_reference, event.parent_reference) == (
        "refund", True, 500, "RB-1", "P1")
    [(url, root)] = api.requests
    assert url == CONFIG[oropay.API_URL] and root.find("pasref").text == "P1"
    declined = oropay.OroPayMethod(transport=StandInApi("101")).refund(refund_request())
    assert not declined.successful and declined.message == "Declined"


def test_an_unsigned_or_unreachable_api_answer_is_an_error():
    def forged(url, body):
        return b'<response timestamp="1"><merchantid>MerchantId</merchantid><orderid>ORDER-1</orderid>' \
               b"<result>00</result><message>ok</message><pasref>X</pasref><sha1hash>00</sha1hash></response>"
    with pytest.raises(ProviderError, match="not signed with the shared secret"):
        oropay.OroPayMethod(transport=forged).refund(refund_request())
    with pytest.raises(ProviderError, match="could not be reached"):
        oropay.OroPayMethod().refund(RefundRequest(**{**refund_request().__dict__,
                                                      "config": {**CONFIG, oropay.API_URL: "http://127.0.0.1:9/x"}}))
    with pytest.raises(ProviderError, match="rebate password"):
        oropay.OroPayMethod(transport=StandInApi()).refund(
            RefundRequest(**{**refund_request().__dict__, "config": {**CONFIG, oropay.REBATE_PASSWORD: ""}}))


def test_the_method():
    method = oropay.OroPayMethod()
    assert isinstance(method, PaymentMethod)
    assert method.limits("EUR", CONFIG).allows(1)
    assert method.limits("EUR", {**CONFIG, oropay.SHARED_SECRET: ""}) is None
    assert method.limits("XXX", CONFIG) is None
    attempt = AttemptRecord("N6qsk4kYRZihmPrTXWYS6g", 1, "payment", 1999, "EUR")
    posted = ProviderCallback("POST", form=sign_response(response(), SECRET))
    assert method.callback_attempt(posted) == "N6qsk4kYRZihmPrTXWYS6g"
    [event] = method.handle_callback(posted, attempt, CONFIG).events
    assert (event.action, event.successful, event.amount, event.provider_reference, event.attempt_id) == (
        "charge", True, 1999, "14631546336115597", "N6qsk4kYRZihmPrTXWYS6g")
    with pytest.raises(CallbackRejected, match="No payment was started"):
        method.handle_callback(posted, None, CONFIG)
    with pytest.raises(CallbackRejected, match="posts its response"):
        method.handle_callback(ProviderCallback("GET", query=posted.form), attempt, CONFIG)
