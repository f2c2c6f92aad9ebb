"""The compiled catalogs and which of them serves a given locale."""
from __future__ import annotations

import functools
import gettext as _gettext
import os

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations

#: The gettext domain of every catalog (``<language>/LC_MESSAGES/oro_invoices.mo``).
DOMAIN = "oro_invoices"
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
#: The languages with a complete catalog; English is the source language.
SUPPORTED_LANGUAGES = ("en", "de", "fr", "ja")
DEFAULT_LANGUAGE = "en"


def language_of(locale: str | None) -> str:
    """The supported language serving ``locale`` ("de_AT", "fr-CA", "ja"); English for any other."""
    return _language_of(locale) if isinstance(locale, str) else _language_of(str(locale or ""))


@functools.lru_cache(maxsize=512)
def _language_of(locale: str) -> str:
    if not locale:
        return DEFAULT_LANGUAGE
    try:
        language = Locale.parse(str(locale).strip().replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):
        return DEFAULT_LANGUAGE
    return language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """The supported language an ``Accept-Language`` header prefers most; English when none."""
    preferred: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            preferred.append((-quality, position, tag.strip().replace("-", "_")))
    tags = [tag for _q, _p, tag in sorted(preferred)]
    # the first supported one; "de_CH" is served by "de"
    found = negotiate_locale(tags, list(SUPPORTED_LANGUAGES), sep="_") if tags else None
    return language_of(found)


@functools.cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalog of ``language`` (a supported language code); English needs none."""
    if language == DEFAULT_LANGUAGE or language not in SUPPORTED_LANGUAGES:
        return NullTranslations()
    loaded = Translations.load(LOCALE_DIR, [language], DOMAIN)
    if not isinstance(loaded, Translations):  # the catalog is missing: the package is broken
        raise FileNotFoundError(
            f"The compiled {language!r} catalog is missing from {LOCALE_DIR}; "
            f"run `pybabel compile -d {LOCALE_DIR} -D {DOMAIN}` (docs/i18n.md).")
    return loaded
