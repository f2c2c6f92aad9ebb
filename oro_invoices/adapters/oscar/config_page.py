"""Dashboard > Invoices > Settings: the declared settings group at a scope Oscar has.

Scopes: global (needs ``oro_invoices.configure_global``), the admin's organization (their
partner), the sites of that organization and its business customers (these three need
``oro_invoices.configure``). Another organization's scope answers 404. Each field shows its value and a "Use default" checkbox;
a save validates every field and stores all of them or none (``Settings.apply``), answering
422 with each problem beside its field. Secrets are write-only: an empty secret field keeps
what is stored. A value changed while "Use default" is ticked is not dropped silently: the
save is refused and the field comes back unticked with the new value.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.sites.models import Site
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from oscar.core.loading import get_model

from oro_invoices import i18n
from oro_invoices.adapters.config_store import ScopeContext, SettingField
from oro_invoices.adapters.oscar.commerce import default_organization, site_organization
from oro_invoices.adapters.oscar.models import BusinessCustomer
from oro_invoices.adapters.oscar.runtime import runtime
from oro_invoices.adapters.oscar.web import base_request
from oro_invoices.domain.messages import Message
from oro_invoices.integration import webhook_endpoints
from oro_invoices.integration.config import InvalidSetting, InvalidSettings, Settings
from oro_invoices.web.current import bind_request
from oro_invoices.web.language import page_language

CONFIGURE, CONFIGURE_GLOBAL = "oro_invoices.configure", "oro_invoices.configure_global"
SCOPE_LABELS = {"global": i18n.N_("Global (every organization)"),
                "organization": i18n.N_("Organization (partner)"), "website": i18n.N_("Website (site)"),
                "customer": i18n.N_("Customer (business customer)")}
USE_DEFAULT_CONFLICT = Message('"Use default" was ticked, so this change was not saved. "Use '
                               'default" is now unticked: save again to keep the new value, or '
                               "tick it to keep the inherited one.")


@dataclass
class Row:
    """One setting on the page."""

    key: str
    label: str
    type: str
    help: str
    choices: tuple[str, ...]
    value: Any
    use_default: bool
    inherited: Any
    error: str = ""
    secret_set: bool = False
    #: (choice, what the select shows for it) of a ``choice`` setting
    options: tuple[tuple[str, str], ...] = ()


class Denied(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Access:
    """The scopes the current admin may configure."""

    def __init__(self, organization_id: int | None, granted: frozenset[str]):
        self.organization_id = organization_id
        self.may = CONFIGURE in granted
        self.may_global = self.may and CONFIGURE_GLOBAL in granted

    def choices(self, scope: str) -> list[tuple[int, str]]:
        if not self.may or self.organization_id is None:
            return []
        if scope == "organization":
            partner = get_model("partner", "Partner").objects.filter(pk=self.organization_id).first()
            return [(partner.id, partner.name)] if partner else []
        if scope == "website":
            return [(s.id, s.name or s.domain) for s in Site.objects.order_by("name")
                    if site_organization(s.id) == self.organization_id]
        if scope == "customer":
            return self._customers()
        return []

    def _customers(self) -> list[tuple[int, str]]:
        """The organization's business customers (those without a partner belong to the default one)."""
        of_organization = Q(organization_id=self.organization_id)
        if default_organization() == self.organization_id:
            of_organization |= Q(organization__isnull=True)
        found = BusinessCustomer.objects.filter(of_organization).order_by("name", "id")
        return [(c.id, c.name) for c in found]

    def scopes(self) -> list[str]:
        return [s for s in SCOPE_LABELS if (self.may_global if s == "global" else bool(self.choices(s)))]

    def choose(self, args: Any) -> tuple[str, int | None]:
        if not self.may:
            raise Denied(403, f"You do not have permission to change the invoice settings; it "
                              f"needs {CONFIGURE}.")
        offered = self.scopes()
        scope = args.get("scope") or (offered[0] if offered else "organization")
        if scope not in SCOPE_LABELS:
            raise Denied(404, "There is no such configuration scope.")
        if scope == "global":
            if not self.may_global:
                raise Denied(403, "The global scope (every organization) needs the permission "
                                  f"{CONFIGURE_GLOBAL}. Choose your organization instead.")
            return scope, None
        raw = str(args.get("scope_id") or "")
        choices = dict(self.choices(scope))
        scope_id = int(raw) if raw.isdigit() and len(raw) < 19 else (next(iter(choices), None) if not raw else None)
        if scope_id not in choices:
            raise Denied(404, f"There is no such {scope} among those of your organization.")
        return scope, scope_id

    def context(self, scope: str, scope_id: int | None) -> ScopeContext:
        if scope == "organization":
            return ScopeContext(organization_id=scope_id)
        if scope == "website":
            return ScopeContext(organization_id=self.organization_id, website_id=scope_id)
        if scope == "customer":
            return ScopeContext(organization_id=self.organization_id, customer_id=scope_id)
        return ScopeContext()


