"""The layers of docs/architecture.md, enforced by import-linter."""
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
#: Modules that are no layer: the ``python -m`` entry and the adapters package's index.
NOT_LAYERS = {"oro_invoices.__main__", "oro_invoices.adapters"}


def lint(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def layer_modules() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    lines = parser["importlinter:contract:layers"]["layers"].strip().splitlines()
    return {m.strip() for line in lines for m in line.replace("|", ":").split(":")}


def test_contracts_are_kept():
    result = lint(ROOT, ROOT / "setup.cfg")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_belongs_to_a_layer():
    modules = {f"oro_invoices.{m.name}" for m in pkgutil.iter_modules(oro_invoices.__path__)}
    modules |= {f"oro_invoices.adapters.{m.name}"
                for m in pkgutil.iter_modules(oro_invoices.adapters.__path__)}
    assert sorted(modules - NOT_LAYERS - layer_modules()) == [], "add these modules to a layer in setup.cfg"


@pytest.mark.parametrize("module,offending_import", [
    ("domain/invoice.py", "from oro_invoices.persistence import models"),
    ("domain/money.py", "import sqlalchemy"),
    ("persistence/models.py", "from oro_invoices.services import facade"),
    ("services/facade.py", "from oro_invoices.web import http"),
    ("integration/features.py", "import flask"),
    ("web/pages.py", "from oro_invoices.hosts import memory"),
])
def test_an_import_against_the_layers_breaks_a_contract(tmp_path, module, offending_import):
    shutil.copytree(ROOT / "oro_invoices", tmp_path / "oro_invoices",
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "oro_invoices" / module
    target.write_text(target.read_text() + f"\n{offending_import}  # layering test\n")
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    result = lint(tmp_path, tmp_path / "setup.cfg")
    assert result.returncode != 0
    dotted = module.removesuffix(".py").replace("/", ".")
    assert "BROKEN" in result.stdout and dotted in result.stdout
