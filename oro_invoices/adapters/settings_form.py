"""A host's settings page without its web framework: scope choice, rows and all-or-nothing save.

A host gives the scopes its admin may configure (``ScopeAccess``) and the declared fields of a
group (``ConfigStore.declared_settings``); this module builds what the page shows and stores
what it sends. Each field shows its value, or the inherited one with "Use default" ticked.
A save validates every field and stores all of them or none (``Settings.apply``), with each
problem beside its field. Secrets are write-only: the form never shows them back, and an empty
secret field keeps what is stored. A value changed while "Use default" is ticked is not
dropped silently: nothing is saved and the field comes back unticked with the new value.

Labels, help, choices, sections and errors are in the language of ``i18n.using`` (the page's).
The framework glue left to a host: reading the request, its CSRF check, the flash message,
the redirect after a save and the template (docs/adapters.md).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from oro_invoices import i18n
from oro_invoices.adapters.config_store import ScopeContext, SettingField
from oro_invoices.composition import host_sender
from oro_invoices.domain.messages import N_, Message
from oro_invoices.integration import setting_formats, webhook_endpoints
from oro_invoices.integration.config import InvalidSetting, InvalidSettings, Settings

CONFIGURE = "oro_invoices.configure"
CONFIGURE_GLOBAL = "oro_invoices.configure_global"

#: Setting types whose values are write-only in the form (``secret``: keys, passwords).
WRITE_ONLY_SECRETS = frozenset({"secret"})

#: The sender settings, whose defaults a host's own From address and its display name replace
#: (``DefaultMailSender``) while no scope stores a sender.
SENDER, SENDER_NAME = "oro_invoices.mail.sender", "oro_invoices.mail.sender_name"

USE_DEFAULT_CONFLICT = Message('"Use default" was ticked, so this change was not saved. "Use '
                               'default" is now unticked: save again to keep the new value, or '
                               "tick it to keep the inherited one.")

#: How a message names each scope (the words of the scope selector).
SCOPE_LABELS = {"global": N_("Global"), "organization": N_("Organization"), "website": N_("Website"),
                "customer_group": N_("Customer Group"), "customer": N_("Customer")}

#: Why a scope object the admin may not configure answers 404, one message a scope.
NOT_YOURS = {
    "organization": Message("There is no such organization among those you may configure."),
    "website": Message("There is no such website among those of your organization."),
    "customer_group": Message("There is no such customer group among those of your organization."),
    "customer": Message("There is no such customer among those of your organization."),
}


class Denied(Exception):
    """The admin may not open this page or scope: ``status`` 403 or 404, ``message`` why."""

    def __init__(self, status: int, message: Message):
        super().__init__(message.msgid)
        self.status = status
        self.message = message


class ScopeAccess(Protocol):
    """The scopes the current admin may configure (a host's own rules of ownership)."""

    @property
    def may_configure(self) -> bool: ...

    @property
    def may_configure_global(self) -> bool: ...

    def choices(self, scope: str) -> list[tuple[int, str]]:
        """The objects of ``scope`` the admin may configure, as (id, name)."""
        ...

    def owns(self, scope: str, scope_id: int | None) -> bool:
        """Whether the admin may see and change the values of this scope object."""
        ...


class SearchableScopeAccess(Protocol):
    """What a ``ScopeAccess`` may add so that a page never lists every object of a scope (a
    shop may have tens of thousands of customers). Optional: without it, ``choices`` is read
    whole and the page still lists at most ``CHOICES_SHOWN``."""

    def find(self, scope: str, search: str, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` of the objects of ``scope`` the admin may configure whose name
        contains ``search`` (ignoring case; "" for any), as (id, name), by name."""
        ...

    def name(self, scope: str, scope_id: int) -> str | None:
        """The name of one object of ``scope`` the admin may configure; None for any other."""
        ...


#: The objects of a scope a settings page lists at most; a search finds the others.
CHOICES_SHOWN = 50


def matching(choices: list[tuple[int, str]], search: str, limit: int | None) -> list[tuple[int, str]]:
    """Up to ``limit`` (None: all) of ``choices`` whose name contains ``search``, ignoring case."""
    needle = search.casefold()
    return [c for c in choices if needle in c[1].casefold()][:limit]


def find_choices(access: ScopeAccess, scope: str, search: str = "",
                 limit: int = CHOICES_SHOWN) -> list[tuple[int, str]]:
    """Up to ``limit`` objects of ``scope`` the admin may configure whose name contains
    ``search`` (ignoring case), by name: through the host's ``find`` when it has one."""
    find = getattr(access, "find", None)
    if find is not None:
        found: list[tuple[int, str]] = find(scope, search.strip(), limit)
        return found[:limit]
    return matching(access.choices(scope), search.strip(), limit)


def scope_search(args: Mapping[str, Any], scope: str) -> str:
    """The search to show back in the selector's field: the one sent for ``scope`` (none after
    the admin switched to another scope, see ``choose_scope``)."""
    return str(args.get("scope_search") or "") if args.get("scope_of_id", scope) == scope else ""


def _chosen_name(access: ScopeAccess, scope: str, scope_id: int) -> str | None:
    name = getattr(access, "name", None)
    if name is not None:
        found: str | None = name(scope, scope_id)
        return found
    return dict(access.choices(scope)).get(scope_id)


def granted(access: ScopeAccess, flag: str) -> bool:
    """``access.may_configure`` or ``access.may_configure_global``, refusing a method: a bound
    method is always true, so reading one as the flag would let every admin configure."""
    value = getattr(access, flag)
    if callable(value):
        raise TypeError(f"{type(access).__name__}.{flag} is a method; ScopeAccess needs it as a "
                        f"bool attribute or property (a method is always true, so every admin "
                        f"could change the settings). Write @property above it.")
    return bool(value)


def offered_scopes(access: ScopeAccess, candidates: tuple[str, ...]) -> list[str]:
    """Those of ``candidates`` the admin may configure something at."""
    return [s for s in candidates
            if (granted(access, "may_configure_global") if s == "global"
                else bool(find_choices(access, s, limit=1)))]


def choose_scope(access: ScopeAccess, args: Mapping[str, Any],
                 candidates: tuple[str, ...]) -> tuple[str, int | None, list[tuple[int, str]]]:
    """The scope, scope object and that scope's choices asked for by ``args`` (``scope``,
    ``scope_id``; the first offered when absent); ``Denied`` when the admin may not.

    The choices are those the selector lists: at most ``CHOICES_SHOWN`` by name, those whose
    name contains ``args["scope_search"]`` when given, and the chosen object first when it is
    not among them. A selector form sends the scope its object and search belong to as
    ``scope_of_id``: when the admin has switched to another scope, they are left out."""
    if not granted(access, "may_configure"):
        raise Denied(403, Message("You do not have permission to change the invoice settings. Ask "
                                  "an administrator to grant you %(permission)s.", permission=CONFIGURE))
    offered = offered_scopes(access, candidates)
    scope = args.get("scope") or (offered[0] if offered else "organization")
    if scope not in candidates:
        raise Denied(404, Message("There is no such configuration scope."))
    if scope == "global":
        if not granted(access, "may_configure_global"):
            raise Denied(403, Message("Changing the settings of every organization (global scope) "
                                      "needs the permission %(permission)s. Choose your "
                                      "organization's scope instead.", permission=CONFIGURE_GLOBAL))
        return scope, None, []
    if args.get("scope_of_id", scope) != scope:
        # the selector switched to another scope: its object and search were the old scope's
        args = {"scope": scope}
    choices = find_choices(access, scope, scope_search(args, scope))
    first = choices[:1] or find_choices(access, scope, limit=1)
    raw_id = str(args.get("scope_id") or (first[0][0] if first else ""))
    scope_id = int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19 else None
    if not access.owns(scope, scope_id):
        raise Denied(404, NOT_YOURS.get(scope, Message("There is no such configuration scope.")))
    if scope_id is not None and all(cid != scope_id for cid, _ in choices):
        chosen = _chosen_name(access, scope, scope_id)
        choices = [(scope_id, chosen if chosen is not None else str(scope_id)), *choices]
    return scope, scope_id, choices


@dataclass
class FieldRow:
    """One setting on the page, its words in the page's language."""

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
    #: text of several lines (an address, payment terms): shown in a text area
    multiline: bool = False

    @property
    def inherited_shown(self) -> Any:
        """The inherited value as the page shows it: a choice by its label, never its code."""
        if self.type == "choice":
            return dict(self.options).get(self.inherited, self.inherited)
        return self.inherited


def parent_context(ctx: ScopeContext, scope: str) -> ScopeContext:
    """The context a scope object inherits from: ``ctx`` without the object itself."""
    if scope == "global":
        return ctx
    return replace(ctx, **{f"{scope}_id": None})


def sections(fields: list[SettingField], rows: list[FieldRow]) -> dict[str, list[FieldRow]]:
    """The rows under their translated section titles, in the order of the fields."""
    found: dict[str, list[FieldRow]] = {}
    for field, row in zip(fields, rows):
        found.setdefault(i18n.gettext(field.section), []).append(row)
    return found


class SettingsForm:
    """The fields of one settings group at one scope object: shown (``rows``) and saved (``save``)."""

    def __init__(self, settings: Settings, fields: list[SettingField], scope: str,
                 scope_id: int | None, ctx: ScopeContext, *, host: object | None = None):
        """``host``: the host adapter, whose own From address (``DefaultMailSender``) is the
        Sender Email inherited while no scope stores one, as mail is sent (``configured_sender``)."""
        self.settings, self.fields = settings, fields
        self.scope, self.scope_id, self.ctx = scope, scope_id, ctx
        self.host = host
        #: after a refused ``save``: why settings it sent that this scope has no field for were
        #: refused (a host shows these beside its "not saved" message)
        self.not_here: list[str] = []

    def rows(self) -> list[FieldRow]:
        """Each field as stored at this scope, or inherited."""
        return [self._row(f) for f in self.fields]

    def _multiline(self, field: SettingField) -> bool:
        schema = self.settings.schema
        return field.type == webhook_endpoints.TYPE or (
            field.key in schema and schema[field.key].format in setting_formats.MULTILINE)

    def _row(self, field: SettingField, **override: Any) -> FieldRow:
        settings, scope, scope_id = self.settings, self.scope, self.scope_id
        stored = settings.store.load(field.key, scope, scope_id)
        inherited = self._inherited(field)
        choices = settings.choices(field.key) if field.type == "choice" else tuple(field.choices)
        # the schema's words are in the catalogs (babel.cfg)
        row = FieldRow(key=field.key, label=i18n.gettext(field.label), type=field.type,
                       help=i18n.gettext(field.help) if field.help else "",
                       choices=choices, value=stored if stored is not None else inherited,
                       use_default=stored is None, inherited=inherited,
                       options=self._options(field.key, choices), multiline=self._multiline(field))
        if stored is not None and not override:
            try:
                settings.validate(field.key, stored, scope, scope_id)
            except InvalidSetting as exc:
                row.error = i18n.gettext(Message(
                    "The stored value is not valid (%(problem)s) and is ignored: the inherited "
                    "value applies until you correct it.", problem=exc.problem))
        for name, value in override.items():
            setattr(row, name, value)
        if field.type == "decimal":  # written as the page reads it back (_parse): "12,50" in German
            row.inherited = _shown_decimal(row.inherited)
            if "value" not in override:         # what was typed into a refused form stays as typed
                row.value = _shown_decimal(row.value)
        if field.type == webhook_endpoints.TYPE:  # their secrets are never shown back
            row.value = webhook_endpoints.form_text(row.value, stored if stored is not None else inherited)
            row.inherited = webhook_endpoints.form_text(inherited)
        if field.type in WRITE_ONLY_SECRETS:
            row.secret_set = bool(stored if stored is not None else inherited)
            row.value = ""
            row.inherited = i18n.gettext("a stored secret") if inherited else ""
        return row

    def _inherited(self, field: SettingField) -> Any:
        """What applies while nothing is stored at this scope: the parent scope's value, else the
        default, which for the sender (and its name, while the sender is the host's) is the
        host's own address (and display name) where it has one, as ``configured_sender`` sends."""
        value, source = self._parent(field.key, field.default)
        if field.key in (SENDER, SENDER_NAME) and source == "default":
            own = host_sender(self.host)
            # the name follows the address: the host's while no scope here or above stores one
            sends_own = field.key == SENDER or self.settings.resolve(SENDER, self.ctx).scope == "default"
            if own is not None and sends_own:
                return own[0] if field.key == SENDER else own[1]
        return value

    def _parent(self, key: str, default: Any) -> tuple[Any, str]:
        """``key``'s value above this scope, and the scope it comes from ("default": none stores it)."""
        if self.scope == "global":
            return default, "default"
        resolved = self.settings.resolve(key, parent_context(self.ctx, self.scope))
        return resolved.value, resolved.scope

    def _options(self, key: str, choices: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        """Each choice with its label (``Settings.choice_options``); the empty one is "None"."""
        settings = self.settings
        labels = dict(settings.choice_options(key)) if key in settings.schema.settings else {}
        return tuple((c, i18n.gettext(labels[c]) if labels.get(c) else (c or i18n.gettext("None")))
                     for c in choices)

    def save(self, form: Mapping[str, str]) -> tuple[list[FieldRow], bool]:
        """Validate every field sent in ``form``, then store all of them or none: the rows to
        show again (each problem as its ``error``) and whether it was saved."""
        settings, scope, scope_id = self.settings, self.scope, self.scope_id
        self.not_here = self._not_here(form)
        if self.not_here:   # all or nothing: a value that cannot be stored here stops the save
            return self.rows(), False
        changes: dict[str, Any] = {}
        problems: dict[str, str] = {}
        rows: dict[str, FieldRow] = {}
        for field in self.fields:
            submitted = form.get(field.key)
            raw = _parse(field.type, submitted)
            ticked = form.get(f"{field.key}.use_default") == "1"
            if submitted is None and not ticked:  # not on the form that was sent: left as it is
                rows[field.key] = self._row(field)
                continue
            if field.type in WRITE_ONLY_SECRETS and not ticked and not (submitted or "").strip():
                rows[field.key] = self._row(field)  # the form never had the value: kept as stored
                continue
            if field.type == webhook_endpoints.TYPE:  # a line still showing the mask keeps its secret
                raw = webhook_endpoints.restore_secrets(raw, settings.resolve(field.key, self.ctx).value)
            if ticked:
                current = self._row(field)
                if submitted is not None and self._edited(field.key, raw,
                                                          [current.value, current.inherited]):
                    problems[field.key] = USE_DEFAULT_CONFLICT
                    rows[field.key] = self._row(field, value=raw, use_default=False)
                    continue
                changes[field.key] = None
                rows[field.key] = self._row(field, use_default=True)
                continue
            changes[field.key] = raw
            rows[field.key] = self._row(field, value=raw, use_default=False)
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
            rows[key].error = i18n.gettext(problem)  # values in the page's formats
        return [rows[f.key] for f in self.fields], not problems

    def _not_here(self, form: Mapping[str, str]) -> list[str]:
        """Why each setting ``form`` sends that cannot be set at this scope is refused."""
        schema = self.settings.schema
        sent = {name.removesuffix(".use_default") for name in form}
        return [i18n.gettext(Message("%(setting)s cannot be set at this scope (only at: %(scopes)s). Nothing "
                                     "was saved.", setting=Message(schema[key].label),
                                     scopes=tuple(Message(SCOPE_LABELS[s]) for s in schema[key].scopes)))
                for key in sorted(sent) if key in schema and self.scope not in schema[key].scopes]

    def _edited(self, key: str, raw: Any, unchanged: list[Any]) -> bool:
        """Whether ``raw``, sent with "Use default" ticked, is an edit: a value other than those
        the field showed (the inherited value, or the one stored at this scope)."""
        if raw in unchanged:  # as shown (also a masked secret's empty field)
            return False
        validate = self.settings.validate
        try:
            clean = validate(key, raw, self.scope, self.scope_id)
        except InvalidSetting:
            return True
        for value in unchanged:
            try:
                value = validate(key, _parse(self.settings.schema[key].type, value)
                                 if isinstance(value, str) else value, self.scope, self.scope_id)
            except InvalidSetting:
                pass
            if clean == value:
                return False
        return True


def _shown_decimal(value: Any) -> Any:
    """A decimal setting as its field shows it on a page in this language ("12,50" in German);
    anything that is no number as it is."""
    from decimal import Decimal, InvalidOperation

    from oro_invoices.formatting.formatter import Formatter
    from oro_invoices.i18n import current_language
    try:
        return Formatter(current_language()).field_number(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return value


def _parse(field_type: str, raw: str | None) -> Any:
    if field_type == "bool":
        return {"1": True, "0": False}.get(raw or "", raw)
    if field_type == "decimal" and raw:
        # as every amount typed on the add-on's pages: in the page's number format ("12,50" in German)
        from oro_invoices.formatting.formatter import Formatter
        from oro_invoices.i18n import current_language
        return Formatter(current_language()).typed_number(raw)
    return raw if raw is not None else ""
