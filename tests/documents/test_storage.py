"""Write-once, content-addressed PDF storage (LocalStorage)."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from support.child_process import package_env

from oro_invoices.documents.storage import (
    TEMP_PREFIX,
    LocalStorage,
    Storage,
    StoredObject,
    storage_from_url,
)
from oro_invoices.domain.errors import ConfigurationError, StorageError

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
OBJECT_NAME = re.compile(r"[0-9a-f]{64}")


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def object_files(root: Path) -> list[Path]:
    return [p for p in all_files(root) if OBJECT_NAME.fullmatch(p.name)]


def make_writable(path: Path) -> None:
    os.chmod(path, 0o644)


@pytest.fixture
def store(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "pdfs")


def test_put_stores_bytes_under_their_sha256_in_sharded_read_only_file(store: LocalStorage):
    obj = store.put(PDF)
    digest = hashlib.sha256(PDF).hexdigest()
    assert obj == StoredObject(sha256=digest, size=len(PDF), created_at=obj.created_at)
    assert obj.created_at.tzinfo is not None and obj.created_at.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - obj.created_at) < dt.timedelta(minutes=1)
    path = store.root / digest[:2] / digest[2:4] / digest
    assert all_files(store.root) == [path]
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert store.exists(digest)
    assert store.read(digest) == PDF
    with store.open(digest) as handle:
        assert handle.read(9) == b"%PDF-1.7\n"
        assert handle.read() == PDF[9:]
    assert store.check(digest) is None
    assert store.check(digest, size=len(PDF)) is None


def test_same_bytes_twice_return_the_existing_object_without_rewriting_it(store: LocalStorage):
    first = store.put(PDF)
    path = store.path_for(first.sha256)
    before = path.stat()
    second = store.put(bytes(PDF))
    after = path.stat()
    assert second == first
    assert (after.st_ino, after.st_mtime_ns, after.st_nlink) == (before.st_ino, before.st_mtime_ns, 1)
    assert all_files(store.root) == [path]


def test_different_bytes_make_different_objects(store: LocalStorage):
    a, b = store.put(PDF), store.put(PDF + b" ")
    assert a.sha256 != b.sha256
    assert len(object_files(store.root)) == 2
    assert store.read(b.sha256) == PDF + b" "


def test_a_corrupt_existing_object_is_reported_and_never_overwritten(store: LocalStorage):
    obj = store.put(PDF)
    path = store.path_for(obj.sha256)
    make_writable(path)
    damaged = bytearray(PDF)
    damaged[100] ^= 0x01
    path.write_bytes(bytes(damaged))
    with pytest.raises(StorageError, match="corrupt.*content does not match its SHA-256"):
        store.put(PDF)
    assert path.read_bytes() == bytes(damaged)


def test_check_reports_flipped_byte_wrong_size_and_missing_file(store: LocalStorage):
    obj = store.put(PDF)
    path = store.path_for(obj.sha256)
    assert store.check(obj.sha256, size=len(PDF) + 1) == f"size is {len(PDF)} bytes, expected {len(PDF) + 1}"
    make_writable(path)
    with open(path, "r+b") as handle:
        handle.seek(len(PDF) // 2)
        byte = handle.read(1)
        handle.seek(len(PDF) // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert store.check(obj.sha256) == "content does not match its SHA-256"
    assert store.check(obj.sha256, size=len(PDF)) == "content does not match its SHA-256"
    path.unlink()
    assert store.check(obj.sha256) == "missing"
    assert not store.exists(obj.sha256)


def test_reading_a_missing_object_raises_a_clear_storage_error(store: LocalStorage):
    digest = hashlib.sha256(b"never stored").hexdigest()
    with pytest.raises(StorageError, match=f"{digest} is missing"):
        store.read(digest)
    with pytest.raises(StorageError, match="is missing"):
        store.open(digest)


@pytest.mark.parametrize("name", ["../../etc/passwd", "ABCDEF" * 10 + "ABCD", "abc", ""])
def test_names_that_are_not_sha256_digests_are_refused(store: LocalStorage, name: str):
    with pytest.raises(StorageError, match="not a SHA-256 digest"):
        store.read(name)
    assert "not a SHA-256 digest" in store.check(name)


def test_a_write_that_fails_midway_leaves_no_object_and_no_temp_file(store: LocalStorage, monkeypatch):
    def half_then_fail(handle, data):
        handle.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LocalStorage, "_write", staticmethod(half_then_fail))
    with pytest.raises(OSError, match="No space left"):
        store.put(PDF)
    digest = hashlib.sha256(PDF).hexdigest()
    assert not store.exists(digest)
    assert store.check(digest) == "missing"
    assert all_files(store.root) == []
    monkeypatch.undo()
    assert store.put(PDF).sha256 == digest


def test_a_process_killed_mid_write_leaves_no_visible_object(tmp_path: Path):
    root = tmp_path / "pdfs"
    script = textwrap.dedent(f"""
        import os, signal
        from oro_invoices.documents.storage import LocalStorage

        def half_then_die(handle, data):
            handle.write(data[: len(data) // 2])
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        LocalStorage._write = staticmethod(half_then_die)
        LocalStorage({str(root)!r}).put({PDF!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], env=package_env(), capture_output=True, timeout=60)
    assert result.returncode == -9, result.stderr.decode()
    store = LocalStorage(root)
    digest = hashlib.sha256(PDF).hexdigest()
    leftovers = all_files(root)
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".tmp-")  # the half-written temp file
    assert 0 < leftovers[0].stat().st_size < len(PDF)
    assert object_files(root) == []
    assert not store.exists(digest)
    assert store.check(digest) == "missing"
    assert store.remove_stale_temp_files(older_than=0) == 1
    assert all_files(root) == []
    assert store.read(store.put(PDF).sha256) == PDF


def test_concurrent_puts_of_the_same_bytes_make_one_object(store: LocalStorage):
    results: list[StoredObject] = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(store.put(PDF))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.sha256 for r in results}) == 1 and len(results) == 8
    assert all_files(store.root) == object_files(store.root) == [store.path_for(results[0].sha256)]


