"""Django settings of the example Oscar shop with oro-invoices (docs/oscar.md).

Oscar's usual settings (its apps, middleware, context processors, haystack, its defaults)
plus what the add-on needs, marked "oro-invoices". Data (SQLite database, PDFs) go to
``$OSCAR_SHOP_DATA`` (default: ``oro-oscar-shop`` in the temporary directory).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from oscar.defaults import *  # noqa: F403 - Oscar's defaults, as Oscar's own docs set them up
from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION

from oro_invoices.adapters.oscar.navigation import with_invoices

DATA = Path(os.environ.get("OSCAR_SHOP_DATA") or Path(tempfile.gettempdir()) / "oro-oscar-shop")
DATA.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("OSCAR_SHOP_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("OSCAR_SHOP_SECRET_KEY", "example-shop-only-not-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "examples.oscar_shop.urls"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA / "shop.db"),
                         "OPTIONS": {"timeout": 30}}}

INSTALLED_APPS = [
    # oro-invoices: before Oscar's apps, or its order tab and account entry are ignored
    "oro_invoices.adapters.oscar.apps.OroInvoicesOscarConfig",
    "examples.oscar_shop.apps.OscarShopConfig",  # the seed command
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
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

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # Oscar's words in the visitor's language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

TEMPLATES = [{
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
}]

AUTHENTICATION_BACKENDS = ["oscar.apps.customer.auth_backends.EmailBackend",
                           "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "customer:login"
LOGIN_REDIRECT_URL = "/"
STATIC_URL = "/static/"
MEDIA_ROOT = str(DATA / "media")
MEDIA_URL = "/media/"
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
OSCAR_SHOP_NAME = "Northwind Oscar"
OSCAR_DEFAULT_CURRENCY = "EUR"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# oro-invoices: Dashboard > Fulfilment > Invoices and Invoice settings
OSCAR_DASHBOARD_NAVIGATION = with_invoices(OSCAR_DASHBOARD_NAVIGATION)
# oro-invoices: its tables share the shop's database unless DATABASE_URL says otherwise
ORO_INVOICES = {
    "STORAGE_URL": (DATA / "invoice-pdf").as_uri(),
    "BASE_URL": "http://127.0.0.1:8000",
    "API_TOKENS": {"erp-token": {"name": "erp", "organization_id": 1}},
}
