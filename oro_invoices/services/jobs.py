"""Background work behind one small interface: a ``JobQueue`` the services hand jobs to.

Two implementations: ``InlineJobs`` (the default) runs nothing in the background: the PDF is
made in the posting request, and the outbox and the outgoing events wait for
``oro-invoices deliver-mail`` / ``deliver-events`` (or a cron running them);
``services.celery_queue.CeleryJobs`` sends each job to a Celery broker, where the workers
of ``oro_invoices.jobs.celery_app`` run it. Every job is idempotent: running one twice, or
re-running one whose worker died midway, leaves one result (docs/jobs.md).

Services submit through ``ServiceContext.submit_job``, after the transaction that made the
work commits, so a worker never looks for a row that is not there yet; inside
``InvoiceService.atomic()`` the jobs wait for the batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: Render and store the PDF of a posted invoice (``Documents.ensure_pdf``). Args: invoice id.
RENDER_PDF = "oro_invoices.render_pdf"
#: Deliver one outbox message, once its PDF exists (``MailService.deliver_one``). Args: email id.
DELIVER_EMAIL = "oro_invoices.deliver_email"
#: Deliver the due outgoing events (``EventDelivery.deliver_pending``). No args.
DELIVER_EVENTS = "oro_invoices.deliver_events"
JOB_NAMES = (RENDER_PDF, DELIVER_EMAIL, DELIVER_EVENTS)


@dataclass(frozen=True)
class Job:
    """One job: its name (one of ``JOB_NAMES``) and its arguments (ids)."""

    name: str
    args: tuple[int, ...] = ()


class JobQueue(Protocol):
    """Where the services send work to be done outside the request."""

    @property
    def background(self) -> bool:
        """Whether submitted jobs run in the background (False: nothing runs them but the sweeps)."""

    def submit(self, job: Job) -> None:
        """Ask for ``job`` to run soon. Never raises for a broker that cannot be reached: the
        periodic sweeps pick up whatever a lost job leaves undone."""


class InlineJobs:
    """The embedded default: work is done in the request or by the sweeping commands."""

    background = False

    def submit(self, job: Job) -> None:
        """Nothing to do: no job is left for later (see the module docstring)."""

