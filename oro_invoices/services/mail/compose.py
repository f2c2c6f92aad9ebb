"""What an email dialog works with: the draft, recipient checks, header safety, Message-IDs."""
from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from email.policy import default
from email.utils import getaddresses, parseaddr

from oro_invoices.domain.errors import ConfigurationError, ValidationError
from oro_invoices.domain.limits import is_storable_text, quoted
from oro_invoices.domain.messages import Message, Number
from oro_invoices.persistence.outbox import Attachment

# A pragmatic address check: one @, no spaces or control characters, a dotted domain.
_ADDRESS = re.compile(r"[^@\s\"(),:;<>\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
# Every character str.splitlines() splits on, which Python's email headers refuse, and NUL.
_UNSAFE_HEADER = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029\x00]")
MAX_SUBJECT = 500
MAX_RECIPIENTS = 50
#: The longest text of a message a person writes (the Send Email dialogs' Body, the API's ``text``),
#: in characters, a line break counted once: some 30 pages, far more than an invoice's email
#: needs, and with both parts and a PDF still far below the 10 MB many mail servers take at most.
MAX_BODY = 100_000
#: The longest HTML part: the HTML a text within ``MAX_BODY`` becomes (each character escaped
#: takes at most six, ``&quot;``) always fits.
MAX_HTML = 6 * MAX_BODY
#: The longest display name of a recipient: its header line stays far below RFC 5322's 998
#: octets, which a mail server refuses beyond (Python cannot fold a name without spaces).
MAX_DISPLAY_NAME = 200


@dataclass(frozen=True)
class EmailDraft:
    """A message ready for the email dialog: recipients, rendered subject and bodies, attachments."""

    #: None for a customer's message (a statement).
    invoice_id: int | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    subject: str
    html: str
    text: str
    attachments: tuple[Attachment, ...]
    template: str | None


def has_line_break(value: str) -> bool:
    """Whether ``value`` would break out of a header line: CR, LF, NUL or any other character
    that ``str.splitlines()`` splits on (``\\v``, ``\\f``, NEL, U+2028, U+2029, ...), written
    as such or inside an RFC 2047 encoded word (``=?utf-8?q?Hi=0D=0AReply-To=3A_…?=``), which the
    email library decodes when the header is set and would write out as a header of its own."""
    value = value or ""
    return bool(_UNSAFE_HEADER.search(value)) or ("=?" in value and bool(_UNSAFE_HEADER.search(decoded(value))))


def decoded(value: str) -> str:
    """``value`` as the email library reads a header's text: its encoded words decoded."""
    return str(default.header_factory("Subject", value))


def is_address(addr: str) -> bool:
    return bool(_ADDRESS.fullmatch(addr or "")) and len(addr) <= 254


def recipients(field: str, value: str | Iterable[str] | None,
               errors: list[tuple[str, str]]) -> tuple[str, ...]:
    """Parse ``value`` (a comma-separated string or a list) into normalised recipients.

    ``"Jane <jane@example.com>"`` and ``"jane@example.com"`` are accepted;
    problems are appended to ``errors`` as ``(field, message)``.
    """
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    result: list[str] = []
    for item in items:
        if not isinstance(item, str):
            errors.append((field, Message("%(address)s is not an email address.", address=quoted(item))))
            continue
        if not is_storable_text(item):
            errors.append((field, Message("Must not contain NUL or unpaired surrogate characters.")))
            continue
        if has_line_break(item):
            errors.append((field, Message("Recipients must not contain line breaks.")))
            continue
        if not item.strip():
            continue
        parsed = getaddresses([item])
        if not parsed or any(not addr for _, addr in parsed):
            errors.append((field, _invalid(item.strip())))
            continue
        crowded = _entry_of_several(item)
        if crowded is not None:
            errors.append((field, Message("%(entry)s holds more than one address: separate recipients with commas.",
                                          entry=quoted(crowded))))
            continue
        for name, addr in parsed:
            if not is_address(addr):
                errors.append((field, _invalid(addr)))
                continue
            if len(name) > MAX_DISPLAY_NAME:
                errors.append((field, Message("The name of %(address)s must be at most %(limit)s characters.",
                                              address=quoted(addr), limit=MAX_DISPLAY_NAME)))
                continue
            entry = _entry(name, addr)
            if entry not in result:
                result.append(entry)
    if len(result) > MAX_RECIPIENTS:
        errors.append((field, Message("At most %(limit)s recipients per field.", limit=MAX_RECIPIENTS)))
    return tuple(result)


