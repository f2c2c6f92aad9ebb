"""The language of the output being made now, and translating into it."""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

from babel.lists import format_list
from babel.support import LazyProxy

from oro_invoices.i18n.catalogs import DEFAULT_LANGUAGE, language_of, translations

_language: contextvars.ContextVar[str] = contextvars.ContextVar("oro_invoices_language",
                                                                default=DEFAULT_LANGUAGE)
#: How the values of a message (amounts, dates, times) are written in the output being made now.
ValueFormat = Callable[[Any], str]
_value_format: contextvars.ContextVar[ValueFormat | None] = contextvars.ContextVar(
    "oro_invoices_value_format", default=None)


def current_language() -> str:
    """The language set by the innermost ``using`` (English outside any)."""
    return _language.get()


@contextlib.contextmanager
def using(locale: str | None, values: ValueFormat | None = None) -> Iterator[str]:
    """Translate into the language serving ``locale`` inside the block; yields that language.

    ``values`` writes the amounts, dates and times of messages (a page's or document's
    formatter, ``Formatter.value``); without one they are written as in English.
    """
    language = language_of(locale)
    token = _language.set(language)
    value_token = _value_format.set(values) if values is not None else None
    try:
        yield language
    finally:
        _language.reset(token)
        if value_token is not None:
            _value_format.reset(value_token)


def translate(language: str, message: str, **values: Any) -> str:
    """``message`` in ``language``, with ``%(name)s`` placeholders filled from ``values``.

    A ``Message`` (``oro_invoices.domain.messages``) is translated by its catalog id and filled
    with its own values, each written in the current formats (``using``); a value that is a
    ``Message`` ("Draft #7") is translated too.
    """
    language = language_of(language)
    msgid = getattr(message, "msgid", None)
    if msgid is not None:
        return _translate_message(language, message)
    text = translations(language).gettext(message)
    return text % translated_values(language, values) if values else text


def translated_values(language: str | Callable[[], str], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each ``Message`` among them translated into ``language`` (or the
    language ``language()`` gives, asked only when there is one)."""
    if not any(getattr(value, "msgid", None) is not None for value in values.values()):
        return values
    into = language if isinstance(language, str) else language()
    return {name: _translate_message(into, value) if getattr(value, "msgid", None) is not None
            else value for name, value in values.items()}


def _translate_message(language: str, message: Any) -> str:
    catalog = translations(language)
    count = message.number
    if message.plural is not None and count is not None:
        text = catalog.ngettext(message.msgid, message.plural, count)
    else:
        text = catalog.gettext(message.msgid)
    filled = {name: _written(language, value) for name, value in message.values.items()}
    if count is not None:
        filled["num"] = count
    return text % filled if filled else text


def _written(language: str, value: Any) -> Any:
    if getattr(value, "msgid", None) is not None:
        return _translate_message(language, value)
    if type(value) is tuple:  # a list: "a, b and c" in the language's own way
        return format_list([str(_written(language, item)) for item in value], style="standard",
                           locale=language) if value else ""
    if isinstance(value, str | int) or value is None:
        return value  # text as it is; integers for %(n)d
    format_value = _value_format.get()
    return format_value(value) if format_value is not None else str(value)


def written_list(items: Sequence[str], *, style: Literal["standard", "or"] = "standard") -> str:
    """``items`` as the current language writes a list ("a, b and c"; ``style="or"``: "a, b or c";
    in Japanese "a、b、c")."""
    return format_list(list(items), style=style, locale=current_language()) if items else ""


def gettext(message: str, **values: Any) -> str:
    """``message`` in the current language, with ``%(name)s`` placeholders filled from ``values``."""
    return translate(current_language(), message, **values)


#: The usual short name for ``gettext`` (what the extraction looks for).
_ = gettext


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for ``n`` in the current language; ``%(num)d`` is ``n``."""
    language = current_language()
    text = translations(language).ngettext(singular, plural, n)
    return text % {"num": n, **translated_values(language, values)}


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it (translated where it is shown)."""
    return message


def lazy_gettext(message: str, **values: Any) -> LazyProxy:
    """``message`` translated when it is shown (module-level labels), in the language then current."""
    return LazyProxy(gettext, message, enable_cache=False, **values)
