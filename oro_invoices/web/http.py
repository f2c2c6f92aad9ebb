"""Framework-neutral requests and responses for the add-on's pages and JSON API.

A host adapter turns its framework's request into a ``Request``, calls a
handler, and turns the ``Response`` back (see ``oro_invoices.adapters.flask``).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from oro_invoices.domain.limits import OverlongInteger


@dataclass(frozen=True)
class Request:
    """One HTTP request as the add-on's handlers see it.

    ``headers`` keys are lower-case. ``query`` and ``form`` map a name to its
    first value; ``query_lists``/``form_lists`` keep every value; ``files`` maps a
    field to its first file's ``(filename, bytes)``, ``file_lists`` to every file sent in it.
    ``query_string`` is the query as sent (its bytes, still percent-encoded; empty where the
    framework does not give it), from which ``query`` was decoded.

    ``user`` and ``permissions`` are who is logged in and what they may do, both taken
    once per request from the host's ``Users`` by the mounting code
    (``oro_invoices.web.mounting``); the pages read nothing else, so the two always agree.
    ``session`` is the host's session mapping (CSRF tokens and flash messages live
    there), ``native`` the framework's own request object, and ``root_path`` where
    the application is mounted (WSGI ``SCRIPT_NAME``, ASGI ``root_path``).

    ``refusal`` says what the request's own text is refused with (a form or query that is not
    UTF-8, ``web.form_text``; None: nothing), put there by the pages' dispatcher:
    ``web.guard.check`` asks it, and raises its answer, once the user is known to be logged in
    and permitted, so that a visitor is asked to log in, and a user without the permission is
    refused, before what they sent is judged.
    """

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    path_params: Mapping[str, str] = field(default_factory=dict)
    user: Any = None
    query_lists: Mapping[str, list[str]] = field(default_factory=dict)
    form_lists: Mapping[str, list[str]] = field(default_factory=dict)
    files: Mapping[str, tuple[str, bytes]] = field(default_factory=dict)
    file_lists: Mapping[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    permissions: frozenset[str] = frozenset()
    session: MutableMapping[str, Any] | None = field(default=None, compare=False)
    native: Any = field(default=None, compare=False)
    root_path: str = ""
    query_string: bytes = b""
    refusal: Callable[[], Exception | None] | None = field(default=None, compare=False)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def can(self, permission: str) -> bool:
        """Whether the request's user holds ``permission`` (see ``permissions``)."""
        return permission in self.permissions


@dataclass
class Response:
    """What a handler returns. ``body`` may be an iterable of chunks (streamed downloads)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    flashes: list[tuple[str, str]] = field(default_factory=list)  # (category, message)
    # Waiting flashes these ones replace (category, message): said by a request whose page was
    # never shown, e.g. the first of two clicks, and no longer true.
    supersedes: list[tuple[str, str]] = field(default_factory=list)
    # A page fragment the host wraps in its layout (title, html); None for raw bodies.
    page_title: str | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()
        return cls(status=status, body=body, content_type="application/json", headers=dict(headers or {}))

    @classmethod
    def html(cls, html: str, status: int = 200, title: str | None = None,
             flashes: list[tuple[str, str]] | None = None) -> Response:
        """A page fragment (``flashes``: said on top of it, as after a redirect)."""
        return cls(status=status, body=html.encode(), page_title=title, flashes=list(flashes or []))

    @classmethod
    def redirect(cls, location: str, status: int = 303, flashes: list[tuple[str, str]] | None = None,
                 supersedes: list[tuple[str, str]] | None = None) -> Response:
        return cls(status=status, headers={"Location": location}, flashes=list(flashes or []),
                   supersedes=list(supersedes or []))

    def text(self) -> str:
        """The body as text (for tests; not for streamed bodies)."""
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body).decode()
        return b"".join(self.body).decode()


def json_integer(text: str) -> int:
    """``parse_int`` of ``json.loads`` for request bodies: an integer longer than Python converts
    is an ``OverlongInteger``, which the checks of what no column holds refuse on its path (in
    plain words, not with Python's advice to raise its limit) beside the body's other problems."""
    try:
        return int(text)
    except ValueError:
        return OverlongInteger()
