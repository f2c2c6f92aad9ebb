"""Run the extended localstripe app on 127.0.0.1 in a background thread."""
from __future__ import annotations

import asyncio
import socket
import threading

from aiohttp import web

from support.stripe_server.app import install


class StripeServer:
    """The local Stripe server; ``start()`` returns its base URL, ``stop()`` ends it.

    One per process: localstripe keeps its objects and webhook endpoints in module globals, and its
    app stays bound to the first event loop that served it.
    """

    def __init__(self) -> None:
        self.base_url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    def start(self, timeout: float = 10) -> str:
        if self._thread is not None:
            raise RuntimeError("the Stripe server is already running")
        app = install()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        loop = self._loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(serve())
            except BaseException as e:
                failure.append(e)
                loop.close()
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="stripe-server", daemon=True)
        self._thread.start()
        if not started.wait(timeout) or failure:
            sock.close()
            self._thread = self._loop = None
            raise RuntimeError(f"the Stripe server did not start: {failure[0] if failure else 'timed out'} "
                               f"(one server per process: reuse the running one)")
        return self.base_url

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:  # webhook deliveries still waiting
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def stop(self, timeout: float = 10) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._thread = self._loop = self._runner = None
