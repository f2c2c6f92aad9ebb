"""The breadcrumb trail of the add-on's pages, for host layouts that draw breadcrumbs of their own.

Each page opens with ``<div class="oi-crumbs">``: links from the invoices' list (its first link)
down to the page's parent. A host whose layout shows a breadcrumb bar (Oscar's dashboard and
account pages) lifts the trail out of the page with ``lift_crumbs`` and draws its links in its
own bar, under its own entry for the invoices, so the page is not headed by two trails or by a
menu path of another platform.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_TRAIL = re.compile(r'[ \t]*<div class="oi-crumbs">(.*?)</div>[ \t]*\n?', re.S)
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)


@dataclass(frozen=True)
class Crumb:
    """One link of the trail, as the page wrote it: both are escaped HTML, safe to insert."""

    href: str
    label: str


def lift_crumbs(fragment: str) -> tuple[str, tuple[Crumb, ...]]:
    """``fragment`` without its breadcrumb trail, and the trail's links (the invoices' list
    first); the fragment unchanged and no links when it has no trail."""
    found = _TRAIL.search(fragment)
    if found is None:
        return fragment, ()
    links = tuple(Crumb(href, label.strip()) for href, label in _LINK.findall(found.group(1)))
    return fragment[:found.start()] + fragment[found.end():], links
