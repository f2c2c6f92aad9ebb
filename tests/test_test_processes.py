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
