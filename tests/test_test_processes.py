"""The servers and workers the suite starts as processes do not outlive it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.lifetime import tied

#: starts a tied child that would sleep for a minute, writes its pid, then waits to be killed
PARENT = """
import subprocess, sys, time
sys.path.insert(0, sys.argv[2])
from support.lifetime import tied
child = subprocess.Popen(tied([sys.executable, "-c", "import time; time.sleep(60)"]))
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return status != "Z"  # a zombie has ended, only its exit status is left


def _running_its_command(pid: int) -> bool:
    """setpriv has set the death signal and executed the command in its place."""
    try:
        first = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
    except OSError:
        return False
    return not first.endswith(b"setpriv")


@pytest.mark.skipif(not Path("/proc").is_dir() or not tied(["x"])[0].endswith("setpriv"),
                    reason="needs Linux's /proc and util-linux's setpriv")
def test_a_tied_process_ends_when_the_test_process_is_killed(tmp_path):
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(pid_file), str(Path(__file__).parent)])
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the child was not started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        # Popen returns once setpriv starts; killing the parent before setpriv has set the
        # death signal would test nothing, so wait until it has executed the command
        while not _running_its_command(child):
            assert time.monotonic() < deadline, "setpriv did not execute the command"
            time.sleep(0.01)
        assert _alive(child)
        os.kill(parent.pid, signal.SIGKILL)     # no cleanup can run in the parent
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child):
            assert time.monotonic() < deadline, "the child outlived its killed parent"
            time.sleep(0.05)
    finally:
        parent.kill()
        parent.wait(timeout=10)


def test_without_setpriv_the_command_runs_as_given(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert tied(["weed", "server"]) == ["weed", "server"]


@pytest.mark.slow
def test_an_s3_server_whose_port_was_taken_meanwhile_starts_again_elsewhere(tmp_path, monkeypatch):
    """Another process binding a chosen port before SeaweedFS does makes it exit; the suite's
    S3 server is then started on other ports instead of failing every test that needs it."""
    import socket

    from support import seaweedfs

    weed = seaweedfs._weed()
    pytest.importorskip("s3fs")
    for key, value in seaweedfs.CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    chosen = iter([])
    real = seaweedfs._free_port

    def first_s3_port_taken(used: set[int]) -> int:
        nonlocal chosen
        port = real(used)
        return next(chosen, port)

    # the fourth port of the first start (the S3 gateway's) is the one held here
    chosen = iter([real(set()), real(set()), real(set()), taken.getsockname()[1]])
    monkeypatch.setattr(seaweedfs, "_free_port", first_s3_port_taken)
    with taken, seaweedfs.running_weed(weed, tmp_path) as endpoint:
        assert endpoint != f"http://127.0.0.1:{taken.getsockname()[1]}"
        fs = seaweedfs.S3Server(endpoint).filesystem()
        fs.mkdir("again", exist_ok=True)
        fs.pipe_file("again/file", b"stored")
        assert fs.cat_file("again/file") == b"stored"
    assert "address already in use" in (tmp_path / "start-1" / "weed.log").read_text(errors="replace")
    assert (tmp_path / "start-2" / "weed.log").is_file()
