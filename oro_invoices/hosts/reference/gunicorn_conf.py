"""gunicorn settings for the reference shop: ``gunicorn -c python:oro_invoices.hosts.reference.gunicorn_conf``.

Serves ``oro_invoices.hosts.reference.wsgi:create()`` one request at a time per worker process
(``FreeThreadWorker``: ``gthread`` with one thread that listens only while the thread is free
and closes each connection after its response, so that waiting requests queue once, in front
of all the processes, not in a process that is busy); the shop is set up (tables, add-on
install) once in the master process before the workers start, each of which then opens its own
connections. Options on the command line (``--workers``, ``--bind``, ``--threads`` …) override
these. The access log names the worker process of each request.
"""
from __future__ import annotations

from typing import Any

wsgi_app = "oro_invoices.hosts.reference.wsgi:create()"
bind = ["127.0.0.1:8765"]
workers = 2
worker_class = "oro_invoices.hosts.reference.gunicorn_worker.FreeThreadWorker"
# A page is Python work (templates, row mapping) holding the GIL: threads of one process take
# turns and each request then costs more CPU (the grid 15 ms with 4 threads against 11 ms with
# one; docs/benchmarks.md). Scale with processes, about one per core; add threads only for
# requests that mostly wait (streamed downloads from a slow store).
threads = 1
# All workers listen on one socket (no SO_REUSEPORT): a connection waits in its queue until a
# worker is free. With a socket per worker the kernel would pick a worker by a hash of the
# connection's addresses, busy or not.
reuse_port = False
timeout = 60
graceful_timeout = 20
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s'
control_socket_disable = True  # gunicorn 27+: no control socket shared by every instance of the user


def on_starting(server: Any) -> None:
    """Create or upgrade the tables and install the add-on before any worker starts; an
    ``ORO_REFERENCE_*`` variable with a wrong value stops gunicorn with one line naming it."""
    import sys

    from oro_invoices.hosts.reference.wsgi import Environment, broker_warning, setup
    try:
        environment = Environment.read()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    setup()
    warning = broker_warning(environment)
    if warning:
        server.log.warning(warning)
