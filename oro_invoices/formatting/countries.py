"""ISO 3166-1 alpha-2 country codes, as e-invoices and tax rules know them."""
from __future__ import annotations

from functools import cache

from babel import Locale

#: Two-letter territory codes CLDR knows that are not countries of ISO 3166-1: reserved for
#: other uses (Ascension Island, Canary Islands, the EU …) or user-assigned (Kosovo's XK, ZZ).
NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK",
                           "ZZ"})


@cache
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes (``DE``, ``FR`` …)."""
    return frozenset(code for code in Locale("en").territories
                     if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


def looks_like_code(value: str) -> bool:
    """Two ASCII letters: what an address's country field means as a code rather than a name."""
    value = value.strip()
    return len(value) == 2 and value.isalpha() and value.isascii()
