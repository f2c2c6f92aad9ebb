"""System > Configuration: the settings groups declared through the config adapter.

A scope selector (global, organization, website, customer group, customer) picks
where values are stored; each field shows the effective value and a "Use default"
checkbox that falls back to the parent scope. Only the scopes the admin may
configure are offered (``config_scopes``); any other answers 403 (the global scope
without its permission, or no permission at all) or 404 (another organization's).

A save is all or nothing: every value is validated (``Settings.apply``) and an error is
shown next to each refused field. A field is disabled while its "Use default" is ticked.
A value submitted all the same with "Use default" ticked is not dropped silently when it
is an edit (neither the inherited value nor the one stored at this scope): nothing is
saved, the field comes back unticked with the new value and a message, and saving again
keeps it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flask
from flask.typing import ResponseReturnValue
from markupsafe import escape

from oro_invoices.adapters.config_store import ScopeContext, SettingField, SettingsGroup
from oro_invoices.domain.messages import Message
from oro_invoices.hosts.reference.auth import admin_required, csrf_token, host_of
from oro_invoices.hosts.reference.config_scopes import (
    CONFIGURE,
    CONFIGURE_GLOBAL,
    ScopeAccess,
)
from oro_invoices.hosts.reference.language import _
from oro_invoices.i18n import N_
from oro_invoices.integration import webhook_endpoints
from oro_invoices.integration.config import SCOPES, InvalidSetting, InvalidSettings, Settings

bp = flask.Blueprint("host_config", __name__, url_prefix="/admin/config")

#: Setting types whose values are write-only in the form (``secret``: keys, passwords).
WRITE_ONLY_SECRETS = frozenset({"secret"})

SCOPE_LABELS = {"global": N_("Global"), "organization": N_("Organization"), "website": N_("Website"),
                "customer_group": N_("Customer Group"), "customer": N_("Customer")}

USE_DEFAULT_CONFLICT = Message('"Use default" was ticked, so this change was not saved. "Use '
                               'default" is now unticked: save again to keep the new value, or '
                               "tick it to keep the inherited one.")


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
    #: (choice, what the select shows for it) of a ``choice`` setting
    options: tuple[tuple[str, str], ...] = ()
    #: a write-only setting (``secret``): whether a value applies here (never the value itself)
    secret_set: bool = False


class Denied(Exception):
    """The admin may not open this page or scope: ``status`` 403 or 404."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _parent(ctx: ScopeContext, scope: str) -> ScopeContext:
    if scope == "global":
        return ctx
    return ScopeContext(**{**ctx.__dict__, f"{scope}_id": None})


def _parse(field_type: str, raw: str | None) -> Any:
    if field_type == "bool":
        return {"1": True, "0": False}.get(raw or "", raw)
    return raw if raw is not None else ""


def _choose_scope(access: ScopeAccess, args: Any) -> tuple[str, int | None, list[tuple[int, str]]]:
    """The scope and scope object asked for, when the admin may configure it."""
    if not access.may_configure:
        raise Denied(403, Message("You do not have permission to change the invoice settings. Ask "
                                  "an administrator to grant you %(permission)s.", permission=CONFIGURE))
    offered = access.scopes(SCOPES)
    scope = args.get("scope") or (offered[0] if offered else "organization")
    if scope not in SCOPES:
        raise Denied(404, Message("There is no such configuration scope."))
    if scope == "global":
        if not access.may_configure_global:
            raise Denied(403, Message("Changing the settings of every organization (global scope) "
                                      "needs the permission %(permission)s. Choose your "
                                      "organization's scope instead.", permission=CONFIGURE_GLOBAL))
        return scope, None, []
    choices = access.choices(scope)
    raw_id = args.get("scope_id") or (str(choices[0][0]) if choices else "")
    scope_id = int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19 else None
    if not access.owns(scope, scope_id):
        raise Denied(404, Message("There is no such %(scope)s among those of your organization.",
                                  scope=SCOPE_LABELS[scope].lower()))
    return scope, scope_id, choices


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<group_key>", methods=["GET", "POST"])
@admin_required
def config(group_key: str | None = None) -> ResponseReturnValue:
    host = host_of()
    access = ScopeAccess(host)
    request = flask.request
    where = request.form if request.method == "POST" and "scope" in request.form else request.args
    try:
        scope, scope_id, choices = _choose_scope(access, where)
    except Denied as exc:
        title = _("Access denied") if exc.status == 403 else _("Page not found")
        body = f"<h1>{escape(title)}</h1><p>{escape(_(exc.message))}</p>"
        return host.layout.wrap(body, title=title), exc.status
    groups = host.config.declared_settings()
    group = next((g for g in groups if g.key == group_key), groups[0] if groups else None)
    settings = _settings(host)
    ctx = access.context(scope, scope_id)
    fields = [f for f in group.fields if scope in f.scopes] if group else []
    status = 200
    if flask.request.method == "POST" and group is not None:
        rows, ok = _save(settings, fields, scope, scope_id, ctx)
        if ok:
            flask.flash(_("Configuration saved."), "success")
            return flask.redirect(flask.url_for("host_config.config", group_key=group.key,
                                                scope=scope, scope_id=scope_id))
        flask.flash(_("The configuration was not saved: please correct the highlighted values."),
                    "error")
        status = 422
    else:
        rows = [_row(settings, f, scope, scope_id, ctx) for f in fields]
    return _page(group, groups, access, scope, scope_id, choices, fields, rows), status