def _parent(ctx: ScopeContext, scope: str) -> ScopeContext:
    return ctx if scope == "global" else ScopeContext(**{**ctx.__dict__, f"{scope}_id": None})


def _row(settings: Settings, field: SettingField, scope: str, scope_id: int | None,
         ctx: ScopeContext, **override: Any) -> Row:
    stored = settings.store.load(field.key, scope, scope_id)
    inherited = settings.resolve(field.key, _parent(ctx, scope)).value if scope != "global" else field.default
    choices = settings.choices(field.key) if field.type == "choice" else tuple(field.choices)
    # the schema's words are in the catalogs (babel.cfg): in the language of ``i18n.using``
    row = Row(field.key, i18n.gettext(field.label), field.type,
              i18n.gettext(field.help) if field.help else "", choices,
              stored if stored is not None else inherited, stored is None, inherited,
              options=_options(settings, field.key, choices))
    for name, value in override.items():
        setattr(row, name, value)
    if field.type == webhook_endpoints.TYPE:  # their secrets are never shown back
        row.value = webhook_endpoints.form_text(row.value, stored if stored is not None else inherited)
        row.inherited = webhook_endpoints.form_text(inherited)
    if field.type == "secret":
        row.secret_set = bool(stored if stored is not None else inherited)
        row.value, row.inherited = "", (i18n.gettext("a stored secret") if inherited else "")
    return row


