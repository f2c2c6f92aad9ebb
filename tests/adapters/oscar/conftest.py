"""The Oscar shop fixture (``support.oscar_shop``); skipped without the oscar extra."""
from __future__ import annotations

import pytest

pytest.importorskip("oscar", reason="the oscar extra is not installed")

from support.oscar_shop import shop, shop_api  # noqa: F401
