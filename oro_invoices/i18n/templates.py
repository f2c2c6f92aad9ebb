"""Giving a Jinja environment ``_``, ``gettext`` and ``ngettext``."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from oro_invoices.i18n.catalogs import language_of, translations
from oro_invoices.i18n.current import current_language, translate, translated_values

#: The Jinja extension providing ``{% trans %}`` and the gettext globals.
EXTENSION = "jinja2.ext.i18n"


class _GettextEnvironment(Protocol):
    def add_extension(self, extension: str) -> None: ...
    def install_gettext_callables(self, gettext: Any, ngettext: Any, newstyle: bool | None = None,
                                  **kwargs: Any) -> None: ...


def install(env: Any, locale: str | None = None, *, language: Callable[[], str] | None = None) -> None:
    """Let ``env``'s templates translate: into ``locale``'s language when given (a document),
    else into ``language()`` when given (a host's pages: asked at each message), else into
    the current language of each render (the add-on's pages; see ``using``).

    New-style gettext: ``{{ _("Due %(date)s", date=d) }}`` fills placeholders after
    translating, and autoescaping still escapes the values (a literal ``%`` is written ``%%``).
    A message made elsewhere (an error, an activity entry: a ``Message`` or plain text) is
    shown with the ``message`` filter, ``{{ error | message }}``: translated, and escaped
    like any value (``_`` marks its result safe, so it is only for the template's own words).
    """
    target: _GettextEnvironment = env
    target.add_extension(EXTENSION)
    if locale is not None:
        fixed = translations(language_of(locale))
        target.install_gettext_callables(fixed.gettext, fixed.ngettext, newstyle=True)
        fixed_language = language_of(locale)
        document_gettext = _newstyle(fixed.gettext, lambda: fixed_language)
        env.globals.update(gettext=document_gettext, _=document_gettext)
        env.filters["message"] = lambda message: translate(locale, message) if message else ""
        return

    chosen = language or current_language
    env.filters["message"] = lambda message: translate(chosen(), message) if message else ""

    def gettext(message: str) -> str:
        return translations(language_of(chosen())).gettext(message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return translations(language_of(chosen())).ngettext(singular, plural, n)

    target.install_gettext_callables(gettext, ngettext, newstyle=True)
    page_gettext = _newstyle(gettext, lambda: language_of(chosen()))
    env.globals.update(gettext=page_gettext, _=page_gettext)


def _newstyle(translated: Callable[[str], str], language: Callable[[], str]) -> Callable[..., str]:
    """What Jinja's new-style ``gettext`` (and its ``_`` alias) does — translate, mark the text
    safe where the template autoescapes, fill ``%(name)s`` with the escaped values, write
    ``%%`` as ``%`` — in one call instead of its four: a page translates some hundred words.
    A value that is a ``Message`` ("Draft #7") is written in ``language()`` too."""
    @pass_context
    def gettext(context: Context, message: str, /, **variables: Any) -> str:
        text = translated(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        if variables:
            return text % translated_values(language, variables)
        return text % variables if "%" in text else text
    return gettext
