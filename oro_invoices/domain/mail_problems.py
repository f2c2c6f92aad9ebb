"""Why an email is not delivered yet, as a message a page shows in its reader's language.

The outbox stores a delivery problem as English text (``last_error``: the API, the command line
and the log read it as it is). The problems the add-on words itself (``Cannot reach the SMTP
server: Connection refused``) are catalog messages with the server's or network's own words as
a value; ``problem`` reads such a stored text back into its message, so a German page says
"SMTP-Server nicht erreichbar: Connection refused". Anything else (a server's reply such as
``550 5.1.1 No such user``) is shown as written.
"""
from __future__ import annotations

import re

from oro_invoices.domain.messages import N_, Message

NO_RECIPIENT = N_("No recipient was accepted.")
RECIPIENTS_REFUSED = N_("Recipients refused: %(refusals)s")
AUTHENTICATION_FAILED = N_("SMTP authentication failed: %(reply)s")
DISCONNECTED = N_("The SMTP server closed the connection: %(reason)s")
SMTP_ERROR = N_("SMTP error: %(reason)s")
TLS_ERROR = N_("TLS error talking to the SMTP server: %(reason)s")
UNREACHABLE = N_("Cannot reach the SMTP server: %(reason)s")
TOO_LARGE = N_("The email is larger than the SMTP server accepts: %(reply)s")
UNREADABLE_ATTACHMENT = N_("The attached file %(file)s cannot be read from the storage: %(reason)s")
HEADER_LINE_BREAK = N_("The email's %(header)s holds a line break; it was not sent.")
CHANGED_ATTACHMENT = N_("The stored file %(file)s does not match its SHA-256 %(sha256)s; it was not sent.")
INTERRUPTED = N_("Interrupted while sending (lease expired); delivery unknown.")
WAITING_FOR_PDF = N_("Waiting for the invoice PDF to be made.")
WAITING_FOR_RECEIPT = N_("Waiting for a sender that makes PDFs to make the receipt PDF.")

_KNOWN = (NO_RECIPIENT, RECIPIENTS_REFUSED, AUTHENTICATION_FAILED, DISCONNECTED, SMTP_ERROR, TLS_ERROR,
          UNREACHABLE, TOO_LARGE, UNREADABLE_ATTACHMENT, CHANGED_ATTACHMENT, HEADER_LINE_BREAK, INTERRUPTED, WAITING_FOR_PDF, WAITING_FOR_RECEIPT)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(msgid)   # text, name, text, name, ..., text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*)"
                              for i, part in enumerate(parts)), re.DOTALL)


_PATTERNS = tuple((msgid, _pattern(msgid)) for msgid in _KNOWN)


def problem(stored: str) -> str:
    """The stored problem text ``stored`` as the message it was written from (its English text
    unchanged), or as it is when the add-on did not word it."""
    if isinstance(stored, Message) or not stored:
        return stored
    for msgid, pattern in _PATTERNS:
        found = pattern.fullmatch(stored)
        if found:
            return Message(msgid, **found.groupdict())
    return stored
