"""mypy accepts the shipped hosts as ``HostAdapter`` and refuses a host with a wrong part."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TYPED_HOSTS = Path(__file__).with_name("typed_hosts.py")

BROKEN_HOST = """
    from oro_invoices.adapters import HostAdapter
    from oro_invoices.hosts.memory import MemoryHost


    class StringLayoutHost:
        name = "string-layout"
        capabilities: frozenset[str] = frozenset()

        def __init__(self) -> None:
            memory = MemoryHost()
            self.config, self.menu, self.order_view = memory.config, memory.menu, memory.order_view
            self.email_templates, self.storefront = memory.email_templates, memory.storefront
            self.orders, self.customers, self.users = memory.orders, memory.customers, memory.users
            self.urls = memory.urls
            self.layout = "<main>{}</main>"  # a string, not a Layout


    def string_layout_host() -> HostAdapter:
        return StringLayoutHost()
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory) -> dict[str, list[str]]:
    """mypy's errors for typed_hosts.py and for a broken host, by file name."""
    work = tmp_path_factory.mktemp("typing")
    broken = work / "broken_host.py"
    broken.write_text(textwrap.dedent(BROKEN_HOST))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--follow-imports", "silent", "--cache-dir", str(work / "cache"), "--no-error-summary",
         str(TYPED_HOSTS), str(broken)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    errors: dict[str, list[str]] = {"typed_hosts.py": [], "broken_host.py": []}
    for line in result.stdout.splitlines():
        match = re.match(r"(?:.*[/\\])?(\w+\.py):\d+: (error|note): (.*)", line)
        if match:
            errors.setdefault(match[1], []).append(match[3])
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return errors


def test_shipped_hosts_are_host_adapters(mypy_output):
    assert mypy_output["typed_hosts.py"] == []


def test_a_host_with_a_wrong_part_is_refused(mypy_output):
    found = "\n".join(mypy_output["broken_host.py"])
    assert 'Incompatible return value type (got "StringLayoutHost", expected "HostAdapter")' \
        in found
    assert 'layout: expected "Layout", got "str"' in found
