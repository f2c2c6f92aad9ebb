"""The plugin manager factory and helpers for combining hook results.

Nothing is loaded at import time: call ``get_plugin_manager()`` where the
application is assembled and keep the manager on it.
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pluggy

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.integration import hookspecs
from oro_invoices.integration.default_plugins import DEFAULT_PLUGINS
from oro_invoices.integration.hookspecs import PROJECT, hookimpl

ENTRY_POINT_GROUP = PROJECT
logger = logging.getLogger("oro_invoices.integration.plugins")

__all__ = ["ENTRY_POINT_GROUP", "InvalidPlugin", "flatten", "get_plugin_manager", "hookimpl", "merge_dicts",
           "notify"]


def get_plugin_manager(load_entrypoints: bool = True, plugins: Iterable[object] = (),
                       blocked: Iterable[str] = ()) -> pluggy.PluginManager:
    """A new plugin manager with the default plugins, installed plugins and ``plugins``.

    :param load_entrypoints: also load plugins from the ``oro_invoices`` entry-point group.
    :param plugins: extra plugin objects or modules, registered last (so called first).
    :param blocked: names of plugins not to register: a default plugin's module name
        (``"oro_invoices.integration.default_plugins.numbering"``) or an entry point's name.
    :raises InvalidPlugin: a plugin implements a hook the add-on does not have (a misspelt
        name), or takes an argument its hook does not pass.
    """
    try:
        return _plugin_manager(load_entrypoints, plugins, blocked)
    except pluggy.PluginValidationError as exc:
        raise InvalidPlugin(exc) from exc


class InvalidPlugin(ConfigurationError):
    """A plugin the add-on cannot use: it implements a hook that does not exist, or with an
    argument the hook does not pass (pluggy's ``PluginValidationError``, said for the admin)."""

    def __init__(self, exc: pluggy.PluginValidationError):
        super().__init__(f"A plugin of oro-invoices cannot be used: {exc}. The hooks and their arguments "
                         f"are listed in docs/hooks.md; fix or uninstall the plugin.")
        self.plugin = exc.plugin


def _plugin_manager(load_entrypoints: bool, plugins: Iterable[object], blocked: Iterable[str]) -> pluggy.PluginManager:
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


def notify(pm: pluggy.PluginManager, name: str, *,
           on_failure: Callable[[str, Exception], None] | None = None, **kwargs: Any) -> None:
    """Call every implementation of the event hook ``name``; one that fails is logged, not raised,
    and handed to ``on_failure`` (the plugin's name, the error) when given.

    Events are announced after the change is committed: a failing listener must
    neither undo it nor keep the other listeners from hearing about it.
    """
    hook = getattr(pm.hook, name)
    for impl in reversed(hook.get_hookimpls()):  # pluggy's call order: newest first
        if impl.hookwrapper or impl.wrapper:
            continue
        try:
            impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        except Exception as exc:
            logger.exception("plugin %s failed in %s", impl.plugin_name, name)
            if on_failure is not None:
                on_failure(impl.plugin_name, exc)


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
