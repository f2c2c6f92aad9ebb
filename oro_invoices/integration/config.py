"""Settings: the schema (``config_schema.yaml``), validation and scope resolution.

The host's config store only stores values. This module knows what each
setting is, checks values against the schema (marshmallow fields) and finds the
effective value from the most specific scope that sets one:
customer → customer group → website → organization → global → schema default.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from marshmallow import ValidationError as MarshmallowError
from marshmallow import fields, validate

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.invoice import SellerInfo

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.config_store import ConfigStore

SCHEMA_PATH = Path(__file__).parent.parent / "config_schema.yaml"

#: Scope names, most general first.
SCOPES = ("global", "organization", "website", "customer_group", "customer")
TYPES = ("bool", "str", "int", "email", "choice")
SELLER_FIELDS = ("company_name", "business_address", "phone", "contact_email",
                 "website_url", "tax_id")


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

    def field(self) -> fields.Field[Any]:
        """The marshmallow field that checks and normalises a value of this setting."""
        if self.type == "bool":
            return fields.Boolean(required=True)
        if self.type == "int":
            return fields.Integer(required=True, strict=False,
                                  validate=validate.Range(min=self.min, max=self.max))
        if self.type == "email":
            return fields.Email(required=True)
        if self.type == "choice":
            return fields.String(required=True, validate=validate.OneOf(self.choices))
        return fields.String(required=True, validate=validate.Length(max=self.max_length))


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
        spec = SettingSpec(key=key, type=raw["type"], default=raw["default"], label=raw["label"],
                           section=raw["section"], scopes=scopes, help=raw.get("help", ""),
                           choices=tuple(raw.get("choices") or ()), min=raw.get("min"),
                           max=raw.get("max"), max_length=raw.get("max_length"))
        try:
            spec.field().deserialize(spec.default)
        except MarshmallowError as exc:
            raise bad(f"has an invalid default {spec.default!r}: {_message(exc)}") from None
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
        return parse_schema(yaml.safe_load(fh) or {})


def _message(exc: MarshmallowError) -> str:
    messages = exc.messages
    if isinstance(messages, list):
        return " ".join(str(m) for m in messages)
    return str(messages)


@dataclass(frozen=True)
class ResolvedValue:
    """An effective value and where it came from (``scope`` is "default" for the schema)."""

    value: Any
    scope: str
    scope_id: int | None = None


class Settings:
    """Read and write the add-on's settings through the host's config store."""

    def __init__(self, store: ConfigStore, schema: ConfigSchema | None = None):
        self.store = store
        self.schema = schema or load_schema()

    def validate(self, key: str, value: Any, scope: str = "global",
                 scope_id: int | None = None) -> Any:
        """Return ``value`` normalised for ``key``, or raise ConfigurationError saying what is wrong."""
        spec = self.schema[key]
        where = f"{scope} scope" + ("" if scope_id is None else f" (id {scope_id})")
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
        if value is None:
            raise ConfigurationError(f"Setting {key!r} at {where}: a value is required "
                                     "(use unset() to fall back to the parent scope)")
        try:
            return spec.field().deserialize(value)
        except MarshmallowError as exc:
            raise ConfigurationError(f"Setting {key!r} at {where}: invalid value "
                                     f"{value!r}: {_message(exc)}") from None

    def set(self, key: str, value: Any, scope: str = "global", scope_id: int | None = None) -> Any:
        """Validate and store ``value`` for ``key`` at one scope; return the stored value."""
        clean = self.validate(key, value, scope, scope_id)
        self.store.save(key, clean, scope, scope_id)
        return clean

    def unset(self, key: str, scope: str = "global", scope_id: int | None = None) -> None:
        """"Use default": forget the value at this scope so the parent scope's applies."""
        self.schema[key]
        self.store.delete(key, scope, scope_id)

    def stored(self, key: str, scope: str = "global", scope_id: int | None = None) -> Any | None:
        """The value set exactly at this scope, or None if it uses the parent's."""
        raw = self.store.load(key, scope, scope_id)
        return None if raw is None else self.validate(key, raw, scope, scope_id)

    def resolve(self, key: str, ctx: ScopeContext = ScopeContext()) -> ResolvedValue:
        """The effective value of ``key`` for ``ctx`` and the scope that provided it."""
        spec = self.schema[key]
        for scope in reversed(SCOPES):
            if scope not in spec.scopes:
                continue
            scope_id = ctx.scope_id(scope)
            if scope != "global" and scope_id is None:
                continue
            raw = self.store.load(key, scope, scope_id)
            if raw is not None:
                return ResolvedValue(self.validate(key, raw, scope, scope_id), scope, scope_id)
        return ResolvedValue(spec.default, "default")

    def value(self, key: str, ctx: ScopeContext = ScopeContext()) -> Any:
        """The effective value of ``key`` for ``ctx``."""
        return self.resolve(key, ctx).value

    def seller_info(self, ctx: ScopeContext = ScopeContext()) -> SellerInfo:
        """The seller as configured for ``ctx`` (printed on invoices and in emails)."""
        return SellerInfo(**{name: self.value(f"oro_invoices.seller.{name}", ctx)
                             for name in SELLER_FIELDS})


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
           "payments off.", ""]
    sections: dict[str, list[SettingSpec]] = {}
    for spec in schema:
        sections.setdefault(spec.section, []).append(spec)
    for section, specs in sections.items():
        out += [f"## {section}", ""]
        for spec in specs:
            kind = spec.type + (f" ({' | '.join(repr(c) for c in spec.choices)})"
                                if spec.choices else "")
            out += [f"### `{spec.key}`", "", f"**{spec.label}** — {spec.help}", "",
                    f"- type: {kind}", f"- default: `{spec.default!r}`",
                    f"- scopes: {', '.join(spec.scopes)}", ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(schema_markdown(), end="")
