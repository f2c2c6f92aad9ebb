"""Commands without the optional extras: ``demo`` names the extra it needs, the others run."""
from __future__ import annotations

import subprocess

from support.extras import run_without

MAIN = '''
    from oro_invoices.cli import main
    sys.exit(main(sys.argv[1:]))
'''


def run(blocked: str, *args: str) -> subprocess.CompletedProcess:
    return run_without(blocked.split(","), MAIN, *args)


def test_demo_without_the_demo_extra_names_it(tmp_path):
    result = run("flask,weasyprint", "demo", "--data-dir", str(tmp_path / "demo"))
    assert result.returncode == 2
    assert "missing: flask, weasyprint" in result.stderr
    assert "pip install 'oro-invoices[demo]'" in result.stderr
    assert not (tmp_path / "demo").exists()


def test_core_commands_run_without_any_extra(tmp_path):
    url = f"sqlite:///{tmp_path / 'invoices.db'}"
    blocked = "flask,weasyprint,segno,apispec"
    migrated = run(blocked, "migrate", "--db", url)
    assert migrated.returncode == 0, migrated.stderr
    assert "schema created at revision" in migrated.stdout
    verified = run(blocked, "verify", "--db", url, "--storage", str(tmp_path / "pdf"))
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == "OK: checked 0 posted invoice(s), 0 PDF(s)"
