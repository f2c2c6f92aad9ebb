"""The language of the reference shop's own pages: the browser's (``Accept-Language``)."""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

import flask

from oro_invoices import i18n
from oro_invoices.formatting import Formatter


def shop_language() -> str:
    """The language of the current request's pages; English outside a request."""
    if not flask.has_request_context():
        return i18n.DEFAULT_LANGUAGE
    # asked for every message of a page: the header straight from the WSGI environ
    return _negotiated(flask.request.environ.get("HTTP_ACCEPT_LANGUAGE"))


@functools.lru_cache(maxsize=256)
def _negotiated(accept_language: str | None) -> str:
    """``i18n.negotiate``, once per process for each header value (asked at every message)."""
    return i18n.negotiate(accept_language)


def install_shop_language(env: Any) -> None:
    """Give the shop's templates ``_``/``gettext``/``ngettext`` in the request's language, and
    the filters that write its values in that language's formats (``unit_price``, ``percent``,
    ``measure``, ``date``: an order's prices, tax rates, quantities with their units, and days)."""
    i18n.install(env, language=shop_language)
    env.globals["page_language"] = shop_language
    env.filters["unit_price"] = _unit_price
    env.filters["percent"] = _percent
    env.filters["measure"] = _measure
    env.filters["date"] = _date


@functools.cache
def _formatter(language: str) -> Formatter:
    return Formatter(language)


def _unit_price(amount: Any, currency: str) -> str:
    return _formatter(shop_language()).unit_price(Decimal(amount), currency)


def _percent(rate: Any) -> str:
    return _formatter(shop_language()).percent(Decimal(rate))


def _measure(quantity: Any, unit: str | None) -> str:
    return _formatter(shop_language()).measure(Decimal(quantity), unit)


def _date(value: dt.date | None) -> str:
    return _formatter(shop_language()).date(value)


def _(message: str, **values: Any) -> str:
    """``message`` in the language of the shop's current page (flash messages)."""
    return i18n.translate(shop_language(), message, **values)
