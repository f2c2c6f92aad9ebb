"""The environment of a Python child process that must import this checkout's package."""
import os
from pathlib import Path

import oro_invoices

#: The folder holding the ``oro_invoices`` package this test run imports (a checkout or site-packages).
PACKAGE_PARENT = Path(oro_invoices.__file__).resolve().parents[1]


def package_env(**extra: str) -> dict[str, str]:
    """``os.environ`` with the imported package's folder first on ``PYTHONPATH``, wherever pytest
    was started from, so the child imports the same code as the test."""
    path = os.pathsep.join(p for p in (str(PACKAGE_PARENT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}
