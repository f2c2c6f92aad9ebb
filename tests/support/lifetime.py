"""Servers and workers the tests start as processes end with the test process, even when it
is killed (``kill -9``, a CI timeout) and their own fixture's stop never runs."""
from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence


def tied(command: Sequence[str]) -> list[str]:
    """``command`` run so that it gets SIGTERM when the process that starts it dies.

    On Linux through util-linux's ``setpriv --pdeathsig`` (``PR_SET_PDEATHSIG``), which then
    executes the command in its own place: same process, so signalling and waiting for it work
    as before. Without ``setpriv`` the command runs as given, stopped by its fixture alone.
    A starter that dies in the instant between starting ``setpriv`` and ``setpriv`` setting the
    signal leaves the command running; the suite's fixtures start servers long before they end.
    """
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    if setpriv is None:
        return list(command)
    return [setpriv, "--pdeathsig", "TERM", "--", *command]