def _page(group: SettingsGroup | None, groups: list[SettingsGroup], access: ScopeAccess,
          scope: str, scope_id: int | None, choices: list[tuple[int, str]],
          fields: list[SettingField], rows: list[FieldRow]) -> str:
    sections: dict[str, list[FieldRow]] = {}
    for field, row in zip(fields, rows):
        sections.setdefault(_(field.section), []).append(row)
    # the schema's words are in the catalogs (babel.cfg): shown in the admin's language
    heading = _(group.label) if group else ""
    fragment = flask.render_template(
        "admin_config.html", groups=groups, group=group, scope=scope, scope_id=scope_id,
        heading=heading, path=[_(step) for step in group.path] if group else [],
        scopes=[(s, _(SCOPE_LABELS[s])) for s in access.scopes(SCOPES) or [scope]],
        scope_label=_(SCOPE_LABELS[scope]), scope_choices=choices, sections=sections,
        csrf_token=csrf_token())
    title = _("Configuration") + (f" – {heading}" if group else "")
    return host_of().layout.wrap(fragment, title=title, area="backoffice")


def _settings(host: Any) -> Settings:
    """The add-on's settings (they know the registered payment methods), else the host's store."""
    extension = flask.current_app.extensions.get("oro_invoices")
    settings = getattr(extension, "settings", None)
    return settings if isinstance(settings, Settings) else Settings(host.config)


def _row(settings: Settings, field: SettingField, scope: str, scope_id: int | None,
         ctx: ScopeContext, **override: Any) -> FieldRow:
    stored = settings.store.load(field.key, scope, scope_id)
    inherited = settings.resolve(field.key, _parent(ctx, scope)).value if scope != "global" \
        else field.default
    choices = settings.choices(field.key) if field.type == "choice" else tuple(field.choices)
    row = FieldRow(key=field.key, label=_(field.label), type=field.type,
                   help=_(field.help) if field.help else "",
                   choices=choices, value=stored if stored is not None else inherited,
                   use_default=stored is None, inherited=inherited,
                   options=_options(settings, field.key, choices))
    if stored is not None and not override:
        try:
            settings.validate(field.key, stored, scope, scope_id)
        except InvalidSetting as exc:
            row.error = _(Message("The stored value is not valid (%(problem)s) and is ignored: "
                                  "the inherited value applies until you correct it.",
                                  problem=exc.problem))
    for k, v in override.items():
        setattr(row, k, v)
    if field.type == webhook_endpoints.TYPE:  # secrets are write-only: never shown back
        row.value = webhook_endpoints.form_text(row.value, stored if stored is not None else inherited)
        row.inherited = webhook_endpoints.form_text(inherited)
    if field.type in WRITE_ONLY_SECRETS:  # write-only: the form never shows the value back
        row.secret_set = bool(stored if stored is not None else inherited)
        row.value = ""
        row.inherited = _("a stored secret") if inherited else ""
    return row


def _options(settings: Settings, key: str, choices: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each choice with its label in the admin's language (``Settings.choice_options``)."""
    labels = dict(settings.choice_options(key)) if key in settings.schema.settings else {}
    return tuple((c, _(labels[c]) if labels.get(c) else (c or _("None"))) for c in choices)


def _edited(settings: Settings, key: str, raw: Any, unchanged: list[Any], scope: str,
            scope_id: int | None) -> bool:
    """Whether ``raw``, submitted with "Use default" ticked, is an edit: a value other than
    those the field showed (the inherited value, or the one stored at this scope)."""
    if raw in unchanged:  # as shown (also a masked secret's empty field)
        return False
    try:
        clean = settings.validate(key, raw, scope, scope_id)
    except InvalidSetting:
        return True
    for value in unchanged:
        try:
            value = settings.validate(key, value, scope, scope_id)
        except InvalidSetting:
            pass
        if clean == value:
            return False
    return True


def _save(settings: Settings, fields: list[SettingField], scope: str, scope_id: int | None,
          ctx: ScopeContext) -> tuple[list[FieldRow], bool]:
    """Validate every field, then store all of them or none."""
    form = flask.request.form
    changes: dict[str, Any] = {}
    problems: dict[str, str] = {}
    rows: dict[str, FieldRow] = {}
    for field in fields:
        submitted = form.get(field.key)
        raw = _parse(field.type, submitted)
        if field.type in WRITE_ONLY_SECRETS and form.get(f"{field.key}.use_default") != "1" \
                and not (submitted or "").strip():
            # an empty secret field keeps what is stored: the form never had the value
            rows[field.key] = _row(settings, field, scope, scope_id, ctx)
            continue
        if field.type == webhook_endpoints.TYPE:  # a line still showing the mask keeps its secret
            raw = webhook_endpoints.restore_secrets(raw, settings.resolve(field.key, ctx).value)
        current = _row(settings, field, scope, scope_id, ctx)
        if form.get(f"{field.key}.use_default") == "1":
            shown = [current.value, current.inherited]
            if submitted is not None and _edited(settings, field.key, raw, shown, scope, scope_id):
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
        rows[key].error = _(problem)  # in the admin's language, values in their formats
    return [rows[f.key] for f in fields], not problems
