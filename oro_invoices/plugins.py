"""The plugin manager factory and helpers for combining hook results.

Nothing is loaded at import time: call ``get_plugin_manager()`` where the
application is assembled and keep the manager on it.
"""
from __future__ import annotations

import importlib
from typing import Any, Iterable, Mapping

import pluggy

from . import hookspecs
from .default_plugins import DEFAULT_PLUGINS
from .hookspecs import PROJECT, hookimpl

ENTRY_POINT_GROUP = PROJECT

__all__ = ["ENTRY_POINT_GROUP", "flatten", "get_plugin_manager", "hookimpl", "merge_dicts"]


def get_plugin_manager(load_entrypoints: bool = True, plugins: Iterable[object] = (),
                       blocked: Iterable[str] = ()) -> pluggy.PluginManager:
    """A new plugin manager with the default plugins, installed plugins and ``plugins``.

    :param load_entrypoints: also load plugins from the ``oro_invoices`` entry-point group.
    :param plugins: extra plugin objects or modules, registered last (so called first).
    :param blocked: names of plugins not to register: a default plugin's module name
        (``"oro_invoices.default_plugins.numbering"``) or an entry point's name.
    """
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in blocked:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        if not pm.is_blocked(module_name):
            pm.register(importlib.import_module(module_name), name=module_name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def merge_dicts(results: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """Merge a non-firstresult hook's dict results so the plugin registered last wins."""
    merged: dict[str, Any] = {}
    for result in reversed(list(results)):  # pluggy calls the newest plugin first
        if result:
            merged.update(result)
    return merged


def flatten(results: Iterable[Iterable[Any] | None]) -> list[Any]:
    """Concatenate a non-firstresult hook's list results, in call order."""
    return [item for result in results if result for item in result]
