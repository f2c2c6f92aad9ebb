"""What a stored value may be: 64-bit integers and text without NUL or lone surrogates.

Every id in a route, a filter, a cursor or a payload is checked against these limits, so that
nothing a user or a client sends can reach the database as a value it cannot hold.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

#: The largest value of a 64-bit signed column (every id and every amount in minor units).
MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)

#: The largest PDF an external system may supply (an upload through the API, a file of an import).
MAX_PDF_BYTES = 64 * 1024 * 1024

#: The most characters of a reason a person gives: why a credit note, a void or a re-issue is made
#: (kept on the credit note and printed on it) and why a payment is reversed. One limit for all.
REASON_MAX = 1000

#: The most characters of the buyer's purchase order number (BT-13) an invoice keeps, as many as
#: of the buyer reference (BT-10).
PURCHASE_ORDER_MAX = 255

#: How deeply a JSON document may nest objects and arrays: the API answers 400 beyond it, and
#: an import refuses the record (deeper ones cannot be read without deep recursion).
JSON_MAX_DEPTH = 16

#: Characters no database text column can hold: NUL and unpaired UTF-16 surrogates.
UNSTORABLE_CHARS = re.compile("[\x00\ud800-\udfff]")

_ID_SYNTAX = re.compile(r"[0-9]{1,19}", re.ASCII)

#: A day as every page, query, file and command of the add-on writes it: ``YYYY-MM-DD``, not
#: ISO 8601's other forms (``20261203``, ``2026-W49-1``, ``2026-337``) that ``date.fromisoformat``
#: also reads.
DAY_SYNTAX = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)

#: Unicode categories no number or external id may contain: controls, formatting, line breaks.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})

#: How many characters of what a user typed an error message quotes (``quoted``).
QUOTED_CHARS = 40


def is_int64(value: object) -> bool:
    """Whether ``value`` is an ``int`` (not a bool) that fits a 64-bit signed column."""
    return isinstance(value, int) and not isinstance(value, bool) and MIN_INT64 <= value <= MAX_INT64


class OverlongInteger(int):
    """Stands for a JSON integer of more digits than Python converts (``sys.get_int_max_str_digits``):
    an integer beyond 64 bits, so that the checks of what no column holds name it on its path
    beside the body's other problems."""

    def __new__(cls) -> OverlongInteger:
        return super().__new__(cls, MAX_INT64 + 1)


def is_storable_text(value: str) -> bool:
    """Whether ``value`` has no character a database text column refuses."""
    return UNSTORABLE_CHARS.search(value) is None


def parse_id(raw: object) -> int | None:
    """The positive 64-bit id written in ``raw`` (ASCII digits only), or None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw <= MAX_INT64 else None
    if not isinstance(raw, str) or not _ID_SYNTAX.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_INT64 else None


def given_id(raw: object) -> int | None:
    """``raw`` when it is a JSON integer that can be an id (positive, 64 bits), else None."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw <= MAX_INT64 else None


def parse_day(raw: object) -> dt.date | None:
    """The day ``raw`` writes as ``YYYY-MM-DD`` (a real calendar day), or None when it is not one."""
    if not isinstance(raw, str) or not DAY_SYNTAX.fullmatch(raw):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


#: A time with its offset, as ``parse_moment`` takes it.
_TIME_SYNTAX = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})", re.ASCII)


