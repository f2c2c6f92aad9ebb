"""The add-on's own ``MetaData``: every table is prefixed ``oro_invoice_``."""
from __future__ import annotations

from sqlalchemy import MetaData

TABLE_PREFIX = "oro_invoice_"
VERSION_TABLE = "oro_invoice_alembic_version"

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})
