"""The core imports no web framework and no host; import-linter enforces it."""
from __future__ import annotations

import configparser
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import oro_invoices
import oro_invoices.adapters

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
#: Modules outside the core: the composition roots and the framework-bound layers.
NON_CORE = {"oro_invoices.adapters", "oro_invoices.adapters.flask", "oro_invoices.host",
            "oro_invoices.web", "oro_invoices.cli", "oro_invoices.__main__"}


def lint(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def contract_sources() -> tuple[set[str], set[str]]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    core_layer = parser["importlinter:contract:layers"]["layers"].strip().splitlines()[-1]
    layer = {m.strip() for m in core_layer.split(":")}
    forbidden = set(parser["importlinter:contract:no-web-framework"]["source_modules"].split())
    return layer, forbidden


def test_contracts_are_kept():
    result = lint(ROOT, ROOT / "setup.cfg")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_core_module_is_covered_by_the_contracts():
    modules = {f"oro_invoices.{m.name}" for m in pkgutil.iter_modules(oro_invoices.__path__)}
    modules |= {f"oro_invoices.adapters.{m.name}"
                for m in pkgutil.iter_modules(oro_invoices.adapters.__path__)}
    core = modules - NON_CORE
    layer, forbidden = contract_sources()
    assert sorted(core - layer) == [], "add these modules to the core layer in setup.cfg"
    assert sorted(core - forbidden) == [], "add these modules to no-web-framework in setup.cfg"


@pytest.mark.parametrize("module,offending_import", [
    ("features.py", "import flask"),
    ("domain.py", "from oro_invoices.web import http"),
])
def test_a_core_module_importing_the_web_layer_breaks_the_contract(tmp_path, module,
                                                                    offending_import):
    shutil.copytree(ROOT / "oro_invoices", tmp_path / "oro_invoices",
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "oro_invoices" / module
    target.write_text(target.read_text() + f"\n{offending_import}  # layering test\n")
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    result = lint(tmp_path, tmp_path / "setup.cfg")
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and module.removesuffix(".py") in result.stdout
