"""Writing and looking up the reference host's own records (what its admin screens would do)."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlalchemy.engine import CursorResult, Engine, Row
from werkzeug.security import check_password_hash, generate_password_hash

from oro_invoices.adapters.commerce import InvoiceRole, OrderLine
from oro_invoices.adapters.identity import PERMISSIONS
from oro_invoices.domain.invoice import Address
from oro_invoices.domain.limits import is_storable_text
from oro_invoices.hosts.reference import models as m
from oro_invoices.persistence.clock import machine_now
from oro_invoices.persistence.engine import reading


def decimal_text(value: Decimal | str | int) -> str:
    """A decimal as exact text for storage."""
    return format(Decimal(str(value)), "f")


def to_decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a decimal: {text!r}") from None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _address(a: Address | Mapping[str, str] | None) -> dict[str, str] | None:
    if a is None:
        return None
    return a.as_dict() if isinstance(a, Address) else dict(a)


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just made."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])


@functools.cache
def _dummy_hash() -> str:
    """A hash made like real ones, checked when there is no user, so both answers take as long."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _matching(row: Row[Any] | None, password: str) -> Row[Any] | None:
    """``row`` when ``password`` matches its hash; always spends one hash check."""
    stored = row.password_hash if row is not None and row.password_hash else _dummy_hash()
    matches = check_password_hash(stored, password)
    return row if matches and row is not None and row.password_hash else None


class Records:
    """Create and find organizations, customers, users, orders and API tokens."""

    def __init__(self, engine: Engine):
        self.engine = engine
        #: The time new orders and API tokens are stamped with: the services' clock once they
        #: hand it over (``ReferenceHost.use_clock``), else the machine's.
        self.clock: Callable[[], dt.datetime] = machine_now
        _dummy_hash()  # made now, so that the first unknown login takes no longer than others

    def _insert(self, table: Table, **values: Any) -> int:
        with self.engine.begin() as c:
            return new_id(c.execute(insert(table).values(**values)))

    def count(self, table: Table) -> int:
        with reading(self.engine) as c:
            return c.execute(select(func.count()).select_from(table)).scalar_one()

    def add_organization(self, name: str) -> int:
        return self._insert(m.organizations, name=name)

    def add_website(self, organization_id: int, name: str) -> int:
        return self._insert(m.websites, organization_id=organization_id, name=name)

    def add_customer_group(self, name: str, *, organization_id: int | None = None) -> int:
        """A customer group of one organization (None: shared by every organization)."""
        return self._insert(m.customer_groups, name=name, organization_id=organization_id)

    def add_customer(self, name: str, *, parent_id: int | None = None, group_id: int | None = None,
                     organization_id: int | None = 1, vat_id: str = "", country_code: str = "",
                     buyer_reference: str = "", einvoice_address: str = "") -> int:
        return self._insert(m.customers, name=name, parent_id=parent_id, group_id=group_id,
                            organization_id=organization_id, vat_id=vat_id, country_code=country_code,
                            buyer_reference=buyer_reference, einvoice_address=einvoice_address)

    def add_customer_user(self, customer_id: int, email: str, name: str = "", *,
                          password: str | None = None,
                          invoice_role: InvoiceRole | str = InvoiceRole.OWN) -> int:
        return self._insert(m.customer_users, customer_id=customer_id, email=email.lower(),
                            name=name or email, invoice_role=InvoiceRole(invoice_role).value,
                            password_hash=generate_password_hash(password) if password else "")

    def add_admin(self, username: str, password: str | None = None, *, name: str = "",
                  email: str = "", organization_id: int | None = 1,
                  permissions: Iterable[str] = PERMISSIONS) -> int:
        return self._insert(m.admin_users, username=username, name=name or username,
                            email=email, organization_id=organization_id,
                            permissions=sorted(set(permissions)),
                            password_hash=generate_password_hash(password) if password else "")

    def add_order(self, *, identifier: str = "", currency: str = "USD", organization_id: int = 1,
                  customer_id: int | None = None, customer_user_id: int | None = None,
                  website_id: int | None = None, lines: Iterable[OrderLine] = (),
                  bill_to: Address | Mapping[str, str] | None = None,
                  ship_to: Address | Mapping[str, str] | None = None,
                  created_at: dt.datetime | None = None, purchase_order: str = "") -> int:
        lines = list(lines)
        with self.engine.begin() as c:
            order_id = new_id(c.execute(insert(m.orders).values(
                identifier=identifier or f"tmp-{secrets.token_hex(8)}",
                organization_id=organization_id, website_id=website_id, customer_id=customer_id,
                customer_user_id=customer_user_id, currency=currency, bill_to=_address(bill_to),
                ship_to=_address(ship_to), purchase_order=purchase_order.strip() or None,
                created_at=created_at or self.clock())))
            if not identifier:
                c.execute(m.orders.update().where(m.orders.c.id == order_id)
                          .values(identifier=f"SO-{order_id:05d}"))
            for position, line in enumerate(lines, start=1):
                c.execute(insert(m.order_lines).values(
                    order_id=order_id, position=position, description=line.description,
                    sku=line.sku, unit=line.unit, quantity=decimal_text(line.quantity),
                    unit_price=decimal_text(line.unit_price), tax_rate=decimal_text(line.tax_rate)))
        return order_id

    def add_api_token(self, admin_user_id: int, name: str = "demo",
                      token: str | None = None) -> str:
        """A new API token for an admin user; only its hash is stored."""
        token = token or secrets.token_urlsafe(32)
        self._insert(m.api_tokens, token_hash=token_hash(token), name=name,
                     admin_user_id=admin_user_id, created_at=self.clock())
        return token

    # -- lookups ---------------------------------------------------------------------
    def row(self, table: Table, row_id: int | None) -> Row[Any] | None:
        if row_id is None:
            return None
        with reading(self.engine) as c:
            return c.execute(select(table).where(table.c.id == row_id)).first()

    def rows(self, table: Table, *where: ColumnElement[bool],
             order_by: ColumnElement[Any] | None = None) -> list[Row[Any]]:
        with reading(self.engine) as c:
            stmt = select(table).where(*where).order_by(order_by if order_by is not None
                                                        else table.c.id)
            return list(c.execute(stmt))

    def check_admin(self, username: str, password: str) -> Row[Any] | None:
        """The admin row when the password matches, else None."""
        if not is_storable_text(username):  # no stored name holds it (PostgreSQL refuses the query)
            return None
        rows = self.rows(m.admin_users, m.admin_users.c.username == username.strip())
        return _matching(rows[0] if rows else None, password)

    def check_customer_user(self, email: str, password: str) -> Row[Any] | None:
        """The customer user row when the password matches, else None."""
        if not is_storable_text(email):
            return None
        rows = self.rows(m.customer_users, m.customer_users.c.email == email.strip().lower())
        return _matching(rows[0] if rows else None, password)

    def admin_for_token(self, token: str) -> Row[Any] | None:
        """The admin row owning an API token, or None."""
        t = m.api_tokens
        with reading(self.engine) as c:
            found = c.execute(select(t.c.admin_user_id)
                              .where(t.c.token_hash == token_hash(token))).first()
        return None if found is None else self.row(m.admin_users, found[0])

    def name_of(self, table: Table, row_id: int | None, fallback: str = "") -> str:
        row = self.row(table, row_id)
        return str(row.name) if row is not None else fallback
