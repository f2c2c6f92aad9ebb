"""The file names of an invoice's documents: one rule for downloads, email attachments and archives.

A customer who downloads a PDF and later finds it attached to an email gets the same name
twice, so a folder of them never holds one document under two names.
"""
from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def document_filename(number: str, kind: str = "invoice", extension: str = "pdf") -> str:
    """``<kind>-<number>.<extension>`` (``invoice-INV-2026-11-00001.pdf``, ``credit-note-…``,
    ``receipt-…``) with anything a browser, shell or mail client could misread in the number
    (``/``, spaces, quotes) replaced by "-"."""
    safe = _UNSAFE.sub("-", number).strip("-.") or kind
    return f"{kind}-{safe}.{extension}"


def pdf_filename(number: str, kind: str = "invoice") -> str:
    """``document_filename`` of a PDF."""
    return document_filename(number, kind)


def invoice_filename(number: str, *, credit_note: bool, extension: str = "pdf") -> str:
    """The name of an invoice's (or a credit note's) own document: ``invoice-<number>.pdf`` or
    ``credit-note-<number>.pdf``."""
    return document_filename(number, "credit-note" if credit_note else "invoice", extension)
