"""Translations of the add-on's words: gettext catalogs compiled by Babel.

The catalogs live in ``oro_invoices/i18n/locale/<language>/LC_MESSAGES/oro_invoices.po``
with their compiled ``.mo`` beside them (docs/i18n.md: how to extract, update and compile).

A language is chosen per piece of output: a page follows its user (``language_of_request``
in the web layer), a document its invoice (``document_language``). Python code marks a
message with ``_`` (translated now, in the current language set by ``using``) or
``lazy_gettext`` (translated when shown); Jinja templates get ``_``, ``gettext`` and
``ngettext`` through ``install``. Anything in a language without a catalog is English.
"""
from __future__ import annotations

from oro_invoices.i18n.catalogs import (
    DEFAULT_LANGUAGE,
    DOMAIN,
    LOCALE_DIR,
    SUPPORTED_LANGUAGES,
    language_of,
    negotiate,
    translations,
)
from oro_invoices.i18n.current import (
    N_,
    _,
    current_language,
    gettext,
    lazy_gettext,
    ngettext,
    translate,
    using,
    written_list,
)
from oro_invoices.i18n.templates import install

__all__ = [
    "DEFAULT_LANGUAGE", "DOMAIN", "LOCALE_DIR", "SUPPORTED_LANGUAGES", "N_", "_", "current_language",
    "gettext", "install", "language_of", "lazy_gettext", "negotiate", "ngettext", "translate",
    "translations", "using", "written_list",
]
