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
keeps it. All of that is ``adapters.settings_form``'s; this module is the Flask glue.
"""
from __future__ import annotations

from typing import Any

import flask
from flask.typing import ResponseReturnValue
from markupsafe import escape

from oro_invoices import i18n
from oro_invoices.adapters.config_store import SettingField, SettingsGroup
from oro_invoices.adapters.settings_form import (
    CHOICES_SHOWN,
    Denied,
    FieldRow,
    SettingsForm,
    choose_scope,
    offered_scopes,
    scope_search,
    sections,
)
from oro_invoices.hosts.reference.auth import admin_required, csrf_token, host_of
from oro_invoices.hosts.reference.config_scopes import ScopeAccess
from oro_invoices.hosts.reference.language import _, shop_language
from oro_invoices.i18n import N_
from oro_invoices.integration.config import SCOPES, Settings

bp = flask.Blueprint("host_config", __name__, url_prefix="/admin/config")

SCOPE_LABELS = {"global": N_("Global"), "organization": N_("Organization"), "website": N_("Website"),
                "customer_group": N_("Customer Group"), "customer": N_("Customer")}


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<group_key>", methods=["GET", "POST"])
@admin_required
def config(group_key: str | None = None) -> ResponseReturnValue:
    host = host_of()
    access = ScopeAccess(host)
    request = flask.request
    saving = request.method == "POST" and "scope" in request.form
    where = _saved_scope(request.form) if saving else request.args
    try:
        scope, scope_id, choices = choose_scope(access, where, SCOPES)
    except Denied as exc:
        title = _("Access denied") if exc.status == 403 else _("Page not found")
        body = f"<h1>{escape(title)}</h1><p>{escape(_(exc.message))}</p>"
        return host.layout.wrap(body, title=title), exc.status
    groups = host.config.declared_settings()
    group = next((g for g in groups if g.key == group_key), groups[0] if groups else None)
    fields = [f for f in group.fields if scope in f.scopes] if group else []
    form = SettingsForm(_settings(host), fields, scope, scope_id, access.context(scope, scope_id), host=host)
    status = 200
    if flask.request.method == "POST" and group is not None:
        with i18n.using(shop_language()):
            rows, ok = form.save(request.form)
        if ok:
            flask.flash(_("Configuration saved."), "success")
            return flask.redirect(flask.url_for("host_config.config", group_key=group.key,
                                                scope=scope, scope_id=scope_id))
        for message in form.not_here:
            flask.flash(message, "error")
        if not form.not_here:
            flask.flash(_("The configuration was not saved: please correct the highlighted values."),
                        "error")
        status = 422
    else:
        with i18n.using(shop_language()):
            rows = form.rows()
    return _page(group, groups, access, scope, scope_id, choices, fields, rows), status


def _saved_scope(form: Any) -> dict[str, str]:
    """The scope a save names: its scope and object exactly as the form has them. Never the
    selector's choice of a first object (a switch of scope, no object, an id that is none), so
    a form that does not name its own object is refused rather than stored into another."""
    return {"scope": form.get("scope", ""), "scope_id": form.get("scope_id", "").strip() or "-"}


def _page(group: SettingsGroup | None, groups: list[SettingsGroup], access: ScopeAccess,
          scope: str, scope_id: int | None, choices: list[tuple[int, str]],
          fields: list[SettingField], rows: list[FieldRow]) -> str:
    with i18n.using(shop_language()):
        by_section = sections(fields, rows)
    # the schema's words are in the catalogs (babel.cfg): shown in the admin's language
    heading = _(group.label) if group else ""
    fragment = flask.render_template(
        "admin_config.html", groups=groups, group=group, scope=scope, scope_id=scope_id,
        heading=heading, path=[_(step) for step in group.path] if group else [],
        scopes=[(s, _(SCOPE_LABELS[s])) for s in offered_scopes(access, SCOPES) or [scope]],
        scope_label=_(SCOPE_LABELS[scope]), scope_choices=choices, shown=CHOICES_SHOWN,
        scope_search=scope_search(flask.request.args, scope),
        sections=by_section,
        csrf_token=csrf_token())
    title = _("Configuration") + (f" – {heading}" if group else "")
    return host_of().layout.wrap(fragment, title=title, area="backoffice")


def _settings(host: Any) -> Settings:
    """The add-on's settings (they know the registered payment methods), else the host's store."""
    extension = flask.current_app.extensions.get("oro_invoices")
    settings = getattr(extension, "settings", None)
    return settings if isinstance(settings, Settings) else Settings.of_host(host)
