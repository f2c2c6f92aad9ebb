"""The reference shop's WSGI entry for several processes: its settings, and two application
instances (as two processes would build them) over one PostgreSQL database."""
from __future__ import annotations

import re

import pytest
from support.databases import truncate_pg

from oro_invoices.hosts.reference.wsgi import Environment, close, setup

pytest.importorskip("flask")


def test_environment_reads_the_oro_reference_variables():
    env = Environment.read({"ORO_REFERENCE_DATA_DIR": "/srv/shop", "ORO_REFERENCE_DATABASE_URL": "postgresql://db/shop",
                            "ORO_REFERENCE_STORAGE_URL": " ", "ORO_REFERENCE_SECURE_COOKIES": "1"})
    assert env == Environment(data_dir="/srv/shop", database_url="postgresql://db/shop", storage_url=None,
                              secure_cookies=True)
    assert Environment.read({}) == Environment()
    with pytest.raises(ValueError, match="ORO_REFERENCE_SECURE_COOKIES must be 1 or 0, not 'maybe'"):
        Environment.read({"ORO_REFERENCE_SECURE_COOKIES": "maybe"})
    pooled = Environment.read({"ORO_REFERENCE_DB_POOL_SIZE": "3", "ORO_REFERENCE_DB_MAX_OVERFLOW": "0"})
    assert pooled.database_pool == (("pool_size", 3), ("max_overflow", 0))
    with pytest.raises(ValueError, match="ORO_REFERENCE_DB_POOL_SIZE must be a whole number of 0 or more, not '-2'"):
        Environment.read({"ORO_REFERENCE_DB_POOL_SIZE": "-2"})


@pytest.mark.parametrize(("name", "value", "said"), [
    ("BASE_URL", "shop.example.com", "ORO_REFERENCE_BASE_URL: 'shop.example.com' is not an http:// or https:// URL"),
    ("DATABASE_URL", "mysql://db/shop", "ORO_REFERENCE_DATABASE_URL: Unsupported database 'mysql'"),
    ("STORAGE_URL", "ftp://files/pdf", "ORO_REFERENCE_STORAGE_URL: Unsupported PDF storage URL scheme 'ftp'"),
    ("SMTP_URL", "mail.example.com:25", "ORO_REFERENCE_SMTP_URL: Invalid SMTP URL scheme"),
    ("JOBS_BROKER_URL", "foo://x", "ORO_REFERENCE_JOBS_BROKER_URL: not a Celery broker URL: foo://; "
                                   "use redis://HOST:6379/N or amqp://USER:PASSWORD@HOST:5672//"),
    ("JOBS_BROKER_URL", "127.0.0.1:6379", "ORO_REFERENCE_JOBS_BROKER_URL: not a Celery broker URL: '127.0.0.1:6379'"),
])
def test_a_wrong_value_is_named_by_its_variable(name, value, said):
    with pytest.raises(ValueError) as caught:
        Environment.read({f"ORO_REFERENCE_{name}": value})
    assert str(caught.value).startswith(said)


def test_a_command_for_the_shop_names_a_wrong_variable_in_one_line(capsys, tmp_path, monkeypatch):
    from oro_invoices.cli import main
    monkeypatch.setenv("ORO_REFERENCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ORO_REFERENCE_SMTP_URL", "mail.example.com:25")
    (tmp_path / "invoices.db").touch()
    assert main(["verify", "--db", f"sqlite:///{tmp_path / 'invoices.db'}", "--host", "reference-shop"]) == 2
    assert capsys.readouterr().err.startswith("error: ORO_REFERENCE_SMTP_URL: Invalid SMTP URL scheme")


def test_gunicorn_stops_with_one_line_naming_the_variable(tmp_path):
    import os
    import subprocess
    import sys
    pytest.importorskip("gunicorn")
    (tmp_path / "shop").write_text("not a folder")
    env = {**os.environ, "ORO_REFERENCE_DATA_DIR": str(tmp_path / "shop")}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "python:oro_invoices.hosts.reference.gunicorn_conf",
                             "--workers", "1", "--bind", "127.0.0.1:0"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"error: ORO_REFERENCE_DATA_DIR: '{tmp_path / 'shop'}' is a file, not a folder\n" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "shop").read_text() == "not a folder"


def test_gunicorn_stops_on_a_jobs_broker_url_of_no_broker(tmp_path):
    import os
    import subprocess
    import sys
    pytest.importorskip("gunicorn")
    env = {**os.environ, "ORO_REFERENCE_DATA_DIR": str(tmp_path / "shop"), "ORO_REFERENCE_JOBS_BROKER_URL": "foo://x"}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "python:oro_invoices.hosts.reference.gunicorn_conf",
                             "--workers", "1", "--bind", "127.0.0.1:0"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.endswith(", sqs, zookeeper)\n")
    assert ("error: ORO_REFERENCE_JOBS_BROKER_URL: not a Celery broker URL: foo://; "
            "use redis://HOST:6379/N or amqp://USER:PASSWORD@HOST:5672// (the transports Celery knows: ") \
        in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "shop").exists()


def test_a_jobs_broker_that_does_not_answer_is_a_warning_at_start_up(tmp_path, monkeypatch):
    import logging
    import socket
    pytest.importorskip("celery")
    from oro_invoices.hosts.reference import gunicorn_conf
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("ORO_REFERENCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ORO_REFERENCE_JOBS_BROKER_URL", f"redis://:secret@127.0.0.1:{port}/0")
    warnings: list[str] = []

    class Server:
        log = logging.getLogger("test-gunicorn")

    monkeypatch.setattr(Server.log, "warning", warnings.append)
    gunicorn_conf.on_starting(Server())                       # the shop is set up all the same
    assert (tmp_path / "shop.db").exists()
    assert len(warnings) == 1
    assert warnings[0].startswith(f"ORO_REFERENCE_JOBS_BROKER_URL: cannot connect to the Celery broker "
                                  f"redis://:**@127.0.0.1:{port}/0: ")
    assert warnings[0].endswith("; until it answers, the jobs of requests are not sent, and the workers' "
                                "periodic sweeps do their work (PDFs, email, webhooks) once it is back")
    assert "secret" not in warnings[0]


