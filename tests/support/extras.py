"""Run Python code in a subprocess that cannot import some packages, as if their extras were absent."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


def command_without(blocked: Iterable[str], code: str) -> list[str]:
    """The command that runs ``code`` with the ``blocked`` packages unimportable (append its arguments)."""
    return [sys.executable, "-c", _BLOCKER + textwrap.dedent(code), ",".join(blocked)]


def run_without(blocked: Iterable[str], code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (its ``sys.argv[1:]`` are ``args``) with the ``blocked`` packages unimportable."""
    return subprocess.run([*command_without(blocked, code), *args], capture_output=True, text=True, timeout=timeout)


def installed_with(project: str, *extras: str) -> set[str]:
    """The distributions ``pip install 'PROJECT[EXTRA,…]'`` installs (normalised names), as far as
    their metadata here tells: ``project``'s requirements for ``extras``, and theirs in turn."""
    found: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [(project, frozenset(extras))]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        found.add(canonicalize_name(name))
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras | {""}):
                pending.append((canonicalize_name(req.name), frozenset(req.extras)))
    return found


def modules_outside(project: str, *extras: str, also: Iterable[str] = ()) -> list[str]:
    """The top-level modules installed here that ``pip install 'PROJECT[EXTRA,…]' ALSO…`` would
    not bring."""
    wanted = installed_with(project, *extras)
    for name in also:
        wanted |= installed_with(name)
    return sorted(module for module, dists in packages_distributions().items()
                  if module.isidentifier() and not {canonicalize_name(d) for d in dists} & wanted)
