"""The only URL fetcher rendering uses: ``data:`` URLs in, everything else refused.

WeasyPrint would otherwise read ``file:`` paths and call out over the network for
images, stylesheets, ``@import``, fonts, SVG ``<image>`` and attachments. Every
refusal is logged (logger ``oro_invoices.documents``) so that it can be seen.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from weasyprint.urls import URLFetcher

logger = logging.getLogger("oro_invoices.documents")


class FetchRefused(ValueError):
    """A URL other than ``data:`` was asked for while rendering."""


class DataOnlyURLFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint has no type hints
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and refuses all others."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
        if scheme != "data":
            logger.warning("Refused to fetch %s while rendering an invoice PDF "
                           "(only data: URLs are allowed).", url[:200])
            raise FetchRefused(f"Refused to fetch {url[:200]}: only data: URLs are allowed.")
        return super().fetch(url, headers)
