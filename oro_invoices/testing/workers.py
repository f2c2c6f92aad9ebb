"""A real Celery worker for a test: runs the jobs of one add-on while a block runs."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from oro_invoices.composition import Addon

#: Seconds between two wake-ups of the worker's event loop (how soon a stopped worker notices).
WAKE_EVERY = 0.25


@contextlib.contextmanager
def running_worker(addon: Addon, *, concurrency: int = 1) -> Iterator[Any]:
    """A Celery worker in a thread of this process consuming ``addon``'s job queue and running
    the jobs with ``addon`` (``threads`` pool when ``concurrency`` > 1); stopped when the
    block ends. ``addon`` must have been built with ``jobs_broker_url``."""
    from celery.contrib.testing.worker import start_worker

    from oro_invoices.jobs.celery_app import create_celery
    config = addon.config
    if config.jobs_broker_url is None:
        raise ValueError("running_worker needs an add-on built with jobs_broker_url")
    app = create_celery(lambda: addon, broker_url=config.jobs_broker_url, queue=config.jobs_queue)
    app.conf.update(worker_hijack_root_logger=False, worker_redirect_stdouts=False)
    app.steps["worker"].add(_wake_up_step())
    try:
        with start_worker(app, concurrency=concurrency, pool="threads" if concurrency > 1 else "solo",
                          perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30,
                          queues=[config.jobs_queue]):
            yield app
    finally:
        app.close()


def _wake_up_step() -> type:
    from celery import bootsteps

    class WakeUp(bootsteps.StartStopStep):  # type: ignore[misc]
        """Wakes the event loop often: on RabbitMQ an idle loop sleeps up to 10 s before it sees
        that the worker is told to stop (Redis polls, so it wakes anyway)."""

        requires = ("celery.worker.components:Hub",)

        def start(self, worker: Any) -> None:
            if worker.hub is not None:
                worker.hub.call_repeatedly(WAKE_EVERY, _nothing)

    return WakeUp


def _nothing() -> None:
    pass
