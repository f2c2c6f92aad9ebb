"""The example shop of docs/oscar.md runs as documented: migrate, then seed (a process of its own)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def manage(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OSCAR_SHOP_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "examples.oscar_shop", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_example_shop_migrates_and_seeds(tmp_path: Path) -> None:
    assert manage(tmp_path, "check").returncode == 0
    migrated = manage(tmp_path, "migrate", "--no-input", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    seeded = manage(tmp_path, "seed_invoices")
    assert seeded.returncode == 0, seeded.stderr
    assert "admin@shop.test / admin" in seeded.stdout and "buyer@acme.test / buyer" in seeded.stdout
    assert (tmp_path / "invoice-pdf").is_dir()  # the posted invoice's PDF is stored
    again = manage(tmp_path, "seed_invoices")
    assert "seeded already" in again.stdout


def test_the_apps_migrations_match_its_models(tmp_path: Path) -> None:
    checked = manage(tmp_path, "makemigrations", "oro_invoices_oscar", "--check", "--dry-run")
    assert checked.returncode == 0, checked.stdout + checked.stderr
