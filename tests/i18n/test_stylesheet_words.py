"""The PDF stylesheet's words (page numbers, the draft watermark) follow the invoice's language."""
from __future__ import annotations

from pathlib import Path

import oro_invoices
from oro_invoices.documents.page_words import localize_stylesheet

CSS = (Path(oro_invoices.__file__).parent / "documents" / "templates" / "invoice.css").read_text()


def test_the_shipped_stylesheet_is_worded_in_each_language():
    assert 'content: "Seite " counter(page) " von " counter(pages);' in localize_stylesheet(CSS, "de")
    assert 'content: "Page " counter(page) " sur " counter(pages);' in localize_stylesheet(CSS, "fr")
    japanese = localize_stylesheet(CSS, "ja")
    assert 'content: counter(page) " / " counter(pages) " ページ";' in japanese
    assert 'content: "下書き";' in japanese and '"DRAFT"' not in japanese
    assert localize_stylesheet(CSS, "en") == CSS


def test_a_hosts_own_wording_is_left_alone():
    own = "@page { @bottom-right { content: 'Sheet ' counter(page) } }"
    assert localize_stylesheet(own, "de") == own