def _entry_of_several(value: str) -> str | None:
    """The first comma-separated entry of ``value`` that holds more than one address
    (``Jane <a@x.com> <b@y.com>``), or None."""
    for entry in _entries(value):
        if len([addr for _, addr in getaddresses([entry]) if addr]) > 1:
            return entry.strip()
    return None


def _entries(value: str) -> list[str]:
    """``value`` split at its commas outside quotes, comments (parentheses) and angle brackets."""
    entries: list[str] = []
    start, depth, quoted, escaped = 0, 0, False, False
    for at, char in enumerate(value):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "(<":
            depth += 1
        elif char in ")>":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            entries.append(value[start:at])
            start = at + 1
    entries.append(value[start:])
    return entries


def _invalid(address: str) -> Message:
    return Message("%(address)s is not a valid email address.", address=quoted(address))


def _entry(name: str, addr: str) -> str:
    if not name:
        return addr
    if re.search(r'[()<>@,;:\\".\[\]]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def address_of(entry: str) -> str:
    """The bare address of a normalised recipient entry."""
    return parseaddr(entry)[1]


def check_sender(sender: str, sender_name: str) -> None:
    """Refuse a From address or name that is invalid or would inject headers."""
    if has_line_break(sender) or has_line_break(sender_name):
        raise ConfigurationError("The sender address and name must not contain line breaks.")
    if not is_address(sender):
        raise ConfigurationError(f"The sender address {sender!r} is not a valid email address.")



def new_message_id(invoice_id: int | None, sender: str, once: str | None = None, *,
                   about: str | None = None) -> str:
    """A globally unique Message-ID, fixed when the message is queued.

    ``once``: a one-time key of the form the message was sent from; the same key gives the
    same Message-ID, so the outbox's unique Message-ID refuses a second message from one form.
    ``about``: what a message about no invoice is about (``statement-<organization>-<customer>``).
    """
    domain = sender.rpartition("@")[2] or "localhost"
    key: int | str | None = invoice_id if about is None else about
    tag = f"invoice-{invoice_id}" if about is None else about
    return f"<{message_key(key, once) if once else uuid.uuid4().hex}.{tag}@{domain}>"


def message_key(key: int | str | None, once: str) -> str:
    """The Message-ID's local part made from a form's one-time key (``new_message_id``): of an
    invoice's message its id, of another message what it is about."""
    return hashlib.sha256(f"{key}:{once}".encode()).hexdigest()[:32]


def check_message(*, to: str | Iterable[str], cc: str | Iterable[str], bcc: str | Iterable[str], subject: str,
                  html: str | None, text: str | None, template: str | None = None,
                  once: str | None = None) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The recipients (to, cc, bcc) of a message a person wrote, checked with its subject and
    body; ``ValidationError`` with one ``(field, message)`` per problem."""
    errors: list[tuple[str, str]] = []
    to_list = recipients("to", to, errors)
    if not to_list and not any(f == "to" for f, _ in errors):
        errors.append(("to", Message("Enter at least one recipient.")))
    cc_list = recipients("cc", cc, errors)
    bcc_list = recipients("bcc", bcc, errors)
    if not isinstance(subject, str) or not subject.strip():
        errors.append(("subject", Message("Enter a subject.")))
    elif not is_storable_text(subject):
        errors.append(("subject", Message("Must not contain NUL or unpaired surrogate characters.")))
    elif has_line_break(subject):
        errors.append(("subject", Message("The subject must not contain line breaks.")))
    elif len(subject) > MAX_SUBJECT:
        errors.append(("subject", Message("The subject must be at most %(limit)s characters.",
                                          limit=MAX_SUBJECT)))
    if not (html or "").strip() and not (text or "").strip():
        errors.append(("text", Message("Write the message (as HTML, text or both).")))
    # the HTML made of an over-long text is said once, as the text
    too_long = next(((name, limit) for name, value, limit in (("text", text, MAX_BODY), ("html", html, MAX_HTML))
                     if isinstance(value, str) and len(value.replace("\r\n", "\n")) > limit), None)
    if too_long is not None:
        errors.append((too_long[0], Message("The message must be at most %(limit)s characters.",
                                            limit=Number(Decimal(too_long[1]), format(too_long[1], ",d")))))
    errors += [(name, Message("Must not contain NUL or unpaired surrogate characters."))
               for name, value in (("html", html), ("text", text),
                                   ("template", template), ("once", once))
               if isinstance(value, str) and not is_storable_text(value)]
    if errors:
        raise ValidationError(errors)
    return to_list, cc_list, bcc_list
