"""The XML API behind the hosted page: rebate (refund) and void (cancel) of an earlier payment.

Requests and responses are signed with the same rule as the hosted page
(``signing.sha1_hash``): a request over ``timestamp.merchantid.orderid.amount.currency.`` (the
last, empty part is the card number, which these requests do not carry), a response over
``timestamp.merchantid.orderid.result.message.pasref.authcode``. A rebate also carries
``refundhash``, the sha1 of the rebate password.
"""
from __future__ import annotations

import hmac
import http.client
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from oro_invoices.domain.messages import Message
from oro_invoices.integration.hosted_page.signing import APPROVED, secret_hash, sha1_hash
from oro_invoices.integration.payment_methods import OutcomeUnknown, ProviderError

#: Posts an XML request body to a URL and returns the response body (raises ``ProviderError``).
Transport = Callable[[str, bytes], bytes]

TIMEOUT_SECONDS = 30.0
MAX_RESPONSE_BYTES = 64 * 1024


def http_transport(url: str, body: bytes) -> bytes:
    """POST ``body`` as text/xml with the standard library; at most 64 KiB of answer is read.

    :raises OutcomeUnknown: the request may have reached the provider but its answer did not come
        back (a time-out, a dropped connection, a server error): the refund or void may have been made.
    :raises ProviderError: the provider was not reached (refused, unknown host) or refused the request.
    """
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "text/xml; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return bytes(response.read(MAX_RESPONSE_BYTES + 1))[:MAX_RESPONSE_BYTES]
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        if _maybe_reached(exc):
            reason = str(getattr(exc, "reason", "") or exc) or type(exc).__name__
            raise OutcomeUnknown(Message("The payment provider at %(url)s did not answer (%(reason)s); the request "
                                         "may have reached it.", url=url, reason=reason), detail=reason) from None
        raise ProviderError(Message("The payment provider at %(url)s could not be reached (%(reason)s). "
                                    "Nothing was changed there as far as the add-on knows; check the "
                                    "provider's dashboard before trying again.", url=url,
                                    reason=str(exc))) from None


def _maybe_reached(exc: Exception) -> bool:
    """Whether a failed request may have been carried out: sent, but its answer lost (a time-out or
    a dropped connection after connecting) or a server error; not when it never got there (refused,
    unknown host, a bad URL) or the provider refused it (4xx)."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ConnectionRefusedError | socket.gaierror) or isinstance(exc, ValueError):
        return False
    return isinstance(reason, TimeoutError | ConnectionError | http.client.HTTPException)


@dataclass(frozen=True)
class Credentials:
    merchant_id: str
    account: str
    shared_secret: str
    api_url: str
    rebate_password: str = ""


@dataclass(frozen=True)
class RemoteResult:
    """A verified answer of the XML API."""

    result: str
    message: str
    pasref: str
    authcode: str

    @property
    def approved(self) -> bool:
        return self.result == APPROVED


def rebate_xml(creds: Credentials, *, timestamp: str, order_id: str, pasref: str, authcode: str,
               amount: int, currency: str, comment: str = "") -> bytes:
    """The signed ``rebate`` request: return ``amount`` of the payment ``order_id``/``pasref``."""
    root = ET.Element("request", {"type": "rebate", "timestamp": timestamp})
    ET.SubElement(root, "merchantid").text = creds.merchant_id
    ET.SubElement(root, "account").text = creds.account
    ET.SubElement(root, "amount", {"currency": currency}).text = str(amount)
    ET.SubElement(root, "orderid").text = order_id
    ET.SubElement(root, "pasref").text = pasref
    ET.SubElement(root, "authcode").text = authcode
    ET.SubElement(root, "refundhash").text = secret_hash(creds.rebate_password)
    if comment:
        comments = ET.SubElement(root, "comments")
        ET.SubElement(comments, "comment", {"id": "1"}).text = comment[:255]
    ET.SubElement(root, "sha1hash").text = sha1_hash(
        [timestamp, creds.merchant_id, order_id, str(amount), currency, ""], creds.shared_secret)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def void_xml(creds: Credentials, *, timestamp: str, order_id: str, pasref: str,
             comment: str = "") -> bytes:
    """The signed ``void`` request: cancel the payment ``order_id``/``pasref``."""
    root = ET.Element("request", {"type": "void", "timestamp": timestamp})
    ET.SubElement(root, "merchantid").text = creds.merchant_id
    ET.SubElement(root, "account").text = creds.account
    ET.SubElement(root, "orderid").text = order_id
    ET.SubElement(root, "pasref").text = pasref
    if comment:
        comments = ET.SubElement(root, "comments")
        ET.SubElement(comments, "comment", {"id": "1"}).text = comment[:255]
    ET.SubElement(root, "sha1hash").text = sha1_hash(
        [timestamp, creds.merchant_id, order_id, "", "", ""], creds.shared_secret)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def parse_response(body: bytes, creds: Credentials, *, order_id: str) -> RemoteResult:
    """The API's verified answer; ``ProviderError`` when it is unreadable or not signed right."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ProviderError(Message("The payment provider answered something that is not XML "
                                    "(%(reason)s).", reason=str(exc))) from None

    def text(tag: str) -> str:
        node = root.find(tag)
        return (node.text or "") if node is not None else ""

    values = [root.get("timestamp", ""), text("merchantid"), text("orderid"), text("result"),
              text("message"), text("pasref"), text("authcode")]
    claimed = text("sha1hash").strip().lower()
    if not claimed and text("result") != APPROVED:
        # Requests the gateway refuses outright (a bad hash, say) come back unsigned.
        return RemoteResult(text("result") or "error", text("message") or Message("Refused by the provider."),
                            "", "")
    if not hmac.compare_digest(claimed.encode(), sha1_hash(values, creds.shared_secret).encode()):
        raise ProviderError(Message("The payment provider's answer is not signed with the shared "
                                    "secret; it was ignored. Check the provider's dashboard."))
    if text("orderid") not in ("", order_id) or text("merchantid") != creds.merchant_id:
        raise ProviderError(Message("The payment provider's answer is about another payment; it was "
                                    "ignored."))
    return RemoteResult(text("result"), text("message"), text("pasref"), text("authcode"))
