"""What an email dialog works with: the draft, recipient checks, header safety, Message-IDs."""
from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr

from oro_invoices.domain.errors import ConfigurationError, ValidationError
from oro_invoices.domain.limits import is_storable_text
from oro_invoices.domain.messages import Message
from oro_invoices.persistence.outbox import Attachment

# A pragmatic address check: one @, no spaces or control characters, a dotted domain.
_ADDRESS = re.compile(r"[^@\s\"(),:;<>\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_UNSAFE_HEADER = re.compile(r"[\r\n\x00]")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_SUBJECT = 500
MAX_RECIPIENTS = 50


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
    """Whether ``value`` would break out of a header line (CR, LF or NUL)."""
    return bool(_UNSAFE_HEADER.search(value or ""))


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
            errors.append((field, Message("%(address)s is not an email address.", address=repr(item))))
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
        for name, addr in parsed:
            if not is_address(addr):
                errors.append((field, _invalid(addr)))
                continue
            entry = _entry(name, addr)
            if entry not in result:
                result.append(entry)
    if len(result) > MAX_RECIPIENTS:
        errors.append((field, Message("At most %(limit)s recipients per field.", limit=MAX_RECIPIENTS)))
    return tuple(result)


def _invalid(address: str) -> Message:
    return Message("%(address)s is not a valid email address.", address=repr(address))


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


def pdf_filename(number: str, kind: str = "invoice") -> str:
    """``invoice-<number>.pdf`` (``credit-note-<number>.pdf`` with ``kind="credit-note"``) with
    anything unusual in the number replaced by "-"."""
    safe = _FILENAME_UNSAFE.sub("-", number).strip("-.") or kind
    return f"{kind}-{safe}.pdf"


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
    elif has_line_break(subject):
        errors.append(("subject", Message("The subject must not contain line breaks.")))
    elif len(subject) > MAX_SUBJECT:
        errors.append(("subject", Message("The subject must be at most %(limit)s characters.",
                                          limit=MAX_SUBJECT)))
    if not (html or "").strip() and not (text or "").strip():
        errors.append(("text", Message("Write the message (as HTML, text or both).")))
    errors += [(name, Message("Must not contain NUL or unpaired surrogate characters."))
               for name, value in (("subject", subject), ("html", html), ("text", text),
                                   ("template", template), ("once", once))
               if isinstance(value, str) and not is_storable_text(value)]
    if errors:
        raise ValidationError(errors)
    return to_list, cc_list, bcc_list
