"""A free TCP port on loopback, for the servers the tests start (SMTP, the demo, gunicorn,
uvicorn)."""
from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on at 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
