"""Background jobs that wait until the test runs them (``JobQueue`` with ``background`` on)."""
from __future__ import annotations

from oro_invoices.services.jobs import Job


class HeldJobs:
    """Background jobs that wait until the test runs them: posting leaves the PDF pending, a
    receipt email's PDF is left to the delivery."""

    background = True

    def __init__(self) -> None:
        self.submitted: list[Job] = []

    def submit(self, job: Job) -> None:
        self.submitted.append(job)


class BrokenJobs:
    """A host's background job queue that breaks its "never raises": each job it is sent fails
    (``tried`` names them, in order)."""

    background = True

    def __init__(self) -> None:
        self.tried: list[str] = []

    def submit(self, job: Job) -> None:
        self.tried.append(job.name)
        raise ConnectionError("broker refused the connection")