def test_local_storage_satisfies_the_storage_protocol(store: LocalStorage):
    assert isinstance(store, Storage)


def test_storage_from_url_accepts_file_urls_and_plain_paths(tmp_path: Path):
    by_url = storage_from_url(f"file://{tmp_path}/a%20b")
    assert isinstance(by_url, LocalStorage) and by_url.root == tmp_path / "a b"
    assert storage_from_url(f"file://localhost{tmp_path}").root == tmp_path
    assert storage_from_url(str(tmp_path / "plain")).root == tmp_path / "plain"
    assert storage_from_url(tmp_path / "pathlike").root == tmp_path / "pathlike"
    obj = by_url.put(PDF)
    assert storage_from_url(f"file://{tmp_path}/a%20b").read(obj.sha256) == PDF


@pytest.mark.parametrize("url, message", [
    ("gs://bucket/invoices", "Unsupported PDF storage URL scheme 'gs'"),
    ("https://example.com/pdfs", "Unsupported PDF storage URL scheme 'https'"),
    ("file://fileserver/share", "names a host"),
    ("", "empty"),
])
def test_storage_from_url_rejects_what_it_cannot_serve(url: str, message: str):
    with pytest.raises(ConfigurationError, match=message):
        storage_from_url(url)


@pytest.mark.parametrize(("url", "message"), [
    ("s3:///pdf", "names no bucket"),
    ("s3://bucket/pdf?endpoint=http://x", r"unknown option\(s\) endpoint; an s3:// URL accepts endpoint_url, region"),
    ("s3://bucket/pdf?endpoint_url=", "option endpoint_url needs exactly one non-empty value"),
    ("s3://bucket/pdf?region=a&region=b", "option region needs exactly one non-empty value"),
    ("s3://bucket/pdf?endpoint_url=ftp://x", "endpoint_url 'ftp://x' must be an http"),
])
def test_a_bad_s3_url_says_what_is_wrong(url: str, message: str):
    with pytest.raises(ConfigurationError, match=message):
        storage_from_url(url)


def test_an_s3_url_without_the_s3_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "s3fs", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'oro-invoices\[s3\]'"):
        storage_from_url("s3://bucket/pdf")


def test_names_lists_the_stored_objects_only(store: LocalStorage):
    digests = sorted(store.put(data).sha256 for data in (b"one", b"two"))
    stray = store.path_for(digests[0]).parent / f"{TEMP_PREFIX}x"
    stray.write_bytes(b"partial")
    (store.root / "README").write_text("not an object")
    assert list(store.names()) == digests


def test_remove_takes_the_object_and_the_folders_it_leaves_empty_not_the_root(store: LocalStorage):
    kept, removed = store.put(PDF), store.put(PDF + b"% another\n")
    store.remove(removed.sha256)
    assert not store.exists(removed.sha256) and list(store.names()) == [kept.sha256]
    assert not (store.root / removed.sha256[:2] / removed.sha256[2:4]).exists() or \
        removed.sha256[:4] == kept.sha256[:4]
    store.remove(kept.sha256)
    store.remove(kept.sha256)                   # already gone: nothing to do
    assert store.root.is_dir() and list(store.root.iterdir()) == []
