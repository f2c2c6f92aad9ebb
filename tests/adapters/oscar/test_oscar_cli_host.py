"""``oro-invoices … --host oscar`` beside a real Oscar shop: DJANGO_SETTINGS_MODULE names the
shop's settings, and the command works on that shop, not on a throwaway one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RECORD = {"external_id": "J-1", "invoice_date": "2026-06-15", "due_date": "2026-07-15", "currency": "EUR",
          "organization_id": 1, "customer_id": 1, "customer_name": "ACME Corp", "status": "draft",
          "bill_to": {"name": "ACME Corp", "street": "Unter den Linden 1", "city": "Berlin",
                      "postal_code": "10117", "country": "DE"},
          "lines": [{"description": "Consulting", "quantity": "4", "unit_price": "500.00", "tax_rate": "0.19"}]}


def run(data: Path, *args: str, settings: str = "examples.oscar_shop.settings") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OSCAR_SHOP_DATA": str(data), "DJANGO_SETTINGS_MODULE": settings,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_a_command_with_the_oscar_host_checks_customers_in_the_shop_its_settings_name(tmp_path: Path) -> None:
    assert run(tmp_path, "examples.oscar_shop", "migrate", "--no-input", "-v", "0").returncode == 0
    seeded = run(tmp_path, "examples.oscar_shop", "seed_invoices")
    assert seeded.returncode == 0, seeded.stderr
    record = tmp_path / "one.jsonl"
    record.write_text(json.dumps(RECORD) + "\n")
    imported = run(tmp_path, "oro_invoices", "import", "--dry-run", "--db", f"sqlite:///{tmp_path / 'shop.db'}",
                   "--host", "oscar", str(record))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "dry run: 1 would be created" in imported.stdout + imported.stderr
    assert "does not exist" not in imported.stdout + imported.stderr


def test_settings_that_cannot_be_imported_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "shop.db").touch()
    result = run(tmp_path, "oro_invoices", "verify", "--db", f"sqlite:///{tmp_path / 'shop.db'}", "--host", "oscar",
                 settings="no_such_shop.settings")
    assert result.returncode == 2
    assert result.stderr == ("error: The oscar host cannot read the shop's Django settings "
                             "DJANGO_SETTINGS_MODULE='no_such_shop.settings': No module named 'no_such_shop'. "
                             "Run the command in the shop's project folder with PYTHONPATH=. (or the folder "
                             "that holds the settings module).\n")


def test_a_command_without_the_shops_settings_says_to_set_them(tmp_path: Path) -> None:
    (tmp_path / "shop.db").touch()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "oro_invoices", "verify", "--db",
                             f"sqlite:///{tmp_path / 'shop.db'}", "--host", "oscar"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 2
    assert result.stderr == (
        "error: The oscar host needs the shop's Django settings: set DJANGO_SETTINGS_MODULE to its "
        "settings module (as for manage.py, e.g. DJANGO_SETTINGS_MODULE=shop.settings) and run the "
        "command in the shop's project folder with PYTHONPATH=. (the conformance kit's throwaway shop "
        "is --oro-host oro_invoices.adapters.oscar.entry:throwaway_shop_host).\n")
