"""Time zones: checking a configured name and naming a moment's zone the locale's way."""
from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from babel import Locale
from babel.dates import format_datetime, get_timezone_gmt

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import Message

_OFFSET_ONLY = re.compile(r"[+-]\d{4}")


def check_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The zone of an IANA name ("Europe/Berlin", "UTC"), else ConfigurationError."""
    text = str(name).strip()
    try:
        if not text or text.startswith(("/", ".")) or ".." in text:
            raise ValueError(text)
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigurationError(Message(
            "Unknown time zone %(name)s; use an IANA name such as 'Europe/Berlin' or 'UTC'.",
            name=quoted(name))) from None


def zone_label(moment: dt.datetime, locale: Locale) -> str:
    """The zone of an aware ``moment`` as a reader of ``locale`` knows it: its short name where
    the locale has one ("MEZ", "EST", "JST"), else its offset from GMT ("GMT+01:00")."""
    name: str = format_datetime(moment, "z", tzinfo=moment.tzinfo, locale=locale)
    if _OFFSET_ONLY.fullmatch(name):
        gmt: str = get_timezone_gmt(moment, width="long", locale=locale)
        return gmt
    return name
