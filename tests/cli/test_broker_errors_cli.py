"""``worker`` and ``beat`` with a broker they cannot use: one line naming it, exit code 2, no retrying."""
from __future__ import annotations

import socket
import time

import pytest

from oro_invoices.cli import main

pytestmark = pytest.mark.celery


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", [["worker", "--db", "sqlite:///unused.db"], ["beat"]])
def test_an_unreachable_broker_stops_the_command_at_once(capsys, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "unused.db").touch()
    port = closed_port()
    started = time.monotonic()
    assert main([*command, "--broker", f"redis://127.0.0.1:{port}/0"]) == 2
    assert time.monotonic() - started < 20
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot connect to the Celery broker redis://127.0.0.1:{port}/0: ")
    assert "Connection refused" in err
    assert err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["unused.db"]  # no beat schedule


def test_refused_credentials_are_named_without_the_password(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["beat", "--broker", "amqp://guest:not-the-password@127.0.0.1:5672//"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot connect to the Celery broker amqp://guest:**@127.0.0.1:5672//: ")
    assert "ACCESS_REFUSED" in err
    assert "not-the-password" not in err


def test_a_url_of_no_broker_names_the_schemes(capsys):
    assert main(["beat", "--broker", "ftp://127.0.0.1/queue"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: not a Celery broker URL: ftp://; use redis://HOST:6379/N or "
                          "amqp://USER:PASSWORD@HOST:5672// (the transports Celery knows: amqp, amqps, ")
    assert err.endswith(", sqs, zookeeper)\n") and err.count("\n") == 1


def test_a_worker_on_a_database_without_the_schema_says_to_migrate(capsys, tmp_path, worker_id):
    from support.celery_jobs import redis_url

    from oro_invoices.persistence.engine import Database
    from oro_invoices.persistence.migrate import downgrade, head_revision
    url = f"sqlite:///{tmp_path}/invoices.db"
    (tmp_path / "invoices.db").touch()
    argv = ["worker", "--db", url, "--broker", redis_url(worker_id), "--queue", "oro-test-unused"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (f"error: the database {url} has no oro-invoices schema; "
                                       f"run: oro-invoices migrate --db {url}\n")
    assert main(["migrate", "--db", url]) == 0
    older = f"{int(head_revision()) - 1:04d}"
    db = Database(url)
    downgrade(db, older)
    db.dispose()
    capsys.readouterr()
    assert main(argv) == 2
    assert capsys.readouterr().err == (f"error: the database {url} has the schema of revision {older}, this release "
                                       f"needs {head_revision()}; run: oro-invoices migrate --db {url}\n")


def test_a_worker_whose_host_cannot_be_built_says_so_before_taking_a_job(capsys, tmp_path, monkeypatch, worker_id,
                                                                        sqlite_template):
    """A host that cannot be built (here the reference shop where there is none) would fail every
    job; the worker says so once and does not start."""
    from support.celery_jobs import redis_url
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORO_REFERENCE_DATA_DIR", raising=False)
    monkeypatch.delenv("ORO_REFERENCE_DATABASE_URL", raising=False)
    (tmp_path / "invoices.db").write_bytes(sqlite_template.read_bytes())
    argv = ["worker", "--db", f"sqlite:///{tmp_path}/invoices.db", "--broker", redis_url(worker_id),
            "--queue", "oro-test-unused", "--host", "reference-shop"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (f"error: There is no reference shop in {tmp_path}/oro-invoices-demo "
                                       "(ORO_REFERENCE_DATA_DIR, default ./oro-invoices-demo): set "
                                       "ORO_REFERENCE_DATA_DIR to the shop's data directory (the --data-dir of "
                                       "oro-invoices demo), or start the shop there first.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoices.db"]


@pytest.mark.parametrize("command", [["worker", "--db", "sqlite:///unused.db"], ["beat"]])
def test_a_password_for_a_redis_without_one_is_refused_not_connected(capsys, tmp_path, monkeypatch, command):
    """Redis's client connects to a server without a password whatever password the URL gives,
    so a wrong one would only show once the server gets a password: it is said at once."""
    from support.celery_jobs import REDIS_HOST

    from oro_invoices.jobs import celery_app

    def started(*args, **kwargs):
        raise AssertionError("the command started on a broker URL whose password Redis does not check")

    monkeypatch.setattr(celery_app, "run_worker", started)
    monkeypatch.setattr(celery_app, "run_beat", started)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "unused.db").touch()
    host = REDIS_HOST.split("://", 1)[1]
    assert main([*command, "--broker", f"redis://:not-the-password@{host}/15"]) == 2
    assert capsys.readouterr().err == (
        f"error: the Celery broker URL redis://:**@{host}/15 gives a password, but the Redis server has none (it "
        "answers AUTH with: AUTH <password> called without any password configured for the default user): remove "
        "the password from the URL, or set one on the server (requirepass)\n")
    assert [p.name for p in tmp_path.iterdir()] == ["unused.db"]  # no beat schedule


@pytest.fixture
def redis_with_password(tmp_path):
    """A Redis of its own on 127.0.0.1 whose password is ``right``."""
    import shutil
    import subprocess
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = closed_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", "right",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_redis_with_a_password_takes_the_right_one_and_names_a_wrong_one(redis_with_password):
    from oro_invoices.domain.errors import ConfigurationError
    from oro_invoices.jobs.celery_app import check_broker
    from oro_invoices.services.celery_queue import broker_app
    port = redis_with_password
    app = broker_app(f"redis://:right@127.0.0.1:{port}/0")
    try:
        check_broker(app)
    finally:
        app.close()
    app = broker_app(f"redis://:wrong@127.0.0.1:{port}/0")
    try:
        with pytest.raises(ConfigurationError) as caught:
            check_broker(app)
    finally:
        app.close()
    assert caught.value.message.startswith(f"cannot connect to the Celery broker redis://:**@127.0.0.1:{port}/0: ")
    assert "gives a password" not in caught.value.message and "wrong" not in caught.value.message
