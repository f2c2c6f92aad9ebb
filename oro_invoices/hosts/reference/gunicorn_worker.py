"""A gunicorn worker that takes a connection only while one of its threads is free.

gunicorn's ``gthread`` worker accepts every connection it can (up to ``worker_connections``)
and queues their requests for its threads. With one thread per process, as the reference shop
runs, a busy process then holds requests its idle neighbour could have served at once, and the
slowest requests wait in one process's queue while the other has none. ``FreeThreadWorker``
listens only while it has a thread free, so connections wait in the kernel's queue of the one
listening socket all the processes share, and whichever process comes free first takes the
next: one queue in front of all the processes instead of one per process.

Every response closes its connection (keep-alive off, whatever ``--keep-alive`` says; HTTP/1.1
only, whatever ``--http-protocols`` says). A kept connection brings its next request straight
to its process, ahead of the shared queue: with more kept-alive clients than threads, the
clients a process already serves would keep it busy and the ones still waiting in the shared
queue would never be accepted. A proxy in front (its default towards the upstream is a new
connection per request) keeps the clients' connections alive.

A connection reaches a worker only once its first bytes have arrived (``TCP_DEFER_ACCEPT``, on
Linux): a browser's speculative connection that sends nothing for a while would otherwise
hold a worker's only thread, waiting for its request, while the worker stopped listening.

Written against gunicorn 27's ``ThreadWorker`` (``pyproject.toml`` keeps gunicorn below 28).
Every hook below runs on the worker's main thread, so the count needs no lock.
"""
from __future__ import annotations

import socket
from concurrent.futures import Future
from typing import Any, Final

from gunicorn.workers.gthread import ThreadWorker

#: Seconds the kernel holds a connection that has sent nothing before handing it over anyway.
DEFER_ACCEPT_SECONDS: Final = 30


class FreeThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no type hints
    """``gthread`` that listens only while fewer requests are in flight than it has threads,
    and answers each connection's first request only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight = 0

    def init_process(self) -> None:
        # In the worker process only: the master's settings stay as given.
        self.cfg.set("keepalive", 0)
        if self.cfg.http_protocols != ["h1"]:
            # An HTTP/2 connection carries many requests and, without keep-alive, has no idle timeout.
            self.log.warning("FreeThreadWorker serves HTTP/1.1 only: --http-protocols %s is ignored",
                             ",".join(self.cfg.http_protocols))
            self.cfg.set("http_protocols", "h1")
        for listener in self.sockets:
            if hasattr(socket, "TCP_DEFER_ACCEPT") and listener.family in (socket.AF_INET, socket.AF_INET6):
                listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS)
        super().init_process()

    def has_free_thread(self) -> bool:
        """Whether a request handed over now would start at once."""
        return self.in_flight < int(self.cfg.threads)

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self.has_free_thread())

    def accept(self, listener: socket.socket) -> None:
        # One poll can report the listener readable after another ready connection took the last thread.
        if self.has_free_thread():
            super().accept(listener)

    def enqueue_req(self, conn: Any) -> None:
        self.in_flight += 1
        if not self.has_free_thread():  # else the listener, still readable, would wake every poll
            self.set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn: Any, fs: Future[Any]) -> None:
        # gunicorn's run loop listens again before its next poll (set_accept_enabled above).
        self.in_flight -= 1
        super().finish_request(conn, fs)
