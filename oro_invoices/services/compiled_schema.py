"""A marshmallow schema's load, compiled for the common case: valid input, loaded fast.

``CompiledSchema(schema).load(data)`` applies the schema's own rules — each field's own
conversion (``_deserialize``), each field's validators, the schema-level validators and
post-load hooks — without marshmallow's per-call bookkeeping (error stores, hook lookups,
nested schema instances). It never reports errors: for anything it does not accept
(a bad value, an unknown key, a type it does not expect) it returns None, and the caller
loads the data through the schema itself, which gives the errors. So it only decides
"valid" exactly where the schema would, and the schema stays the one statement of the rules.

A schema whose features the compiler does not reproduce (field-level ``validates`` hooks,
pre-load hooks, ``data_key``, ``attribute``, dump-only fields, per-field pre/post-load
functions, ``pass_original``) cannot be compiled: ``compile_schema`` returns None.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, fields, missing, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.validate import Validator

#: ``convert(value) -> loaded value``; raises anything on a value it does not accept.
_Convert = Callable[[Any], Any]


class _Reject(Exception):
    """The fast path does not accept this input; the schema itself will say why."""


class CompiledSchema:
    """The fast load of one (non-partial) schema; see the module docstring."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self._fields: list[tuple[str, bool, bool, Any, _Convert]] = []
        for name, field in schema.load_fields.items():
            default = field.load_default
            self._fields.append((name, field.required, field.allow_none, default, _converter(field)))
        self._names = frozenset(schema.load_fields)
        self._validators = [getattr(schema, attr) for attr, many, _ in schema._hooks[VALIDATES_SCHEMA] if not many]
        self._post_load = [getattr(schema, attr) for attr, many, _ in schema._hooks[POST_LOAD] if not many]

    def load(self, data: Any) -> dict[str, Any] | None:
        """``data`` loaded as ``schema.load(data)`` would, or None: load it through the schema."""
        try:
            return self._load(data)
        except Exception:  # any refusal: the schema decides and words it
            return None

    def _load(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping) or not self._names.issuperset(data):
            raise _Reject
        result: dict[str, Any] = {}
        get = data.get
        for name, required, allow_none, default, convert in self._fields:
            value = get(name, missing)
            if value is not None and value is not missing:         # given: the common case first
                result[name] = convert(value)
            elif value is None:
                if not allow_none:
                    raise _Reject
                result[name] = None
            elif required:
                raise _Reject
            elif default is not missing:
                result[name] = default() if callable(default) else default
        for validator in self._validators:
            validator(result, partial=False, many=False, unknown=RAISE)
        for processor in self._post_load:
            result = processor(result, many=False, partial=False, unknown=RAISE)
        return result


def compile_schema(schema: Schema) -> CompiledSchema | None:
    """The compiled load of ``schema``, or None if it uses what the compiler does not reproduce."""
    if not _compilable(schema):
        return None
    return CompiledSchema(schema)


def _compilable(schema: Schema) -> bool:
    if schema.unknown != RAISE or schema.partial or schema.many:
        return False
    hooks = schema._hooks
    if hooks[VALIDATES] or hooks[PRE_LOAD]:
        return False
    if any(many or kwargs.get("pass_original") for tag in (VALIDATES_SCHEMA, POST_LOAD)
           for _, many, kwargs in hooks[tag]):
        return False
    if set(schema.load_fields) != set(schema.fields) - {n for n, f in schema.fields.items() if f.dump_only}:
        return False
    for name, field in schema.load_fields.items():
        if field.data_key not in (None, name) or field.attribute not in (None, name) or field.dump_only:
            return False
        if field.pre_load or field.post_load:
            return False
        if isinstance(field, fields.Nested) and (field.only or field.exclude or field.many
                                                 or not _compilable(field.schema)):
            return False
        if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested) \
                and not _compilable(field.inner.schema):
            return False
    return True


def _converter(field: fields.Field[Any]) -> _Convert:
    """How one present, non-null value of ``field`` is loaded (raising on what it refuses)."""
    if isinstance(field, fields.Nested):
        nested = CompiledSchema(field.schema)
        inner: _Convert = nested._load
        return _validated(field, inner)
    if isinstance(field, fields.List):
        item = _item_converter(field.inner)

        def convert_list(value: Any) -> Any:
            if type(value) is not list:
                raise _Reject
            return [item(v) for v in value]
        return _validated(field, convert_list)
    deserialize = field._deserialize

    def convert(value: Any) -> Any:
        return deserialize(value, None, None)
    general = _validated(field, convert)
    accepts = _plain_text_check(field)
    if accepts is None:
        return general

    def convert_text(value: Any) -> Any:
        # a plain str its validators surely accept is loaded as itself; anything else the long way
        return value if type(value) is str and accepts(value) else general(value)
    return convert_text


def _plain_text_check(field: fields.Field[Any]) -> Callable[[str], bool] | None:
    """For a ``String`` field (exactly: a subclass may convert otherwise) whose validators are
    ``Length`` and ``OneOf`` only (or ``Length`` and validators with an ``accepts_text(str) -> bool``
    test), a test that a str passes them all; else None.

    ``String`` loads a str as itself, so a str that passes is loaded without the field's
    machinery; a str that fails goes through the field and its validators, which refuse it.
    """
    if type(field) is not fields.String:
        return None
    low, high, choices = 0, float("inf"), None
    text_checks: list[Callable[[str], bool]] = []
    for validator in field.validators:
        if type(validator) is validate.Length and validator.equal is None:
            low = max(low, validator.min or 0)
            high = min(high, validator.max if validator.max is not None else float("inf"))
        elif type(validator) is validate.OneOf and choices is None \
                and all(type(choice) is str for choice in validator.choices):
            choices = frozenset(validator.choices)
        elif isinstance(validator, Validator) and callable(getattr(validator, "accepts_text", None)):
            text_checks.append(validator.accepts_text)   # type: ignore[attr-defined]
        else:
            return None
    if text_checks:
        if choices is not None:
            return None
        if len(text_checks) == 1:
            (check,) = text_checks
            return lambda value: low <= len(value) <= high and check(value)
        return lambda value: low <= len(value) <= high and all(check(value) for check in text_checks)
    if choices is None:
        return lambda value: low <= len(value) <= high
    allowed = frozenset(choice for choice in choices if low <= len(choice) <= high)
    return allowed.__contains__


def _item_converter(inner: fields.Field[Any]) -> _Convert:
    """An item of a list: as its own field would load it, a null refused unless allowed."""
    convert = _converter(inner)
    allow_none = inner.allow_none

    def item(value: Any) -> Any:
        if value is None:
            if not allow_none:
                raise _Reject
            return None
        return convert(value)
    return item


def _validated(field: fields.Field[Any], convert: _Convert) -> _Convert:
    """``convert``, then every validator of ``field`` (a validator returning False refuses too)."""
    validators = list(field.validators)
    if not validators:
        return convert

    def checked(value: Any) -> Any:
        result = convert(value)
        for validator in validators:
            if validator(result) is False and not isinstance(validator, Validator):
                raise _Reject
        return result
    return checked
