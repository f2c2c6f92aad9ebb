"""The add-on's exception hierarchy.

Every error carries a message a user can act on. The web layer maps them to
HTTP statuses (``http_status``), the CLI to a non-zero exit with one line.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class InvoiceError(Exception):
    """Base class of every error the add-on raises on purpose."""

    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(InvoiceError):
    """Input is invalid; ``errors`` lists each field path and what is wrong with it."""

    http_status = 422

    def __init__(self, errors: Iterable[tuple[str, str]] | Mapping[str, Any] | str,
                 message: str | None = None):
        if isinstance(errors, str):
            errors = [("", errors)]
        elif isinstance(errors, Mapping):
            errors = list(flatten_messages(errors))
        self.errors: list[tuple[str, str]] = list(errors)
        summary = "; ".join(f"{f}: {m}" if f else m for f, m in self.errors)
        super().__init__(message or f"Invalid input: {summary}")

    def as_list(self) -> list[dict[str, str]]:
        """The errors as ``[{"field": ..., "message": ...}]``."""
        return [{"field": f, "message": m} for f, m in self.errors]


class NotFound(InvoiceError):
    """The invoice (or another object) does not exist or is not visible."""

    http_status = 404


class Conflict(InvoiceError):
    """The request clashes with the current state (a duplicate number, say)."""

    http_status = 409


class InvoiceIsPosted(Conflict):
    """A posted invoice is frozen: its document fields and lines cannot change."""


class InvoiceNotPosted(Conflict):
    """The operation needs a posted invoice (downloading its PDF, say)."""


class ConfirmationRequired(Conflict):
    """The action has a consequence the user must confirm first (posting before Send to Customer)."""


class PermissionDenied(InvoiceError):
    """The current user may not do this."""

    http_status = 403


class FeatureDisabled(InvoiceError):
    """Invoices (or the needed sub-feature) are switched off in configuration."""

    http_status = 404


class ConfigurationError(InvoiceError):
    """A setting is unknown, has the wrong type, or is set at a scope it does not allow."""


class StorageError(InvoiceError):
    """A stored document is missing, or does not match its recorded hash."""

    http_status = 500


def flatten_messages(messages: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, str]]:
    """Flatten marshmallow's nested error dict into ``("lines[0].quantity", "msg")`` pairs."""
    for key, value in messages.items():
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        elif key == "_schema":
            path = prefix
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from flatten_messages(value, path)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Mapping):
                    yield from flatten_messages(item, path)
                else:
                    yield path, str(item)
        else:
            yield path, str(value)
