"""The Stripe.js stand-in, served at ``/js.stripe.com/v3/`` in place of localstripe's.

localstripe's fake never sends the card typed into its element from ``confirmCardPayment``, has an
empty ``createPaymentMethod`` and no ``confirmPayment``; ``static/stripe-v3.js`` does all three.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

SCRIPT = Path(__file__).with_name("static") / "stripe-v3.js"


async def serve(request: web.Request, handler: Any) -> web.StreamResponse:
    return web.Response(text=SCRIPT.read_text(encoding="utf-8"), content_type="application/javascript")
