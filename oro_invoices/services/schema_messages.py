"""What the input schemas say about bad input, in the catalogs and translatable.

marshmallow writes its messages in English and fills their numbers in before the add-on sees
them ("Longer than maximum length 255."). Each message the schemas (``services.schemas``) can
give is listed here, marked for the catalogs; ``translatable`` turns a text marshmallow wrote
back into a ``Message`` with its values, so a page shows it in its reader's language while the
JSON API and logs keep the English text.
"""
from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import validate

from oro_invoices.domain.messages import N_, Message, Number
from oro_invoices.domain.money import DECIMAL_SYNTAX_HINT

#: marshmallow's own messages without values, and the schemas' own.
FIXED = frozenset((
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid value."),
    N_("Not a valid string."), N_("Not a valid utf-8 string."), N_("Not a valid integer."),
    N_("Not a valid boolean."), N_("Not a valid date."), N_("Not a valid datetime."),
    N_("Not a valid aware datetime."), N_("Not a valid mapping type."), N_("Not a valid email address."),
    N_("Not a valid URL."), N_("Invalid type."), N_("Not a valid list."), N_("Not a valid number."),
    N_("Number too large."), N_("Invalid input type."), N_("Unknown field."),
    N_("An address object with fields such as name, street, city, postal_code and country."),
    N_("An object with vat_id, country_code and/or reference."),
    N_("A line object with description, quantity, unit_price and tax_rate."),
    N_("An object with line (the line's position) and quantity."),
    N_("An object with tax_rate and amount."), N_("A list of line objects."),
))

#: Messages with values, as marshmallow's validators and the schemas' fields fill them in.
WITH_VALUES = (
    N_("Must be one of: %(choices)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be less than %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than %(max)s."),
    N_("Must be greater than %(min)s and less than %(max)s."),
    N_("Give between %(min)s and %(max)s lines."),
    N_("At most %(places)s decimal places are allowed."),
    N_("Must be between -%(limit)s and %(limit)s."),
    N_("At most %(limit)s characters."),
    N_("Between %(min)s and %(max)s characters."),
    N_("At most %(limit)s entries."),
)


def text_length(max: int, *, min: int | None = None) -> validate.Length:
    """``validate.Length`` for a text field, saying its limit in the add-on's words ("At most 255
    characters.", as the services say it) instead of marshmallow's ("Longer than maximum length 255.")."""
    error = "At most {max} characters." if min is None else "Between {min} and {max} characters."
    return validate.Length(min=min, max=max, error=error)


def list_length(max: int) -> validate.Length:
    """``validate.Length`` for a list of at most ``max`` entries, in the add-on's words."""
    return validate.Length(max=max, error="At most {max} entries.")


def _pattern(msgid: str) -> re.Pattern[str]:
    seen: set[str] = set()

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            return f"(?P={name})"
        seen.add(name)
        return f"(?P<{name}>.+)" if name == "choices" else f"(?P<{name}>[-+0-9.,E]+)"
    return re.compile(re.sub(r"%\\\(([a-z_]+)\\\)s", value, re.escape(msgid)) + r"\Z", re.DOTALL)


_PATTERNS = tuple((msgid, _pattern(msgid)) for msgid in WITH_VALUES)
#: A number English wrote with digit grouping ("1,000,000,000,000"): a page writes it its own way.
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
#: The decimal fields' syntax message, with the hint it ends in (``money.DECIMAL_SYNTAX_HINT``).
_NOT_A_DECIMAL = "Not a valid decimal number: " + DECIMAL_SYNTAX_HINT


def _value(text: str) -> str | Number:
    return Number(Decimal(text.replace(",", "")), text) if _GROUPED.fullmatch(text) else text


def translatable(text: str) -> str:
    """``text`` as a ``Message`` when it is one of the schemas' messages; else unchanged."""
    if isinstance(text, Message):
        return text
    if text in FIXED:
        return Message(text)
    if text == _NOT_A_DECIMAL:
        return Message("Not a valid decimal number: %(hint)s", hint=Message(DECIMAL_SYNTAX_HINT))
    for msgid, pattern in _PATTERNS:
        found = pattern.match(text)
        if found is not None:
            return Message(msgid, **{name: _value(value) for name, value in found.groupdict().items()})
    return text
