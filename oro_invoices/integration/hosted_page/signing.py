"""The hosted payment page's signing rule, the request it is sent and the response it posts back.

Every message is signed with the shared secret the same way::

    SHA1HASH = sha1(sha1("F1.F2.….Fn").hexdigest() + "." + secret).hexdigest()

over ``TIMESTAMP.MERCHANT_ID.ORDER_ID.AMOUNT.CURRENCY`` for the request and
``TIMESTAMP.MERCHANT_ID.ORDER_ID.RESULT.MESSAGE.PASREF.AUTHCODE`` for the response.
The response hash does not cover ``AMOUNT``: the caller compares it (and ``ORDER_ID``) with its
own record of the payment before accepting anything.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from oro_invoices.integration.payment_methods import CallbackRejected

REQUEST_HASH_FIELDS = ("TIMESTAMP", "MERCHANT_ID", "ORDER_ID", "AMOUNT", "CURRENCY")
RESPONSE_HASH_FIELDS = ("TIMESTAMP", "MERCHANT_ID", "ORDER_ID", "RESULT", "MESSAGE", "PASREF",
                        "AUTHCODE")
APPROVED = "00"
HPP_VERSION = "2"
ORDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: An amount in minor units: ASCII digits only (``str.isdigit`` takes "²" and "١"), at most 18.
_MINOR_UNITS = re.compile(r"[0-9]{1,18}", re.ASCII)


def sha1_hash(values: Sequence[str], secret: str) -> str:
    """The hosted page's hash of ``values`` (joined with ".") under ``secret``, as lower-case hex."""
    first = hashlib.sha1(".".join(values).encode("utf-8")).hexdigest()
    return hashlib.sha1(f"{first}.{secret}".encode()).hexdigest()


def secret_hash(secret: str) -> str:
    """sha1 of a secret alone (the XML API's ``refundhash`` of the rebate password)."""
    return hashlib.sha1(secret.encode("utf-8")).hexdigest()


def timestamp(moment: dt.datetime) -> str:
    """``YYYYMMDDhhmmss`` in UTC."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def _line(text: str, limit: int) -> str:
    return _CONTROL.sub(" ", text)[:limit]


@dataclass(frozen=True)
class HppRequest:
    """One payment to send to the hosted page (amount in minor units)."""

    merchant_id: str
    account: str
    order_id: str
    amount: int
    currency: str
    timestamp: str
    response_url: str
    comment: str = ""
    customer_email: str = ""


def request_fields(request: HppRequest, secret: str) -> dict[str, str]:
    """The signed form fields that send the customer to the hosted page (an immediate charge)."""
    if not ORDER_ID_PATTERN.match(request.order_id):
        raise ValueError(f"ORDER_ID {request.order_id!r} must be 1 to 50 of A-Z, a-z, 0-9, _ and -.")
    if request.amount <= 0:
        raise ValueError("AMOUNT must be a positive number of minor units.")
    fields = {
        "TIMESTAMP": request.timestamp,
        "MERCHANT_ID": request.merchant_id,
        "ACCOUNT": request.account,
        "ORDER_ID": request.order_id,
        "AMOUNT": str(request.amount),
        "CURRENCY": request.currency,
        "AUTO_SETTLE_FLAG": "1",
        "HPP_VERSION": HPP_VERSION,
        "MERCHANT_RESPONSE_URL": request.response_url,
    }
    if request.comment:
        fields["COMMENT1"] = _line(request.comment, 255)
    if request.customer_email:
        fields["HPP_CUSTOMER_EMAIL"] = _line(request.customer_email, 255)
    fields["SHA1HASH"] = sha1_hash([fields[name] for name in REQUEST_HASH_FIELDS], secret)
    return fields


def response_hash(fields: Mapping[str, str], secret: str) -> str:
    """The hash a response with these fields must carry (missing fields count as empty)."""
    return sha1_hash([fields.get(name, "") for name in RESPONSE_HASH_FIELDS], secret)


def sign_response(fields: Mapping[str, str], secret: str) -> dict[str, str]:
    """``fields`` with the ``SHA1HASH`` the hosted page would give them (for stand-ins and tests)."""
    return {**fields, "SHA1HASH": response_hash(fields, secret)}


@dataclass(frozen=True)
class HppResponse:
    """A verified response of the hosted page."""

    timestamp: str
    merchant_id: str
    order_id: str
    result: str
    message: str
    pasref: str
    authcode: str
    amount: int

    @property
    def approved(self) -> bool:
        return self.result == APPROVED


def verify_response(fields: Mapping[str, str], *, secret: str, merchant_id: str) -> HppResponse:
    """The response if its hash, merchant and fields check out; else ``CallbackRejected``.

    The amount is only parsed here: it is not signed, so the caller compares it with its record.
    """
    order_id = fields.get("ORDER_ID", "")
    claimed = fields.get("SHA1HASH", "").strip().lower()
    if not claimed:
        raise CallbackRejected("The hosted page's response has no SHA1HASH.", attempt_id=order_id or None)
    if not hmac.compare_digest(claimed.encode(), response_hash(fields, secret).encode()):
        raise CallbackRejected("The hosted page's response is not signed with the shared secret.",
                               attempt_id=order_id or None)
    if fields.get("MERCHANT_ID", "") != merchant_id:
        raise CallbackRejected(f"The response is for merchant {fields.get('MERCHANT_ID', '')!r}, "
                               f"not the configured {merchant_id!r}.", attempt_id=order_id or None)
    if not ORDER_ID_PATTERN.match(order_id):
        raise CallbackRejected("The response names no valid ORDER_ID.")
    raw_amount = fields.get("AMOUNT", "")
    if not _MINOR_UNITS.fullmatch(raw_amount):
        raise CallbackRejected(f"The response's AMOUNT {raw_amount!r} is not a number of minor units.",
                               attempt_id=order_id)
    return HppResponse(timestamp=fields.get("TIMESTAMP", ""), merchant_id=fields["MERCHANT_ID"],
                       order_id=order_id, result=fields.get("RESULT", ""),
                       message=fields.get("MESSAGE", ""), pasref=fields.get("PASREF", ""),
                       authcode=fields.get("AUTHCODE", ""), amount=int(raw_amount))
