"""The conformance kit's pytest hook: options for the add-on each host builds for a test."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.hookspec(firstresult=True)
def pytest_oro_addon_options(request: pytest.FixtureRequest) -> dict[str, Any] | None:
    """``AddonConfig`` fields for the add-on the host under test builds for this test
    (``database_url``, ``storage_url``, ``jobs_broker_url``, ``jobs_queue``), e.g. to run the kit
    with PDFs in S3 and jobs on Celery; None: the host's defaults. Clean up with
    ``request.addfinalizer``. The host factory then gets them as ``addon_options=``."""
