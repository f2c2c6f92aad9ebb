"""The conformance kit's pytest plugin (registered through the ``pytest11`` entry point).

Inert unless used: it adds the ``--oro-host`` option and fixtures that only
the kit's suite classes request.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from oro_invoices.testing import hookspecs
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oro_invoices", "oro-invoices host adapter conformance kit")
    group.addoption("--oro-host", action="store", default=None, metavar="NAME",
                    help="run the oro_invoices.testing suite against the host adapter "
                         "registered as NAME in the 'oro_invoices.hosts' entry points, or "
                         "built by FILE.py:FACTORY or MODULE:FACTORY")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "oro_requires(*capabilities): skip the test unless the "
                                       "host under test supports every capability")


@pytest.fixture(scope="session")
def oro_host_factory(request: pytest.FixtureRequest) -> Callable[[], Any]:
    """Builds a fresh host adapter; override this fixture to test a host without an entry point."""
    name = request.config.getoption("--oro-host")
    if not name:
        pytest.fail("The oro-invoices conformance suite needs a host: pass --oro-host NAME "
                    "or define an 'oro_host_factory' fixture", pytrace=False)
    if ":" in name:
        return factory_at(name)
    from oro_invoices.adapters import host_factory
    return host_factory(name)


def factory_at(spec: str) -> Callable[[], Any]:
    """The factory named by ``path/to/file.py:factory`` or ``package.module:factory``."""
    import importlib
    import importlib.util
    import sys
    from pathlib import Path

    where, _, attr = spec.rpartition(":")
    if where.endswith(".py"):
        path = Path(where).resolve()
        if not path.is_file():
            raise pytest.UsageError(f"--oro-host {spec}: there is no file {path}")
        module_spec = importlib.util.spec_from_file_location(f"oro_kit_host_{path.stem}", path)
        if module_spec is None or module_spec.loader is None:
            raise pytest.UsageError(f"--oro-host {spec}: {path} cannot be imported")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_spec.name] = module  # dataclasses and pickling look modules up there
        module_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise pytest.UsageError(f"--oro-host {spec}: cannot import {where!r} ({exc})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise pytest.UsageError(f"--oro-host {spec}: {where} has no callable {attr!r}")
    return factory  # type: ignore[no-any-return]


@pytest.fixture
def oro_addon_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """``AddonConfig`` fields for the add-on the host builds for this test (the
    ``pytest_oro_addon_options`` hook's answer; empty: the host's defaults)."""
    return dict(request.config.hook.pytest_oro_addon_options(request=request) or {})


@pytest.fixture
def oro_host(oro_host_factory: Callable[..., Any], oro_addon_options: dict[str, Any]) -> Iterator[Any]:
    """A fresh host adapter per test (closed afterwards if it has ``close()``); with add-on
    options the factory is called as ``factory(addon_options=...)``."""
    if not oro_addon_options:
        host = oro_host_factory()
    elif _takes_addon_options(oro_host_factory):
        host = oro_host_factory(addon_options=oro_addon_options)
    else:
        pytest.fail(f"the host factory {oro_host_factory!r} takes no addon_options, so it cannot "
                    f"build its add-on with {sorted(oro_addon_options)}", pytrace=False)
    yield host
    close = getattr(host, "close", None)
    if callable(close):
        close()


@pytest.fixture
def oro_seeder(oro_host: Any) -> Any:
    """The host's test-data helper (``host.seeder()``), or None when it has none."""
    make = getattr(oro_host, "seeder", None)
    return make() if callable(make) else None


@pytest.fixture
def oro_page_client(oro_host: Any) -> Iterator[Any]:
    """A client of the add-on's pages mounted in the host (``host.page_client()``), or None.

    Override it to hand the kit's page part your own client (see ``oro_invoices.testing.pages``);
    its ``close()`` is called afterwards if it has one.
    """
    import contextlib
    make = getattr(oro_host, "page_client", None)
    client = make() if callable(make) else None
    addon = getattr(client, "addon", None)
    if addon is not None and addon.config.jobs_broker_url:  # its jobs need a worker
        from oro_invoices.testing.workers import running_worker
        worker: contextlib.AbstractContextManager[Any] = running_worker(addon)
    else:
        worker = contextlib.nullcontext()
    with worker:
        yield client
    close = getattr(client, "close", None)
    if callable(close):
        close()


def _takes_addon_options(factory: Callable[..., Any]) -> bool:
    import inspect
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # no signature to read: let the call tell
        return True
    return any(p.name == "addon_options" or p.kind is p.VAR_KEYWORD for p in parameters)


@pytest.fixture
def oro_requirements(oro_host: Any, oro_seeder: Any) -> Any:
    """Capability flags of the host under test; override with a ``Requirements`` subclass."""
    from oro_invoices.testing.requirements import Requirements
    return Requirements(oro_host, oro_seeder)
