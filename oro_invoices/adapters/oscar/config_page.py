"""Dashboard > Invoices > Settings: the declared settings group at a scope Oscar has.

Scopes: global (needs ``oro_invoices.configure_global``), the admin's organization (their
partner), the sites of that organization and its business customers (these three need
``oro_invoices.configure``). Another organization's scope answers 404. The form itself, its
"Use default" checkboxes, write-only secrets and all-or-nothing save (422 with each problem
beside its field) are ``adapters.settings_form``'s; this module is the Django glue.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.sites.models import Site
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from oscar.core.loading import get_model

from oro_invoices import i18n
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.oscar.commerce import default_organization, site_organization
from oro_invoices.adapters.oscar.models import BusinessCustomer
from oro_invoices.adapters.oscar.runtime import runtime
from oro_invoices.adapters.oscar.tables import AppNotMigrated
from oro_invoices.adapters.oscar.views import not_migrated
from oro_invoices.adapters.oscar.web import base_request
from oro_invoices.adapters.settings_form import (
    CHOICES_SHOWN,
    CONFIGURE,
    CONFIGURE_GLOBAL,
    Denied,
    SettingsForm,
    choose_scope,
    matching,
    offered_scopes,
    scope_search,
    sections,
)
from oro_invoices.domain.messages import Message
from oro_invoices.web.current import bind_request
from oro_invoices.web.language import page_language

SCOPE_LABELS = {"global": i18n.N_("Global (every organization)"),
                "organization": i18n.N_("Organization (partner)"), "website": i18n.N_("Website (site)"),
                "customer": i18n.N_("Customer (business customer)")}


class Access:
    """The scopes the current admin may configure."""

    def __init__(self, organization_id: int | None, granted: frozenset[str]):
        self.organization_id = organization_id
        self.may_configure = CONFIGURE in granted
        self.may_configure_global = self.may_configure and CONFIGURE_GLOBAL in granted

    def choices(self, scope: str) -> list[tuple[int, str]]:
        if not self.may_configure or self.organization_id is None:
            return []
        if scope == "organization":
            partner = get_model("partner", "Partner").objects.filter(pk=self.organization_id).first()
            return [(partner.id, partner.name)] if partner else []
        if scope == "website":
            return [(s.id, s.name or s.domain) for s in Site.objects.order_by("name")
                    if site_organization(s.id) == self.organization_id]
        if scope == "customer":
            return self.find(scope, "", None)
        return []

    def find(self, scope: str, search: str, limit: int | None) -> list[tuple[int, str]]:
        """Up to ``limit`` (None: all) of those whose name contains ``search``, ignoring case
        (``settings_form.SearchableScopeAccess``); customers are found in the database."""
        if scope != "customer":
            return matching(self.choices(scope), search, limit)
        if not self.may_configure or self.organization_id is None:
            return []
        found = self._customers()
        if search:
            found = found.filter(name__icontains=search)
        return [(c.id, c.name) for c in found.order_by("name", "id")[:limit]]

    def name(self, scope: str, scope_id: int) -> str | None:
        if scope != "customer":
            return dict(self.choices(scope)).get(scope_id)
        if not self.may_configure or self.organization_id is None:
            return None
        customer = self._customers().filter(pk=scope_id).first()
        return None if customer is None else customer.name

    def _customers(self) -> QuerySet[Any]:
        """The organization's business customers (those without a partner belong to the default one)."""
        of_organization = Q(organization_id=self.organization_id)
        if default_organization() == self.organization_id:
            of_organization |= Q(organization__isnull=True)
        return BusinessCustomer.objects.filter(of_organization)

    def owns(self, scope: str, scope_id: int | None) -> bool:
        return scope_id is not None and self.name(scope, scope_id) is not None

    def context(self, scope: str, scope_id: int | None) -> ScopeContext:
        if scope == "organization":
            return ScopeContext(organization_id=scope_id)
        if scope == "website":
            return ScopeContext(organization_id=self.organization_id, website_id=scope_id)
        if scope == "customer":
            return ScopeContext(organization_id=self.organization_id, customer_id=scope_id)
        return ScopeContext()


def settings_page(request: HttpRequest) -> HttpResponse:
    """The settings page (``adapters.settings_form``; CSRF by Django's middleware, messages by
    Django's messages)."""
    try:
        found = runtime()
    except AppNotMigrated as exc:
        return not_migrated(exc)
    host = found.host
    with bind_request(base_request(request)):
        user = host.users.current()
        granted = frozenset(p for p in (CONFIGURE, CONFIGURE_GLOBAL) if host.users.can(p))
    if user.kind != "admin":
        return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
    access = Access(user.organization_id, granted)
    where = request.POST if request.method == "POST" and "scope" in request.POST else request.GET
    language = page_language(replace(base_request(request), user=user))
    try:
        scope, scope_id, choices = choose_scope(access, where, tuple(SCOPE_LABELS))
    except Denied as exc:
        return _render(request, {"denied": i18n.translate(language, exc.message)}, exc.status, language)
    groups = host.config.declared_settings()
    group = next((g for g in groups if g.key == request.GET.get("group")), groups[0] if groups else None)
    fields = [f for f in group.fields if scope in f.scopes] if group else []
    form = SettingsForm(found.addon.settings, fields, scope, scope_id, access.context(scope, scope_id),
                        host=host)
    status = 200
    with i18n.using(language):
        if request.method == "POST" and group is not None:
            rows, ok = form.save(request.POST)
            if ok:
                messages.success(request, i18n.gettext("The invoice settings were saved."))
                query = f"?scope={scope}" + (f"&scope_id={scope_id}" if scope_id else "")
                return HttpResponseRedirect(reverse("oro_invoices:settings") + query)
            for message in form.not_here:
                messages.error(request, message)
            if not form.not_here:
                messages.error(request, i18n.gettext("The settings were not saved: please correct the "
                                                     "highlighted values."))
            status = 422
        else:
            rows = form.rows()
        by_section = sections(fields, rows)
    return _render(request, {
        "group": group, "heading": i18n.translate(language, group.label) if group else "",
        "scope": scope, "scope_id": scope_id, "sections": by_section,
        "scopes": [(s, i18n.translate(language, SCOPE_LABELS[s]))
                   for s in offered_scopes(access, tuple(SCOPE_LABELS))],
        "scope_choices": choices,
        "scope_search": scope_search(where, scope),
        "scope_search_hint": i18n.translate(language, Message(
            "At most %(count)s are listed, by name: type part of a name and switch to find another.",
            count=CHOICES_SHOWN))}, status, language)


#: The page's own words (its template's), in the catalogs of the add-on.
WORDS = {"title": i18n.N_("Invoice settings"), "invoices": i18n.N_("Invoices"), "settings": i18n.N_("Settings"),
         "none_declared": i18n.N_("No invoice settings are declared: run the add-on's installation first."),
         "scope": i18n.N_("Scope"), "which_one": i18n.N_("Which one"), "switch_scope": i18n.N_("Switch scope"),
         "find_by_name": i18n.N_("Find by name"),
         "yes": i18n.N_("Yes"), "no": i18n.N_("No"), "secret_stored": i18n.N_("Stored (hidden). Type a new value to replace it."),
         "not_set": i18n.N_("Not set"), "use_default": i18n.N_("Use default"), "save": i18n.N_("Save settings")}


def _render(request: HttpRequest, context: dict[str, Any], status: int, language: str) -> HttpResponse:
    words = {name: i18n.translate(language, text) for name, text in WORDS.items()}
    body = render_to_string("oro_invoices_oscar/settings.html", {**context, "words": words}, request=request)
    return HttpResponse(body, status=status)