def _options(settings: Settings, key: str, choices: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each choice with its label in the current language (``Settings.choice_options``)."""
    labels = dict(settings.choice_options(key)) if key in settings.schema.settings else {}
    return tuple((c, i18n.gettext(labels[c]) if labels.get(c) else c) for c in choices)


def _parse(field_type: str, raw: str | None) -> Any:
    if field_type == "bool":
        return {"1": True, "0": False}.get(raw or "", raw)
    return raw if raw is not None else ""


def _edited(settings: Settings, key: str, raw: Any, shown: list[Any], scope: str,
            scope_id: int | None) -> bool:
    """Whether ``raw``, sent with "Use default" ticked, differs from what the field showed."""
    if raw in shown:
        return False
    try:
        clean = settings.validate(key, raw, scope, scope_id)
    except InvalidSetting:
        return True
    for value in shown:
        try:
            if settings.validate(key, value, scope, scope_id) == clean:
                return False
        except InvalidSetting:
            continue
    return True


def _save(settings: Settings, fields: list[SettingField], form: Any, scope: str,
          scope_id: int | None, ctx: ScopeContext) -> tuple[list[Row], bool]:
    changes: dict[str, Any] = {}
    problems: dict[str, str] = {}
    rows: dict[str, Row] = {}
    for field in fields:
        submitted = form.get(field.key)
        raw = _parse(field.type, submitted)
        ticked = form.get(f"{field.key}.use_default") == "1"
        if submitted is None and not ticked:  # not on the form that was sent: left as it is
            rows[field.key] = _row(settings, field, scope, scope_id, ctx)
            continue
        if field.type == "secret" and not ticked and not (submitted or "").strip():
            rows[field.key] = _row(settings, field, scope, scope_id, ctx)  # kept as stored
            continue
        if field.type == webhook_endpoints.TYPE:
            raw = webhook_endpoints.restore_secrets(raw, settings.resolve(field.key, ctx).value)
        if ticked:
            current = _row(settings, field, scope, scope_id, ctx)
            if submitted is not None and _edited(settings, field.key, raw,
                                                 [current.value, current.inherited], scope, scope_id):
                problems[field.key] = USE_DEFAULT_CONFLICT
                rows[field.key] = _row(settings, field, scope, scope_id, ctx, value=raw,
                                       use_default=False)
                continue
            changes[field.key] = None
            rows[field.key] = _row(settings, field, scope, scope_id, ctx, use_default=True)
            continue
        changes[field.key] = raw
        rows[field.key] = _row(settings, field, scope, scope_id, ctx, value=raw, use_default=False)
    for key, value in changes.items():
        if value is not None and key not in problems:
            try:
                changes[key] = settings.validate(key, value, scope, scope_id)
            except InvalidSetting as exc:
                problems[key] = exc.problem
    if not problems:
        try:
            settings.apply(changes, scope, scope_id)
        except InvalidSettings as exc:
            problems.update(exc.problems)
    for key, problem in problems.items():
        rows[key].error = i18n.gettext(problem)  # in the page's language (``settings_page``)
    return [rows[f.key] for f in fields], not problems


def settings_page(request: HttpRequest) -> HttpResponse:
    """The settings page (CSRF by Django's middleware, messages by Django's messages)."""
    found = runtime()
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
        scope, scope_id = access.choose(where)
    except Denied as exc:
        return _render(request, {"denied": exc.message}, exc.status, language)
    groups = host.config.declared_settings()
    group = next((g for g in groups if g.key == request.GET.get("group")), groups[0] if groups else None)
    settings = found.addon.settings
    ctx = access.context(scope, scope_id)
    fields = [f for f in group.fields if scope in f.scopes] if group else []
    status = 200
    if request.method == "POST" and group is not None:
        with i18n.using(language):
            rows, ok = _save(settings, fields, request.POST, scope, scope_id, ctx)
            saved = i18n.gettext("The invoice settings were saved.")
            not_saved = i18n.gettext("The settings were not saved: please correct the highlighted "
                                     "values.")
        if ok:
            messages.success(request, saved)
            query = f"?scope={scope}" + (f"&scope_id={scope_id}" if scope_id else "")
            return HttpResponseRedirect(reverse("oro_invoices:settings") + query)
        messages.error(request, not_saved)
        status = 422
    else:
        with i18n.using(language):
            rows = [_row(settings, f, scope, scope_id, ctx) for f in fields]
    sections: dict[str, list[Row]] = {}
    for field, row in zip(fields, rows):
        sections.setdefault(i18n.translate(language, field.section), []).append(row)
    return _render(request, {
        "group": group, "heading": i18n.translate(language, group.label) if group else "",
        "scope": scope, "scope_id": scope_id, "sections": sections,
        "scopes": [(s, i18n.translate(language, SCOPE_LABELS[s])) for s in access.scopes()],
        "scope_choices": access.choices(scope) if scope != "global" else []}, status, language)


#: The page's own words (its template's), in the catalogs of the add-on.
WORDS = {"title": i18n.N_("Invoice settings"), "invoices": i18n.N_("Invoices"), "settings": i18n.N_("Settings"),
         "none_declared": i18n.N_("No invoice settings are declared: run the add-on's installation first."),
         "scope": i18n.N_("Scope"), "which_one": i18n.N_("Which one"), "switch_scope": i18n.N_("Switch scope"),
         "yes": i18n.N_("Yes"), "no": i18n.N_("No"), "secret_stored": i18n.N_("Stored (hidden). Type a new value to replace it."),
         "not_set": i18n.N_("Not set"), "use_default": i18n.N_("Use default"), "save": i18n.N_("Save settings")}


def _render(request: HttpRequest, context: dict[str, Any], status: int, language: str) -> HttpResponse:
    words = {name: i18n.translate(language, text) for name, text in WORDS.items()}
    body = render_to_string("oro_invoices_oscar/settings.html", {**context, "words": words}, request=request)
    return HttpResponse(body, status=status)
