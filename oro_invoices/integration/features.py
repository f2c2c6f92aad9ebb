"""The feature toggles: invoices, storefront, payments, PDF download.

Three layers, each behind a toggle. Switching invoices off switches every
other layer off too. Hosts show a contributed menu entry or tab only while
its ``feature`` is enabled (``entry_visible``); pages and the API call
``require`` first.
"""
from __future__ import annotations

from collections.abc import Callable

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import FeatureDisabled
from oro_invoices.integration.config import Settings

INVOICES = "invoices"
STOREFRONT = "storefront"
PAYMENTS = "payments"
PDF_DOWNLOAD = "pdf_download"


def _invoices(s: Settings, ctx: ScopeContext) -> bool:
    return bool(s.value("oro_invoices.enabled", ctx))


def _storefront(s: Settings, ctx: ScopeContext) -> bool:
    return _invoices(s, ctx) and bool(s.value("oro_invoices.storefront_enabled", ctx))


def _payments(s: Settings, ctx: ScopeContext) -> bool:
    return (_invoices(s, ctx) and bool(s.value("oro_invoices.payments_enabled", ctx))
            and bool(s.value("oro_invoices.payment_method", ctx)))


def _pdf_download(s: Settings, ctx: ScopeContext) -> bool:
    return _storefront(s, ctx) and bool(s.value("oro_invoices.storefront_pdf_download", ctx))


_CHECKS: dict[str, Callable[[Settings, ScopeContext], bool]] = {
    INVOICES: _invoices,
    STOREFRONT: _storefront,
    PAYMENTS: _payments,
    PDF_DOWNLOAD: _pdf_download,
}

FEATURES = tuple(_CHECKS)

_MESSAGES = {
    INVOICES: "Invoices are switched off. An administrator can enable them under "
              "System > Configuration > Commerce > Sales > Invoices.",
    STOREFRONT: "Invoices are not available in the storefront.",
    PAYMENTS: "Invoice payments are switched off or no payment method is configured.",
    PDF_DOWNLOAD: "Downloading invoice PDFs is not available in the storefront.",
}


def is_enabled(settings: Settings, feature: str, ctx: ScopeContext = ScopeContext()) -> bool:
    """True when ``feature`` (invoices, storefront, payments, pdf_download) is on for ``ctx``."""
    try:
        check = _CHECKS[feature]
    except KeyError:
        raise ValueError(f"Unknown feature {feature!r}; known: {', '.join(FEATURES)}") from None
    return check(settings, ctx)


#: The settings a feature needs on (besides ``oro_invoices.enabled``).
_SWITCHES = {INVOICES: (), STOREFRONT: ("oro_invoices.storefront_enabled",),
             PAYMENTS: ("oro_invoices.payments_enabled",),
             PDF_DOWNLOAD: ("oro_invoices.storefront_enabled", "oro_invoices.storefront_pdf_download")}


def on_somewhere(settings: Settings, feature: str) -> bool:
    """Whether ``feature`` may be on in some scope: each setting it needs is on in some scope
    (not necessarily the same one). For visitors who belong to no scope yet (not logged in)."""
    return all(any(bool(value) for value in settings.values_anywhere(key))
               for key in ("oro_invoices.enabled", *_SWITCHES[feature]))


def require(settings: Settings, feature: str, ctx: ScopeContext = ScopeContext()) -> None:
    """Raise ``FeatureDisabled`` unless ``feature`` is on for ``ctx``."""
    if not is_enabled(settings, feature, ctx):
        raise FeatureDisabled(_MESSAGES[feature])


def entry_visible(settings: Settings, feature: str | None,
                  ctx: ScopeContext = ScopeContext()) -> bool:
    """Whether a host should show a contribution gated by ``feature`` (None: always)."""
    return feature is None or is_enabled(settings, feature, ctx)
