"""The README's Python example runs as written."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_python_example_runs_and_pays_the_invoice(tmp_path):
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    check = "\nassert str(invoices.get(posted.id).payment_status) == 'PaymentStatus.PAID_IN_FULL'\n"
    result = subprocess.run([sys.executable, "-c", code.replace("addon.close()", check + "addon.close()")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert list((tmp_path / "invoice-pdf").rglob("*"))   # the PDF made at posting is stored
