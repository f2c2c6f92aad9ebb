"""The language of the reference shop's own pages: the browser's (``Accept-Language``)."""
from __future__ import annotations

from typing import Any

import flask

from oro_invoices import i18n


def shop_language() -> str:
    """The language of the current request's pages; English outside a request."""
    if not flask.has_request_context():
        return i18n.DEFAULT_LANGUAGE
    return i18n.negotiate(flask.request.headers.get("Accept-Language"))


def install_shop_language(env: Any) -> None:
    """Give the shop's templates ``_``/``gettext``/``ngettext`` in the request's language."""
    i18n.install(env, language=shop_language)
    env.globals["page_language"] = shop_language


def _(message: str, **values: Any) -> str:
    """``message`` in the language of the shop's current page (flash messages)."""
    return i18n.translate(shop_language(), message, **values)
