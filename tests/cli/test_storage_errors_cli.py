"""PDF storages a command cannot use: one line naming the storage and why, exit code 2, no traceback."""
from __future__ import annotations

import socket
import time

import pytest

from oro_invoices.cli import main
from oro_invoices.documents.storage import LocalStorage


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def one_pdf(tmp_path) -> str:
    source = tmp_path / "pdf"
    LocalStorage(source).put(b"%PDF-1.7 one invoice")
    return str(source)


def test_an_s3_endpoint_that_does_not_answer_is_one_line(capsys, monkeypatch, one_pdf):
    pytest.importorskip("s3fs")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    target = f"s3://invoices/pdf?endpoint_url=http://127.0.0.1:{closed_port()}"
    assert main(["migrate-storage", "--from", one_pdf, "--to", target]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: Cannot reach the PDF storage {target}: Could not connect to the endpoint URL")
    assert err.count("\n") == 1


def test_s3_without_credentials_is_one_line(capsys, monkeypatch, tmp_path, one_pdf):
    pytest.importorskip("s3fs")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    target = f"s3://invoices/pdf?endpoint_url=http://127.0.0.1:{closed_port()}"
    assert main(["migrate-storage", "--from", one_pdf, "--to", target]) == 2
    assert capsys.readouterr().err == f"error: Cannot reach the PDF storage {target}: Unable to locate credentials\n"


def test_a_local_storage_that_is_a_file_is_refused(capsys, tmp_path, one_pdf):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["migrate-storage", "--from", one_pdf, "--to", str(tmp_path / "notes.txt" / "pdf")]) == 2
    assert capsys.readouterr().err == (f"error: PDF storage '{tmp_path}/notes.txt/pdf' is inside "
                                       f"'{tmp_path}/notes.txt', which is a file, not a folder.\n")
    assert (tmp_path / "notes.txt").read_text() == "mine"
    (tmp_path / "empty.db").touch()
    assert main(["verify", "--db", f"sqlite:///{tmp_path}/empty.db", "--storage", str(tmp_path / "notes.txt")]) == 2
    assert capsys.readouterr().err == f"error: PDF storage '{tmp_path}/notes.txt' is a file, not a folder.\n"


def test_a_source_folder_that_does_not_exist_is_not_an_empty_success(capsys, tmp_path):
    assert main(["migrate-storage", "--from", str(tmp_path / "typo"), "--to", str(tmp_path / "target")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: --from '{tmp_path}/typo': the folder {tmp_path}/typo does not exist\n"
    assert not (tmp_path / "target").exists()


@pytest.fixture
def empty_db(tmp_path, sqlite_template) -> str:
    """A migrated database without invoices: nothing to check, so only the storage can be wrong."""
    path = tmp_path / "shop.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture
def unreachable_s3(monkeypatch) -> str:
    pytest.importorskip("s3fs")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    return f"s3://b/p?endpoint_url=http://127.0.0.1:{closed_port()}/"


def test_export_of_pdfs_names_an_unreachable_s3_storage_and_writes_nothing(capsys, tmp_path, empty_db,
                                                                           unreachable_s3):
    out = tmp_path / "o.zip"
    assert main(["export", "--db", empty_db, "--format", "pdfs", "--storage", unreachable_s3,
                 "--output", str(out)]) == 2
    stdout, err = capsys.readouterr()
    assert stdout == "" and "MISSING" not in err and err.count("\n") == 1
    assert err.startswith(f"error: Cannot reach the PDF storage {unreachable_s3}: "
                          "Could not connect to the endpoint URL")
    assert not out.exists()


@pytest.mark.parametrize("command", ["verify", "complete-pdfs", "export"])
def test_a_storage_folder_that_does_not_exist_is_not_an_empty_success(capsys, tmp_path, empty_db, command):
    if command == "complete-pdfs":
        pytest.importorskip("weasyprint")
    extra = ["--format", "pdfs", "--output", str(tmp_path / "o.zip")] if command == "export" else []
    assert main([command, "--db", empty_db, "--storage", str(tmp_path / "typo"), *extra]) == 2
    stdout, err = capsys.readouterr()
    assert stdout == ""
    assert err == (f"error: Cannot reach the PDF storage {tmp_path}/typo: the folder does not exist "
                   "(create it, or correct the storage URL)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db"]


@pytest.mark.parametrize("command", ["verify", "complete-pdfs"])
def test_an_unreachable_s3_storage_is_not_an_empty_success(capsys, empty_db, unreachable_s3, command):
    if command == "complete-pdfs":
        pytest.importorskip("weasyprint")
    assert main([command, "--db", empty_db, "--storage", unreachable_s3]) == 2
    stdout, err = capsys.readouterr()
    assert stdout == "" and err.count("\n") == 1
    assert err.startswith(f"error: Cannot reach the PDF storage {unreachable_s3}: "
                          "Could not connect to the endpoint URL")


def test_verify_with_an_existing_empty_storage_folder_is_ok(capsys, tmp_path, empty_db):
    (tmp_path / "pdf").mkdir()
    assert main(["verify", "--db", empty_db, "--storage", str(tmp_path / "pdf")]) == 0
    assert capsys.readouterr().out == "OK: checked 0 posted invoice(s), 0 PDF(s)\n"



def test_an_s3_endpoint_that_refuses_connections_fails_within_seconds(capsys, empty_db, unreachable_s3):
    started = time.monotonic()
    assert main(["verify", "--db", empty_db, "--storage", unreachable_s3]) == 2
    assert time.monotonic() - started < 6  # the client's own retry loop took 10 s and more
    assert capsys.readouterr().err == (f"error: Cannot reach the PDF storage {unreachable_s3}: Could not connect "
                                       f"to the endpoint URL: \"{unreachable_s3.split('=')[1]}b\"\n")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["verify", "migrate-storage"])
def test_a_bucket_that_does_not_exist_is_named(capsys, tmp_path, empty_db, one_pdf, s3_server, command):
    url = s3_server.storage_url("no-such-bucket")
    args = (["migrate-storage", "--from", one_pdf, "--to", url] if command == "migrate-storage"
            else ["verify", "--db", empty_db, "--storage", url])
    assert main(args) == 2
    assert capsys.readouterr() == ("", f"error: Cannot reach the PDF storage {url}: the bucket 'no-such-bucket' "
                                       "does not exist (create it, or correct the storage URL)\n")
    assert "no-such-bucket" not in s3_server.filesystem().ls("")


def test_an_endpoint_that_is_no_s3_server_is_not_called_a_missing_bucket(capsys, empty_db, monkeypatch):
    """A web server that answers 404 to everything (a wrong port, a proxy) has no bucket to miss."""
    import http.server
    import threading
    pytest.importorskip("s3fs")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")

    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"s3://invoices/pdf?endpoint_url=http://127.0.0.1:{server.server_address[1]}"
        assert main(["verify", "--db", empty_db, "--storage", url]) == 2
    finally:
        server.shutdown()
        server.server_close()
    assert capsys.readouterr() == ("", f"error: Cannot reach the PDF storage {url}: the endpoint answered 404 "
                                       "without S3's headers: is it an S3 endpoint?\n")