def test_a_password_for_a_redis_without_one_is_a_warning_at_start_up(tmp_path, monkeypatch):
    import logging
    pytest.importorskip("celery")
    from support.celery_jobs import REDIS_HOST

    from oro_invoices.hosts.reference import gunicorn_conf
    host = REDIS_HOST.split("://", 1)[1]
    monkeypatch.setenv("ORO_REFERENCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ORO_REFERENCE_JOBS_BROKER_URL", f"redis://:secret@{host}/15")
    warnings: list[str] = []

    class Server:
        log = logging.getLogger("test-gunicorn")

    monkeypatch.setattr(Server.log, "warning", warnings.append)
    gunicorn_conf.on_starting(Server())
    assert warnings == [f"ORO_REFERENCE_JOBS_BROKER_URL: the Celery broker URL redis://:**@{host}/15 gives a "
                        "password, but the Redis server has none (it answers AUTH with: AUTH <password> called "
                        "without any password configured for the default user): remove the password from the URL, "
                        "or set one on the server (requirepass); jobs are sent all the same, but stop on the day "
                        "the server is given a password other than this one"]


@pytest.fixture
def pg_url(pg_database_url):
    """The run's PostgreSQL database, emptied; the reference host's tables are dropped afterwards."""
    from oro_invoices.hosts.reference import models as m
    from oro_invoices.persistence.engine import Database
    db = Database(pg_database_url)
    truncate_pg(db)
    yield pg_database_url
    truncate_pg(db)
    m.metadata.drop_all(db.engine)
    db.dispose()


def _login(client, username: str) -> None:
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/admin/login", data={"username": username, "password": "secret123",
                                             "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/")


def test_two_workers_on_postgresql_share_logins_and_logout(tmp_path, pg_url):
    environ = {"ORO_REFERENCE_DATA_DIR": str(tmp_path), "ORO_REFERENCE_DATABASE_URL": pg_url,
               "ORO_REFERENCE_DB_POOL_SIZE": "2", "ORO_REFERENCE_DB_MAX_OVERFLOW": "1"}
    setup(environ)
    first, second = Environment.read(environ).app(setup=False), Environment.read(environ).app(setup=False)
    try:
        host = first.extensions["oro_reference_host"]
        assert host.engine.dialect.name == "postgresql"
        for engine in (host.engine, first.extensions["oro_invoices"].service.db.engine):
            assert (engine.pool.size(), engine.pool._max_overflow) == (2, 1)
        organization = host.records.add_organization("Shop")
        host.records.add_admin("ops", "secret123", organization_id=organization)
        a, b = first.test_client(), second.test_client()
        _login(a, "ops")
        b.set_cookie("session", a.get_cookie("session").value)  # the same browser, another process
        assert b.get("/admin/").status_code == 200
        # a form shown by one instance is accepted by the other
        page = a.get("/admin/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        b.set_cookie("session", a.get_cookie("session").value)  # the browser's one cookie jar
        assert b.post("/admin/logout", data={"csrf_token": token}).status_code == 302
        # logged out on the server: the first instance refuses its copy of the old cookie
        after = a.get("/admin/")
        assert after.status_code == 302 and "/admin/login" in after.headers["Location"], after.status_code
    finally:
        close(first)
        close(second)


def test_a_worker_for_the_shop_uses_the_shops_settings(tmp_path, monkeypatch):
    """``oro-invoices worker --host reference-shop`` loads the shop the environment configures,
    so the jobs it runs see the settings saved in that shop, not the defaults."""
    from oro_invoices.adapters import load_host
    from oro_invoices.composition import AddonConfig, build_addon
    environ = {"ORO_REFERENCE_DATA_DIR": str(tmp_path)}
    setup(environ)
    shop = Environment.read(environ).app(setup=False)
    try:
        shop.extensions["oro_invoices"].settings.set("oro_invoices.number_prefix", "SHOP-")
    finally:
        close(shop)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    host = load_host("reference-shop")
    addon = build_addon(AddonConfig(database_url=host.engine.url.render_as_string(hide_password=False)),
                        host=host)
    try:
        assert addon.invoices.setting("oro_invoices.number_prefix", organization_id=1) == "SHOP-"
    finally:
        addon.close()
        host.engine.dispose()


def test_a_command_for_a_shop_that_is_not_there_makes_none(capsys, tmp_path, monkeypatch):
    """``--host reference-shop`` where no shop was started (a mistyped or unset data directory)
    says so; it does not make an empty shop whose defaults the command would then use."""
    from oro_invoices.cli import main
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORO_REFERENCE_DATA_DIR", raising=False)
    monkeypatch.delenv("ORO_REFERENCE_DATABASE_URL", raising=False)
    (tmp_path / "invoices.db").touch()
    assert main(["verify", "--db", f"sqlite:///{tmp_path / 'invoices.db'}", "--host", "reference-shop"]) == 2
    assert capsys.readouterr() == ("", f"error: There is no reference shop in {tmp_path}/oro-invoices-demo "
                                       "(ORO_REFERENCE_DATA_DIR, default ./oro-invoices-demo): set "
                                       "ORO_REFERENCE_DATA_DIR to the shop's data directory (the --data-dir of "
                                       "oro-invoices demo), or start the shop there first.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoices.db"]
