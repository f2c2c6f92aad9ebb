"""Which configuration scopes an admin may see and change (System > Configuration).

- Every scope needs ``oro_invoices.configure``; the global scope, whose values apply to
  every organization, also needs ``oro_invoices.configure_global``.
- Organization: the admin's own. Website and customer: those of the admin's organization.
- Customer group: the groups of the admin's organization. A group without an organization
  is shared by every organization, so only an admin holding ``configure_global`` may
  configure it.

Anything else is treated as if it did not exist.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Table, or_, select

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.settings_form import CONFIGURE, CONFIGURE_GLOBAL
from oro_invoices.hosts.reference import models as m
from oro_invoices.persistence.engine import reading

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.hosts.reference.reference import ReferenceHost

TABLES: dict[str, Table] = {"organization": m.organizations, "website": m.websites,
                            "customer_group": m.customer_groups, "customer": m.customers}


class ScopeAccess:
    """The scopes the current admin may configure, and the context of each
    (``settings_form.ScopeAccess``)."""

    def __init__(self, host: ReferenceHost):
        self.host = host
        self.organization_id = host.users.current().organization_id
        self.may_configure = host.users.can(CONFIGURE)
        self.may_configure_global = self.may_configure and host.users.can(CONFIGURE_GLOBAL)

    def choices(self, scope: str) -> list[tuple[int, str]]:
        """The objects of ``scope`` the admin may configure, as (id, name), by name."""
        return self.find(scope, "", None)

    def find(self, scope: str, search: str, limit: int | None) -> list[tuple[int, str]]:
        """Up to ``limit`` (None: all) of those whose name contains ``search``, ignoring case
        (``settings_form.SearchableScopeAccess``)."""
        owned = self._owned_by_admin(scope)
        if owned is None:
            return []
        table = TABLES[scope]
        where = [owned]
        if search:
            where.append(table.c.name.icontains(search, autoescape=True))
        stmt = select(table.c.id, table.c.name).where(*where).order_by(table.c.name, table.c.id).limit(limit)
        with reading(self.host.records.engine) as c:
            return [(row_id, name) for row_id, name in c.execute(stmt)]

    def name(self, scope: str, scope_id: int) -> str | None:
        """The name of one object the admin may configure; None for any other."""
        owned = self._owned_by_admin(scope)
        if owned is None:
            return None
        table = TABLES[scope]
        with reading(self.host.records.engine) as c:
            found: str | None = c.execute(select(table.c.name).where(owned, table.c.id == scope_id)).scalar()
        return found

    def _owned_by_admin(self, scope: str) -> ColumnElement[bool] | None:
        """The condition on ``scope``'s table of the objects the admin may configure; None
        when there are none."""
        if not self.may_configure or scope not in TABLES:
            return None
        table = TABLES[scope]
        owners: list[ColumnElement[bool]] = []
        if self.organization_id is not None:
            column = table.c.id if scope == "organization" else table.c.organization_id
            owners.append(column == self.organization_id)
        if scope == "customer_group" and self.may_configure_global:
            owners.append(table.c.organization_id.is_(None))
        return or_(*owners) if owners else None

    def owns(self, scope: str, scope_id: int | None) -> bool:
        """Whether the admin may see and change the values of this scope object."""
        if scope == "global":
            return scope_id is None and self.may_configure_global
        return scope_id is not None and self.name(scope, scope_id) is not None

    def context(self, scope: str, scope_id: int | None) -> ScopeContext:
        """The context of a scope object with its parents (a website's organization …)."""
        if scope == "global" or scope_id is None:
            return ScopeContext()
        if scope == "organization":
            return ScopeContext(organization_id=scope_id)
        row = self.host.records.row(TABLES[scope], scope_id)
        org = row.organization_id if row is not None else None
        if scope == "website":
            return ScopeContext(organization_id=org, website_id=scope_id)
        if scope == "customer_group":
            return ScopeContext(organization_id=org, customer_group_id=scope_id)
        return ScopeContext(organization_id=org, customer_id=scope_id,
                            customer_group_id=row.group_id if row is not None else None)
