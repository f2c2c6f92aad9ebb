"""Settings: the schema (``config_schema.yaml``), validation and scope resolution.

The host's config store only stores values. This module knows what each
setting is, checks values against the schema (marshmallow fields) and finds the
effective value from the most specific scope that sets one:
customer → customer group → website → organization → global → schema default.
"""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml
from marshmallow import ValidationError as MarshmallowError
from marshmallow import fields, validate

from oro_invoices.adapters.config_store import ConfigStoreByPlace, ScopeContext, StoredSetting
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.invoice import SellerInfo
from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import N_, Message
from oro_invoices.domain.payment_labels import method_label
from oro_invoices.integration import setting_checks, setting_formats, settings_memo, webhook_endpoints
from oro_invoices.integration.links import base_url_problem
from oro_invoices.integration.request_settings import WHOLE_SCOPES, RequestValues

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.commerce import Websites
    from oro_invoices.adapters.config_store import ConfigStore

SCHEMA_PATH = Path(__file__).parent.parent / "config_schema.yaml"

#: Scope names, most general first.
SCOPES = ("global", "organization", "website", "customer_group", "customer")
TYPES = ("bool", "str", "int", "email", "choice", "url", webhook_endpoints.TYPE, "decimal", "secret")
#: Types whose values hold secrets: never shown back, in a form or in an error message.
WRITE_ONLY_TYPES = frozenset({webhook_endpoints.TYPE, "secret"})
#: Where a ``choice`` setting with ``choices_from`` takes its choices at run time.
CHOICE_SOURCES = ("payment_methods",)
SELLER_FIELDS = tuple(SellerInfo.__dataclass_fields__)

log = logging.getLogger("oro_invoices.config")

#: What every key of the add-on's settings starts with.
SETTINGS_PREFIX = "oro_invoices."

#: Settings that bound one another, (lower, higher): at no scope may the lower one's effective
#: value pass the higher one's (an earliest year after the latest would refuse every posting).
#: They are set at the global and organization scopes.
ORDERED_PAIRS = (("oro_invoices.posting.earliest_year", "oro_invoices.posting.latest_year"),)


