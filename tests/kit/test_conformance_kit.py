"""The conformance kit, run the way an adapter author runs it: pytest in a subprocess."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    "memory" not in {ep.name for ep in entry_points(group="oro_invoices.hosts")},
    reason="oro-invoices is not pip-installed, so its entry points are missing "
           "(pip install -e .)")


def run_pytest(cwd, *args: str) -> tuple[int, str, dict[str, int]]:
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                             "-q", "-rfs", *args], cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    output = result.stdout + result.stderr
    counts = {word: int(n) for n, word in re.findall(
        r"(\d+) (passed|failed|skipped|errors?)", output.splitlines()[-1] if output else "")}
    return result.returncode, output, counts


def write(path, text: str) -> None:
    path.write_text(textwrap.dedent(text))


def test_suite_passes_against_the_memory_host(tmp_path):
    code, output, counts = run_pytest(tmp_path, "--pyargs", "oro_invoices.testing.suite",
                                      "--oro-host", "memory")
    assert code == 0, output
    assert counts.get("passed", 0) >= 50 and "failed" not in counts and "skipped" not in counts


def test_suite_without_a_host_says_how_to_give_one(tmp_path):
    code, output, _ = run_pytest(tmp_path, "--pyargs", "oro_invoices.testing.suite",
                                 "-x", "-k", "TestHostShape")
    assert code != 0
    assert "needs a host: pass --oro-host NAME or define an 'oro_host_factory' fixture" in output


def test_unknown_host_lists_available_ones(tmp_path):
    code, output, _ = run_pytest(tmp_path, "--pyargs", "oro_invoices.testing.suite",
                                 "--oro-host", "nope", "-x", "-k", "TestHostShape")
    assert code != 0
    assert "No host adapter named 'nope'" in output and "memory" in output


def test_author_can_limit_capabilities_and_override_tests(tmp_path):
    write(tmp_path / "conftest.py", """
        import pytest
        from oro_invoices.hosts.memory import MemoryHost

        class NoStorefrontHost(MemoryHost):
            name = "nostore"
            capabilities = frozenset({"customer_hierarchy", "email_customisation"})

            def __init__(self):
                super().__init__()
                self.storefront = None

        @pytest.fixture(scope="session")
        def oro_host_factory():
            return NoStorefrontHost
    """)
    write(tmp_path / "test_conformance.py", """
        import pytest
        from oro_invoices.testing.suite import *  # noqa: F401,F403
        from oro_invoices.testing.suite import TestLayout as _TestLayout

        class TestLayout(_TestLayout):
            @pytest.mark.skip(reason="layout rendered by the front-end")
            def test_title_is_escaped(self):
                pass
    """)
    code, output, counts = run_pytest(tmp_path)
    assert code == 0, output
    # 2 storefront tests, 1 gated account-entry test, 1 customer-group test, 2 buyer tax data
    # tests, 1 e-invoice address test, 1 override, 19 storefront tests of the page part
    assert counts["skipped"] == 27, output
    assert "does not support storefront" in output
    assert "does not support customer_groups" in output
    assert "layout rendered by the front-end" in output


def test_kit_catches_a_faulty_adapter(tmp_path):
    write(tmp_path / "conftest.py", """
        import pytest
        from oro_invoices.hosts.memory import MemoryHost, MemoryMenu

        class AppendingMenu(MemoryMenu):
            def __init__(self, host):
                super().__init__(host)
                self.extra = []

            def register(self, entry):  # forgets that a key may only appear once
                self.extra.append(entry)

            def entries(self):
                return list(self.extra)

        class FaultyHost(MemoryHost):
            def __init__(self):
                super().__init__()
                self.menu = AppendingMenu(self)

        @pytest.fixture(scope="session")
        def oro_host_factory():
            return FaultyHost
    """)
    write(tmp_path / "test_conformance.py", """
        from oro_invoices.testing.suite import TestInstall, TestMenu  # noqa: F401
    """)
    code, output, counts = run_pytest(tmp_path)
    assert code != 0
    assert "FAILED test_conformance.py::TestMenu::test_register_is_idempotent" in output
    assert counts["failed"] >= 3, output


def test_plugin_is_inert_in_other_test_runs(tmp_path):
    write(tmp_path / "test_plain.py", """
        def test_plain():
            assert 1 + 1 == 2
    """)
    code, output, counts = run_pytest(tmp_path)
    assert code == 0 and counts == {"passed": 1}, output
    help_text = subprocess.run([sys.executable, "-m", "pytest", "--help"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120).stdout
    assert "--oro-host=NAME" in help_text


def test_kit_catches_a_wrong_signature(tmp_path):
    write(tmp_path / "conftest.py", """
        import pytest
        from oro_invoices.hosts.memory import MemoryHost, MemoryOrders

        class RenamingOrders(MemoryOrders):
            def get(self, id, include_lines):  # the add-on calls get(order_id)
                return super().get(id)

        class WrongSignatureHost(MemoryHost):
            def __init__(self):
                super().__init__()
                self.orders = RenamingOrders()

        @pytest.fixture(scope="session")
        def oro_host_factory():
            return WrongSignatureHost
    """)
    write(tmp_path / "test_conformance.py", """
        from oro_invoices.testing.suite import TestHostShape  # noqa: F401
    """)
    code, output, counts = run_pytest(tmp_path)
    assert code != 0
    assert counts == {"passed": 6, "failed": 1}, output
    assert "FAILED test_conformance.py::TestHostShape::test_every_method_has_its_interface_signature" \
        in output
    assert ("orders.get: expected (order_id), got (id, include_lines): missing parameter "
            "'order_id'; extra required parameter 'id'; extra required parameter 'include_lines'") \
        in output


def test_kit_catches_a_host_that_mixes_up_organizations(tmp_path):
    write(tmp_path / "conftest.py", """
        import dataclasses

        import pytest
        from oro_invoices.hosts.memory import MemoryHost, MemoryWebsites

        class OneOrganizationWebsites(MemoryWebsites):
            def get_website(self, website_id):  # forgets which organization a website has
                found = super().get_website(website_id)
                return found and dataclasses.replace(found, organization_id=1)

        class MixedUpHost(MemoryHost):
            def __init__(self):
                super().__init__()
                self.websites = OneOrganizationWebsites()

        @pytest.fixture(scope="session")
        def oro_host_factory():
            return MixedUpHost
    """)
    write(tmp_path / "test_conformance.py", """
        from oro_invoices.testing.suite import TestOrganizations, TestWebsites  # noqa: F401
    """)
    code, output, counts = run_pytest(tmp_path)
    assert code != 0
    assert ("FAILED test_conformance.py::TestOrganizations::test_each_record_answers_its_organization"
            in output)
    assert counts == {"passed": 3, "failed": 1}, output


def test_kit_requires_the_websites_part(tmp_path):
    write(tmp_path / "conftest.py", """
        import pytest
        from oro_invoices.hosts.memory import MemoryHost

        class NoWebsitesHost(MemoryHost):
            def __init__(self):
                super().__init__()
                del self.websites

        @pytest.fixture(scope="session")
        def oro_host_factory():
            return NoWebsitesHost
    """)
    write(tmp_path / "test_conformance.py", """
        from oro_invoices.testing.suite import TestHostShape  # noqa: F401
    """)
    code, output, _ = run_pytest(tmp_path)
    assert code != 0
    assert "FAILED test_conformance.py::TestHostShape::test_every_part_implements_its_interface" \
        in output
    assert "['websites']" in output


def test_addon_options_hook_builds_the_hosts_addon_with_them(tmp_path):
    store = tmp_path / "elsewhere"
    write(tmp_path / "conftest.py", f"""
        def pytest_oro_addon_options(request):
            return {{"storage_url": {store.as_uri()!r}}}
    """)
    write(tmp_path / "test_conformance.py", """
        from oro_invoices.testing.suite import TestPageDownloads  # noqa: F401
    """)
    code, output, counts = run_pytest(tmp_path, "--oro-host", "memory")
    assert code == 0 and counts.get("passed", 0) >= 2 and "failed" not in counts, output
    assert [p.name for p in store.glob("*/*/*")], "the kit's PDFs were not stored where the hook said"


def test_a_factory_without_addon_options_is_named(tmp_path):
    write(tmp_path / "conftest.py", """
        import pytest
        from oro_invoices.hosts.memory import MemoryHost

        def pytest_oro_addon_options(request):
            return {"storage_url": "/nowhere"}

        @pytest.fixture(scope="session")
        def oro_host_factory():
            def plain_host():
                return MemoryHost()
            return plain_host
    """)
    write(tmp_path / "test_conformance.py", """
        from oro_invoices.testing.suite import TestPageHead  # noqa: F401
    """)
    code, output, _ = run_pytest(tmp_path)
    assert code != 0
    assert "takes no addon_options, so it cannot build its add-on with ['storage_url']" in output


def test_the_worked_minimal_adapter_of_the_docs_passes_the_kit(tmp_path):
    """docs/adapters.md's first adapter, copied as written into a file and given by its path."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "adapters.md").read_text(encoding="utf-8")
    [source] = [block for block in re.findall(r"```python\n(.*?)```", text, re.S)
                if block.startswith("# myshop/invoices_host.py")]
    (tmp_path / "invoices_host.py").write_text(source)
    code, output, counts = run_pytest(tmp_path, "--pyargs", "oro_invoices.testing.suite",
                                      "--oro-host", "invoices_host.py:MyShopHost")
    assert code == 0, output
    assert counts.get("passed", 0) >= 100 and not {"failed", "error", "errors"} & counts.keys()


def test_the_star_import_of_the_docs_brings_every_suite_class():
    """``from oro_invoices.testing.suite import *`` runs what ``--pyargs oro_invoices.testing.suite`` runs."""
    import importlib
    import inspect
    import pkgutil

    import oro_invoices.testing.suite as suite
    defined = set()
    for module in pkgutil.iter_modules(suite.__path__):
        loaded = importlib.import_module(f"{suite.__name__}.{module.name}")
        defined |= {name for name, obj in vars(loaded).items()
                    if name.startswith("Test") and inspect.isclass(obj) and obj.__module__ == loaded.__name__}
    assert sorted(suite.__all__) == sorted(defined)
    assert all(getattr(suite, name) for name in defined)
