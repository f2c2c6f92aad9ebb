"""axe-core, the accessibility rule engine, injected into pages driven by Playwright.

npm ``axe-core`` (MPL-2.0, test-only) is installed once into ``$ORO_INVOICES_TEST_TOOLS/axe``
(``.ci/run`` fills it; parallel workers share one install under a file lock). When it cannot be
installed (no npm, no registry) the tests using it are skipped with the reason.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.oracles import TOOLS, _locked

AXE = "axe-core@4.11.0"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def axe_script() -> Path:
    """The path of ``axe.min.js`` (installing it the first time), or skip."""
    prefix = TOOLS / "axe"
    script = prefix / "node_modules" / "axe-core" / "axe.min.js"
    lock = _locked("axe")
    try:
        package = prefix / "node_modules" / "axe-core" / "package.json"
        installed = json.loads(package.read_text())["version"] if package.exists() else None
        if installed != AXE.split("@")[1]:
            if shutil.which("npm") is None:
                pytest.skip("npm is not installed: axe-core cannot be installed")
            npm = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix",
                                  str(prefix), AXE], capture_output=True, text=True, timeout=600)
            if npm.returncode != 0 or not script.exists():
                pytest.skip(f"cannot install npm {AXE} (no registry?): {npm.stderr[-300:]}")
    finally:
        lock.close()
    return script


def audit(page: Any, script: Path) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe finds on ``page`` as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated, not added as a <script>: the pages' Content-Security-Policy forbids inline scripts
        page.evaluate(script.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""", WCAG_AA)
    return list(result)


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical violations, one readable line per element."""
    return [f"{v['impact']} {v['id']} ({v['help']}): {n['target']} — {n['summary']}"
            for v in violations if v["impact"] in BLOCKING for n in v["nodes"]]
