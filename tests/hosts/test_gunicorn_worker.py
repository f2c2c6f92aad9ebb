"""The reference shop's gunicorn worker (``FreeThreadWorker``): requests that arrive while every
process is busy go to whichever comes free first, no client waits for ever behind the
connections others keep or behind connections that send nothing, and a graceful stop finishes
the request in flight."""
from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.ports import free_port

pytest.importorskip("gunicorn")

WORKER = "oro_invoices.hosts.reference.gunicorn_worker.FreeThreadWorker"
SLOW_SECONDS = 4.0

APP = """
import os, time

def app(environ, start_response):
    if environ["PATH_INFO"].startswith("/sleep/"):
        time.sleep(float(environ["PATH_INFO"].removeprefix("/sleep/")))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def _get(port: int, path: str) -> tuple[str, float]:
    """The answering worker's pid and the seconds the request took, on a new connection."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        assert response.status == 200
        return response.read().decode(), time.monotonic() - started
    finally:
        conn.close()


@contextmanager
def _serving(tmp_path: Path, *options: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Two ``WORKER`` processes with one thread each, on one shared socket, both answering;
    ``options`` are more gunicorn options."""
    (tmp_path / "slow_app.py").write_text(APP)
    port = free_port()
    with open(tmp_path / "gunicorn.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", WORKER, "--workers", "2", "--threads", "1",
             "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "10", "--chdir", str(tmp_path), *options,
             "slow_app:app"],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            seen: set[str] = set()
            while len(seen) < 2:  # each process has started and takes connections
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                try:
                    seen.add(_get(port, "/")[0])
                except OSError:
                    time.sleep(0.1)
            yield port, proc
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(timeout=30)


def test_requests_wait_for_whichever_process_comes_free_first(tmp_path):
    """Both processes busy, one for much longer: the requests that arrive meanwhile are all
    served by the first to come free, none waits behind the long request."""
    long_, short = SLOW_SECONDS, SLOW_SECONDS / 4
    with _serving(tmp_path) as (port, _):
        with ThreadPoolExecutor(6) as pool:
            slow = pool.submit(_get, port, f"/sleep/{long_}")
            time.sleep(0.3)  # the first process is busy: the next connection goes to the other
            less_slow = pool.submit(_get, port, f"/sleep/{short}")
            time.sleep(0.1)
            quick = list(pool.map(lambda _: _get(port, "/"), range(4)))
        slow_pid, slow_seconds = slow.result()
        less_slow_pid, _ = less_slow.result()
    assert slow_seconds >= long_ and less_slow_pid != slow_pid
    assert {pid for pid, _ in quick} == {less_slow_pid}, quick
    assert max(seconds for _, seconds in quick) < long_ - 0.5, quick


def test_clients_that_keep_their_connection_are_all_served(tmp_path):
    """More keep-alive clients than processes, each sending its next request as soon as it has
    the last answer: every client gets answers, each on a connection closed after it."""
    clients, seconds = 8, 2.0
    answered: list[list[str | None]] = [[] for _ in range(clients)]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # reconnects when closed
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            conn.request("GET", "/sleep/0.02")
            response = conn.getresponse()
            response.read()
            answered[n].append(response.getheader("Connection"))
        conn.close()

    with _serving(tmp_path) as (port, _):
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert all(len(answers) >= 3 for answers in answered), [len(answers) for answers in answered]
    assert {header for answers in answered for header in answers} == {"close"}


def test_a_stopping_server_finishes_the_request_in_flight(tmp_path):
    with _serving(tmp_path) as (port, proc):
        slow: list[tuple[str, float]] = []
        thread = threading.Thread(target=lambda: slow.append(_get(port, f"/sleep/{SLOW_SECONDS}")))
        thread.start()
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        thread.join()
        assert proc.wait(timeout=15) == 0
    assert len(slow) == 1 and slow[0][1] >= SLOW_SECONDS


def test_http2_asked_for_is_refused_with_a_warning_and_http1_served(tmp_path):
    with _serving(tmp_path, "--http-protocols", "h2,h1", "--keep-alive", "30") as (port, _):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        conn.close()
    assert (response.status, response.version, response.getheader("Connection")) == (200, 11, "close")
    log = (tmp_path / "gunicorn.log").read_text()
    assert log.count("FreeThreadWorker serves HTTP/1.1 only: --http-protocols h2,h1 is ignored") == 2, log


@pytest.mark.skipif(not hasattr(socket, "TCP_DEFER_ACCEPT"), reason="TCP_DEFER_ACCEPT is Linux's")
def test_connections_that_send_nothing_hold_no_process(tmp_path):
    """A speculative connection to each process, silent: a request still gets its answer at once."""
    with _serving(tmp_path) as (port, _):
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            time.sleep(0.3)
            _, seconds = _get(port, "/")
        finally:
            for sock in silent:
                sock.close()
    assert seconds < 10, seconds  # a process held by a silent connection keeps the request 30 s
