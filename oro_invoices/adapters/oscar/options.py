"""What the ``ORO_INVOICES`` Django setting may hold: each key's type, checked by ``manage.py
check`` (``oro_invoices_oscar.E002``) so a misspelt key or a value of the wrong type is named
before the shop serves, instead of being ignored or read as something else ("no" as true)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: The keys of ``ORO_INVOICES`` (docs/oscar.md, "Settings").
TEXT_KEYS = ("DATABASE_URL", "STORAGE_URL", "SMTP", "BASE_URL", "SETTINGS_PATH", "DASHBOARD_PATH", "API_PREFIX")
BOOL_KEYS = ("MIGRATE", "INSTALL", "PERSONAL_CUSTOMERS", "TEMPLATE_RELOAD")
OTHER_KEYS = ("PREFIXES", "API_TOKENS", "DEFAULT_ORGANIZATION")
KEYS = (*TEXT_KEYS, *BOOL_KEYS, *OTHER_KEYS)
PREFIX_AREAS = ("backoffice", "storefront", "guest")


def _is_id(value: Any) -> bool:
    """A partner id: a whole number of 1 or more (or its digits, as ``int()`` reads them)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _prefixes(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a dict of page areas ({', '.join(PREFIX_AREAS)}) to paths, not {value!r}"
    for area, path in value.items():
        if area not in PREFIX_AREAS:
            return f"has an unknown page area {area!r}; the areas are {', '.join(PREFIX_AREAS)}"
        if not isinstance(path, str):
            return f"[{area!r}] must be a path such as '/dashboard/invoices', not {path!r}"
    return None


def _api_tokens(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a dict of tokens to {{'name': …, 'organization_id': …}}, not {value!r}"
    for token, client in value.items():
        if not isinstance(token, str) or not token:
            return f"has a token that is not a non-empty text: {token!r}"
        shown = f"[{token[:4]}…]"
        if not isinstance(client, Mapping):
            return f"{shown} must be a dict with 'name' and 'organization_id', not {type(client).__name__}"
        if not isinstance(client.get("name"), str) or not client["name"]:
            return f"{shown}['name'] must be a non-empty text"
        if not _is_id(client.get("organization_id")):
            return f"{shown}['organization_id'] must be a whole number of 1 or more, not {client.get('organization_id')!r}"
        permissions = client.get("permissions")
        if permissions is not None and (isinstance(permissions, str) or not all(
                isinstance(p, str) for p in permissions)):
            return f"{shown}['permissions'] must be a list of permission names, not {permissions!r}"
    return None


def _default_organization(value: Any) -> str | None:
    return None if value is None or _is_id(value) else f"must be a partner id (1 or more), not {value!r}"


_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "PREFIXES": _prefixes, "API_TOKENS": _api_tokens, "DEFAULT_ORGANIZATION": _default_organization,
}


def problems(options: Any) -> list[str]:
    """One line per wrong entry of ``ORO_INVOICES`` (its value as the Django settings hold it)."""
    if not isinstance(options, Mapping):
        return [f"ORO_INVOICES must be a dict, not {type(options).__name__}"]
    found = []
    for key, value in options.items():
        name = f"ORO_INVOICES[{key!r}]"
        if key not in KEYS:
            found.append(f"{name} is not a setting of oro-invoices; the settings are {', '.join(KEYS)}")
        elif key in TEXT_KEYS:
            if value is not None and not isinstance(value, str):
                found.append(f"{name} must be a text (or None), not {value!r}")
        elif key in BOOL_KEYS:
            if not isinstance(value, bool):
                found.append(f"{name} must be True or False, not {value!r}")
        else:
            problem = _CHECKS[key](value)
            if problem:
                found.append(f"{name} {problem}")
    return found
