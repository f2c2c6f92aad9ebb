"""The add-on's words in Django's active language, for what Django shows (admin labels, menus).

Django's own ``gettext_lazy`` reads the ``django`` domain's catalogs, which hold none of the
add-on's words. ``gettext_lazy`` here makes the same kind of lazy string (Django's ``lazy``: the
admin shows it, a migration compares it, as its own) but reads the add-on's catalogs
(``oro_invoices.i18n``) in the language Django has activated for the request when it is shown.
Mark the message with ``i18n.N_`` so that the catalogs' extraction finds it.
"""
from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import get_language

from oro_invoices import i18n


def in_active_language(message: str) -> str:
    """``message`` from the add-on's catalogs in Django's active language (English without one)."""
    return i18n.translate(get_language() or i18n.DEFAULT_LANGUAGE, message)


#: ``message`` translated by ``in_active_language`` each time it is shown.
gettext_lazy = lazy(in_active_language, str)
