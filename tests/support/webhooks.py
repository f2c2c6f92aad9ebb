"""A real webhook endpoint for tests: ``http.server`` on 127.0.0.1, in a thread.

    with Receiver(answers=[500, 200]) as receiver:
        ...                       # POST to receiver.url
    receiver.requests[0].body    # what arrived, headers and raw body
    with Silent() as dead:        # takes connections, never answers
        ...
"""
from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Received:
    """One request as the endpoint saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Answers each POST with the next status of ``answers`` (the last one repeats); with
    ``stall_body`` seconds, sends the status and the start of a longer body, then stalls; on
    ``port`` when given (to come back where an endpoint was), else on a free one."""

    def __init__(self, answers: Iterable[int] = (200,), path: str = "/hooks/invoices",
                 stall_body: float = 0.0, port: int = 0):
        self.answers = list(answers)
        self.stall_body = stall_body
        self.path = path
        self.requests: list[Received] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Received("POST", self.path, dict(self.headers.items()), body))
                status = receiver.answers[min(len(receiver.requests), len(receiver.answers)) - 1]
                payload = f"answer {status}".encode()
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", str(len(payload) + (1000 if receiver.stall_body else 0)))
                self.end_headers()
                self.wfile.write(payload)
                if receiver.stall_body:
                    self.wfile.flush()
                    time.sleep(receiver.stall_body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Silent:
    """An endpoint that takes connections and never answers (a server or firewall that drops
    requests on the floor): every request to it waits for the sender's timeout. ``arrivals``
    holds when each connection came, so a test counts the attempts and sees whether two
    endpoints were waited for side by side without timing the whole run."""

    def __init__(self, path: str = "/hooks/silent"):
        self.path = path
        self.arrivals: list[float] = []
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.socket.settimeout(0.05)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            self.arrivals.append(time.monotonic())
            self._held.append(conn)  # kept open and never read: the sender waits for its timeout

    @property
    def base(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}{self.path}"

    def __enter__(self) -> Silent:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self.socket.close()
