"""Run the local Stripe server until interrupted: ``cd tests && python -m support.stripe_server``."""
from __future__ import annotations

import signal
import threading

from support.stripe_server.server import StripeServer


def main() -> None:
    server = StripeServer()
    print(server.start(), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
