"""Compare an implementation's method signatures with the Protocol it implements; check a host
adapter against the interfaces the add-on calls.

The add-on calls each method the way its Protocol declares it, so every
parameter of the Protocol must be there with the same name and kind, in the
same position, and optional where the Protocol's is. An implementation may add
parameters of its own, as long as they are optional.
"""
from __future__ import annotations

import inspect
from collections.abc import Iterator

from oro_invoices.adapters.base import OPTIONAL_MEMBERS, PARTS

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
_KIND_NAMES = {
    inspect.Parameter.POSITIONAL_ONLY: "positional-only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional-or-keyword",
    inspect.Parameter.VAR_POSITIONAL: "*args",
    inspect.Parameter.KEYWORD_ONLY: "keyword-only",
    inspect.Parameter.VAR_KEYWORD: "**kwargs",
}


def protocol_methods(protocol: type) -> list[str]:
    """The names of the methods ``protocol`` declares (not inherited from ``Protocol``)."""
    return sorted(name for name, value in vars(protocol).items()
                  if not name.startswith("_") and inspect.isfunction(value))


def bare(signature: inspect.Signature) -> str:
    """``signature`` without annotations: what a reader compares by eye."""
    params = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=params, return_annotation=inspect.Signature.empty))


def expected_signature(protocol: type, method: str) -> inspect.Signature:
    """The signature of ``protocol.method`` as called on an instance (without ``self``)."""
    signature = inspect.signature(getattr(protocol, method))
    return signature.replace(parameters=list(signature.parameters.values())[1:])


def differences(expected: inspect.Signature, actual: inspect.Signature) -> Iterator[str]:
    """What about ``actual`` breaks a caller written against ``expected``."""
    wanted = list(expected.parameters.values())
    found = list(actual.parameters.values())
    found_by_name = {p.name: p for p in found if p.kind not in _VARIADIC}
    wanted_positional = [p.name for p in wanted if p.kind in _POSITIONAL]
    found_positional = [p.name for p in found if p.kind in _POSITIONAL]
    for param in wanted:
        if param.kind in _VARIADIC:
            if not any(p.kind is param.kind for p in found):
                yield f"no {_KIND_NAMES[param.kind]} parameter"
            continue
        other = found_by_name.get(param.name)
        if other is None:
            yield f"missing parameter {param.name!r}"
            continue
        if other.kind is not param.kind:
            yield (f"parameter {param.name!r} is {_KIND_NAMES[other.kind]}, "
                   f"expected {_KIND_NAMES[param.kind]}")
            continue
        if param.kind in _POSITIONAL:
            position, wanted_at = found_positional.index(param.name), wanted_positional.index(param.name)
            if position != wanted_at:
                yield f"parameter {param.name!r} is at position {position + 1}, expected {wanted_at + 1}"
        if param.default is not inspect.Parameter.empty and other.default is inspect.Parameter.empty:
            yield f"parameter {param.name!r} has no default (the add-on may leave it out)"
    declared = {p.name for p in wanted}
    for other in found:
        if other.name not in declared and other.kind not in _VARIADIC \
                and other.default is inspect.Parameter.empty:
            yield f"extra required parameter {other.name!r}"


def signature_problems(part: str, obj: object, protocol: type) -> list[str]:
    """One line per method of ``obj`` whose signature differs from ``protocol``'s.

    Each line names the part and the method, then the expected and the actual
    signature and what differs: ``menu.register: expected (entry), got (item):
    missing parameter 'entry'; extra required parameter 'item'``.
    """
    problems = []
    for method in protocol_methods(protocol):
        expected = expected_signature(protocol, method)
        implementation = getattr(obj, method, None)
        if not callable(implementation):
            problems.append(f"{part}.{method}: missing (expected {method}{bare(expected)})")
            continue
        try:
            actual = inspect.signature(implementation)
        except (TypeError, ValueError):  # some C callables have no inspectable signature
            continue
        found = list(differences(expected, actual))
        if found:
            problems.append(f"{part}.{method}: expected {bare(expected)}, got {bare(actual)}: "
                            + "; ".join(found))
    return problems


def host_problems(host: object) -> list[str]:
    """What about ``host`` breaks the add-on's calls: each part it lacks (all but the optional
    ``storefront``), each method whose signature differs from its interface, and each optional
    member (``OPTIONAL_MEMBERS``) it has with another signature than its interface's."""
    problems = []
    for part, protocol in PARTS.items():
        obj = getattr(host, part, None)
        if obj is None:
            if part != "storefront":
                problems.append(f"{part}: missing (the host has no {part} part)")
            continue
        problems.extend(signature_problems(part, obj, protocol))
    for member, protocol in OPTIONAL_MEMBERS.items():
        if getattr(host, member, None) is not None:
            problems.extend(signature_problems("host", host, protocol))
    return problems
