"""Each back-office user's chosen grid columns, ``oro_invoice_grid_columns``.

One row per (organization, user, grid): the columns shown, comma-separated. The
organization is part of the key, so a user id that two tenants' hosts both hand out
never reads the other tenant's choice. Which names are valid is the page's business;
this module only stores them.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Base

TABLE = "oro_invoice_grid_columns"
#: Key of a user without an organization (a host with a single tenant).
NO_ORGANIZATION = 0


class GridColumns(Base):
    """The columns one user shows in one grid."""

    __tablename__ = TABLE

    organization_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    grid: Mapped[str] = mapped_column(String(64), primary_key=True)
    columns: Mapped[str] = mapped_column(String(1024))


def load(db: Database, organization_id: int | None, user_id: str, grid: str) -> list[str] | None:
    """The columns the user chose for ``grid``; None when they never chose."""
    with db.session() as s:
        raw = s.execute(select(GridColumns.columns).where(
            GridColumns.organization_id == (organization_id or NO_ORGANIZATION),
            GridColumns.user_id == user_id, GridColumns.grid == grid)).scalar_one_or_none()
    return None if raw is None else [c for c in raw.split(",") if c]


def save(db: Database, organization_id: int | None, user_id: str, grid: str,
         columns: Sequence[str] | None) -> None:
    """Remember ``columns`` for the user's ``grid`` (None: forget, back to the defaults)."""
    org = organization_id or NO_ORGANIZATION
    with db.transaction() as s:
        s.execute(delete(GridColumns).where(GridColumns.organization_id == org,
                                            GridColumns.user_id == user_id, GridColumns.grid == grid))
        if columns is not None:
            s.add(GridColumns(organization_id=org, user_id=user_id, grid=grid, columns=",".join(columns)))
