"""The locale and time zone a page formats its values with.

The settings come from the page's scope: the page of one invoice uses that invoice's
``oro_invoices.locale`` and ``oro_invoices.timezone`` (its organization and website), as its
PDF does; any other page those of the user's organization and the request's website. Its times
are always in the configured zone, so a page and the emails write one moment alike. The
formats follow the page's language (its user's, ``web.language``): the configured locale when
it is in that language (so a Japanese reader of a ``ja_JP`` invoice sees the PDF's formats),
else the user's own locale in that language, else the language's. A locale given to the
framework adapter (``ORO_INVOICES_LOCALE``) is used for every page instead.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from babel import Locale, UnknownLocaleError

from oro_invoices import i18n
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.messages import NumberHint
from oro_invoices.domain.money import minor_units
from oro_invoices.formatting import Formatter
from oro_invoices.integration.config import Settings

_current: contextvars.ContextVar[Formatter | None] = contextvars.ContextVar(
    "oro_invoices_page_formatter", default=None)


#: The number a page's hint on typing numbers shows, in the page's format ("1.234,50" in German).
TYPED_EXAMPLE = Decimal("1234.50")


def typing_hint(formatter: Formatter, currency: str = "") -> str:
    """How the forms of a page formatted by ``formatter`` read a typed number
    (``Formatter.typed_number``), in its words and number format: what a page says for a
    message's ``NumberHint`` (the JSON API's strict syntax does not apply to a form). An amount
    in ``currency`` is shown with that currency's decimals ("1,234" in JPY, "1,234.500" in BHD)."""
    places = minor_units(currency) if currency else 2
    pattern = "#,##0" + ("." + "0" * places if places else "")
    example = TYPED_EXAMPLE if places else TYPED_EXAMPLE.to_integral_value(ROUND_DOWN)
    return i18n.gettext("write it like %(example)s.", example=formatter.decimal(example, pattern))


def page_scope(user: Any, website_id: int | None, values: Mapping[str, Any]) -> ScopeContext:
    """Where a page's formatting settings are looked up: its invoice's organization and website
    when it shows one, else the user's organization and the request's website."""
    invoice = values.get("invoice")
    organization_id = getattr(invoice, "organization_id", None)
    if organization_id is not None:
        return ScopeContext(organization_id=organization_id,
                            website_id=getattr(invoice, "website_id", None))
    return ScopeContext(organization_id=getattr(user, "organization_id", None), website_id=website_id)


def page_locale(configured: str, language: str | None, user_locale: str = "") -> str:
    """The locale a page in ``language`` formats with (see the module)."""
    if not language or _language_of(configured) == language:
        return configured
    if user_locale and _language_of(user_locale) == language:
        return user_locale
    return language


def _language_of(locale: str) -> str | None:
    try:
        return Locale.parse(str(locale).replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):  # a host's odd user locale
        return None


class PageFormatters:
    """The formatter of each page: by scope (see the module), one per locale and zone."""

    def __init__(self, settings: Settings, locale: str | None = None):
        self.settings = settings
        self.locale = locale
        self.default = self.get(locale or settings.value("oro_invoices.locale"),
                                settings.value("oro_invoices.timezone"))

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def get(locale: str, timezone: str) -> Formatter:
        """The formatter of ``locale`` in ``timezone``, built once."""
        return Formatter(locale, timezone)

    def for_page(self, scope: ScopeContext, language: str | None = None, user_locale: str = "") -> Formatter:
        """The formatter of a page in ``scope`` shown in ``language`` (None: the configured
        locale's) to a user whose own locale is ``user_locale`` ("" when unknown)."""
        # always the configured zone, the one the invoice's PDF and emails write its times in
        zone = self.settings.value("oro_invoices.timezone", scope)
        if self.locale:
            return self.get(self.locale, zone)
        return self.get(page_locale(self.settings.value("oro_invoices.locale", scope), language,
                                    user_locale), zone)

    def value_writer(self, scope: Callable[[], ScopeContext], language: str | None = None,
                     user_locale: str = "") -> Callable[[Any], str]:
        """How a page's messages write their amounts, dates and times (``i18n.using(values=)``):
        with the formatter of the page being rendered, else with the one of the page's
        ``scope()`` in ``language``, found when first needed."""
        found: list[Formatter] = []

        def write(value: Any) -> str:
            formatter = _current.get()
            if formatter is None:
                if not found:
                    found.append(self.for_page(scope(), language, user_locale))
                formatter = found[0]
            if isinstance(value, NumberHint):
                return typing_hint(formatter, value.currency)
            return formatter.value(value)
        return write

    def current(self) -> Formatter:
        """The formatter of the page being rendered (the global one outside ``using``)."""
        return _current.get() or self.default

    @contextlib.contextmanager
    def using(self, formatter: Formatter) -> Iterator[Formatter]:
        """Format with ``formatter`` inside the block (macros imported without context too)."""
        token = _current.set(formatter)
        try:
            yield formatter
        finally:
            _current.reset(token)

    def filters(self) -> dict[str, Callable[..., Any]]:
        """The templates' formatting filters, each formatting with the current page's formatter."""
        def delegate(name: str) -> Callable[..., Any]:
            def apply(*args: Any, **kwargs: Any) -> Any:
                return getattr(self.current(), name)(*args, **kwargs)
            apply.__name__ = name
            return apply
        return {name: delegate(name) for name in self.default.filters()}
