"""Every ``oro-invoices`` command builds the add-on through the composition root.

``import`` therefore applies the host's settings and customer checks: with a host found by
name through the ``oro_invoices.hosts`` entry points, with a host object handed to ``main``,
and with the reference shop.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from support.payloads import invoice_payload

import oro_invoices.composition as composition
from oro_invoices.cli import main
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings
from oro_invoices.services.facade import InvoiceService


@pytest.fixture
def built(monkeypatch):
    """Records every add-on the commands build (and still builds it)."""
    calls: list[tuple[composition.AddonConfig, object]] = []
    real = composition.build_addon

    def spy(config, *, host=None, plugins=None):
        addon = real(config, host=host, plugins=plugins)
        calls.append((config, addon))
        return addon
    monkeypatch.setattr(composition, "build_addon", spy)
    monkeypatch.delenv("ORO_INVOICES_HOST", raising=False)
    return calls


def invoice_count(db) -> int:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM oro_invoice_invoice").scalar_one()


def write_json(tmp_path, name, records) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return str(path)


def test_every_command_builds_the_addon(built, sqlite_db, tmp_path, capsys):
    storage = (tmp_path / "pdf").as_uri()
    (tmp_path / "pdf").mkdir()
    file = write_json(tmp_path, "one.json", [invoice_payload(external_id="C-1")])
    assert main(["migrate", "--db", sqlite_db.url]) == 0
    assert main(["verify", "--db", sqlite_db.url, "--storage", storage]) == 0
    assert main(["import", "--db", sqlite_db.url, "--storage", storage, file]) == 0
    assert main(["deliver-mail", "--db", sqlite_db.url, "--storage", storage,
                 "--smtp-url", "smtp://127.0.0.1:1"]) == 0
    assert [config.database_url for config, _ in built] == [sqlite_db.url] * 4
    assert [config.storage_url for config, _ in built] == [None, storage, storage, storage]
    assert built[3][0].smtp == "smtp://127.0.0.1:1"
    assert all(addon.db.engine.pool.checkedout() == 0 for _, addon in built)
    out = capsys.readouterr().out
    assert "imported: 1 created" in out and "claimed 0" in out


def test_import_defaults_to_no_host(built, sqlite_db, tmp_path):
    file = write_json(tmp_path, "one.json", [invoice_payload(external_id="N-1")])
    assert main(["import", "--db", sqlite_db.url, file]) == 0
    [(config, addon)] = built
    assert config.host is None and addon.host is None


def test_import_with_the_memory_host_checks_customers(built, sqlite_db, tmp_path, capsys):
    file = write_json(tmp_path, "one.json", [invoice_payload(external_id="M-1")])
    assert main(["import", "--db", sqlite_db.url, "--host", "memory", file]) == 1
    assert "customer_id: Customer 10 does not exist in organization 1." in capsys.readouterr().err
    assert built[0][0].host == "memory" and isinstance(built[0][1].host, MemoryHost)
    assert invoice_count(sqlite_db) == 0


def test_import_refuses_a_customer_user_of_another_customer(sqlite_db, tmp_path, capsys):
    host = MemoryHost()
    acme, globex = host.add_customer("Acme Corp"), host.add_customer("Globex")
    buyer = host.add_customer_user(acme.id, "buyer@acme.test", "Bea Buyer")
    stranger = host.add_customer_user(globex.id, "gil@globex.test", "Gil")
    Settings(host.config).set("oro_invoices.number_prefix", "IMP-")
    bad = write_json(tmp_path, "bad.json", [invoice_payload(
        external_id="B-1", customer_id=acme.id, customer_user_id=stranger.id)])
    assert main(["import", "--db", sqlite_db.url, bad], host=host) == 1
    err = capsys.readouterr().err
    assert f"Customer user {stranger.id} does not belong to customer {acme.id}." in err
    good = invoice_payload(external_id="G-1", customer_id=acme.id, customer_user_id=buyer.id,
                           order_id=None, status="posted")
    del good["customer_name"], good["customer_user_email"]
    assert main(["import", "--db", sqlite_db.url, write_json(tmp_path, "good.json", [good])],
                host=host) == 0
    service = InvoiceService(sqlite_db)
    doc = service.get(service.find_id(external_id="G-1"))
    assert doc.invoice_number.startswith("IMP-")          # the host's setting applies
    assert (doc.customer_name, doc.customer_user_email) == ("Acme Corp", "buyer@acme.test")


def test_import_into_the_reference_shop_checks_its_customers(shop, tmp_path, capsys):
    app, info = shop
    host = app.extensions["oro_reference_host"]
    db_url = app.extensions["oro_invoices"].addon.config.database_url
    users = info["customer_users"]
    user = users[0]
    other = next(u for u in users if u["customer_id"] != user["customer_id"])
    bad = write_json(tmp_path, "bad.json", [invoice_payload(
        external_id="REF-1", customer_id=user["customer_id"], customer_user_id=other["id"])])
    assert main(["import", "--db", db_url, bad], host=host) == 1
    assert f"Customer user {other['id']} does not belong to customer {user['customer_id']}." \
        in capsys.readouterr().err


HOST_MODULE = textwrap.dedent('''
    from oro_invoices.hosts.memory import MemoryHost
    from oro_invoices.integration.config import Settings


    def make_host():
        host = MemoryHost()
        acme, globex = host.add_customer("Acme Corp"), host.add_customer("Globex")
        host.add_customer_user(acme.id, "buyer@acme.test", "Bea Buyer")
        host.add_customer_user(globex.id, "gil@globex.test", "Gil")
        Settings(host.config).set("oro_invoices.number_prefix", "EP-")
        return host
''')


@pytest.fixture
def seeded_host_path(tmp_path):
    """A directory registering the host ``seeded`` under the ``oro_invoices.hosts`` entry points."""
    root = tmp_path / "site"
    dist = root / "seeded_host-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: seeded-host\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[oro_invoices.hosts]\nseeded = seeded_host:make_host\n")
    (root / "seeded_host.py").write_text(HOST_MODULE)
    return root


def run_cli(site, *args, host_env=None):
    env = {k: v for k, v in os.environ.items() if k != "ORO_INVOICES_HOST"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if host_env:
        env["ORO_INVOICES_HOST"] = host_env
    return subprocess.run([sys.executable, "-m", "oro_invoices", *args], capture_output=True,
                          text=True, timeout=120, env=env)


def test_import_finds_the_host_by_entry_point_name(seeded_host_path, sqlite_db, tmp_path):
    # the seeded host's customers: 1 Acme Corp, 2 Globex; users: 3 (of Acme), 4 (of Globex)
    bad = write_json(tmp_path, "bad.json", [invoice_payload(external_id="E-1", customer_id=1,
                                                            customer_user_id=4)])
    result = run_cli(seeded_host_path, "import", "--db", sqlite_db.url, "--host", "seeded", bad)
    assert result.returncode == 1
    assert "Customer user 4 does not belong to customer 1." in result.stderr

    good = invoice_payload(external_id="E-2", customer_id=1, customer_user_id=3, order_id=None,
                           status="posted")
    result = run_cli(seeded_host_path, "import", "--db", sqlite_db.url,
                     write_json(tmp_path, "good.json", [good]), host_env="seeded")
    assert result.returncode == 0, result.stderr
    service = InvoiceService(sqlite_db)
    assert service.get(service.find_id(external_id="E-2")).invoice_number.startswith("EP-")


def test_an_unknown_host_is_one_line_and_exit_2(sqlite_db, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ORO_INVOICES_HOST", raising=False)
    file = write_json(tmp_path, "one.json", [invoice_payload()])
    assert main(["import", "--db", sqlite_db.url, "--host", "nope", file]) == 2
    assert capsys.readouterr().err.startswith("error: No host adapter named 'nope'")
