"""JSON objects that give a key more than once.

``json.loads`` keeps the last of repeated keys, so ``{"quantity": "1", "quantity": "100"}``
would be taken as 100 while a reviewer (or another parser) reads 1. The API and the import
refuse such objects instead: ``KeyCheck`` is the ``object_pairs_hook`` that notices them,
``repeated_keys`` names each repeated key by its path (``lines[0].quantity``).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oro_invoices.domain.messages import N_

#: What an API error or an import problem says of a repeated key.
REPEATED_KEY = N_("Given more than once in its object: give each key once (JSON keeps only the last).")


class _Repeated(dict):  # type: ignore[type-arg]
    """A decoded object whose ``repeated`` keys were given more than once (the last value kept)."""

    repeated: list[str]


class KeyCheck:
    """An ``object_pairs_hook`` for ``json.loads`` that marks the objects repeating a key;
    ``found`` says whether the last decoding met any (reset it with ``clear``)."""

    def __init__(self) -> None:
        self.found = False

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) == len(pairs):
            return data
        seen: set[str] = set()
        marked = _Repeated(data)
        marked.repeated = []
        for key, _ in pairs:
            if key in seen and key not in marked.repeated:
                marked.repeated.append(key)
            seen.add(key)
        self.found = True
        return marked

    def clear(self) -> None:
        self.found = False


def repeated_keys(data: Any, path: str = "") -> list[str]:
    """The path of each key given more than once in an object of ``data`` (decoded with a
    ``KeyCheck``), in document order."""
    return list(_walk(data, path))


def _walk(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value, _Repeated):
            yield from (_join(path, key) for key in value.repeated)
        for key, item in value.items():
            yield from _walk(item, _join(path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