class FormattedString(fields.String):
    """A string cleaned by one of ``setting_formats.FORMATS`` (no line breaks by default)."""

    def __init__(self, format_name: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.format_name = format_name

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return setting_formats.clean(self.format_name, text)


@dataclass(frozen=True)
class SettingSpec:
    """One setting as declared in the schema."""

    key: str
    type: str
    default: Any
    label: str
    section: str
    scopes: tuple[str, ...]
    help: str = ""
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    format: str = ""
    choices_from: str = ""
    #: (choice, label): the words the configuration pages show for a choice (English; catalogs)
    choice_labels: tuple[tuple[str, str], ...] = ()

    def choice_label(self, choice: str) -> str:
        """The label of ``choice`` in English (``i18n.translate`` it), else "" (show the choice)."""
        return dict(self.choice_labels).get(choice, "")

    def field(self, choices: tuple[str, ...] | None = None) -> fields.Field[Any]:
        """The marshmallow field that checks and normalises a value of this setting.

        :param choices: the choices of a ``choice`` setting, when they come from elsewhere
            than the schema (``choices_from``).
        """
        if self.type == "bool":
            return fields.Boolean(required=True)
        if self.type == "int":
            return fields.Integer(required=True, strict=False, validate=_in_range(self.min, self.max))
        if self.type == "email":
            return FormattedString("line", required=True, validate=validate.Email())
        if self.type == "choice":
            return fields.String(required=True, validate=_one_of(
                self.choices if choices is None else choices))
        if self.type == "decimal":
            return fields.String(required=True, validate=_check_decimal)
        if self.type == "secret":
            return fields.String(required=True, validate=[_at_most(self.max_length), _check_secret])
        if self.type == webhook_endpoints.TYPE:
            return webhook_endpoints.WebhookEndpointsField(required=True)
        if self.type == "url":
            return fields.String(required=True, validate=[_at_most(self.max_length), _check_base_url])
        return FormattedString(self.format or setting_formats.DEFAULT_FORMAT, required=True,
                               validate=_at_most(self.max_length))


@dataclass(frozen=True)
class ConfigSchema:
    """Every setting, keyed by its dotted key, plus the settings group of the host's config UI."""

    version: int
    group_key: str
    group_label: str
    group_path: tuple[str, ...]
    settings: Mapping[str, SettingSpec]

    def __getitem__(self, key: str) -> SettingSpec:
        try:
            return self.settings[key]
        except KeyError:
            raise ConfigurationError(f"Unknown setting {key!r}: it is not declared in "
                                     "config_schema.yaml") from None

    def __contains__(self, key: object) -> bool:
        return key in self.settings

    def __iter__(self) -> Iterator[SettingSpec]:
        return iter(self.settings.values())


def parse_schema(data: Mapping[str, Any]) -> ConfigSchema:
    """Build a schema from the YAML document's data, rejecting malformed declarations."""
    specs: dict[str, SettingSpec] = {}
    for key, raw in (data.get("settings") or {}).items():
        def bad(what: str, key: str = key) -> ConfigurationError:
            return ConfigurationError(f"config_schema.yaml: setting {key!r} {what}")
        if raw.get("type") not in TYPES:
            raise bad(f"has type {raw.get('type')!r}; expected one of {', '.join(TYPES)}")
        scopes = tuple(raw.get("scopes") or ())
        if not scopes or any(s not in SCOPES for s in scopes):
            raise bad(f"has scopes {list(scopes)!r}; each must be one of {', '.join(SCOPES)}")
        for needed in ("default", "label", "section"):
            if needed not in raw:
                raise bad(f"has no {needed}")
        text_format = raw.get("format", "")
        if text_format and (raw["type"] != "str" or text_format not in setting_formats.FORMATS):
            raise bad(f"has format {text_format!r}; a str setting may have one of "
                      f"{', '.join(setting_formats.FORMATS)}")
        choices_from = raw.get("choices_from", "")
        if choices_from and (raw["type"] != "choice" or choices_from not in CHOICE_SOURCES):
            raise bad(f"has choices_from {choices_from!r}; a choice setting may take its "
                      f"choices from {', '.join(CHOICE_SOURCES)}")
        labels = raw.get("choice_labels") or {}
        if not isinstance(labels, dict) or any(
                c not in (raw.get("choices") or ()) or not isinstance(t, str) or not t.strip()
                for c, t in labels.items()):
            raise bad(f"has choice_labels {labels!r}; it must map some of its choices to "
                      "non-empty labels")
        spec = SettingSpec(key=key, type=raw["type"], default=raw["default"], label=raw["label"],
                           section=raw["section"], scopes=scopes, help=raw.get("help", ""),
                           choices=tuple(raw.get("choices") or ()), min=raw.get("min"),
                           max=raw.get("max"), max_length=raw.get("max_length"),
                           format=text_format, choices_from=choices_from,
                           choice_labels=tuple(labels.items()))
        try:
            spec.field().deserialize(spec.default)
        except MarshmallowError as exc:
            raise bad(f"has an invalid default {spec.default!r}: {_problem(exc)}") from None
        specs[key] = spec
    group = data.get("group") or {}
    return ConfigSchema(version=int(data.get("version", 1)),
                        group_key=group.get("key", "oro_invoices"),
                        group_label=group.get("label", "Invoices"),
                        group_path=tuple(group.get("path") or ()), settings=specs)


@functools.lru_cache(maxsize=8)
def load_schema(path: str | Path | None = None) -> ConfigSchema:
    """Load and check ``config_schema.yaml`` (the packaged one by default); cached."""
    source = Path(path) if path else SCHEMA_PATH
    with source.open(encoding="utf-8") as fh:
        return parse_schema(yaml.load(fh, Loader=_UniqueKeyLoader) or {})


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping (YAML keeps the last
    silently, so a second copy of a setting would hide edits made to the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigurationError(f"{key_node.start_mark.name}, line {key_node.start_mark.line + 1}: "
                                         f"{key!r} is declared twice.")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _check_base_url(value: str) -> None:
    """An empty value or an absolute http(s) URL (``integration.links``)."""
    problem = base_url_problem(value)
    if problem is not None:
        raise MarshmallowError(problem)


def _check_decimal(value: str) -> None:
    """A non-negative decimal number written with ASCII digits and at most one point ("12.50")."""
    if not re.fullmatch(r"[0-9]{1,15}(\.[0-9]{1,4})?", value.strip()):
        raise MarshmallowError(Message("Must be a number such as 10 or 12.50 (at most 4 decimals, "
                                       "not negative)."))


def _check_secret(value: str) -> None:
    """Printable characters on one line (the message never repeats the value)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise MarshmallowError(Message("Must be on one line, without control characters."))


def _in_range(low: int | None, high: int | None) -> Callable[[int], None]:
    """``validate.Range``, its message keeping the bounds for the reader's language."""
    def check(value: int) -> None:
        if (low is None or value >= low) and (high is None or value <= high):
            return
        if low is not None and high is not None:
            raise MarshmallowError(Message("Must be greater than or equal to %(min)s and less than "
                                           "or equal to %(max)s.", min=low, max=high))
        if low is not None:
            raise MarshmallowError(Message("Must be greater than or equal to %(min)s.", min=low))
        raise MarshmallowError(Message("Must be less than or equal to %(max)s.", max=high))
    return check


def _one_of(choices: Sequence[str]) -> Callable[[str], None]:
    """``validate.OneOf``, its message naming the choices."""
    allowed = frozenset(choices)

    def check(value: str) -> None:
        if value not in allowed:
            # the empty choice (none) is written as "" so that the list does not start with a comma
            raise MarshmallowError(Message("Must be one of: %(choices)s.",
                                           choices=", ".join(choice or '""' for choice in choices)))
    return check


def _at_most(length: int | None) -> Callable[[str], None]:
    """``validate.Length(max=length)`` in the add-on's words, its message keeping the length."""
    def check(value: str) -> None:
        if length is not None and len(value) > length:
            raise MarshmallowError(Message("At most %(limit)s characters.", limit=length))
    return check


def _problem(exc: MarshmallowError) -> Message:
    """What marshmallow refused, as one message: the add-on's own with their values, marshmallow's
    fixed ones ("Not a valid integer.") by their text, which ``services.schema_messages`` marks
    for the catalogs."""
    messages = exc.messages if isinstance(exc.messages, list) else [exc.messages]
    parts = [m if isinstance(m, Message) else Message(str(m)) for m in messages]
    problem = parts[0] if parts else Message("Invalid value.")
    for part in parts[1:]:
        problem = Message("%(problem)s %(more)s", problem=problem, more=part)
    return problem


class InvalidSetting(ConfigurationError):
    """A value refused for one setting: ``key`` and ``problem`` say which and why."""

    def __init__(self, key: str, problem: str, message: str):
        """:param problem: what is wrong with the value (a ``Message``, shown under the field)."""
        super().__init__(message)
        self.key = key
        self.problem = problem


class InvalidSettings(ConfigurationError):
    """Values refused by ``Settings.apply``: ``problems`` maps each key to what is wrong."""

    def __init__(self, problems: Mapping[str, str], where: str):
        self.problems = dict(problems)
        problems_text = "; ".join(f"{key!r}: {problem}" for key, problem in self.problems.items())
        super().__init__(Message("Nothing was saved at %(where)s: %(problems)s", where=where,
                                 problems=problems_text))


#: Invalid stored values already reported in the log (key, scope, id, value), so each is logged once.
_REPORTED: set[tuple[str, str, int | None, str]] = set()


def _where(scope: str, scope_id: int | None) -> Message:
    if scope_id is None:
        return Message("%(scope)s scope", scope=scope)
    return Message("%(scope)s scope (id %(id)s)", scope=scope, id=str(scope_id))


@dataclass(frozen=True)
class ResolvedValue:
    """An effective value and where it came from (``scope`` is "default" for the schema)."""

    value: Any
    scope: str
    scope_id: int | None = None


#: The marshmallow field of each setting, by ``id`` of its spec (kept with it).
_FIELDS: dict[int, tuple[SettingSpec, fields.Field[Any]]] = {}


def _field(spec: SettingSpec) -> fields.Field[Any]:
    """``spec.field()``, built once: a field keeps no state of the values it checks, and
    every request checks the stored values it reads."""
    found = _FIELDS.get(id(spec))
    if found is None or found[0] is not spec:
        if len(_FIELDS) > 4096:  # schemas loaded and dropped again (tests)
            _FIELDS.clear()
        found = _FIELDS[id(spec)] = (spec, spec.field())
    return found[1]


class WebsitesUnknown(ConfigurationError):
    """A save whose checks must follow a website to its organization, by ``Settings`` built without
    the host's websites (``Settings(store)``): nothing is stored. ``keys`` are the settings saved,
    ``website_id`` the website the checks needed."""

    def __init__(self, keys: Sequence[str], where: str, website_id: int | None):
        self.keys = tuple(keys)
        self.website_id = website_id
        super().__init__(
            f"Nothing was saved at {where}: saving {', '.join(map(repr, self.keys))} is checked at website "
            f"{website_id} (direct debit under an e-invoice profile that cannot state it, with the values it "
            "inherits from its organization), and these Settings do not know the websites. Build them with "
            "Settings.of_host(host), or pass Settings(store, websites=host.websites).")


class SettingsHost(Protocol):
    """What ``Settings.of_host`` reads of a host: its config store and its websites."""

    @property
    def config(self) -> ConfigStore: ...

    @property
    def websites(self) -> Websites: ...


class Settings:
    """Read and write the add-on's settings through the host's config store."""

    def __init__(self, store: ConfigStore, schema: ConfigSchema | None = None, *,
                 payment_methods: Sequence[str] | Mapping[str, str] | None = None,
                 websites: Websites | None = None):
        """:param payment_methods: the registered payment methods, the choices of
        ``oro_invoices.payment_method``: their names, or their labels by name (None: the
        schema's own list).
        :param websites: the host's websites, whose organizations a save's checks follow to the
        values a website inherits (``of_host`` passes them). None: a save whose checks need a
        website's organization raises ``WebsitesUnknown``, storing nothing; other saves and every
        read work as with them."""
        self.store = store
        self.websites = websites
        self.schema = schema or load_schema()
        self.payment_methods = None if payment_methods is None else tuple(payment_methods)
        self._method_labels = dict(payment_methods) if isinstance(payment_methods, Mapping) else {}

    @classmethod
    def of_host(cls, host: SettingsHost, *,
                payment_methods: Sequence[str] | Mapping[str, str] | None = None) -> Settings:
        """Settings over ``host``'s config store that know its websites, so that a save's checks
        reach the websites below the scope saved: what every code saving a host's settings uses."""
        return cls(host.config, payment_methods=payment_methods, websites=host.websites)

    def choices(self, key: str) -> tuple[str, ...]:
        """The choices of a ``choice`` setting now: "" (none) plus the registered payment
        methods for ``choices_from: payment_methods``, else the schema's."""
        spec = self.schema[key]
        if spec.choices_from == "payment_methods" and self.payment_methods is not None:
            return ("", *(name for name in self.payment_methods if name))
        return spec.choices

    def choice_options(self, key: str) -> tuple[tuple[str, str], ...]:
        """The choices of a ``choice`` setting now, each with its English label for people (the
        schema's ``choice_labels``; a payment method's label; "" for the empty choice or one
        without a label): a page shows each label translated, or the choice itself."""
        spec = self.schema[key]
        if spec.choices_from == "payment_methods":
            return tuple((c, method_label(c, self._method_labels)) for c in self.choices(key))
        return tuple((c, spec.choice_label(c)) for c in self.choices(key))

    def validate(self, key: str, value: Any, scope: str = "global",
                 scope_id: int | None = None) -> Any:
        """Return ``value`` normalised for ``key``, or raise ConfigurationError saying what is wrong."""
        spec = self.schema[key]
        self._check_scope(spec, scope, scope_id)
        where = _where(scope, scope_id)
        if value is None:
            raise ConfigurationError(f"Setting {key!r} at {where}: a value is required "
                                     "(use unset() to fall back to the parent scope)")
        try:
            checker = spec.field(self.choices(key)) if spec.choices_from else _field(spec)
            return checker.deserialize(value)
        except MarshmallowError as exc:
            problem = _problem(exc)
            shown = Message("(not shown: it holds secrets)") if spec.type in WRITE_ONLY_TYPES \
                else quoted(value)
            raise InvalidSetting(key, problem, Message(
                "Setting %(key)s at %(where)s: invalid value %(value)s: %(problem)s", key=repr(key),
                where=where, value=shown, problem=problem)) from None

    @staticmethod
    def _check_scope(spec: SettingSpec, scope: str, scope_id: int | None) -> None:
        key = spec.key
        if scope not in SCOPES:
            raise ConfigurationError(f"Setting {key!r}: {scope!r} is not a scope; "
                                     f"use one of {', '.join(SCOPES)}")
        if scope not in spec.scopes:
            raise ConfigurationError(f"Setting {key!r} cannot be set at {scope} scope; "
                                     f"allowed scopes: {', '.join(spec.scopes)}")
        if (scope == "global") != (scope_id is None):
            need = "no id" if scope == "global" else "an id"
            raise ConfigurationError(f"Setting {key!r} at {scope} scope needs {need}, "
                                     f"got {scope_id!r}")

    def set(self, key: str, value: Any, scope: str = "global", scope_id: int | None = None) -> Any:
        """Validate and store ``value`` for ``key`` at one scope; return the stored value."""
        clean = self.validate(key, value, scope, scope_id)
        found = (self._checked_on_save({key: clean}, scope, scope_id) or self._crossings({key: clean}, scope, scope_id)
                 or self._combined({key: clean}, scope, scope_id))
        for problem in found.values():
            raise InvalidSetting(key, problem, Message(
                "Setting %(key)s at %(where)s: invalid value %(value)s: %(problem)s", key=repr(key),
                where=_where(scope, scope_id), value=quoted(value), problem=problem))
        settings_memo.forget()
        self.store.save(key, clean, scope, scope_id)
        return clean

    def unset(self, key: str, scope: str = "global", scope_id: int | None = None) -> None:
        """"Use default": forget the value at this scope so the parent scope's applies."""
        self._check_scope(self.schema[key], scope, scope_id)
        settings_memo.forget()
        self.store.delete(key, scope, scope_id)

    def apply(self, changes: Mapping[str, Any], scope: str = "global",
              scope_id: int | None = None) -> dict[str, Any]:
        """Store several values at one scope, all or nothing; ``None`` means "Use default".

        Every value is validated first; ``InvalidSettings`` lists each refused one and
        nothing is stored. Should the store fail half-way, the values stored before are
        put back. Returns the stored (normalised) values.
        """
        clean: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for key, value in changes.items():
            if value is None:
                self._check_scope(self.schema[key], scope, scope_id)
                clean[key] = None
                continue
            try:
                clean[key] = self.validate(key, value, scope, scope_id)
            except InvalidSetting as exc:
                problems[key] = exc.problem
        if not problems:
            problems = (self._checked_on_save(clean, scope, scope_id) or self._crossings(clean, scope, scope_id)
                        or self._combined(clean, scope, scope_id))
        if problems:
            raise InvalidSettings(problems, _where(scope, scope_id))
        before = {key: self.store.load(key, scope, scope_id) for key in clean}
        try:
            for key, value in clean.items():
                self._put(key, value, scope, scope_id)
        except Exception:
            for key, value in before.items():
                self._put(key, value, scope, scope_id)
            raise
        return clean

    def _checked_on_save(self, clean: Mapping[str, Any], scope: str, scope_id: int | None) -> dict[str, str]:
        """What the checks of ``setting_checks.SAVE_CHECKS`` find in the values of ``clean`` that
        change what is stored at this scope, by key (a value saved again unchanged is not checked:
        an unrelated save must not fail on it)."""
        problems: dict[str, str] = {}
        for key, value in clean.items():
            check = setting_checks.SAVE_CHECKS.get(key)
            if check is None or not value or value == self.store.load(key, scope, scope_id):
                continue
            problem = check(value)
            if problem is not None:
                problems[key] = problem
        return problems

    def _crossings(self, clean: Mapping[str, Any], scope: str, scope_id: int | None) -> dict[str, str]:
        """What storing ``clean`` (valid values, None: "Use default") at this scope would make cross
        (``ORDERED_PAIRS``), by the key changed: at this scope and, for a global save, at each
        organization that keeps one of the pair itself."""
        problems: dict[str, str] = {}
        for pair in ORDERED_PAIRS:
            if not any(key in clean for key in pair) or not all(key in self.schema for key in pair):
                continue
            places: list[int | None] = [None]
            if scope == "global":
                places += sorted({item.scope_id for key in pair for item in self.stored_everywhere(key, "organization")
                                  if item.scope_id is not None})
            for organization in places:
                found = self._crossing(pair, clean, scope, scope_id, organization)
                if found:
                    problems.update({key: problem for key, problem in found.items() if key not in problems})
                    break
        return problems

    def _combined(self, clean: Mapping[str, Any], scope: str, scope_id: int | None) -> dict[str, str]:
        """What ``setting_checks.combined_problem`` finds in the values storing ``clean`` gives, beside
        each key of ``setting_checks.COMBINED`` that ``clean`` changes: at the saved scope, then at
        each scope below it that keeps one of those keys itself and inherits the others (the first
        place found is named)."""
        keys = setting_checks.COMBINED
        if not any(key in clean for key in keys) or not all(key in self.schema for key in keys):
            return {}
        saved = [key for key in keys if key in clean]
        for place, named in self._places_under(keys, scope, scope_id, saved):
            before = {key: self._effective_at(key, {}, scope, scope_id, place) for key in keys}
            after = {key: self._effective_at(key, clean, scope, scope_id, place) for key in keys}
            changed = [key for key in keys if key in clean and after[key] != before[key]]
            if not changed:
                continue
            problem = setting_checks.combined_problem(
                after, {key: self.schema[key].choice_label(str(after[key])) for key in keys}, named)
            if problem is not None:
                return dict.fromkeys(changed, problem)
        return {}

    def _places_under(self, keys: Sequence[str], scope: str, scope_id: int | None,
                      saved: Sequence[str]) -> Iterator[tuple[ScopeContext, tuple[str, int] | None]]:
        """The scope saved and the organizations and websites below it that keep a value of one of
        ``keys``, each as the context their values resolve in and, below the saved one, its scope and id.
        A website is followed only where its organization is known (``_website_place``)."""
        first = self._website_place(scope_id, keys, scope, scope_id, saved) if scope == "website" \
            else self._context(scope, scope_id)
        yield first or ScopeContext(**{f"{scope}_id": scope_id}), None
        below = SCOPES[SCOPES.index(scope) + 1:]
        for lower in ("organization", "website"):
            if lower not in below:
                continue
            ids = sorted({item.scope_id for key in keys for item in self.stored_everywhere(key, lower)
                          if item.scope_id is not None})
            for lower_id in ids:
                place = self._website_place(lower_id, keys, scope, scope_id, saved) if lower == "website" \
                    else self._context(lower, lower_id)
                if place is not None and (scope == "global" or place.scope_id(scope) == scope_id):
                    yield place, (lower, lower_id)

    def _website_place(self, website_id: int | None, keys: Sequence[str], scope: str, scope_id: int | None,
                       saved: Sequence[str]) -> ScopeContext | None:
        """The context of a website a save of ``saved`` (at ``scope``) is checked at, resolving
        ``keys``: with its organization, which ``websites`` tell (None for one they do not know).
        Without ``websites`` the website alone, where it makes no difference: no organization keeps
        one of ``keys`` and the save is not an organization's (whose websites only they tell).

        :raises WebsitesUnknown: the website's organization is needed and no ``websites`` were given.
        """
        if self.websites is not None:
            return self._context("website", website_id)
        if scope != "organization" and not any(self.stored_everywhere(key, "organization") for key in keys):
            return ScopeContext(website_id=website_id)
        raise WebsitesUnknown(saved, _where(scope, scope_id), website_id)

    def _context(self, scope: str, scope_id: int | None) -> ScopeContext | None:
        """The context whose values a scope's settings are: a website's with its organization;
        None for a website whose organization is not known."""
        if scope == "global":
            return ScopeContext()
        if scope != "website":
            return ScopeContext(**{f"{scope}_id": scope_id})
        website = self.websites.get_website(scope_id) if self.websites is not None and scope_id else None
        return None if website is None else ScopeContext(organization_id=website.organization_id, website_id=scope_id)

    def _effective_at(self, key: str, clean: Mapping[str, Any], scope: str, scope_id: int | None,
                      place: ScopeContext) -> Any:
        """The effective value of ``key`` in ``place`` once ``clean`` (None: "Use default") is stored at
        ``scope``: the most specific scope of ``place`` with a valid value, else the default."""
        spec = self.schema[key]
        for level in reversed(SCOPES):
            level_id = place.scope_id(level)
            if level not in spec.scopes or (level != "global" and level_id is None):
                continue
            if (level, level_id) == (scope, scope_id) and key in clean:
                if clean[key] is None:
                    continue
                return clean[key]
            raw = self.store.load(key, level, level_id)
            if raw is None:
                continue
            try:
                return self.validate(key, raw, level, level_id)
            except InvalidSetting:
                continue
        return spec.default

    def _crossing(self, pair: tuple[str, str], clean: Mapping[str, Any], scope: str, scope_id: int | None,
                  organization: int | None) -> dict[str, Message]:
        """The problems of the keys of ``pair`` that ``clean`` changes, if their values would cross
        at the saved scope (``organization`` None) or at that organization under a global save."""
        low, high = pair
        before = {key: self._effective(key, {}, scope, scope_id, organization) for key in pair}
        after = {key: self._effective(key, clean, scope, scope_id, organization) for key in pair}
        changed = [key for key in pair if key in clean and after[key] != before[key]]
        if not changed or after[low] <= after[high]:
            return {}
        labels = {key: Message(self.schema[key].label) for key in pair}
        words = {low: (N_("Must not be after the %(setting)s (%(value)s)."),
                       N_("Must not be after the %(setting)s that organization %(organization)s keeps "
                          "(%(value)s).")),
                 high: (N_("Must not be before the %(setting)s (%(value)s)."),
                        N_("Must not be before the %(setting)s that organization %(organization)s keeps "
                           "(%(value)s)."))}
        other = {low: high, high: low}
        return {key: Message(words[key][organization is not None], setting=labels[other[key]],
                             value=str(after[other[key]]), organization=str(organization))
                for key in changed}

    def _effective(self, key: str, clean: Mapping[str, Any], scope: str, scope_id: int | None,
                   organization: int | None) -> Any:
        """The effective value of ``key`` once ``clean`` is stored at ``scope``: at that scope, or at
        ``organization`` when the save is global and the organization keeps a value of its own."""
        if organization is not None:
            kept = self.store.load(key, "organization", organization)
            if kept is not None:
                return self.resolve(key, ScopeContext(organization_id=organization)).value
        if key not in clean:
            ctx = ScopeContext() if scope == "global" else ScopeContext(**{f"{scope}_id": scope_id})
            return self.resolve(key, ctx).value
        if clean[key] is not None:
            return clean[key]
        return self.schema[key].default if scope == "global" else self.resolve(key, ScopeContext()).value

    def _put(self, key: str, value: Any, scope: str, scope_id: int | None) -> None:
        settings_memo.forget()
        if value is None:
            self.store.delete(key, scope, scope_id)
        else:
            self.store.save(key, value, scope, scope_id)

    def stored(self, key: str, scope: str = "global", scope_id: int | None = None) -> Any | None:
        """The value set exactly at this scope, or None if it uses the parent's."""
        raw = self.store.load(key, scope, scope_id)
        return None if raw is None else self.validate(key, raw, scope, scope_id)

    def resolve(self, key: str, ctx: ScopeContext = ScopeContext()) -> ResolvedValue:
        """The effective value of ``key`` for ``ctx`` and the scope that provided it.

        Within ``settings_memo.remember_settings()`` (each page and API request) a key is
        read from the store once per scope context.
        """
        memo = settings_memo.active()
        if memo is None:
            return self._resolve(key, ctx)
        seen = (id(self.store), id(self.schema), self.payment_methods, key, ctx)
        # kept for the request, so that no other object takes their ids meanwhile
        memo[("kept", id(self.store), id(self.schema))] = (self.store, self.schema)
        found = memo.get(seen)
        if found is None:
            found = memo[seen] = self._resolve(key, ctx)
        return found

    def _resolve(self, key: str, ctx: ScopeContext) -> ResolvedValue:
        spec = self.schema[key]
        values = self._request_values() if key.startswith(SETTINGS_PREFIX) else None
        if values is not None:
            values.cover(ctx)
        for scope in reversed(SCOPES):
            if scope not in spec.scopes:
                continue
            scope_id = ctx.scope_id(scope)
            if scope != "global" and scope_id is None:
                continue
            raw = self.store.load(key, scope, scope_id) if values is None else values.get(key, scope, scope_id)
            if raw is None:
                continue
            try:
                return ResolvedValue(self.validate(key, raw, scope, scope_id), scope, scope_id)
            except InvalidSetting as exc:
                # Stored before it was checked (or behind the add-on's back): reading it
                # must not stop posting, mail or start-up, so the parent scope applies.
                self._report(exc, scope, scope_id, raw)
        return ResolvedValue(spec.default, "default")

    def expect(self, ctx: ScopeContext) -> None:
        """Within a remembered request, read the values stored for ``ctx``'s customer group and
        customer with the request's next read of the store (``RequestValues.expect``), so that
        resolving a key for them later sends no statement of its own; outside one, nothing."""
        values = self._request_values()
        if values is not None:
            values.expect(ctx)

    def stored_everywhere(self, key: str, scope: str | None = None) -> list[StoredSetting]:
        """Every value stored for ``key`` (only those at ``scope``, any id, when given)."""
        return self._stored_in(key, SCOPES if scope is None else (scope,))

    def _stored_in(self, key: str, scopes: Sequence[str]) -> list[StoredSetting]:
        """Every value stored for ``key`` at one of ``scopes`` (any id), reading only those
        scopes from a store that can (``ConfigStoreByPlace``; another is read whole). Within a
        remembered request, the values at the scopes read whole (``request_settings``) come
        from the same reads that ``resolve`` uses."""
        by_scope = self.store if isinstance(self.store, ConfigStoreByPlace) else None
        # a request reads whole the scopes of few values (or, from a store that cannot read by
        # scope, everything), not every customer's: only those are taken from its reads
        if key.startswith(SETTINGS_PREFIX) and (by_scope is None or set(scopes) <= set(WHOLE_SCOPES)) \
                and (values := self._request_values()):
            values.cover(ScopeContext())
            at = [values.at_scope(key, scope) for scope in scopes]
            if all(found is not None for found in at):
                return [item for found in at for item in found or ()]
        if by_scope is not None and set(scopes) != set(SCOPES):
            found = by_scope.stored_at(key, scopes, ())
        else:
            found = self.store.stored(key)
        return [item for item in found if item.key == key and item.scope in scopes]

    def values_anywhere(self, key: str, *, down_to: str = SCOPES[-1]) -> list[Any]:
        """Every value ``key`` can take in some scope: each value stored at a scope it applies
        at that passes its checks (``resolve`` passes over the others to the parent scope,
        whose value is listed too), and its default unless a global value hides it. With
        ``down_to``, only those stored at it or a wider scope (``"website"``: the values a
        scope naming no customer group nor customer resolves to)."""
        if down_to not in SCOPES:
            raise ValueError(f"down_to {down_to!r} is not one of {', '.join(SCOPES)}")
        found, overall = [], False
        for item in self._stored_in(key, SCOPES[:SCOPES.index(down_to) + 1]):
            try:
                found.append(self.validate(key, item.value, item.scope, item.scope_id))
            except ConfigurationError:
                continue
            overall = overall or item.scope == "global"
        return found if overall else [self.schema[key].default, *found]

    def _request_values(self) -> RequestValues | None:
        """The add-on's stored values as this remembered request has read them; None outside one."""
        memo = settings_memo.active()
        if memo is None:
            return None
        seen = ("stored", id(self.store))
        values: RequestValues | None = memo.get(seen)
        if values is None:
            memo[seen] = values = RequestValues(self.store, SETTINGS_PREFIX)  # keeps the store: no reused id
        return values

    @staticmethod
    def _report(exc: InvalidSetting, scope: str, scope_id: int | None, raw: Any) -> None:
        seen = (exc.key, scope, scope_id, repr(raw))
        if seen in _REPORTED:
            return
        if len(_REPORTED) > 1000:
            _REPORTED.clear()
        _REPORTED.add(seen)
        log.warning("%s Ignored: the parent scope's value applies until an administrator "
                    "corrects it.", exc.message)

    def value(self, key: str, ctx: ScopeContext = ScopeContext()) -> Any:
        """The effective value of ``key`` for ``ctx``."""
        return self.resolve(key, ctx).value

    def seller_info(self, ctx: ScopeContext = ScopeContext()) -> SellerInfo:
        """The seller as configured for ``ctx`` (printed on invoices and in emails)."""
        return resolve_seller(lambda key: self.value(key, ctx))


def resolve_seller(value: Callable[[str], Any]) -> SellerInfo:
    """The seller from a lookup of settings: ``oro_invoices.seller.<field>`` for each field."""
    return SellerInfo.from_mapping({name: value(f"oro_invoices.seller.{name}") for name in SELLER_FIELDS})


def schema_markdown(schema: ConfigSchema | None = None) -> str:
    """The settings reference (docs/configuration.md) generated from the schema."""
    schema = schema or load_schema()
    out = ["# Configuration", "",
           "<!-- Generated by `python -m oro_invoices.integration.config > docs/configuration.md`. -->", "",
           f"Every setting lives under System > Configuration > {' > '.join(schema.group_path)}.",
           "The effective value comes from the most specific scope that sets one: customer → "
           "customer group → website → organization → global → the default below. "
           '"Use default" (`Settings.unset`) falls back to the parent scope.', "",
           "Invoices are off by default; switching them off also switches the storefront and "
           "payments off.", "",
           "Every value is validated when it is saved (`Settings.set`, `Settings.apply`); a "
           "save of several values stores all of them or none. Text values lose surrounding "
           "whitespace. A stored value that is not valid (saved behind the add-on's back or "
           "by an older release) is ignored with a warning in the log, so the parent scope's "
           "value applies until an administrator corrects it.", "",
           "Changing settings needs the permission `oro_invoices.configure`, and only at the "
           "scopes of the admin's own organization (the organization, its websites, customer "
           "groups and customers); the global scope, which applies to every organization, also "
           "needs `oro_invoices.configure_global` (see adapters.md).", ""]
    sections: dict[str, list[SettingSpec]] = {}
    for spec in schema:
        sections.setdefault(spec.section, []).append(spec)
    for section, specs in sections.items():
        out += [f"## {section}", ""]
        for spec in specs:
            kind = spec.type + (f" ({' | '.join(repr(c) for c in spec.choices)})"
                                if spec.choices else "")
            if spec.choices_from == "payment_methods":
                kind = "choice (`''` for none, or the name of a registered payment method: " \
                       "built in `'oropay'`)"
            out += [f"### `{spec.key}`", "", f"**{spec.label}** — {spec.help}", "",
                    f"- type: {kind}", *_accepts(spec), f"- default: `{spec.default!r}`",
                    f"- scopes: {', '.join(spec.scopes)}", ""]
    return "\n".join(out)


def _accepts(spec: SettingSpec) -> list[str]:
    """The "accepts" line of a text setting's entry in the settings reference."""
    if spec.type == "email":
        what = "one email address, on one line"
    elif spec.type == "url":
        what = ("empty or an absolute `http://` or `https://` URL without spaces or control characters, and "
                "with `\"`, `<`, `>`, `\\`, `^`, `` ` ``, `{`, `|` and `}` percent-encoded (`%22`, `%3C`…)")
    elif spec.type == "str":
        what = setting_formats.FORMATS[spec.format or setting_formats.DEFAULT_FORMAT][1]
    elif spec.type == "decimal":
        what = "a number such as `10` or `12.50`, not negative, at most 4 decimals"
    elif spec.type == "secret":
        what = "one line; write-only (never shown back; saving an empty field keeps it)"
    elif spec.type == webhook_endpoints.TYPE:
        what = ("a list of `{\"url\": …, \"secret\": …}`, or text with one endpoint per line "
                "(the URL, a space, the secret); the secret is write-only")
    else:
        return []
    if spec.max_length:
        what += f"; at most {spec.max_length} characters"
    return [f"- accepts: {what}"]


if __name__ == "__main__":  # pragma: no cover
    print(schema_markdown(), end="")
