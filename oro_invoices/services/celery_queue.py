"""``CeleryJobs``: the ``JobQueue`` that sends each job to a Celery broker (Redis, RabbitMQ, SQS …).

Only the sending side lives here: a job is sent by name to one queue, so the web process
needs no task code. The workers that run the jobs are ``oro_invoices.jobs.celery_app``
(``oro-invoices worker``). Celery is imported when the first job is sent: the ``celery``
extra is needed only where a broker is configured.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.services.jobs import Job

log = logging.getLogger("oro_invoices.jobs")

DEFAULT_QUEUE = "oro_invoices"
#: How long a request waits for an unreachable broker before it gives up on sending a job.
SEND_TIMEOUT = 2.0
#: The URL schemes of the brokers jobs can be sent to when kombu cannot be asked (it is missing).
BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp", "memory")
BROKER_EXAMPLES = "redis://HOST:6379/N or amqp://USER:PASSWORD@HOST:5672//"


def broker_transports() -> list[str]:
    """The URL schemes of every transport kombu (Celery's messaging library) knows, sorted:
    Redis and RabbitMQ, and SQS, Azure, Google Pub/Sub, Kafka, SQLAlchemy …"""
    try:
        from kombu.transport import TRANSPORT_ALIASES
    except ImportError:  # pragma: no cover - the celery extra is installed in tests
        return sorted(BROKER_SCHEMES)
    return sorted({name.lower() for name in TRANSPORT_ALIASES})


def broker_url_problem(broker_url: str) -> str | None:
    """Why ``broker_url`` names no broker jobs can be sent to (its scheme), or None. Whether the
    transport's own library is installed and the broker answers is asked when it is used."""
    scheme, separator, _ = broker_url.strip().partition("://")
    transport = scheme.lower().partition("+")[0]    # sqla+postgresql://: the transport, then its URL
    known = broker_transports()
    if not separator or transport not in known:
        named = f"{scheme}://" if separator else repr(broker_url)
        return (f"not a Celery broker URL: {named}; use {BROKER_EXAMPLES} "
                f"(the transports Celery knows: {', '.join(known)})")
    return None


def broker_app(broker_url: str, *, name: str = "oro_invoices") -> Any:
    """A Celery app for ``broker_url`` without result backend, with the add-on's defaults.

    Late acknowledgement: a job whose worker dies midway is delivered again (every job is
    idempotent); one message prefetched per worker process, so a long PDF does not hold others.
    """
    try:
        from celery import Celery
    except ModuleNotFoundError as exc:  # pragma: no cover - the extra is installed in tests
        raise ConfigurationError("Background jobs need the celery extra: "
                                 "pip install 'oro-invoices[celery]'.") from exc
    app = Celery(name, broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=SEND_TIMEOUT,
        broker_transport_options=_transport_options(broker_url),
        timezone="UTC",
    )
    return app


def _transport_options(broker_url: str) -> dict[str, Any]:
    """Redis's socket timeouts, so an unreachable Redis does not hold a request; other transports
    take no such options (the SQLAlchemy one refuses them) and use ``broker_connection_timeout``."""
    scheme = broker_url.strip().partition("://")[0].lower()
    if scheme in ("redis", "rediss", "sentinel"):
        return {"socket_connect_timeout": SEND_TIMEOUT, "socket_timeout": SEND_TIMEOUT}
    return {}


class CeleryJobs:
    """Sends jobs to ``queue`` on the broker at ``broker_url``.

    A broker that cannot be reached does not fail the request that made the job (its
    transaction has committed): the failure is logged and the periodic sweeps of the workers
    (``oro-invoices beat``) do the work later.
    """

    background = True

    def __init__(self, broker_url: str, *, queue: str = DEFAULT_QUEUE):
        if not broker_url:
            raise ConfigurationError("Background jobs need a broker URL, e.g. redis://127.0.0.1:6379/0 "
                                     "or amqp://guest:guest@127.0.0.1:5672//.")
        problem = broker_url_problem(broker_url)
        if problem:  # said when the add-on is built, not by every job silently lost
            raise ConfigurationError(f"The jobs broker URL is {problem}.")
        if not queue:
            raise ConfigurationError("The job queue's name must not be empty.")
        self.broker_url = broker_url
        self.queue = queue
        self._app: Any = None
        self._lock = threading.Lock()

    @property
    def app(self) -> Any:
        """The Celery app that sends (built on first use)."""
        with self._lock:
            if self._app is None:
                self._app = broker_app(self.broker_url)
            return self._app

    def submit(self, job: Job, *, countdown: float | None = None) -> None:
        """Send ``job``; ``countdown``: seconds before a worker may run it."""
        try:
            self.app.send_task(job.name, args=list(job.args), queue=self.queue, countdown=countdown,
                               retry=True, retry_policy={"max_retries": 1, "interval_start": 0,
                                                         "interval_step": 0.5, "interval_max": 0.5})
        except Exception:  # the broker is down: the sweeps will do it
            log.exception("could not send the job %s%s to the broker; the periodic sweep will do it",
                          job.name, job.args)

    def close(self) -> None:
        """Release the broker connections."""
        with self._lock:
            if self._app is not None:
                self._app.close()
                self._app = None
