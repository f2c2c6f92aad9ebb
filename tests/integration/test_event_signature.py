"""Signing outgoing events and verifying them: ``oro_invoices.integration.events``."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from oro_invoices.integration.events import (
    InvalidSignature,
    compute_signature,
    signature_header,
    verify_signature,
)

SECRET = "whsec-0123456789abcdef"
BODY = b'{"id":"e1","type":"invoice.payment_status_updated"}'
T = 1_764_495_600


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1764495600." + BODY, hashlib.sha256).hexdigest()
    assert compute_signature(SECRET, T, BODY) == expected
    assert signature_header(SECRET, BODY, T) == f"t={T},v1={expected}"
    assert compute_signature(SECRET, T, BODY.decode()) == expected  # text is signed as UTF-8


def test_a_genuine_fresh_request_is_accepted():
    header = signature_header(SECRET, BODY, T)
    assert verify_signature(SECRET, header, BODY, now=T + 299) == T
    assert verify_signature(SECRET, header, BODY.decode(), now=T - 299) == T
    # another v1 (a key being rotated) does not get in the way
    assert verify_signature(SECRET, f"{header},v1=00ff", BODY, now=T) == T


@pytest.mark.parametrize("secret,header,body,now,message", [
    (SECRET, None, BODY, T, "header is missing"),
    (SECRET, "", BODY, T, "header is missing"),
    (SECRET, "garbage", BODY, T, "malformed"),
    (SECRET, "t=abc,v1=00", BODY, T, "not a whole number"),
    (SECRET, f"t={T}", BODY, T, "needs both t= and v1="),
    (SECRET, "v1=00", BODY, T, "needs both t= and v1="),
    (SECRET, signature_header(SECRET, BODY, T), BODY + b" ", T, "does not match"),
    (SECRET, signature_header(SECRET, BODY, T), BODY.replace(b"e1", b"e2"), T, "does not match"),
    ("another-secret-0123456789", signature_header(SECRET, BODY, T), BODY, T, "does not match"),
    (SECRET, signature_header(SECRET, BODY, T), BODY, T + 301, "301 seconds old"),
    (SECRET, signature_header(SECRET, BODY, T), BODY, T - 400, "400 seconds in the future"),
    (SECRET, f"t={T},v1=é", BODY, T, "does not match"),
])
def test_everything_else_is_refused_with_the_reason(secret, header, body, now, message):
    with pytest.raises(InvalidSignature, match=message):
        verify_signature(secret, header, body, now=now)


def test_the_tolerance_is_configurable():
    header = signature_header(SECRET, BODY, T)
    assert verify_signature(SECRET, header, BODY, now=T + 3000, tolerance=3600) == T
    with pytest.raises(InvalidSignature, match="at most 10 are accepted"):
        verify_signature(SECRET, header, BODY, now=T + 11, tolerance=10)
