"""Parameter checks shared by the overridden routes, with Stripe's error for a bad value."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from localstripe.resources import try_convert_to_bool

from support.stripe_server.errors import invalid_request


def boolean(value: Any, param: str) -> bool:
    converted = try_convert_to_bool(value)
    if not isinstance(converted, bool):
        raise invalid_request(f"Invalid boolean: {value!r}", param=param)
    return converted


def optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid_request(f"Invalid string: {name} must be a string.", param=name)
    return value


def return_url(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
        raise invalid_request("Invalid URL: return_url must be an absolute http(s) URL.", param="return_url")
    return value
