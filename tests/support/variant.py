"""The engines under the add-on a fixture builds, chosen by environment switches.

=============================  ====================  =============================================
``ORO_INVOICES_TEST_JOBS``     ``inline`` (default)  ``celery``: a real Celery worker per test
``ORO_INVOICES_TEST_BROKER``   ``redis`` (default)   ``rabbitmq``: the broker of ``celery`` jobs
``ORO_INVOICES_TEST_STORAGE``  ``local`` (default)   ``s3``: PDFs in a SeaweedFS started once per
                                                     session (``support.seaweedfs``), a prefix per test
``ORO_INVOICES_TEST_DATABASE`` ``sqlite`` (default)  ``postgresql``: a database per test (the kit's hosts)
=============================  ====================  =============================================

The ``shop`` fixture (the seeded reference shop) takes the jobs and storage switches; its
database stays the seeded SQLite copy. Tests on the ``db`` fixture run on SQLite and PostgreSQL
whatever the switches. As a pytest plugin (``-p support.variant``, with ``tests`` on the path)
this module gives the conformance kit's hosts all four, through the kit's
``pytest_oro_addon_options`` hook, and runs a worker for each page client (the kit does).
"""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

pytest_plugins = ["support.seaweedfs"]

JOBS = "ORO_INVOICES_TEST_JOBS"
BROKER = "ORO_INVOICES_TEST_BROKER"
STORAGE = "ORO_INVOICES_TEST_STORAGE"
DATABASE = "ORO_INVOICES_TEST_DATABASE"
#: Each switch's values, its default first.
CHOICES = {JOBS: ("inline", "celery"), BROKER: ("redis", "rabbitmq"), STORAGE: ("local", "s3"),
           DATABASE: ("sqlite", "postgresql")}


def choice(name: str) -> str:
    """The value of the switch ``name`` (its default when unset)."""
    value = os.environ.get(name, "").strip().lower() or CHOICES[name][0]
    if value not in CHOICES[name]:
        raise pytest.UsageError(f"{name}={value!r}: expected one of {', '.join(CHOICES[name])}")
    return value


def celery_jobs() -> bool:
    """Whether the add-on the fixtures build sends its jobs to a Celery worker."""
    return choice(JOBS) == "celery"


def describe() -> str:
    jobs = f"celery on {choice(BROKER)}" if celery_jobs() else "inline"
    return f"jobs {jobs}, storage {choice(STORAGE)}, kit database {choice(DATABASE)}"


@contextlib.contextmanager
def pg_database(template: str | None = None) -> Iterator[str]:
    """The URL of a PostgreSQL database of its own (empty, or a copy of the database named
    ``template``), dropped on the way out."""
    from support.databases import PG_ADMIN_URL
    name = f"oro_invoices_variant_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def addon_options(request: pytest.FixtureRequest, *, database: bool = False) -> Iterator[dict[str, Any]]:
    """``AddonConfig`` fields (also ``create_app``'s keywords) of the add-on a fixture builds for
    this test: a broker and a queue of its own (deleted at the end), an S3 prefix of its own
    and, with ``database``, a PostgreSQL database of its own; empty for the defaults."""
    from support.celery_jobs import RABBITMQ_URL, delete_queue, redis_url
    options: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        if celery_jobs():
            broker = (redis_url(request.getfixturevalue("worker_id")) if choice(BROKER) == "redis"
                      else RABBITMQ_URL)
            queue = f"oro-test-{uuid.uuid4().hex[:12]}"
            stack.callback(delete_queue, broker, queue)
            options.update(jobs_broker_url=broker, jobs_queue=queue)
        if choice(STORAGE) == "s3":
            server = request.getfixturevalue("s3_server")
            options["storage_url"] = server.storage_url(request.getfixturevalue("s3_bucket"),
                                                        f"t-{uuid.uuid4().hex[:12]}")
        if database and choice(DATABASE) == "postgresql":
            template = request.getfixturevalue("variant_pg_template")
            options["database_url"] = stack.enter_context(pg_database(template))
        yield options


def documents_made(service: Any, invoice_id: int, *, timeout: float = 60.0) -> Any:
    """The invoice once its PDF is stored: at once with inline jobs, after the worker's
    ``render_pdf`` job with Celery (what a user waiting on "being prepared" sees)."""
    from support.celery_jobs import wait_until
    return wait_until(lambda: (doc := service.get(invoice_id)).pdf is not None and doc,
                      timeout=timeout, what=f"the PDF of invoice {invoice_id}")


#: For a test of what the inline jobs do on purpose (the test itself runs the outbox, say).
inline_jobs_only = pytest.mark.skipif(
    os.environ.get(JOBS, "inline").strip().lower() == "celery",
    reason="asserts the inline jobs: with Celery the worker runs this job first")


@pytest.fixture(scope="session")
def variant_pg_template() -> Iterator[str]:
    """The name of a PostgreSQL database with the add-on's tables and the reference host's,
    copied for each test (a copy takes a fraction of the time of making the tables)."""
    from oro_invoices.hosts.reference.models import create_tables
    from oro_invoices.persistence.engine import Database
    from oro_invoices.persistence.migrate import upgrade
    with pg_database() as url:
        db = Database(url)
        try:
            upgrade(db)
            create_tables(db.engine)
        finally:
            db.dispose()
        yield url.rsplit("/", 1)[1]


def pytest_oro_addon_options(request: pytest.FixtureRequest) -> dict[str, Any] | None:
    """The conformance kit's hook: the switches for the add-on of each kit test that drives the
    add-on's pages (the other kit tests check the host's adapters, not the add-on)."""
    if "oro_page_client" not in request.fixturenames:
        return None
    stack = contextlib.ExitStack()
    options = stack.enter_context(addon_options(request, database=True))
    request.addfinalizer(stack.close)
    return options or None


def pytest_report_header(config: pytest.Config) -> str:
    return f"oro-invoices test variant: {describe()}"
