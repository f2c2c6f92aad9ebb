"""A page's Content-Security-Policy once the page is final: the inline scripts of the host's
layout allowed by their hashes, so a strict ``script-src`` (the payment hand-over page's) does
not break the layout the page is wrapped in, and no other inline script runs."""
from __future__ import annotations

import base64
import hashlib
import re

HEADER = "Content-Security-Policy"
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(r"(?:^|\s)src\s*=", re.IGNORECASE)


def inline_script_hashes(html: str) -> list[str]:
    """The ``'sha256-…'`` source of each inline script of ``html`` (one without ``src``), each
    once, in the order they appear."""
    found: dict[str, None] = {}
    for attributes, body in _SCRIPT.findall(html):
        if _SRC.search(attributes):
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        found[f"'sha256-{digest}'"] = None
    return list(found)


def allow_inline_scripts(policy: str, html: str) -> str:
    """``policy`` whose ``script-src`` also allows each inline script of ``html`` by its hash.

    Unchanged without inline scripts, without a ``script-src`` directive, or when it allows
    ``'unsafe-inline'`` (a hash source would make browsers ignore that).
    """
    hashes = inline_script_hashes(html)
    if not hashes:
        return policy
    directives = [d.strip() for d in policy.split(";")]
    for index, directive in enumerate(directives):
        name, _, sources = directive.partition(" ")
        if name.lower() != "script-src":
            continue
        if "'unsafe-inline'" in sources.lower().split():
            return policy
        kept = sources.split()
        directives[index] = " ".join([name, *kept, *(h for h in hashes if h not in kept)])
        return "; ".join(d for d in directives if d)
    return policy
