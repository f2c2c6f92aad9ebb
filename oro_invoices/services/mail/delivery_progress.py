"""What ``deliver-mail --every`` prints as it goes: messages sent since it started, the rate,
what still waits in the outbox and, at that rate, when it will be empty."""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from oro_invoices.services.import_progress import duration
from oro_invoices.services.mail.delivery import DeliveryReport


@dataclass
class DeliveryTally:
    """The runs of one ``deliver-mail --every`` so far."""

    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)
    sent: int = 0
    failed: int = 0
    retrying: int = 0

    def __post_init__(self) -> None:
        self.started = self.started or self.clock()

    def add(self, report: DeliveryReport) -> None:
        self.sent += report.sent
        self.failed += report.failed + report.unknown
        self.retrying += report.retrying

    def line(self, waiting: int) -> str:
        """``progress: 120 sent, 2 failed in 4m00s (30.0/min); 40 waiting, about 1m20s left``."""
        elapsed = max(self.clock() - self.started, 1e-9)
        per_minute = self.sent * 60 / elapsed
        text = (f"progress: {self.sent:,} sent, {self.failed:,} failed, {self.retrying:,} retried "
                f"in {duration(elapsed)} ({per_minute:,.1f}/min); {waiting:,} waiting in the outbox")
        if waiting and per_minute > 0:
            text += f", about {duration(waiting * 60 / per_minute)} left"
        return text


def next_attempt(waiting: int, due: dt.datetime | None) -> str:
    """What a run that found nothing due says about the outbox."""
    if not waiting:
        return "the outbox is empty"
    when = f"; the next is due at {due:%Y-%m-%d %H:%M:%S} UTC" if due is not None else ""
    return f"{waiting:,} message(s) wait in the outbox{when}"
