"""Template tags the overridden Oscar templates use: the order page's Invoices tab and its
payment event types, and the account menu's Invoices entry."""
from __future__ import annotations

import logging
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from oro_invoices import i18n
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.oscar.payments import ADDON_EVENT_TYPES
from oro_invoices.adapters.oscar.runtime import runtime
from oro_invoices.adapters.oscar.tables import AppNotMigrated
from oro_invoices.adapters.oscar.web import base_request
from oro_invoices.web.current import bind_request

register = template.Library()
log = logging.getLogger("oro_invoices.oscar")


def _request(context: Any) -> HttpRequest | None:
    request = context.get("request")
    return request if isinstance(request, HttpRequest) else None


@register.simple_tag(takes_context=True)
def oro_invoices_order_tabs(context: Any, order: Any) -> list[dict[str, Any]]:
    """The add-on's tabs of the dashboard order page the user sees, each with its content."""
    request = _request(context)
    if request is None or order is None:
        return []
    memo: dict[int, list[dict[str, Any]]] = request.__dict__.setdefault("_oro_invoices_tabs", {})
    if order.pk not in memo:  # the template asks twice: for the tabs and for their panes
        memo[order.pk] = _order_tabs(request, order)
    return memo[order.pk]


def _order_tabs(request: HttpRequest, order: Any) -> list[dict[str, Any]]:
    try:
        found = runtime()
        snapshot = found.host.orders.get(order.pk)
        neutral = base_request(request)
        with bind_request(neutral):
            ctx = ScopeContext(organization_id=snapshot.organization_id if snapshot else None)
            tabs = found.host.order_view.visible_tabs(ctx)
        shown = []
        for tab in tabs:
            resp = found.mount.fragment(tab.endpoint, neutral, order_id=order.pk)
            if resp.status == 200:
                shown.append({"key": tab.key.replace(".", "-"), "label": tab.label,
                              "content": mark_safe(resp.text())})
        return shown
    except AppNotMigrated:  # logged: no tab until the app's migrations have run
        return []
    except Exception:  # the order page must still show when the add-on fails
        log.exception("the invoice tabs of order %s could not be shown", getattr(order, "pk", None))
        return []


@register.simple_tag(takes_context=True)
def oro_invoices_account_entries(context: Any) -> SafeString:
    """The account menu's entries of the add-on (Invoices) the customer user sees."""
    request = _request(context)
    if request is None:
        return mark_safe("")
    try:
        found = runtime()
        with bind_request(base_request(request)):
            user = found.host.users.current()
            if user.kind != "customer_user":
                return mark_safe("")
            entries = found.host.storefront.visible_account_entries(found.host.scope_of(user))
            language = get_language() or i18n.DEFAULT_LANGUAGE    # Django's choice, as Oscar's entries
            links = [(found.host.urls.url_for(e.endpoint), i18n.translate(language, e.label)) for e in entries]
    except AppNotMigrated:  # logged: no entry until the app's migrations have run
        return mark_safe("")
    except Exception:
        log.exception("the account menu's invoice entries could not be shown")
        return mark_safe("")
    path = request.path
    return format_html_join(
        "", '<li class="nav-item"><a class="nav-link{}" href="{}">{}</a></li>',
        ((" active" if path.startswith(url) else "", url, label) for url, label in links))


@register.simple_tag
def oro_invoices_manual_payment_event_types(event_types: Any) -> list[Any]:
    """The payment event types staff may record by hand on the order page: all but the add-on's
    ("Invoice payment", "Invoice refund"), which it writes itself when an invoice is paid."""
    return [t for t in event_types or () if getattr(t, "name", None) not in ADDON_EVENT_TYPES]
