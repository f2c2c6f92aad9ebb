"""A shop that forks Oscar's partner, communication and order apps, its forks' migrations after
``0001_initial`` named otherwise than Oscar's, migrates the app: its migrations need of those
apps only their first migration (docs/oscar.md, "Forked Oscar apps"). Each shop runs in a
process of its own (``support/oscar_forked_shop.py``)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from support import oscar_forked_shop
from support.oscar_shop import Shop

APP = "oro_invoices_oscar"
MIGRATIONS = ["0001_initial", "0002_widen_email_subject_template", "0003_config_value_place_index",
              "0004_permission_labels", "0005_reauthorize_permission_label", "0006_note_permission",
              "0007_customer_einvoice_address", "0008_admin_labels_translated", "0009_order_purchase_order",
              "0010_model_names_translated", "0011_unlisted_models_permissions"]


def _run_forked_shop(workdir: Path, *database_url: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, oscar_forked_shop.__file__, str(workdir), *database_url],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def _assert_migrated_with_the_forks(seen: dict[str, Any]) -> None:
    assert seen["forks"] == {"partner": "shop_forks.partner", "communication": "shop_forks.communication",
                             "order": "shop_forks.order"}
    # the forks' own migrations ran, not Oscar's names
    assert "0007_partner_shop" in seen["applied"]["partner"]
    assert "0007_partneraddress_code" not in seen["applied"]["partner"]
    assert "0004_communication_shop" in seen["applied"]["communication"]
    assert "0021_order_shop" in seen["applied"]["order"]
    # before migrate, manage.py check names what to run (it reads the graph the forks are part of)
    assert (f"({APP}.W001) Database 'default' lacks the migrations {', '.join(MIGRATIONS)} of {APP}"
            in seen["check_before"])
    assert seen["applied"][APP] == MIGRATIONS
    assert all(f" [X] {name}" in seen["showmigrations"] for name in MIGRATIONS)
    assert seen["check_after"].strip() == "System check identified no issues (0 silenced)."
    assert seen["makemigrations"].strip() == f"No changes detected in app '{APP}'"


@pytest.mark.slow
def test_a_shop_with_forked_partner_communication_and_order_apps_migrates(tmp_path: Path) -> None:
    _assert_migrated_with_the_forks(_run_forked_shop(tmp_path))


@pytest.mark.slow
def test_on_postgresql_the_subject_column_widened_before_oscars_table_rename_stays_text(
        pg_shop_url: str, tmp_path: Path) -> None:
    """The app's ``0002`` may run between the communication app's first migration and the one
    renaming Oscar's table: it widens the column of the table of that moment, which the rename keeps."""
    seen = _run_forked_shop(tmp_path, pg_shop_url)
    _assert_migrated_with_the_forks(seen)
    assert seen["column_before_rename"] == "text"
    assert seen["column_migrated"] == "text"


#: The app's migrations whose released dependency on an Oscar app changed: what they depended
#: on, and what they depend on now.
CHANGED = {
    "0001_initial": (("partner", "0007_partneraddress_code"), ("partner", "0001_initial")),
    "0002_widen_email_subject_template": (("communication", "0004_auto_20200801_0817"),
                                          ("communication", "0001_initial")),
    "0008_admin_labels_translated": (("partner", "0007_partneraddress_code"), ("partner", "0001_initial")),
}


def test_a_database_migrated_with_the_released_dependencies_is_consistent_with_the_new(shop: Shop) -> None:
    """Django refuses to migrate (``InconsistentMigrationHistory``) a database where a migration is
    applied and one it depends on is not. Each new dependency is one the released one depended on,
    so wherever the app's migration was applied after the released one, the new one is applied too."""
    graph = MigrationLoader(connection).graph
    for ours, (released, now) in CHANGED.items():
        parents = {parent.key for parent in graph.node_map[(APP, ours)].parents}
        assert now in parents and released not in parents
        assert now in graph.forwards_plan(released)
    MigrationLoader(connection).check_consistent_history(connection)  # the shop's own database
