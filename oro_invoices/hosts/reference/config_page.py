"""System > Configuration: the settings groups declared through the config adapter.

A scope selector (global, organization, website, customer group, customer)
picks where values are stored; each field shows the effective value and a
"Use default" checkbox that falls back to the parent scope. Values are
validated against the add-on's schema (``Settings.set``) before anything is saved.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flask
from flask.typing import ResponseReturnValue

from oro_invoices.adapters.config_store import ScopeContext, SettingField
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.auth import admin_required, csrf_token, host_of
from oro_invoices.integration.config import SCOPES, Settings

bp = flask.Blueprint("host_config", __name__, url_prefix="/admin/config")

SCOPE_LABELS = {"global": "Global", "organization": "Organization", "website": "Website",
                "customer_group": "Customer Group", "customer": "Customer"}
_SCOPE_TABLES = {"organization": m.organizations, "website": m.websites,
                 "customer_group": m.customer_groups, "customer": m.customers}


@dataclass
class FieldRow:
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


def scope_context(scope: str, scope_id: int | None) -> ScopeContext:
    """The context of a scope object with its parents (a website's organization …)."""
    host = host_of()
    row = host.records.row(_SCOPE_TABLES[scope], scope_id) if scope != "global" else None
    if scope == "organization":
        return ScopeContext(organization_id=scope_id)
    if scope == "website":
        return ScopeContext(organization_id=row.organization_id if row else None, website_id=scope_id)
    if scope == "customer_group":
        return ScopeContext(customer_group_id=scope_id)
    if scope == "customer":
        return ScopeContext(organization_id=row.organization_id if row else None,
                            customer_group_id=row.group_id if row else None, customer_id=scope_id)
    return ScopeContext()


def _parent(ctx: ScopeContext, scope: str) -> ScopeContext:
    if scope == "global":
        return ctx
    return ScopeContext(**{**ctx.__dict__, f"{scope}_id": None})


def _choices(scope: str, organization_id: int | None) -> list[tuple[int, str]]:
    table = _SCOPE_TABLES[scope]
    where = []
    if organization_id is not None and "organization_id" in table.c:
        where.append(table.c.organization_id == organization_id)
    return [(r.id, r.name) for r in host_of().records.rows(table, *where, order_by=table.c.name)]


def _parse(field_type: str, raw: str | None) -> Any:
    if field_type == "bool":
        return {"1": True, "0": False}.get(raw or "", raw)
    return raw if raw is not None else ""


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<group_key>", methods=["GET", "POST"])
@admin_required
def config(group_key: str | None = None) -> ResponseReturnValue:
    host = host_of()
    admin = host.users.current()
    groups = host.config.declared_settings()
    group = next((g for g in groups if g.key == group_key), groups[0] if groups else None)
    args = flask.request.values
    scope = args.get("scope", "global")
    if scope not in SCOPES:
        scope = "global"
    choices = _choices(scope, admin.organization_id) if scope != "global" else []
    scope_id = None
    if scope != "global":
        try:
            scope_id = int(args.get("scope_id") or (choices[0][0] if choices else 0))
        except ValueError:
            scope_id = None
        if scope_id not in {c[0] for c in choices}:
            flask.abort(404)
    settings = Settings(host.config)
    ctx = scope_context(scope, scope_id)
    rows: list[FieldRow] = []
    status = 200
    if group is not None:
        fields = [f for f in group.fields if scope in f.scopes]
        if flask.request.method == "POST":
            rows, ok = _save(settings, fields, scope, scope_id, ctx)
            if ok:
                flask.flash("Configuration saved.", "success")
                return flask.redirect(flask.url_for("host_config.config", group_key=group.key,
                                                    scope=scope, scope_id=scope_id))
            flask.flash("The configuration was not saved: please correct the highlighted values.",
                        "error")
            status = 422
        else:
            rows = [_row(settings, f, scope, scope_id, ctx) for f in fields]
    sections: dict[str, list[FieldRow]] = {}
    for field, row in zip([f for f in group.fields if scope in f.scopes] if group else [], rows):
        sections.setdefault(field.section, []).append(row)
    fragment = flask.render_template(
        "admin_config.html", groups=groups, group=group, scope=scope, scope_id=scope_id,
        scopes=[(s, SCOPE_LABELS[s]) for s in SCOPES], scope_choices=choices, sections=sections,
        csrf_token=csrf_token())
    title = "Configuration" + (f" – {group.label}" if group else "")
    return host.layout.wrap(fragment, title=title, area="backoffice"), status


def _row(settings: Settings, field: SettingField, scope: str, scope_id: int | None,
         ctx: ScopeContext, **override: Any) -> FieldRow:
    stored = settings.store.load(field.key, scope, scope_id)
    inherited = settings.resolve(field.key, _parent(ctx, scope)).value if scope != "global" \
        else field.default
    value = stored if stored is not None else inherited
    row = FieldRow(key=field.key, label=field.label, type=field.type, help=field.help,
                   choices=tuple(field.choices), value=value, use_default=stored is None,
                   inherited=inherited)
    for k, v in override.items():
        setattr(row, k, v)
    return row


def _save(settings: Settings, fields: list[SettingField], scope: str, scope_id: int | None,
          ctx: ScopeContext) -> tuple[list[FieldRow], bool]:
    """Validate every field first; store only when all are valid."""
    form = flask.request.form
    plan: list[tuple[str, Any]] = []
    rows: list[FieldRow] = []
    ok = True
    for field in fields:
        use_default = form.get(f"{field.key}.use_default") == "1"
        raw = _parse(field.type, form.get(field.key))
        if use_default:
            plan.append((field.key, None))
            rows.append(_row(settings, field, scope, scope_id, ctx, use_default=True))
            continue
        try:
            clean = settings.validate(field.key, raw, scope, scope_id)
            plan.append((field.key, clean))
            rows.append(_row(settings, field, scope, scope_id, ctx, value=clean, use_default=False))
        except ConfigurationError as exc:
            ok = False
            message = exc.message.split(": ")[-1] if ": " in exc.message else exc.message
            rows.append(_row(settings, field, scope, scope_id, ctx, value=raw, use_default=False,
                             error=message))
    if ok:
        for key, value in plan:
            if value is None:
                settings.unset(key, scope, scope_id)
            else:
                settings.set(key, value, scope, scope_id)
    return rows, ok
