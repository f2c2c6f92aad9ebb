"""The language of the output being made now, and translating into it."""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from babel.support import LazyProxy

from oro_invoices.i18n.catalogs import DEFAULT_LANGUAGE, language_of, translations

_language: contextvars.ContextVar[str] = contextvars.ContextVar("oro_invoices_language",
                                                                default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language set by the innermost ``using`` (English outside any)."""
    return _language.get()


@contextlib.contextmanager
def using(locale: str | None) -> Iterator[str]:
    """Translate into the language serving ``locale`` inside the block; yields that language."""
    language = language_of(locale)
    token = _language.set(language)
    try:
        yield language
    finally:
        _language.reset(token)


def translate(language: str, message: str, **values: Any) -> str:
    """``message`` in ``language``, with ``%(name)s`` placeholders filled from ``values``."""
    text = translations(language_of(language)).gettext(message)
    return text % values if values else text


def gettext(message: str, **values: Any) -> str:
    """``message`` in the current language, with ``%(name)s`` placeholders filled from ``values``."""
    return translate(current_language(), message, **values)


#: The usual short name for ``gettext`` (what the extraction looks for).
_ = gettext


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for ``n`` in the current language; ``%(num)d`` is ``n``."""
    text = translations(current_language()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it (translated where it is shown)."""
    return message


def lazy_gettext(message: str, **values: Any) -> LazyProxy:
    """``message`` translated when it is shown (module-level labels), in the language then current."""
    return LazyProxy(gettext, message, enable_cache=False, **values)
