"""What a refused form shows again of a text typed in it: at most what the field holds.

A 1 MB email body or a 200 kB note is refused; sending it back in full would make the refusal
page as large. The field keeps the text up to its limit and the refusal says the rest was cut.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from oro_invoices.domain.messages import Number
from oro_invoices.i18n import _
from oro_invoices.services.mail.compose import MAX_BODY, MAX_RECIPIENTS, MAX_SUBJECT

#: The most an email dialog shows again of To, Cc or Bcc: room for each of its recipients with a
#: long display name.
MAX_ADDRESS_FIELD = MAX_RECIPIENTS * 500
#: An email dialog's fields and the most each shows again.
EMAIL_LIMITS = {"to": MAX_ADDRESS_FIELD, "cc": MAX_ADDRESS_FIELD, "bcc": MAX_ADDRESS_FIELD,
                "subject": MAX_SUBJECT, "body": MAX_BODY}


def capped(text: str, limit: int) -> tuple[str, bool]:
    """``text`` (its line breaks as one character each, as the limits count them) cut to
    ``limit`` characters, and whether it was cut."""
    plain = text.replace("\r\n", "\n").replace("\r", "\n")
    return (plain[:limit], True) if len(plain) > limit else (text, False)


def cut_said(message: str, limit: int) -> str:
    """``message`` (a refusal) and that the text shown again was cut to ``limit`` characters."""
    return _("%(problem)s Only the first %(limit)s characters are shown again: check where the text ends "
             "before sending it again.", problem=message, limit=Number(Decimal(limit), format(limit, ",d")))


def email_typed(form: Mapping[str, str]) -> tuple[dict[str, str], bool]:
    """An email dialog's fields as typed, each cut to what it holds; and whether the body was."""
    shown = {name: capped(form.get(name, ""), limit) for name, limit in EMAIL_LIMITS.items()}
    return {name: text for name, (text, _cut) in shown.items()}, shown["body"][1]


def email_refusal(form: Mapping[str, str], message: str) -> str:
    """What an email dialog refused with ``message`` says: that, and that its body was cut when it was."""
    return cut_said(message, MAX_BODY) if email_typed(form)[1] else message
