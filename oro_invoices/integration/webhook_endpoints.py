"""The ``webhook_endpoints`` setting type: where outgoing events go, each URL with its own secret.

A value is stored as a list of ``{"url": ..., "secret": ...}``. It may be given as that list or
as text, one endpoint per line: the URL, a space, the secret. Secrets are write-only in a
configuration form: ``form_text`` shows every secret as ``MASK`` and ``restore_secrets`` puts
the kept secret back for each line still showing ``MASK``, so a form never echoes a secret
and an unchanged line keeps its secret.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from marshmallow import ValidationError as MarshmallowError
from marshmallow import fields

from oro_invoices.domain.messages import Message
from oro_invoices.integration.links import UNENCODED

TYPE = "webhook_endpoints"
#: What a form shows instead of a secret. Shorter than any valid secret, so never one.
MASK = "********"
MAX_ENDPOINTS = 10
MAX_URL_LENGTH = 2048
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256


@dataclass(frozen=True)
class WebhookEndpoint:
    """One endpoint: an absolute http(s) URL and the secret its requests are signed with."""

    url: str
    secret: str = field(repr=False)

    def as_dict(self) -> dict[str, str]:
        return {"url": self.url, "secret": self.secret}


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook endpoint, or None when it can (the message never shows it)."""
    if not url:
        return Message("the URL is missing.")
    if len(url) > MAX_URL_LENGTH:
        return Message("the URL is longer than %(max)d characters.", max=MAX_URL_LENGTH)
    if not all(33 <= ord(ch) <= 126 for ch in url):
        return Message("the URL may contain only printable ASCII without spaces: percent-encode "
                       "other characters and write an international domain in its xn-- form.")
    if any(ch in UNENCODED for ch in url):
        return Message("the URL must not contain %(characters)s: percent-encode them.",
                       characters=" ".join(dict.fromkeys(ch for ch in url if ch in UNENCODED)))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return Message("the URL is not valid (%(reason)s).", reason=str(exc))
    if parts.scheme.lower() not in ("http", "https"):
        return Message("the URL must be absolute, starting with http:// or https://.")
    if not parts.hostname:
        return Message("the URL must name a host, such as https://erp.example/hooks.")
    if parts.username is not None or parts.password is not None:
        return Message("the URL must not contain a user name or password: the secret authenticates.")
    if parts.fragment or url.endswith("#"):
        return Message("the URL must not have a fragment (#).")
    return None


def secret_problem(secret: str) -> str | None:
    """Why ``secret`` cannot sign requests, or None when it can (the message never shows it)."""
    if secret == MASK:
        return Message("the secret is hidden, but no secret is kept for this URL: enter the "
                       "endpoint's secret.")
    if not secret:
        return Message("the secret is missing.")
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        return Message("the secret must be %(min)d to %(max)d characters long (it has %(length)d).",
                       min=MIN_SECRET_LENGTH, max=MAX_SECRET_LENGTH, length=len(secret))
    if not all(33 <= ord(ch) <= 126 for ch in secret):
        return Message("the secret may contain only printable ASCII characters without spaces.")
    return None


def _entries(value: Any) -> list[tuple[Message, str, str]]:
    """``(where, url, secret)`` for each endpoint in a list of mappings or in text."""
    if isinstance(value, str):
        entries = []
        for number, line in enumerate(value.splitlines(), start=1):
            words = line.split()
            if not words:
                continue
            if len(words) != 2:
                raise MarshmallowError(Message(
                    "Line %(line)d: expected the URL, a space and the secret (one endpoint per "
                    "line: the URL, a space, then its secret).", line=number))
            entries.append((Message("Line %(line)d", line=number), words[0], words[1]))
        return entries
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        entries = []
        for number, item in enumerate(value, start=1):
            where = Message("Endpoint %(number)d", number=number)
            if not isinstance(item, Mapping) or set(item) != {"url", "secret"}:
                raise MarshmallowError(Message("%(where)s: expected an object with exactly the "
                                               "keys url and secret.", where=where))
            url, secret = item["url"], item["secret"]
            if not isinstance(url, str) or not isinstance(secret, str):
                raise MarshmallowError(Message("%(where)s: url and secret must be strings.",
                                               where=where))
            entries.append((where, url, secret))
        return entries
    raise MarshmallowError(Message("Expected a list of {url, secret} objects or text (one "
                                   "endpoint per line: the URL, a space, then its secret)."))


def parse_endpoints(value: Any) -> tuple[WebhookEndpoint, ...]:
    """The endpoints of a value; ``marshmallow.ValidationError`` says which one is wrong and why."""
    endpoints: list[WebhookEndpoint] = []
    seen: set[str] = set()
    for where, url, secret in _entries(value):
        problem = url_problem(url) or secret_problem(secret)
        if problem is not None:
            raise MarshmallowError(Message("%(where)s: %(problem)s", where=where, problem=problem))
        if url in seen:
            raise MarshmallowError(Message("%(where)s: %(url)s is listed twice.", where=where, url=url))
        seen.add(url)
        endpoints.append(WebhookEndpoint(url, secret))
    if len(endpoints) > MAX_ENDPOINTS:
        raise MarshmallowError(Message("At most %(max)d endpoints may be configured (%(given)d given).",
                                       max=MAX_ENDPOINTS, given=len(endpoints)))
    return tuple(endpoints)


class WebhookEndpointsField(fields.Field[list[dict[str, str]]]):
    """Checks a ``webhook_endpoints`` value and normalises it to a list of ``{url, secret}``."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> list[dict[str, str]]:
        return [endpoint.as_dict() for endpoint in parse_endpoints(value)]


def _kept(shown: Any) -> dict[str, str]:
    """URL → secret of the value a form showed (nothing when it is not a valid value)."""
    try:
        return {e.url: e.secret for e in parse_endpoints(shown or [])}
    except MarshmallowError:
        return {}


def form_text(value: Any, shown: Any = None) -> str:
    """A value, or submitted text, as a form shows it: every secret replaced by ``MASK``.

    For submitted text (shown again after an error), a secret that is neither ``MASK`` nor the
    one kept in ``shown`` for its URL is left out, so it must be entered again rather than be
    replaced by the kept one unnoticed.
    """
    if not isinstance(value, str):
        try:
            return "\n".join(f"{e.url} {MASK}" for e in parse_endpoints(value or []))
        except MarshmallowError:
            return ""
    kept = _kept(shown)
    lines = []
    for line in value.splitlines():
        words = line.split()
        if not words:
            continue
        secret = words[1] if len(words) > 1 else ""
        masked = secret == MASK or (secret != "" and kept.get(words[0]) == secret)
        lines.append(f"{words[0]} {MASK}" if masked else words[0])
    return "\n".join(lines)


def restore_secrets(text: str, shown: Any) -> str:
    """Submitted text with each ``MASK`` replaced by the secret ``shown`` has for that URL.

    A ``MASK`` on a line whose URL ``shown`` has no secret for stays, and validation then asks
    for the secret.
    """
    kept = _kept(shown)
    lines = []
    for line in text.splitlines():
        words = line.split()
        if len(words) == 2 and words[1] == MASK and words[0] in kept:
            words[1] = kept[words[0]]
        lines.append(" ".join(words))
    return "\n".join(lines)

