"""The Celery app of the background jobs: the tasks, their retries and the periodic sweeps.

    app = create_celery(lambda: build_addon(config), broker_url="redis://127.0.0.1:6379/0")
    run_worker(app)             # what `oro-invoices worker` does
    run_beat(app)               # what `oro-invoices beat` does

Each worker process builds its add-on once, on its first job, through the composition root
(``build_addon``), so a forked pool process never shares the parent's database connections.
Jobs are acknowledged late: a job whose worker dies midway is delivered again, and each one
is idempotent (``oro_invoices.jobs.tasks``).
"""
from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

from oro_invoices.composition import Addon
from oro_invoices.domain.errors import ConfigurationError, InvoiceNotPosted, NotFound
from oro_invoices.jobs import tasks
from oro_invoices.services.celery_queue import (
    BROKER_EXAMPLES,
    DEFAULT_QUEUE,
    SEND_TIMEOUT,
    broker_app,
    broker_url_problem,
)
from oro_invoices.services.jobs import DELIVER_EMAIL, DELIVER_EVENTS, RENDER_PDF

log = logging.getLogger("oro_invoices.jobs")

SWEEP_MAIL = "oro_invoices.sweep_mail"
SWEEP_EVENTS = "oro_invoices.sweep_events"
COMPLETE_PDFS = "oro_invoices.complete_pdfs"
#: The periodic slot of the payment reminders (``tasks.payment_reminders``).
PAYMENT_REMINDERS = "oro_invoices.payment_reminders"
#: The periodic renewal of authorizations in their last day (``tasks.renew_authorizations``).
RENEW_AUTHORIZATIONS = "oro_invoices.renew_authorizations"
#: The periodic look for the Aging Reports the schedules have due (``tasks.aging_reports``).
AGING_REPORTS = "oro_invoices.aging_reports"
#: The periodic look for the customers' monthly statements (``tasks.scheduled_statements``).
SCHEDULED_STATEMENTS = "oro_invoices.scheduled_statements"
#: Seconds between two looks for Aging Reports and statements (each is due for days, and queued once).
AGING_REPORTS_EVERY = 3600.0
#: Seconds between two renewal runs (an authorization is renewed in its last day).
RENEW_EVERY = 3600.0
#: Seconds between two sweeps of the outbox, the events and the pending PDFs.
SWEEP_EVERY = 30.0
#: Seconds between two runs of the payment reminders.
REMINDERS_EVERY = 3600.0
#: Attempts of a job that raised (a database or storage outage), with backoff up to 10 minutes.
MAX_RETRIES = 8


class WorkerAddon:
    """The add-on of one worker process, built by ``build`` on first use."""

    def __init__(self, build: Callable[[], Addon]):
        self._build = build
        self._addon: Addon | None = None
        self._lock = threading.Lock()

    def get(self) -> Addon:
        with self._lock:
            if self._addon is None:
                self._addon = self._build()
            return self._addon

    def close(self) -> None:
        with self._lock:
            if self._addon is not None:
                self._addon.close()
                self._addon = None


