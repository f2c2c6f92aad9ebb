"""What a text setting may contain: the ``format`` of a ``str`` setting in ``config_schema.yaml``.

Each format cleans a value (surrounding whitespace removed, a locale spelled the way
Babel spells it, line endings made ``\\n``) or refuses it with a message saying what is
wrong. They keep out what would break the add-on later: a line break in a mail header,
a locale Babel cannot format with, an invoice number prefix the numbering cannot use.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from babel import Locale, UnknownLocaleError
from marshmallow import ValidationError
from marshmallow.validate import Email

from oro_invoices.domain import payment_terms
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.limits import QUOTED_CHARS, is_storable_text, quoted
from oro_invoices.domain.messages import Message
from oro_invoices.domain.reminders import ScheduleError, format_schedule, parse_schedule
from oro_invoices.formatting.countries import country_codes
from oro_invoices.formatting.zones import check_timezone

#: The format a ``str`` setting has when its declaration names none.
DEFAULT_FORMAT = "line"

_LOCALE_SYNTAX = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}", re.ASCII)
#: Invoice numbers (imported or generated) are letters, digits and ``. _ / -``.
_PREFIX_SYNTAX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*", re.ASCII)
PREFIX_MAX_LENGTH = 20


def _control_characters(value: str, *, allow_newline: bool) -> bool:
    for char in value:
        if allow_newline and char == "\n":
            continue
        # Cc: C0/C1 controls (tab, CR, LF, DEL …); Zl/Zp: the Unicode line and paragraph breaks
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return True
    return False


def _text(value: str, *, allow_newline: bool) -> str:
    if not is_storable_text(value):
        raise ValidationError(Message("Contains characters that cannot be stored."))
    if allow_newline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _control_characters(value, allow_newline=allow_newline):
        raise ValidationError(Message("Must be one line without line breaks or control characters.")
                              if not allow_newline else
                              Message("Must not contain control characters other than line breaks."))
    return value.strip()


def line(value: str) -> str:
    """One line of text: no line break, tab or other control character."""
    return _text(value, allow_newline=False)


def multiline(value: str) -> str:
    """Text with line breaks (kept, as ``\\n``) but no other control character."""
    return "\n".join(part.rstrip() for part in _text(value, allow_newline=True).split("\n"))


def locale(value: str) -> str:
    """A locale Babel knows (``de_DE``, ``de-DE``, ``ja``), spelled as Babel spells it."""
    value = line(value)
    if not _LOCALE_SYNTAX.fullmatch(value):
        raise ValidationError(Message("%(value)s is not a locale code; use one such as 'en_US' or "
                                      "'de_DE'.", value=quoted(value)))
    try:
        return str(Locale.parse(value.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise ValidationError(Message("Unknown locale %(value)s; use one such as 'en_US' or "
                                      "'de_DE'.", value=quoted(value))) from None


def timezone(value: str) -> str:
    """An IANA time zone name (``Europe/Berlin``, ``UTC``) the system knows."""
    value = line(value)
    try:
        return str(check_timezone(value))
    except ConfigurationError as exc:
        raise ValidationError(exc.message) from None


def optional_email(value: str) -> str:
    """Empty, or one email address (no display name, no line breaks)."""
    value = line(value)
    if not value:
        return value
    try:
        Email()(value)
    except ValidationError:
        raise ValidationError(Message("Not a valid email address.")) from None
    return value


def email_list(value: str) -> str:
    """Empty, or email addresses separated by commas (or semicolons), written ``a@x, b@y``
    without repeats."""
    found: list[str] = []
    for part in line(value).replace(";", ",").split(","):
        address = part.strip()
        if not address:
            continue
        try:
            Email()(address)
        except ValidationError:
            raise ValidationError(Message("%(value)s is not a valid email address; separate addresses "
                                          "with commas.", value=quoted(address))) from None
        if address.lower() not in (f.lower() for f in found):
            found.append(address)
    return ", ".join(found)


def number_prefix(value: str) -> str:
    """Empty, or letters, digits and ``. _ / -`` starting with a letter or digit (20 at most)."""
    value = line(value)
    if len(value) > PREFIX_MAX_LENGTH:
        raise ValidationError(Message("At most %(limit)s characters.", limit=PREFIX_MAX_LENGTH))
    if value and not _PREFIX_SYNTAX.fullmatch(value):
        raise ValidationError(Message("Use letters, digits and . _ / - only, starting with a "
                                      "letter or digit."))
    return value


def day_offsets(value: str) -> str:
    """A reminder schedule: day offsets from the due date such as ``-3, 0, 7, 14`` (sorted)."""
    try:
        return format_schedule(parse_schedule(line(value)))
    except ScheduleError as exc:  # its message (a Message where the domain makes one)
        raise ValidationError(exc.args[0] if exc.args else str(exc)) from None


def country_code(value: str) -> str:
    """Empty, or an ISO 3166-1 alpha-2 country code (``DE``), upper-cased."""
    value = line(value).upper()
    if value and value not in country_codes():
        raise ValidationError(Message("%(value)s is not an ISO 3166-1 country code; use two letters "
                                      "such as 'DE'.", value=quoted(value)))
    return value


def _einvoice_extra(what: Message) -> ValidationError:
    return ValidationError(Message("Checking %(what)s needs the einvoice extra (pip install "
                                   "'oro-invoices[einvoice]').", what=what))


def _reason(exc: Exception, known: dict[str, Message], value: str = "") -> Message | str:
    """Why a checking library refused ``value``: its own English words where it is not one of
    the usual reasons (``known``: by the exception's class name), the value they may repeat
    quoted as every message quotes it (``quoted``)."""
    said = known.get(type(exc).__name__)
    if said is not None:
        return said
    words = str(exc).rstrip(".")
    return words.replace(value, quoted(value)) if value and len(value) > QUOTED_CHARS else words


_IBAN_REASONS = {"InvalidChecksumDigits": Message("its check digits are wrong"),
                 "InvalidLength": Message("its length is wrong for its country"),
                 "InvalidCountryCode": Message("its first two letters are not a known country code")}
_BIC_REASONS = {"InvalidLength": Message("it must have 8 or 11 characters"),
                "InvalidCountryCode": Message("its letters 5 and 6 are not a known country code")}
_NUMBER_REASONS = {"InvalidChecksum": Message("its check digits are wrong"),
                   "InvalidLength": Message("its length is wrong"),
                   "InvalidFormat": Message("it is not written as such numbers are"),
                   "InvalidComponent": Message("its country prefix or one of its parts is not known")}


def iban(value: str) -> str:
    """Empty, or an IBAN whose country, length and check digits are right, in its compact form."""
    value = line(value)
    if not value:
        return value
    try:
        from schwifty import IBAN
        from schwifty.exceptions import SchwiftyException
    except ImportError:
        raise _einvoice_extra(Message("an IBAN")) from None
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise ValidationError(Message("%(value)s is not a valid IBAN: %(reason)s.", value=quoted(value),
                                      reason=_reason(exc, _IBAN_REASONS, value))) from None


def bic(value: str) -> str:
    """Empty, or a BIC (SWIFT code) of 8 or 11 characters with a known country."""
    value = line(value).upper().replace(" ", "")
    if not value:
        return value
    try:
        from schwifty import BIC
        from schwifty.exceptions import SchwiftyException
    except ImportError:
        raise _einvoice_extra(Message("a BIC")) from None
    try:
        return str(BIC(value))
    except SchwiftyException as exc:
        raise ValidationError(Message("%(value)s is not a valid BIC: %(reason)s.", value=quoted(value),
                                      reason=_reason(exc, _BIC_REASONS, value))) from None


def vat_id(value: str) -> str:
    """Empty, or a VAT identification number with its country prefix whose check digits are right."""
    value = line(value)
    if not value:
        return value
    try:
        from stdnum import vatin
        from stdnum.exceptions import ValidationError as NumberError
    except ImportError:
        raise _einvoice_extra(Message("a VAT identification number")) from None
    try:
        return str(vatin.validate(value))
    except NumberError as exc:
        raise ValidationError(Message("%(value)s is not a valid VAT identification number (such as "
                                      "'DE123456788', with its country prefix): %(reason)s.",
                                      value=quoted(value), reason=_reason(exc, _NUMBER_REASONS, value))) from None


def electronic_address(value: str) -> str:
    """Empty, or an electronic address an e-invoice can state (BT-34, BT-49): an email address or a
    Peppol participant id written ``scheme:id``."""
    from oro_invoices.documents.einvoice.terms import electronic_address as stated
    value = line(value)
    if value and stated(value) is None:
        raise ValidationError(Message("Must be an email address or a Peppol participant id written "
                                      "scheme:id, such as 0088:4035811991021."))
    return value


def days(value: str) -> str:
    """Empty, or a whole number of days from 0 to ``payment_terms.MAX_DAYS``."""
    value = line(value)
    problem = payment_terms.days_problem(value)
    if problem is not None:
        raise ValidationError(problem)
    return str(int(value)) if value else value


def terms(value: str) -> str:
    """Payment terms: text with line breaks naming no placeholder but ``{days}`` and ``{due_date}``."""
    value = multiline(value)
    problem = payment_terms.terms_problem(value)
    if problem is not None:
        raise ValidationError(problem)
    return value


#: The formats of text that may hold line breaks (a form shows a text area).
MULTILINE = frozenset({"multiline", "terms"})

#: The formats a ``str`` setting may declare, and what each accepts (for the docs).
FORMATS: dict[str, tuple[Callable[[str], str], str]] = {
    "line": (line, "one line of text, no line breaks or control characters"),
    "multiline": (multiline, "text with line breaks, no other control characters"),
    "locale": (locale, "a locale Babel knows, such as `en_US` or `de_DE`"),
    "timezone": (timezone, "an IANA time zone name, such as `Europe/Berlin` or `UTC`"),
    "email": (optional_email, "empty or one email address"),
    "email_list": (email_list, "empty or email addresses separated by commas"),
    "number_prefix": (number_prefix, "empty or letters, digits and `. _ / -`, starting with "
                                     "a letter or digit"),
    "country_code": (country_code, "empty or an ISO 3166-1 alpha-2 country code such as `DE`"),
    "iban": (iban, "empty or an IBAN with valid check digits (stored without spaces)"),
    "bic": (bic, "empty or a BIC of 8 or 11 characters"),
    "vat_id": (vat_id, "empty or a VAT identification number with its country prefix, such as "
                       "`DE123456788`, with valid check digits"),
    "electronic_address": (electronic_address, "empty, an email address or a Peppol participant id written "
                                               "`scheme:id`, such as `0088:4035811991021`"),
    "days": (days, "empty or a whole number of days from 0 to 3650"),
    "terms": (terms, "text with line breaks that may name `{days}` and `{due_date}`, no other "
                     "placeholder or control character"),
    "day_offsets": (day_offsets, "whole numbers of days relative to the due date, separated "
                                 "by commas, such as `-3, 0, 7, 14` (empty: none)"),
}


def clean(format_name: str, value: str) -> str:
    """``value`` cleaned by the format ``format_name``; marshmallow's ``ValidationError`` if refused."""
    return FORMATS[format_name][0](value)
