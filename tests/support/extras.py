"""Run Python code in a subprocess that cannot import some packages, as if their extras were absent."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterable

_BLOCKER = textwrap.dedent('''
    import importlib.abc
    import sys

    BLOCKED = set(sys.argv[1].split(","))

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    sys.argv[1:] = sys.argv[2:]
''')


def run_without(blocked: Iterable[str], code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (its ``sys.argv[1:]`` are ``args``) with the ``blocked`` packages unimportable."""
    script = _BLOCKER + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script, ",".join(blocked), *args],
                          capture_output=True, text=True, timeout=timeout)
