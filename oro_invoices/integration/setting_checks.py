"""Checks a setting's value gets when it is saved, beyond its format: those that look outside the
value (a file on the server), so they run when an administrator changes it, not each time the
value is read (a file missing for a moment must not switch a feature off unnoticed: what reads
it then says so itself)."""
from __future__ import annotations

from collections.abc import Callable

from oro_invoices.domain.messages import Message

SIGNING_CERTIFICATE = "oro_invoices.einvoice.signing_certificate"


def _signing_certificate(path: str) -> Message | None:
    from oro_invoices.documents.einvoice.signing import certificate_problem
    return certificate_problem(path) if path else None


#: The check of each setting that has one: what is wrong with a (valid, non-empty) new value.
SAVE_CHECKS: dict[str, Callable[[str], Message | None]] = {SIGNING_CERTIFICATE: _signing_certificate}
