"""The conformance kit: checks that a host adapter behaves as the add-on expects.

Run it against an installed adapter::

    python -m pytest --pyargs oro_invoices.testing.suite --oro-host NAME

or, in the adapter's own test suite, one import in a test module::

    from oro_invoices.testing.suite import *  # noqa: F401,F403

and either pass ``--oro-host NAME`` or define an ``oro_host_factory`` fixture.
Subclass a suite class under the same name to skip or override a test.
"""
from .requirements import Requirements
from .seeder import Seeder

__all__ = ["Requirements", "Seeder"]
