"""The conformance kit: checks that a host adapter behaves as the add-on expects.

Run it against an installed adapter::

    python -m pytest --pyargs oro_invoices.testing.suite --oro-host NAME

or, in the adapter's own test suite, one import in a test module::

    from oro_invoices.testing.suite import *  # noqa: F401,F403

and either pass ``--oro-host NAME`` or define an ``oro_host_factory`` fixture.
Subclass a suite class under the same name to skip or override a test.
"""
from __future__ import annotations

from typing import Any

__all__ = ["Requirements", "Seeder"]


def __getattr__(name: str) -> Any:
    # Lazy, so that loading the pytest plugin imports nothing of the add-on
    # (coverage of the add-on's own test runs starts before its modules load).
    if name == "Requirements":
        from oro_invoices.testing.requirements import Requirements
        return Requirements
    if name == "Seeder":
        from oro_invoices.testing.seeder import Seeder
        return Seeder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
