"""The reference shop as a WSGI application for a multi-process server (gunicorn).

    ORO_REFERENCE_DATA_DIR=/srv/shop \\
    ORO_REFERENCE_DATABASE_URL=postgresql://shop@db/shop \\
    gunicorn -c python:oro_invoices.hosts.reference.gunicorn_conf --workers 4 --bind 127.0.0.1:8765

Every process builds its own application from the environment (``ORO_REFERENCE_*``, see
``Environment``) with its own connection pools; the tables are created or upgraded and the
add-on installed once, before any worker starts (``setup``, which the gunicorn configuration
runs in the master process). What must be shared between processes is: the session secret
(``DATA_DIR/secret_key`` or ``ORO_REFERENCE_SECRET_KEY``), the database (login sessions live
in it) and the PDF storage.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from oro_invoices.domain.errors import ConfigurationError

if TYPE_CHECKING:  # pragma: no cover
    import flask

    from oro_invoices.hosts.reference.reference import ReferenceHost

PREFIX = "ORO_REFERENCE_"
DEFAULT_DATA_DIR = "./oro-invoices-demo"


def _data_dir(text: str) -> None:
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{text!r} is a file, not a folder")


def _base_url(text: str) -> None:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} is not an http:// or https:// URL such as https://shop.example.com")


def _database_url(text: str) -> None:
    from oro_invoices.persistence.engine import normalize_url
    normalize_url(text)


def _storage_url(text: str) -> None:
    from oro_invoices.documents.storage import storage_from_url
    storage_from_url(text)


def _smtp_url(text: str) -> None:
    from oro_invoices.services.mail.smtp import SmtpConfig
    SmtpConfig.from_url(text)


def _jobs_broker_url(text: str) -> None:
    from oro_invoices.services.celery_queue import broker_url_problem
    problem = broker_url_problem(text)
    if problem:
        raise ValueError(problem)


#: What each variable must hold, checked when the environment is read: a wrong value is named
#: before the master process starts any worker.
_CHECKS: dict[str, Callable[[str], None]] = {
    "DATA_DIR": _data_dir, "BASE_URL": _base_url, "DATABASE_URL": _database_url,
    "STORAGE_URL": _storage_url, "SMTP_URL": _smtp_url, "JOBS_BROKER_URL": _jobs_broker_url,
}


@dataclass(frozen=True)
class Environment:
    """The shop's configuration from ``ORO_REFERENCE_*`` environment variables.

    ``DATA_DIR`` (default ``./oro-invoices-demo``), ``DATABASE_URL`` (default SQLite in the data
    directory), ``STORAGE_URL`` (default ``DATA_DIR/pdf``; ``s3://…`` for S3), ``BASE_URL``,
    ``SMTP_URL``, ``SECRET_KEY`` (default: the data directory's ``secret_key`` file),
    ``SECURE_COOKIES`` (``1`` behind HTTPS), ``JOBS_BROKER_URL`` with ``JOBS_QUEUE`` for
    background jobs (``oro-invoices worker``; default: none, the work is done inline), and
    ``DB_POOL_SIZE`` / ``DB_MAX_OVERFLOW`` for each engine's connection pool in each process.
    """

    data_dir: str = DEFAULT_DATA_DIR
    database_url: str | None = None
    storage_url: str | None = None
    base_url: str = "http://127.0.0.1:8765"
    smtp_url: str | None = None
    secret_key: str | None = None
    secure_cookies: bool = False
    jobs_broker_url: str | None = None
    jobs_queue: str | None = None
    database_pool: tuple[tuple[str, int], ...] = ()

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        """The configuration in ``environ`` (default ``os.environ``); empty values count as unset."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name, "").strip()
            return value or None

        pool = []
        for name, option in (("DB_POOL_SIZE", "pool_size"), ("DB_MAX_OVERFLOW", "max_overflow")):
            text = get(name)
            if text is not None:
                if not text.isdigit():
                    raise ValueError(f"{PREFIX}{name} must be a whole number of 0 or more, not {text!r}.")
                pool.append((option, int(text)))
        secure = (get("SECURE_COOKIES") or "0").lower()
        if secure not in ("0", "1", "true", "false", "yes", "no"):
            raise ValueError(f"{PREFIX}SECURE_COOKIES must be 1 or 0, not {secure!r}.")
        for name, check in _CHECKS.items():
            text = get(name)
            if text is not None:
                try:
                    check(text)
                except (ConfigurationError, ValueError) as exc:
                    message = exc.message if isinstance(exc, ConfigurationError) else str(exc)
                    raise ValueError(f"{PREFIX}{name}: {message}") from None
        return cls(data_dir=get("DATA_DIR") or DEFAULT_DATA_DIR, database_url=get("DATABASE_URL"),
                   storage_url=get("STORAGE_URL"), base_url=get("BASE_URL") or cls.base_url,
                   smtp_url=get("SMTP_URL"), secret_key=get("SECRET_KEY"),
                   secure_cookies=secure in ("1", "true", "yes"), jobs_broker_url=get("JOBS_BROKER_URL"),
                   jobs_queue=get("JOBS_QUEUE"), database_pool=tuple(pool))

    def app(self, *, setup: bool) -> flask.Flask:
        """The shop; with ``setup`` also create or upgrade the tables and install the add-on."""
        from oro_invoices.hosts.reference.app import create_app
        from oro_invoices.services.celery_queue import DEFAULT_QUEUE
        return create_app(self.data_dir, database_url=self.database_url, storage_url=self.storage_url,
                          base_url=self.base_url, smtp_url=self.smtp_url, secret_key=self.secret_key,
                          secure_cookies=self.secure_cookies, install=setup, migrate=setup,
                          jobs_broker_url=self.jobs_broker_url, jobs_queue=self.jobs_queue or DEFAULT_QUEUE,
                          database_pool=dict(self.database_pool))


def close(app: flask.Flask) -> None:
    """Close the application's connection pools and storage clients."""
    app.extensions["oro_invoices"].addon.close()
    app.extensions["oro_reference_host"].engine.dispose()


def setup(environ: Mapping[str, str] | None = None) -> None:
    """Create or upgrade the tables and install the add-on, once, before workers start."""
    close(Environment.read(environ).app(setup=True))


def broker_warning(environment: Environment) -> str | None:
    """Why the jobs broker the environment names cannot be reached now (or, for Redis, does not
    check the URL's password), as a warning to log at start-up, or None (no broker, or one that
    answers). Not an error: sending a job never fails
    a request, and the broker may come up after the shop."""
    if not environment.jobs_broker_url:
        return None
    from oro_invoices.services.celery_queue import broker_app
    try:
        from oro_invoices.jobs.celery_app import UncheckedPassword, check_broker
        app = broker_app(environment.jobs_broker_url)
    except (ConfigurationError, ImportError) as exc:  # the celery extra is missing
        return f"{PREFIX}JOBS_BROKER_URL: {getattr(exc, 'message', exc)}"
    try:
        check_broker(app)
    except UncheckedPassword as exc:
        return (f"{PREFIX}JOBS_BROKER_URL: {exc.message.rstrip('.')}; jobs are sent all the same, but stop on "
                "the day the server is given a password other than this one")
    except ConfigurationError as exc:
        return (f"{PREFIX}JOBS_BROKER_URL: {exc.message.rstrip('.')}; until it answers, the jobs of requests are "
                "not sent, and the workers' periodic sweeps do their work (PDFs, email, webhooks) once it is back")
    finally:
        app.close()
    return None


def shop_host() -> ReferenceHost:
    """The host adapter of the shop the environment configures (host entry point
    ``reference-shop``): ``oro-invoices worker --host reference-shop`` runs the jobs with that
    shop's settings (PDF options, sender, webhook endpoints), as its web processes do. A
    command never makes the shop: one whose SQLite database is not there yet is an error."""
    try:
        environment = Environment.read()
    except ValueError as exc:  # a command's one error line names the variable
        raise ConfigurationError(str(exc)) from None
    data = Path(environment.data_dir).resolve()
    if environment.database_url is None and not (data / "shop.db").is_file():
        raise ConfigurationError(
            f"There is no reference shop in {data} ({PREFIX}DATA_DIR, default {DEFAULT_DATA_DIR}): set "
            f"{PREFIX}DATA_DIR to the shop's data directory (the --data-dir of oro-invoices demo), "
            "or start the shop there first.")
    host: ReferenceHost = environment.app(setup=False).extensions["oro_reference_host"]
    return host


def create() -> flask.Flask:
    """One worker's application (gunicorn: ``'oro_invoices.hosts.reference.wsgi:create()'``)."""
    return Environment.read().app(setup=False)
