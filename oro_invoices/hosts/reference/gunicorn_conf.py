"""gunicorn settings for the reference shop: ``gunicorn -c python:oro_invoices.hosts.reference.gunicorn_conf``.

Serves ``oro_invoices.hosts.reference.wsgi:create()`` with threaded workers; the shop is set up
(tables, add-on install) once in the master process before the workers start, each of which
then opens its own connections. Options on the command line (``--workers``, ``--bind``,
``--threads`` …) override these. The access log names the worker process of each request.
"""
from __future__ import annotations

from typing import Any

wsgi_app = "oro_invoices.hosts.reference.wsgi:create()"
bind = ["127.0.0.1:8765"]
workers = 2
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 20
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s'
control_socket_disable = True  # gunicorn 27+: no control socket shared by every instance of the user


def on_starting(server: Any) -> None:
    """Create or upgrade the tables and install the add-on before any worker starts."""
    from oro_invoices.hosts.reference.wsgi import setup
    setup()
