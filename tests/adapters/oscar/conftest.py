"""The Oscar shop fixture (``support.oscar_shop``); skipped without the oscar extra."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

pytest.importorskip("oscar", reason="the oscar extra is not installed")

from support.oscar_shop import shop, shop_api  # noqa: F401

PG_ADMIN_URL = os.environ.get("ORO_INVOICES_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_shop_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"oro_oscar_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
