"""The README's Python example runs as written."""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_python_example_runs_and_pays_the_invoice(tmp_path):
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    check = "\nassert str(invoices.get(posted.id).payment_status) == 'PaymentStatus.PAID_IN_FULL'\n"
    result = subprocess.run([sys.executable, "-c", code.replace("addon.close()", check + "addon.close()")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert list((tmp_path / "invoice-pdf").rglob("*"))   # the PDF made at posting is stored


def test_the_readme_lists_every_demo_login_and_where_to_find_more():
    from oro_invoices.hosts.reference.testing import make_shop
    text = README.read_text()
    with tempfile.TemporaryDirectory() as target:
        app, info = make_shop(Path(target) / "shop")
        app.extensions["oro_reference_host"].engine.dispose()
        app.extensions["oro_invoices"].service.db.dispose()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"\| `([^`]+)` \| `([^`]+)` \|", text)}
    for admin in info["admins"]:
        assert rows.get(admin["username"]) == admin["password"], admin["username"]
    for user in info["customer_users"]:
        assert rows.get(user["email"]) == user["password"], user["email"]
    assert "[docs/demo.md](docs/demo.md" in text
    assert "`DIR/demo.json` with\n`--data-dir DIR`" in text or "`DIR/demo.json` with `--data-dir DIR`" in text
    assert "`pip install tox` if you have no" in text