def create_celery(build_addon: Callable[[], Addon], *, broker_url: str, queue: str = DEFAULT_QUEUE,
                  sweep_every: float = SWEEP_EVERY, reminders_every: float = REMINDERS_EVERY) -> Any:
    """The Celery app whose tasks run the add-on's jobs on ``queue``.

    :param build_addon: builds the worker's add-on (called once per worker process).
    :param sweep_every: seconds between the periodic sweeps (``run_beat``).
    """
    app = broker_app(broker_url)
    app.conf.task_default_queue = queue
    worker_addon = WorkerAddon(build_addon)
    app.oro_invoices_addon = worker_addon
    retried = dict(autoretry_for=(Exception,), dont_autoretry_for=(NotFound, InvoiceNotPosted),
                   retry_backoff=5, retry_backoff_max=600, retry_jitter=True, max_retries=MAX_RETRIES)

    def render_pdf(invoice_id: int) -> bool:
        return tasks.render_pdf(worker_addon.get(), invoice_id)

    def deliver_email(email_id: int) -> str:
        addon = worker_addon.get()
        report = tasks.deliver_email(addon, email_id)
        if report.retrying or report.waiting:
            again_in(DELIVER_EMAIL, tasks.email_retry_in(addon, email_id), email_id)
        return f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}, waiting {report.waiting}"

    def deliver_events() -> str:
        addon = worker_addon.get()
        report = tasks.deliver_events(addon)
        if report.retrying:
            again_in(DELIVER_EVENTS, tasks.events_retry_in(addon))
        return report.summary()

    def again_in(name: str, seconds: float | None, *args: int) -> None:
        """Send job ``name`` again to run in ``seconds`` (the retry's own time, to the second).
        The sweeps stay as the safety net for a job that is lost; the outbox's claims make a
        message that both pick up go out once."""
        if seconds is not None:
            app.send_task(name, args=list(args), queue=queue, countdown=max(seconds, 0.5))

    def sweep_mail() -> str:
        report = tasks.sweep_mail(worker_addon.get())
        return f"claimed {report.claimed}: sent {report.sent}"

    def sweep_events() -> str:
        return tasks.sweep_events(worker_addon.get()).summary()

    def complete_pdfs() -> int:
        return tasks.complete_pdfs(worker_addon.get())

    def payment_reminders() -> int:
        return tasks.payment_reminders(worker_addon.get())

    def renew_authorizations() -> int:
        return tasks.renew_authorizations(worker_addon.get())

    def aging_reports() -> int:
        return tasks.aging_reports(worker_addon.get())

    def scheduled_statements() -> int:
        return tasks.scheduled_statements(worker_addon.get())

    for name, function in ((RENDER_PDF, render_pdf), (DELIVER_EMAIL, deliver_email),
                           (DELIVER_EVENTS, deliver_events), (SWEEP_MAIL, sweep_mail),
                           (SWEEP_EVENTS, sweep_events), (COMPLETE_PDFS, complete_pdfs),
                           (PAYMENT_REMINDERS, payment_reminders), (RENEW_AUTHORIZATIONS, renew_authorizations),
                           (AGING_REPORTS, aging_reports), (SCHEDULED_STATEMENTS, scheduled_statements)):
        app.task(name=name, shared=False, **retried)(function)
    app.conf.beat_schedule = {
        "oro-invoices-sweep-mail": {"task": SWEEP_MAIL, "schedule": sweep_every},
        "oro-invoices-sweep-events": {"task": SWEEP_EVENTS, "schedule": sweep_every},
        "oro-invoices-complete-pdfs": {"task": COMPLETE_PDFS, "schedule": sweep_every},
        "oro-invoices-payment-reminders": {"task": PAYMENT_REMINDERS, "schedule": reminders_every},
        "oro-invoices-renew-authorizations": {"task": RENEW_AUTHORIZATIONS, "schedule": RENEW_EVERY},
        "oro-invoices-aging-reports": {"task": AGING_REPORTS, "schedule": AGING_REPORTS_EVERY},
        "oro-invoices-scheduled-statements": {"task": SCHEDULED_STATEMENTS, "schedule": AGING_REPORTS_EVERY},
    }
    for entry in app.conf.beat_schedule.values():
        # a sweep no worker started before the next one is due is dropped, not piled up
        entry["options"] = {"queue": queue, "expires": entry["schedule"]}
    return app


