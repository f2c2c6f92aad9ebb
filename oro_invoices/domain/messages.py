"""Messages for people, marked for the translation catalogs and kept translatable.

The domain stays free of the rest of the add-on: its labels (payment statuses, document types,
payment methods) are marked with ``N_`` so ``pybabel extract`` finds them, and whatever shows
a label translates it (``oro_invoices.i18n``; docs/i18n.md).

A message with values ("Line 3: the quantity must be positive", "Only 40.00 EUR can still be
refunded") is a ``Message``: a ``str`` in English, as logs, the command line and the JSON API
show it, that also keeps its catalog id and its values, so a page shows it in its reader's
language with the values in the reader's formats (``oro_invoices.i18n.gettext`` accepts one).
Values are text, numbers, dates, times, ``Amount``, ``Number``, ``NumberHint`` or other messages.
A message can be stored (``to_json``/``from_json``; activity entries keep theirs) and shown later
in any language.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple, Self


def N_(message: str) -> str:  # the conventional name the catalog extraction looks for
    """``message`` unchanged, marked for the catalogs."""
    return message


class Amount(NamedTuple):
    """A money value in a message, shown with the reader's currency format."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Number(NamedTuple):
    """A number in a message as English wrote it (``written``: "1,000,000,000,000"), shown in the
    reader's number format."""

    value: Decimal
    written: str

    def __str__(self) -> str:
        return self.written


class NumberHint(NamedTuple):
    """How to write a number, in a message saying one was not ("…is not a decimal number: %(hint)s").

    English (the JSON API, the command line, logs) gives ``english``, the strict syntax a JSON
    string takes; a page says instead how its forms read a number typed into them, in the page's
    own number format ("write it like 1.234,50": ``web.page_formatting``).
    """

    english: str
    #: The currency of the amount to write ("": none): the page's example has its decimals
    #: ("1,234" in JPY, "1,234.500" in BHD).
    currency: str = ""

    def __str__(self) -> str:
        return self.english


class Percent(NamedTuple):
    """A rate given as a fraction (``0.19``) in a message, shown as a percentage in the reader's
    style ("19%", "19 %"); English writes it "19%"."""

    rate: Decimal

    def __str__(self) -> str:
        return f"{(self.rate * 100).normalize():f}%"


#: What a message's values may be (a tuple: a list of them, "a, b and c" in the reader's language).
Value = str | int | Decimal | dt.date | dt.datetime | Amount | Number | NumberHint | Percent | tuple[Any, ...]


class Message(str):
    """An English message (``str``) that remembers its catalog id and values (see the module).

    ``Message("Line %(line)s: the quantity must be positive.", line=3)``; ``PluralMessage`` for
    one whose words depend on a number.
    """

    msgid: str
    plural: str | None
    number: int | None
    values: dict[str, Any]

    def __new__(cls, msgid: str, /, **values: Any) -> Self:
        return cls._make(msgid, None, None, values)

    @classmethod
    def _make(cls, msgid: str, plural: str | None, count: int | None,
              values: Mapping[str, Any]) -> Self:
        english = plural if plural is not None and count != 1 else msgid
        filled = {**values, "num": count} if count is not None else dict(values)
        self = super().__new__(cls, english % {k: _english(v) for k, v in filled.items()}
                               if filled else english)
        self.msgid, self.plural, self.number, self.values = msgid, plural, count, dict(values)
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # errors cross process boundaries (workers)
        return (_from_parts, (type(self), self.msgid, self.plural, self.number, self.values))

    def to_json(self) -> dict[str, Any]:
        """The message as plain JSON data, for storing it (``from_json`` reads it back)."""
        data: dict[str, Any] = {"id": self.msgid, "values": {k: _value_json(v) for k, v in self.values.items()}}
        if self.plural is not None:
            data["plural"], data["count"] = self.plural, self.number
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        """A message stored with ``to_json``."""
        values = {k: _value_from_json(v) for k, v in (data.get("values") or {}).items()}
        return _from_parts(Message, str(data["id"]), data.get("plural"), data.get("count"), values)


def PluralMessage(singular: str, plural: str, count: int, /, **values: Any) -> Message:
    """A message whose words depend on ``count`` (``%(num)d`` in the text), as ``ngettext``."""
    return Message._make(singular, plural, count, values)


def _from_parts(cls: type[Message], msgid: str, plural: str | None, count: int | None,
                values: Mapping[str, Any]) -> Message:
    return cls._make(msgid, plural, count, values)


def _english(value: Any) -> Any:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value  # keeps %(num)d and %(x).2f working
    if isinstance(value, dt.datetime):  # a moment in UTC to the minute (naive ones are UTC)
        utc = value.astimezone(dt.UTC) if value.tzinfo is not None else value
        return f"{utc:%Y-%m-%d %H:%M} UTC"
    if type(value) is tuple:  # a list (an Amount is a tuple too, but not a list)
        return ", ".join(str(item) for item in value)
    return str(value)


def _value_json(value: Any) -> Any:
    if type(value) is tuple:
        return {"list": [_value_json(item) for item in value]}
    if isinstance(value, Message):
        return {"message": value.to_json()}
    if isinstance(value, Amount):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Number):
        return {"number": str(value.value), "written": value.written}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return value
    return str(value)


def _value_from_json(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    if "list" in data:
        return tuple(_value_from_json(item) for item in data["list"])
    if "message" in data:
        return Message.from_json(data["message"])
    if "amount" in data:
        return Amount(Decimal(data["amount"]), str(data["currency"]))
    if "number" in data:
        return Number(Decimal(data["number"]), str(data["written"]))
    if "datetime" in data:
        return dt.datetime.fromisoformat(data["datetime"])
    if "date" in data:
        return dt.date.fromisoformat(data["date"])
    if "decimal" in data:
        return Decimal(data["decimal"])
    return data
