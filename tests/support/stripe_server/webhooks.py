"""Webhook endpoints on the local Stripe server, and a receiver that checks deliveries like Stripe's SDK.

localstripe posts each event about a second after it happens, once, to every registered endpoint
whose ``events`` include its type, signed ``Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "{t}.{payload}")``.
"""
from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe


def register_webhook(base_url: str, endpoint_id: str, url: str, secret: str,
                     events: Iterable[str] | None = None) -> None:
    """``POST /_config/webhooks/<endpoint_id>``: deliver the events (all, or those named) to ``url``."""
    fields = [("url", url), ("secret", secret)] + [("events[]", name) for name in events or ()]
    request = urllib.request.Request(f"{base_url}/_config/webhooks/{urllib.parse.quote(endpoint_id)}",
                                     data=urllib.parse.urlencode(fields).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


def unregister_webhook(base_url: str, endpoint_id: str) -> None:
    """``DELETE /_config/webhooks/<endpoint_id>``: stop delivering to that endpoint."""
    request = urllib.request.Request(f"{base_url}/_config/webhooks/{urllib.parse.quote(endpoint_id)}",
                                     method="DELETE")
    with urllib.request.urlopen(request, timeout=10):
        pass


@dataclass(frozen=True)
class Delivery:
    payload: bytes
    signature: str


class WebhookReceiver:
    """An HTTP endpoint on 127.0.0.1 that keeps every delivery it gets."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.deliveries: list[Delivery] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._arrived:
                    receiver.deliveries.append(Delivery(body, self.headers.get("Stripe-Signature", "")))
                    receiver._arrived.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def events(self) -> list[stripe.Event]:
        """Every delivery, verified with ``stripe.Webhook.construct_event`` (raises if a signature is wrong)."""
        with self._arrived:
            deliveries = list(self.deliveries)
        return [stripe.Webhook.construct_event(d.payload, d.signature, self.secret) for d in deliveries]

    def wait_for_event(self, type: str, object_id: str, timeout: float = 10) -> stripe.Event:
        """The verified event of ``type`` about ``object_id``, waiting for it up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events():
                if event.type == type and event.data.object.id == object_id:
                    return event
            with self._arrived:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(e.type, e.data.object.id) for e in self.events()]
                    raise AssertionError(f"no {type} event about {object_id} within {timeout}s; got {seen}")
                self._arrived.wait(min(left, 0.2))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


@contextmanager
def webhook_endpoint(base_url: str, events: Iterable[str] | None = None,
                     secret: str = "whsec_local_test") -> Iterator[WebhookReceiver]:
    """A receiver registered on the server for the ``with`` block, unregistered and closed after."""
    receiver = WebhookReceiver(secret)
    endpoint_id = f"receiver-{uuid.uuid4().hex}"
    register_webhook(base_url, endpoint_id, receiver.url, secret, events)
    try:
        yield receiver
    finally:
        unregister_webhook(base_url, endpoint_id)
        receiver.close()
