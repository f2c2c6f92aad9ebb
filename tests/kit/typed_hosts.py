"""The shipped hosts are ``HostAdapter``s as mypy sees them (test_host_typing.py runs mypy here)."""
from __future__ import annotations

from oro_invoices.adapters import HostAdapter
from oro_invoices.adapters.oscar.host import OscarHost
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.hosts.reference.reference import ReferenceHost


def memory_host() -> HostAdapter:
    return MemoryHost()


def reference_host(host: ReferenceHost) -> HostAdapter:
    return host


def oscar_host(host: OscarHost) -> HostAdapter:
    return host
