"""Invoice documents: the PDF renderer and write-once, content-addressed storage.

``from oro_invoices.documents import PdfRenderer, LocalStorage`` works; the
renderer (and WeasyPrint) is imported only when first used, so storage-only
code such as the verify command stays light.
"""
from __future__ import annotations

from typing import Any

from oro_invoices.documents.storage import (
    LocalStorage,
    Storage,
    StoredObject,
    sha256_hex,
    storage_from_url,
)

__all__ = ["LocalStorage", "PdfRenderer", "Storage", "StoredObject", "render_batch",
           "sha256_hex", "storage_from_url"]


def __getattr__(name: str) -> Any:
    if name in ("PdfRenderer", "render_batch"):
        from oro_invoices.documents import render
        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
