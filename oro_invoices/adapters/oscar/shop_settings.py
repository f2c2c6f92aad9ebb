"""The Django settings of a minimal Oscar shop with oro-invoices installed.

The conformance kit (``entry.throwaway_shop_host``) configures Django with them in a process of its own;
``examples/oscar_shop/settings.py`` spells the same out as a shop's settings module would.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

#: Oscar's own apps, dashboard apps included (``oscar.config.Shop`` first).
OSCAR_APPS = [
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
]

#: The app itself: before Oscar's apps, or its templates (order tab, account entry) are ignored.
APP = "oro_invoices.adapters.oscar.apps.OroInvoicesOscarConfig"


def shop_settings(base_dir: Path, database: str, *, secret_key: str, debug: bool = False,
                  urlconf: str = "oro_invoices.adapters.oscar.shop_urls",
                  **oro_invoices: Any) -> dict[str, Any]:
    """Django settings for an Oscar shop on the SQLite file ``database``; ``oro_invoices``
    become the ``ORO_INVOICES`` setting (``docs/oscar.md``)."""
    from oscar import defaults

    from oro_invoices.adapters.oscar.navigation import with_invoices
    oscar_defaults = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    return {
        **oscar_defaults,
        "DEBUG": debug,
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
        "ROOT_URLCONF": urlconf,
        "SITE_ID": 1,
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database,
                                  "OPTIONS": {"timeout": 30}}},
        "INSTALLED_APPS": [
            APP,
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
            "django.contrib.sites", "django.contrib.flatpages",
            *OSCAR_APPS,
        ],
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.locale.LocaleMiddleware",  # Oscar's words in the visitor's language
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "oscar.apps.basket.middleware.BasketMiddleware",
            "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
        ],
        "TEMPLATES": [{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ]},
        }],
        "AUTHENTICATION_BACKENDS": ["oscar.apps.customer.auth_backends.EmailBackend",
                                    "django.contrib.auth.backends.ModelBackend"],
        "LOGIN_URL": "customer:login",
        "LOGIN_REDIRECT_URL": "/",
        "STATIC_URL": "/static/",
        "MEDIA_ROOT": str(base_dir / "media"),
        "MEDIA_URL": "/media/",
        "HAYSTACK_CONNECTIONS": {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}},
        "HAYSTACK_SIGNAL_PROCESSOR": "haystack.signals.BaseSignalProcessor",
        "OSCAR_SHOP_NAME": "Oscar shop",
        "OSCAR_DEFAULT_CURRENCY": "USD",
        "OSCAR_DASHBOARD_NAVIGATION": with_invoices(defaults.OSCAR_DASHBOARD_NAVIGATION),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "ORO_INVOICES": dict(oro_invoices),
    }
