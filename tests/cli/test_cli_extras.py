"""Commands without the optional extras: ``demo`` names the extra it needs, the others run."""
from __future__ import annotations

import re
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
    (tmp_path / "pdf").mkdir()  # a folder that does not exist is refused
    verified = run(blocked, "verify", "--db", url, "--storage", str(tmp_path / "pdf"))
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == "OK: checked 0 posted invoice(s), 0 PDF(s)"


def test_the_quick_start_demo_runs_with_only_what_its_extra_installs(tmp_path):
    """``pip install '.[demo]' && oro-invoices demo``: every package installed here that the demo
    extra does not bring is unimportable, and a customer still downloads a posted invoice's PDF
    with its e-invoice inside (the demo turns e-invoicing on)."""
    from support.demo_run import Shopper, running_demo
    from support.extras import modules_outside

    from oro_invoices.documents.einvoice import hybrid

    blocked = modules_outside("oro-invoices", "demo")
    assert {"celery", "django", "s3fs", "psycopg"} <= set(blocked)  # other extras' packages are out
    with running_demo(tmp_path, blocked=blocked) as info:
        base = info["base_url"]
        buyer = Shopper()
        ben = next(u for u in info["customer_users"] if u["email"] == "ben.ortiz@acme.example")
        buyer.log_in(base, ben["email"], ben["password"])
        status, _, listing = buyer.open(base + "/customer/invoices")
        assert status == 200
        views = re.findall(r'href="(/customer/invoices/\d+)"', listing)
        assert views, listing[-2000:]
        pages = [buyer.open(base + view)[2] for view in dict.fromkeys(views)]
        download = next(m.group(1) for page in pages
                        if (m := re.search(r'href="(/customer/invoices/\d+/download)"', page)))
        with buyer.opener.open(base + download, timeout=60) as resp:
            pdf = resp.read()
    assert pdf.startswith(b"%PDF")
    assert hybrid.extract(pdf) is not None, "the PDF carries no factur-x.xml"
    start = (tmp_path / "demo.log").read_text().partition("oro-invoices demo is running")[0]
    chatter = re.findall(r"^\S+ \S+ (?:INFO|DEBUG) (?!oro_invoices)\S+: .*$", start, re.M)
    assert chatter == [], "libraries' info lines before the banner"
