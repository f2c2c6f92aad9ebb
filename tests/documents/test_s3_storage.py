"""PDF storage in S3 (s3fs) against a real S3-compatible server (SeaweedFS, started by the session)."""
from __future__ import annotations

import gc
import hashlib
import os
import tracemalloc

import pytest

from oro_invoices.documents.object_storage import BLOCK_SIZE, FsspecStorage
from oro_invoices.documents.storage import MISMATCH, MISSING, sha256_hex, storage_from_url
from oro_invoices.domain.errors import StorageError

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.7\n" + b"invoice bytes\n" * 100


@pytest.fixture
def store(s3_server, s3_bucket, s3_prefix) -> FsspecStorage:
    storage = storage_from_url(s3_server.storage_url(s3_bucket, f"{s3_prefix}/pdf"))
    assert isinstance(storage, FsspecStorage)
    return storage


def test_put_stores_the_bytes_under_their_sha256_in_the_bucket(store, s3_server, s3_bucket, s3_prefix):
    stored = store.put(PDF)
    digest = hashlib.sha256(PDF).hexdigest()
    assert stored.sha256 == digest and stored.size == len(PDF) and stored.created_at.tzinfo is not None
    key = f"{s3_bucket}/{s3_prefix}/pdf/{digest[:2]}/{digest[2:4]}/{digest}"
    assert s3_server.filesystem().cat_file(key) == PDF
    assert store.exists(digest) and store.read(digest) == PDF and store.check(digest, len(PDF)) is None
    with store.open(digest) as stream:
        assert b"".join(iter(lambda: stream.read(100), b"")) == PDF
    assert list(store.names()) == [digest]


def test_a_missing_object_is_reported_not_raised_as_a_500(store):
    absent = sha256_hex(b"never stored")
    assert not store.exists(absent) and store.check(absent) == MISSING
    with pytest.raises(StorageError, match=f"{absent} is missing"):
        store.open(absent)
    with pytest.raises(StorageError, match="not a SHA-256"):
        store.open("../../etc/passwd")


def test_the_same_bytes_twice_return_the_existing_object(store, s3_server):
    first = store.put(PDF)
    again = store.put(PDF)
    assert again.sha256 == first.sha256 and again.size == first.size
    assert len(s3_server.filesystem().find(store.root)) == 1


def test_different_bytes_under_an_existing_name_are_refused_and_never_overwrite(store, s3_server):
    digest = sha256_hex(PDF)
    tampered = PDF.replace(b"invoice", b"INVOICE")
    s3_server.filesystem().pipe_file(store.key_for(digest), tampered)  # someone wrote other bytes there
    with pytest.raises(StorageError, match=f"Stored object {digest} .* is corrupt .*never overwritten"):
        store.put(PDF)
    assert s3_server.filesystem().cat_file(store.key_for(digest)) == tampered
    assert store.check(digest) == MISMATCH


def test_a_conditional_put_refuses_to_replace_an_existing_key(store, s3_server):
    """The write-once guarantee is the server's: a second conditional put of the key gets 412."""
    digest = store.put(PDF).sha256
    with pytest.raises(OSError, match="pre-conditions"):
        s3_server.filesystem().pipe_file(store.key_for(digest), b"other", IfNoneMatch="*")
    assert store.read(digest) == PDF


def test_the_server_checks_the_sha256_sent_with_each_put(store, s3_server):
    """What ``put`` sends: the body's SHA-256; a body that does not match it is rejected."""
    import base64
    wrong = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    key = store.key_for(sha256_hex(PDF))
    with pytest.raises(OSError, match="did not match"):
        s3_server.filesystem().pipe_file(key, PDF, IfNoneMatch="*", ChecksumSHA256=wrong)
    assert not store.exists(sha256_hex(PDF))


def test_check_reports_a_size_or_content_mismatch(store, s3_server):
    digest = store.put(PDF).sha256
    assert store.check(digest, len(PDF) + 1) == f"size is {len(PDF)} bytes, expected {len(PDF) + 1}"
    s3_server.filesystem().rm_file(store.key_for(digest))
    s3_server.filesystem().pipe_file(store.key_for(digest), b"X" * len(PDF))
    assert store.check(digest, len(PDF)) == MISMATCH


def test_a_20_mb_object_is_streamed_in_blocks_not_held_in_memory(store):
    big = os.urandom(1 << 20) * 20
    digest = store.put(big).sha256
    del big
    gc.collect()
    hasher = hashlib.sha256()
    tracemalloc.start()
    try:
        with store.open(digest) as stream:
            for chunk in iter(lambda: stream.read(64 * 1024), b""):
                hasher.update(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert hasher.hexdigest() == digest
    assert peak < 4 * BLOCK_SIZE, f"reading 20 MB peaked at {peak / 2**20:.1f} MiB"


def test_remove_takes_the_object_and_a_missing_one_is_nothing_to_do(store, s3_server):
    kept, removed = store.put(PDF), store.put(PDF + b"% another\n")
    store.remove(removed.sha256)
    store.remove(removed.sha256)
    assert not store.exists(removed.sha256) and list(store.names()) == [kept.sha256]
