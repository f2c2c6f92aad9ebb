"""The words the invoice stylesheet prints (page numbers, the draft watermark) in a language.

CSS cannot call gettext: the renderer replaces the English words ``invoice.css`` writes with
the invoice's language's before WeasyPrint reads the stylesheet.
"""
from __future__ import annotations

import json
import re

from oro_invoices import i18n
from oro_invoices.i18n import N_

_COUNTER = re.compile(r"%\((page|pages)\)s")
PAGE_OF = N_("Page %(page)s of %(pages)s")
DRAFT = N_("DRAFT")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    return json.dumps(text, ensure_ascii=False)


def page_number_content(language: str) -> str:
    """The CSS ``content`` of "Page 1 of 3" in ``language`` (counters where the numbers go)."""
    label = i18n.translate(language, PAGE_OF, page="%(page)s", pages="%(pages)s")
    parts = []
    for index, piece in enumerate(_COUNTER.split(label)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


#: The stylesheet's English words as ``invoice.css`` writes them, and what replaces each.
_PAGE_NUMBERS = 'content: "Page " counter(page) " of " counter(pages);'
_DRAFT = 'content: "DRAFT";'


def localize_stylesheet(css: str, language: str) -> str:
    """``css`` with its page numbering and draft watermark in ``language``; a stylesheet that
    words them otherwise (a host's own ``invoice.css``) is left as it is."""
    return (css.replace(_PAGE_NUMBERS, f"content: {page_number_content(language)};")
            .replace(_DRAFT, f"content: {css_string(i18n.translate(language, DRAFT))};"))