def check_broker(app: Any) -> None:
    """Connect to the app's broker once, as ``run_worker`` and ``run_beat`` are about to.

    :raises ConfigurationError: naming the broker (password hidden) and why it cannot be used:
        unreachable, credentials refused, or not a broker URL. A broker lost later is retried
        by Celery; one that is wrong from the start stops the command instead of retrying on.
    """
    broker = app.conf.broker_url
    shown = masked_url(broker)
    problem = broker_url_problem(broker)
    if problem:
        raise ConfigurationError(problem)
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                         timeout=SEND_TIMEOUT)
    except KeyError as exc:  # kombu's answer to an unknown scheme
        raise ConfigurationError(f"not a Celery broker URL: {broker.split('://')[0]}:// "
                                 f"({exc.args[0] if exc.args else exc}); use {BROKER_EXAMPLES}") from exc
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigurationError(f"cannot connect to the Celery broker {shown}: {reason}") from exc
    unneeded = redis_password_unneeded(broker)
    if unneeded:
        raise UncheckedPassword(f"the Celery broker URL {shown} gives a password, but the Redis server has none "
                                 f"({unneeded}): remove the password from the URL, or set one on the server "
                                 "(requirepass)")


class UncheckedPassword(ConfigurationError):
    """The broker URL gives a password that the Redis server does not check (it has none): the
    broker works, but the URL is not what the server is."""


#: What Redis answers ``AUTH <password>`` when no password is set (Redis 6 and later; before 6).
_NO_PASSWORD = ("without any password configured", "no password is set")


def redis_password_unneeded(broker_url: str) -> str | None:
    """Redis's answer when ``broker_url`` (``redis://`` or ``rediss://``) gives a password, but
    the server has none, else None. The client connects all the same (Redis's client takes the
    refusal of such an ``AUTH`` as no error), so a mistyped password would pass unseen until
    the server gets one. The URL's password is sent once, alone, on a connection of its own;
    a URL with an ACL user other than ``default`` is not asked (Redis refuses a wrong pair)."""
    parts = urllib.parse.urlsplit(broker_url.strip())
    if parts.scheme.lower() not in ("redis", "rediss") or not parts.password \
            or (parts.username or "default") != "default":
        return None
    try:
        import redis
    except ImportError:  # pragma: no cover - the celery extra brings it with the redis transport
        return None
    host = parts.hostname or "localhost"
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    client = redis.Redis.from_url(urllib.parse.urlunsplit(parts._replace(netloc=netloc)),
                                  socket_connect_timeout=SEND_TIMEOUT, socket_timeout=SEND_TIMEOUT)
    command: Any = client.execute_command   # the one-argument AUTH: the default user's password
    try:
        command("AUTH", urllib.parse.unquote(parts.password))
    except (redis.AuthenticationError, redis.ResponseError) as exc:
        answer = str(exc).strip()
        if any(words in answer for words in _NO_PASSWORD):
            return "it answers AUTH with: " + answer.split(". ")[0].replace(parts.password, "**")
        return None
    except redis.RedisError:  # the connection itself was checked above; a wrong password says so there
        return None
    finally:
        client.close()
    return None


def masked_url(url: str) -> str:
    """``url`` with its password, if any, shown as ``**``."""
    parts = urllib.parse.urlsplit(url)
    if not parts.password:
        return url
    netloc = f"{parts.username or ''}:**@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def run_worker(app: Any, *, concurrency: int = 2, pool: str = "prefork", beat: bool = False,
               loglevel: str = "INFO", hostname: str | None = None) -> None:
    """Run a worker that consumes the app's queue until it is stopped (SIGTERM: warm shutdown).

    ``beat``: also run the periodic sweeps in this worker (one such worker per deployment).
    """
    argv = ["worker", f"--queues={app.conf.task_default_queue}", f"--concurrency={concurrency}",
            f"--pool={pool}", f"--loglevel={loglevel}", "--without-gossip", "--without-mingle"]
    if beat:
        argv.append("--beat")
    if hostname:
        argv.append(f"--hostname={hostname}")
    try:
        app.worker_main(argv)
    finally:
        app.oro_invoices_addon.close()


def run_beat(app: Any, *, schedule_file: str, loglevel: str = "INFO") -> None:
    """Send the periodic jobs on schedule until stopped (run one beat per deployment)."""
    app.Beat(schedule=schedule_file, loglevel=loglevel).run()
