"""A page's Content-Security-Policy once the page is final: the inline scripts and event
handlers of the host's layout allowed by their hashes, so a strict ``script-src`` (the payment
hand-over page's) does not break the layout the page is wrapped in, and no other inline script
or handler runs."""
from __future__ import annotations

import base64
import hashlib
import html as html_text
import re

HEADER = "Content-Security-Policy"
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(r"(?:^|\s)src\s*=", re.IGNORECASE)
#: A start tag (text between tags holds no "<": the page escapes it), and an event handler
#: attribute in one, its value quoted either way.
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
#: What lets a hash allow an event handler attribute, not only a script element (CSP Level 3).
UNSAFE_HASHES = "'unsafe-hashes'"


def _hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"


def inline_script_hashes(html: str) -> list[str]:
    """The ``'sha256-…'`` source of each inline script of ``html`` (one without ``src``), each
    once, in the order they appear."""
    found: dict[str, None] = {}
    for attributes, body in _SCRIPT.findall(html):
        if not _SRC.search(attributes):
            found[_hash(body)] = None
    return list(found)


def event_handler_hashes(html: str) -> list[str]:
    """The ``'sha256-…'`` source of each inline event handler (``onclick="…"``) of ``html``'s
    tags, of its value as the browser reads it (character references resolved), each once."""
    found: dict[str, None] = {}
    for tag in _TAG.findall(html):
        for double, single in _HANDLER.findall(tag):
            found[_hash(html_text.unescape(double or single))] = None
    return list(found)


def allow_inline_scripts(policy: str, html: str) -> str:
    """``policy`` whose ``script-src`` also allows each inline script and event handler of
    ``html`` by its hash (event handlers with ``'unsafe-hashes'``, which lets only those
    hashed run as handlers).

    Unchanged without inline scripts or handlers, without a ``script-src`` directive, or when
    it allows ``'unsafe-inline'`` (a hash source would make browsers ignore that).
    """
    handlers = event_handler_hashes(html)
    hashes = list(dict.fromkeys(inline_script_hashes(html) + ([UNSAFE_HASHES] if handlers else []) + handlers))
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
