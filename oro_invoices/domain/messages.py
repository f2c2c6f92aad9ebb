"""Marking the domain's labels for the translation catalogs without translating them here.

The domain stays free of the rest of the add-on: its labels (payment statuses, document types,
payment methods) are marked with ``N_`` so ``pybabel extract`` finds them, and whatever shows
a label translates it (``oro_invoices.i18n``; docs/i18n.md).
"""
from __future__ import annotations


def N_(message: str) -> str:  # the conventional name the catalog extraction looks for
    """``message`` unchanged, marked for the catalogs."""
    return message