def parse_moment(raw: object, *, end_of_day: bool = False) -> dt.datetime | None:
    """The moment (UTC) ``raw`` writes as a day ``YYYY-MM-DD`` (UTC: its start, or its last
    microsecond when ``end_of_day``) or a time with its offset (``2026-12-01T09:30:00Z``,
    ``…+01:00``), or None when it is neither: a time without an offset says no moment, and one
    whose offset takes it out of the years 1 to 9999 (``9999-12-31T23:00:00-02:00``) is none."""
    day = parse_day(raw)
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        return start + dt.timedelta(days=1, microseconds=-1) if end_of_day else start
    if not isinstance(raw, str) or not _TIME_SYNTAX.fullmatch(raw):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
        # a time of year 1 or 9999 whose offset moves it out of the years a datetime holds
        return moment.astimezone(dt.UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


#: The years a moment may fall in, in UTC (those a datetime holds), as messages name them.
MOMENT_YEARS = f"{dt.MINYEAR:04d} to {dt.MAXYEAR}"


def moment_outside_years(raw: object) -> str | None:
    """``"before"`` or ``"after"`` when ``raw`` is written as ``parse_moment`` takes it, a real
    day and time, but falls outside the years 0001 to 9999 in UTC (``0000-12-31``,
    ``9999-12-31T23:00:00-02:00``), so that ``parse_moment`` gives None; otherwise None."""
    if not isinstance(raw, str) or not (DAY_SYNTAX.fullmatch(raw) or _TIME_SYNTAX.fullmatch(raw)):
        return None
    year = int(raw[:4])
    try:       # year 0 is no year of a datetime: read it as a leap year, to check the rest
        moment = dt.datetime.fromisoformat(raw if year else "2000" + raw[4:])
    except ValueError:
        return None
    if year == 0:
        return "before"
    if moment.tzinfo is None or DAY_SYNTAX.fullmatch(raw):
        return None
    try:
        moment.astimezone(dt.UTC)
    except OverflowError:
        return "before" if year == dt.MINYEAR else "after"
    return None


def shows_nothing(text: str) -> bool:
    """Whether ``text`` has nothing to read: only spaces, line breaks, control characters and
    invisible formatting characters (zero-width spaces and joiners, bidirectional marks)."""
    return all(ch.isspace() or unicodedata.category(ch) in _INVISIBLE for ch in text)


#: Characters no name or text shown to people may contain: C0 and C1 controls (but the tab, the
#: line feed and the carriage return of multi-line text) and the bidirectional embeddings,
#: overrides and isolates that show text in another order than it is stored ("Trojan source").
_HIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shows_as_stored(value: str) -> bool:
    """Whether ``value`` has no character that hides or reorders text (``hidden_character``)."""
    return _HIDDEN_CHARS.search(value) is None


def hidden_character(value: str) -> str | None:
    """The first character of ``value`` that hides or reorders text (see ``_HIDDEN_CHARS``),
    named by its code point and Unicode name (``U+202E RIGHT-TO-LEFT OVERRIDE``), or None."""
    found = _HIDDEN_CHARS.search(value)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "")               # the controls have no name of their own
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X} (a control character)"


def without_hidden(value: str) -> str:
    """``value`` without the characters that hide or reorder text (``hidden_character``): what a
    provider reports is kept, but never as text that shows otherwise than it is stored."""
    return _HIDDEN_CHARS.sub("", value)


def identifier_problem(value: str) -> str | None:
    """Why ``value`` cannot be a number or an external id, or None when it can.

    Such values are compared exactly, so ``"INV-1\\n"`` or ``" INV-1"`` would be another
    number that looks the same: no leading or trailing whitespace, and no control or
    invisible formatting characters (line breaks, tabs, zero-width or bidirectional marks).
    """
    if value != value.strip():
        return "Must not start or end with spaces or line breaks."
    if any(unicodedata.category(ch) in _INVISIBLE for ch in value):
        return "Must not contain control characters, line breaks or invisible formatting characters."
    return None


def quoted(value: object, limit: int = QUOTED_CHARS) -> str:
    """``value`` as an error message quotes what was typed: ``repr`` of at most its first ``limit``
    characters, with an ellipsis inside the quotes when there was more (``'aaaa…'``), so a
    10,000-character value is not echoed back in full."""
    text = value if isinstance(value, str) else str(value)
    return repr(text[:limit] + "…") if len(text) > limit else repr(text)
