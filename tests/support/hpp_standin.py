"""A stand-in for the Global Payments hosted payment page (and its XML API), for tests and the demo.

It checks the request's SHA1HASH with the shared secret like the real page does, shows a card
form, and posts a signed response back to ``MERCHANT_RESPONSE_URL`` (card 4263970000005262 is
approved, 4000120000001154 declined). Ticking "Sign the response wrongly" signs it with another
secret, for the negative path. ``/epage-remote.cgi`` answers rebate and void requests, checking
their hash and the rebate password's.

    standin = HostedPageStandIn(secret="…", rebate_password="…").start()
    standin.pay_url       # http://127.0.0.1:PORT/pay
    standin.api_url       # http://127.0.0.1:PORT/epage-remote.cgi
    standin.stop()
"""
from __future__ import annotations

import html
import threading
import xml.etree.ElementTree as ET

from babel.numbers import get_currency_precision
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from oro_invoices.integration.hosted_page.signing import (
    REQUEST_HASH_FIELDS,
    secret_hash,
    sha1_hash,
    sign_response,
)

APPROVED_CARD = "4263970000005262"
DECLINED_CARD = "4000120000001154"


class HostedPageStandIn:
    def __init__(self, *, secret: str, rebate_password: str = "", merchant_id: str = ""):
        self.secret = secret
        self.rebate_password = rebate_password
        self.merchant_id = merchant_id
        self.requests: list[dict[str, str]] = []
        self.api_requests: list[ET.Element] = []
        self._server = None
        self._thread: threading.Thread | None = None
        self._count = 0

    # -- serving ----------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> HostedPageStandIn:
        self._server = make_server(host, port, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def pay_url(self) -> str:
        return self.base_url + "/pay"

    @property
    def api_url(self) -> str:
        return self.base_url + "/epage-remote.cgi"

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/pay" and request.method == "POST":
            response = self._card_form(request)
        elif request.path == "/pay/submit" and request.method == "POST":
            response = self._respond(request)
        elif request.path == "/epage-remote.cgi" and request.method == "POST":
            response = self._api(request)
        else:
            response = Response("Not found", status=404)
        return response(environ, start_response)

    # -- the hosted page --------------------------------------------------------------
    def _card_form(self, request: Request) -> Response:
        fields = request.form.to_dict()
        expected = sha1_hash([fields.get(name, "") for name in REQUEST_HASH_FIELDS], self.secret)
        if fields.get("SHA1HASH") != expected or (self.merchant_id and fields.get("MERCHANT_ID") != self.merchant_id):
            return Response(_page("Invalid request", "<p id='hpp-invalid'>The request's SHA1HASH does "
                                  "not match: it was not signed with the shared secret.</p>"), status=400,
                            content_type="text/html")
        self.requests.append(fields)
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in fields.items())
        places = get_currency_precision(fields["CURRENCY"])     # AMOUNT is in minor units: ¥3800 is 3800
        shown = f"{int(fields['AMOUNT']) / 10 ** places:.{places}f}"
        body = f"""
        <p>Merchant {html.escape(fields['MERCHANT_ID'])} · order {html.escape(fields['ORDER_ID'])}</p>
        <p id="hpp-amount">Amount: {shown} {html.escape(fields['CURRENCY'])}</p>
        <form method="post" action="/pay/submit">{hidden}
          <p><label for="card">Card number</label> <input id="card" name="card_number" autocomplete="off"></p>
          <p><label for="expiry">Expiry (MM/YY)</label> <input id="expiry" name="expiry"></p>
          <p><label for="cvn">Security code</label> <input id="cvn" name="cvn"></p>
          <p><label><input type="checkbox" name="forge" value="1"> Sign the response wrongly</label></p>
          <p><button type="submit">Pay Now</button></p>
        </form>"""
        return Response(_page("Secure payment (stand-in)", body), content_type="text/html")

    def _respond(self, request: Request) -> Response:
        fields = request.form.to_dict()
        self._count += 1
        approved = fields.get("card_number", "").replace(" ", "") == APPROVED_CARD
        answer = {"TIMESTAMP": fields["TIMESTAMP"], "MERCHANT_ID": fields["MERCHANT_ID"],
                  "ACCOUNT": fields.get("ACCOUNT", ""), "ORDER_ID": fields["ORDER_ID"],
                  "RESULT": "00" if approved else "101",
                  "MESSAGE": "[ test system ] Authorised" if approved else "[ test system ] Declined",
                  "PASREF": f"15{self._count:015d}", "AUTHCODE": "12345" if approved else "",
                  "AMOUNT": fields["AMOUNT"]}
        signed = sign_response(answer, "not-the-secret" if fields.get("forge") == "1" else self.secret)
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in signed.items())
        body = (f'<form method="post" action="{html.escape(fields["MERCHANT_RESPONSE_URL"])}" id="hpp-return">'
                f'{hidden}<p>Returning to the merchant…</p><button type="submit">Return to merchant</button>'
                "</form><script>document.getElementById('hpp-return').submit();</script>")
        return Response(_page("Payment processed (stand-in)", body), content_type="text/html")

    # -- the XML API ------------------------------------------------------------------
    def _api(self, request: Request) -> Response:
        root = ET.fromstring(request.get_data())
        self.api_requests.append(root)

        def text(tag: str) -> str:
            node = root.find(tag)
            return (node.text or "") if node is not None else ""
        timestamp, merchant, order = root.get("timestamp", ""), text("merchantid"), text("orderid")
        amount_node = root.find("amount")
        amount = text("amount")
        currency = amount_node.get("currency", "") if amount_node is not None else ""
        expected = sha1_hash([timestamp, merchant, order, amount, currency, ""], self.secret)
        ok = text("sha1hash") == expected
        if root.get("type") == "rebate":
            ok = ok and text("refundhash") == secret_hash(self.rebate_password)
        result, message = ("00", "Processed") if ok else ("508", "Invalid hash")
        self._count += 1
        pasref = f"RB{self._count:015d}" if ok else ""
        values = [timestamp, merchant, order, result, message, pasref, ""]
        signed = sha1_hash(values, self.secret) if ok else ""
        xml = (f'<?xml version="1.0" encoding="UTF-8"?><response timestamp="{timestamp}">'
               f"<merchantid>{merchant}</merchantid><account>{text('account')}</account><orderid>{order}</orderid>"
               f"<result>{result}</result><message>{message}</message><pasref>{pasref}</pasref>"
               f"<authcode></authcode><sha1hash>{signed}</sha1hash></response>")
        return Response(xml, content_type="text/xml")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")
