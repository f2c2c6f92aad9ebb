"""Background jobs for tests: real Celery workers on the local Redis and RabbitMQ.

Each test gets its own queue (``oro-test-<uuid>``), deleted at the end, and a Redis database
chosen by the xdist worker, so parallel test processes never take each other's jobs.

The switches that run whole parts of the suite on Celery are in ``support.variant``.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from oro_invoices.composition import Addon, AddonConfig, build_addon
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings
from oro_invoices.integration.profile import notification_template
from oro_invoices.services.celery_queue import broker_app
from oro_invoices.testing.workers import running_worker
from support.lifetime import tied

RABBITMQ_URL = os.environ.get("ORO_INVOICES_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
REDIS_HOST = os.environ.get("ORO_INVOICES_TEST_REDIS", "redis://127.0.0.1:6379")
SELLER = {"company_name": "Acme Supplies GmbH", "business_address": "Hauptstraße 1, 10115 Berlin",
          "contact_email": "billing@acme.example"}


def redis_url(worker_id: str) -> str:
    """A Redis database per xdist worker (gw0 → 1, gw1 → 2, …; no xdist → 1)."""
    index = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    return f"{REDIS_HOST}/{1 + index % 15}"


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest, worker_id: str) -> str:
    """The URL of a real broker: each test runs on Redis and on RabbitMQ."""
    return redis_url(worker_id) if request.param == "redis" else RABBITMQ_URL


@pytest.fixture
def job_queue(broker_url: str) -> Iterator[str]:
    """A queue name of this test's own, deleted from the broker at the end."""
    name = f"oro-test-{uuid.uuid4().hex[:12]}"
    yield name
    delete_queue(broker_url, name)


def delete_queue(broker_url: str, name: str) -> None:
    """Remove the queue ``name`` and what the broker keeps for it (Redis: its keys; RabbitMQ:
    the queue and its exchange)."""
    if broker_url.startswith("redis"):
        import redis
        client = redis.Redis.from_url(broker_url)
        try:
            keys = list(client.scan_iter(match=f"*{name}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()
        return
    app = broker_app(broker_url)
    try:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(name)
            conn.default_channel.exchange_delete(name)
    except Exception:  # never declared
        pass
    finally:
        app.close()


def wait_until(predicate: Callable[[], Any], *, timeout: float = 30.0, what: str = "it") -> Any:
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


class Command:
    """``oro-invoices ARGS`` running as a process of its own (a real ``worker`` or ``beat``);
    its output is collected as it comes."""

    def __init__(self, cwd: Path, *args: str):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("ORO_INVOICES_BROKER_URL", None)
        self.process = subprocess.Popen(tied([sys.executable, "-m", "oro_invoices", *args]), cwd=cwd, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def wait_for(self, text: str, *, timeout: float = 60.0) -> None:
        """Wait until the output has ``text`` (a worker prints "ready." once it consumes)."""
        wait_until(lambda: text in self.output or self.process.poll() is not None, timeout=timeout,
                   what=repr(text))
        if text not in self.output:
            raise AssertionError(f"the command ended before printing {text!r}:\n{self.output}")

    def stop(self) -> str:
        """Warm shutdown (SIGTERM), as a process manager stops a worker; returns its output."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the process did not stop on SIGTERM:\n{self.output}") from None
        self._reader.join(timeout=10)
        return self.output


def database_url(db: Any) -> str:
    return db.engine.url.render_as_string(hide_password=False)


@dataclass
class JobsShop:
    """An add-on whose jobs go to Celery, on a memory host with one customer and settings."""

    addon: Addon
    host: MemoryHost
    settings: Settings
    payload: dict[str, Any]

    def create(self, **overrides: Any) -> Any:
        return self.addon.invoices.create({**self.payload, **overrides}, actor="admin")

    def pdf_records(self, invoice_id: int) -> int:
        from sqlalchemy import func, select

        from oro_invoices.persistence.models import InvoiceDocumentRow
        with self.addon.db.session() as s:
            return int(s.execute(select(func.count()).select_from(InvoiceDocumentRow)
                                 .where(InvoiceDocumentRow.invoice_id == invoice_id)).scalar_one())

    def worker(self, *, concurrency: int = 1) -> contextlib.AbstractContextManager[Any]:
        """A real Celery worker running this shop's jobs (``running_worker``)."""
        return running_worker(self.addon, concurrency=concurrency)


def memory_host(settings_values: dict[str, Any] | None = None) -> tuple[MemoryHost, Settings, dict[str, Any]]:
    """A memory host with the seller, email template, one customer, user and order; its payload."""
    from support.payloads import invoice_payload
    host = MemoryHost()
    settings = Settings(host.config)
    for key, value in SELLER.items():
        settings.set(f"oro_invoices.seller.{key}", value)
    for key, value in (settings_values or {}).items():
        settings.set(key, value)
    host.email_templates.register(notification_template())
    customer = host.add_customer("Acme Corp")
    user = host.add_customer_user(customer.id, "buyer@acme.test", "Bea Buyer")
    order = host.add_order(identifier="SO-0005", currency="USD", customer_id=customer.id,
                           customer_user_id=user.id)
    payload = invoice_payload(customer_id=customer.id, customer_user_id=user.id, order_id=order.id)
    return host, settings, payload


def jobs_shop(db: Any, tmp_path: Path, *, broker_url: str | None, queue: str, smtp_port: int | None = None,
              settings_values: dict[str, Any] | None = None) -> JobsShop:
    """A ``JobsShop`` over ``db`` (None broker: inline jobs)."""
    host, settings, payload = memory_host(settings_values)
    addon = build_addon(AddonConfig(
        database_url=database_url(db), storage_url=str(tmp_path / "pdfs"),
        smtp=f"smtp://127.0.0.1:{smtp_port}" if smtp_port else None, mail_sender="billing@acme.example",
        load_entrypoints=False, jobs_broker_url=broker_url, jobs_queue=queue), host=host)
    return JobsShop(addon, host, settings, payload)
