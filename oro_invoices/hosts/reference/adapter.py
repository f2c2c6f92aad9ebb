"""The reference host's adapter: every interface of ``oro_invoices.adapters`` over its tables.

Registries (menu, tabs, templates, settings groups, pay hooks, account menu)
are stored as JSON rows keyed by the entry's key, so they survive restarts and
registering a key again replaces it. The current user comes from the Flask
session (``host.auth``) inside a request, or from ``login_*`` outside one
(the conformance kit's seeder).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine

from oro_invoices.adapters.commerce import (
    CustomerRef,
    CustomerUserRef,
    InvoiceRole,
    OrderLine,
    OrderSnapshot,
    WebsiteRef,
)
from oro_invoices.adapters.config_store import (
    SettingField,
    SettingsGroup,
    StoredSetting,
)
from oro_invoices.adapters.host_parts import StoredMenu, StoredOrderView, StoredStorefront
from oro_invoices.adapters.identity import ANONYMOUS, CurrentUser
from oro_invoices.adapters.ui import EmailTemplate
from oro_invoices.domain.invoice import Address
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.records import to_decimal
from oro_invoices.hosts.reference.request_cache import remember, remembered
from oro_invoices.persistence.engine import reading

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.hosts.reference.reference import ReferenceHost

GLOBAL_ID = 0  # scope_id stored for the global scope (primary keys cannot be NULL)

#: A logged-in user and the permissions they hold.
Login = tuple[CurrentUser, frozenset[str]]


class ReferenceConfigStore:
    """Setting values in ``host_config``; declared groups in ``host_config_group``."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def load(self, key: str, scope: str, scope_id: int | None) -> Any | None:
        t = m.config_values
        with reading(self.engine) as c:
            return c.execute(select(t.c.value).where(
                t.c.key == key, t.c.scope == scope,
                t.c.scope_id == (scope_id or GLOBAL_ID))).scalar_one_or_none()

    def save(self, key: str, value: Any, scope: str, scope_id: int | None) -> None:
        if value is None:
            raise ValueError("the config store never stores None; delete the value instead")
        t = m.config_values
        sid = scope_id or GLOBAL_ID
        with self.engine.begin() as c:  # replace in one transaction
            c.execute(delete(t).where(t.c.key == key, t.c.scope == scope, t.c.scope_id == sid))
            c.execute(insert(t).values(key=key, scope=scope, scope_id=sid, value=value))

    def delete(self, key: str, scope: str, scope_id: int | None) -> None:
        t = m.config_values
        with self.engine.begin() as c:
            c.execute(delete(t).where(t.c.key == key, t.c.scope == scope,
                                      t.c.scope_id == (scope_id or GLOBAL_ID)))

    def stored(self, prefix: str) -> Iterable[StoredSetting]:
        with reading(self.engine) as c:
            rows = c.execute(_stored_under(prefix)).all()
        return [StoredSetting(key, scope, None if scope == "global" else scope_id, value)
                for key, scope, scope_id, value in rows]

    def stored_at(self, prefix: str, scopes: Collection[str],
                  places: Collection[tuple[str, int]]) -> Iterable[StoredSetting]:
        params: dict[str, Any] = {f"scope_{n}": scope for n, scope in enumerate(scopes)}
        for n, (scope, scope_id) in enumerate(places):
            params[f"place_scope_{n}"], params[f"place_id_{n}"] = scope, scope_id
        with reading(self.engine) as c:
            rows = c.execute(_stored_at(prefix, len(scopes), len(places)), params).all()
        return [StoredSetting(key, scope, None if scope == "global" else scope_id, value)
                for key, scope, scope_id, value in rows]

    def declare_settings(self, group: SettingsGroup) -> None:
        _Registry(self.engine, m.settings_groups).put(group.key, dataclasses.asdict(group))

    def remove_settings(self, group_key: str) -> None:
        _Registry(self.engine, m.settings_groups).remove(group_key)

    def declared_settings(self) -> list[SettingsGroup]:
        return [_group(d) for d in _Registry(self.engine, m.settings_groups).all()]


#: The customer users of a page's rows (``get_customer_users``), built once.
_CUSTOMERS_AMONG = select(m.customers).where(m.customers.c.id.in_(bindparam("ids", expanding=True)))
_CUSTOMER_USERS_AMONG = select(m.customer_users).where(m.customer_users.c.id.in_(bindparam("ids", expanding=True)))


@functools.lru_cache(maxsize=16)
def _stored_under(prefix: str) -> Select[Any]:
    """The settings whose key starts with ``prefix``: built once per prefix (each page reads
    the add-on's, ``oro_invoices.``)."""
    t = m.config_values
    return select(t.c.key, t.c.scope, t.c.scope_id, t.c.value).where(t.c.key.startswith(prefix, autoescape=True))


@functools.lru_cache(maxsize=16)
def _stored_at(prefix: str, scopes: int, places: int) -> Select[Any]:
    """The settings under ``prefix`` at ``scopes`` whole scopes (bound as ``scope_<n>``) and
    ``places`` places (``place_scope_<n>``, ``place_id_<n>``): built once per prefix and shape,
    with a parameter per value, so that no statement is rendered anew for its values."""
    t = m.config_values
    where: list[ColumnElement[bool]] = [t.c.scope.in_([bindparam(f"scope_{n}") for n in range(scopes)])] \
        if scopes else []
    where += [and_(t.c.scope == bindparam(f"place_scope_{n}"), t.c.scope_id == bindparam(f"place_id_{n}"))
              for n in range(places)]
    return _stored_under(prefix).where(or_(*where) if where else false())


def _group(d: dict[str, Any]) -> SettingsGroup:
    fields = tuple(SettingField(**{**f, "scopes": tuple(f["scopes"]), "choices": tuple(f["choices"])})
                   for f in d["fields"])
    return SettingsGroup(key=d["key"], label=d["label"], path=tuple(d["path"]), fields=fields)


class _Registry:
    """Keyed JSON rows: ``put`` replaces, ``remove`` of a missing key is fine."""

    def __init__(self, engine: Engine, table: Table):
        self.engine, self.table = engine, table
        self._all = select(table.c.data).order_by(table.c.key)  # read on every page (menu, account entries)

    def put(self, key: str, data: dict[str, Any]) -> None:
        """Store ``data`` under ``key``; an unchanged row is not written (several processes
        starting at once register the same entries)."""
        with self.engine.begin() as c:
            stored = c.execute(select(self.table.c.data).where(self.table.c.key == key)).first()
            if stored is not None and stored.data == json.loads(json.dumps(data)):
                return
            c.execute(delete(self.table).where(self.table.c.key == key))
            c.execute(insert(self.table).values(key=key, data=data))

    def remove(self, key: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(self.table).where(self.table.c.key == key))

    def all(self) -> list[dict[str, Any]]:
        with reading(self.engine) as c:
            return [data for data, in c.execute(self._all)]


class ReferenceMenu(StoredMenu):
    def __init__(self, host: ReferenceHost):
        super().__init__(host, _Registry(host.engine, m.menu_entries))


class ReferenceOrderView(StoredOrderView):
    def __init__(self, host: ReferenceHost):
        super().__init__(host, _Registry(host.engine, m.order_tabs))


def _template(d: dict[str, Any]) -> EmailTemplate:
    return EmailTemplate(**{**d, "variables": tuple(d.get("variables") or ())})


class ReferenceEmailTemplates:
    """Registered defaults and an admin's customisation side by side in one row."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def register(self, template: EmailTemplate) -> None:
        t = m.email_templates
        data = dataclasses.asdict(template)
        with self.engine.begin() as c:
            found = c.execute(select(t.c.name).where(t.c.name == template.name)).first()
            if found:
                c.execute(update(t).where(t.c.name == template.name).values(data=data))
            else:
                c.execute(insert(t).values(name=template.name, data=data, customised=None))

    def remove(self, name: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(m.email_templates).where(m.email_templates.c.name == name))

    def load(self, name: str) -> EmailTemplate | None:
        t = m.email_templates
        with reading(self.engine) as c:
            row = c.execute(select(t).where(t.c.name == name)).first()
        if row is None:
            return None
        return _template(row.customised or row.data)

    def names(self) -> list[str]:
        with reading(self.engine) as c:
            return list(c.execute(select(m.email_templates.c.name).order_by("name")).scalars())

    def customise(self, name: str, **changes: str) -> EmailTemplate:
        """Store an admin's edit of subject, html or text; ``reset`` by passing none."""
        current = self.load(name)
        if current is None:
            raise KeyError(f"no email template {name!r}")
        edited = current.edited(**changes)
        with self.engine.begin() as c:
            c.execute(update(m.email_templates).where(m.email_templates.c.name == name)
                      .values(customised=dataclasses.asdict(edited)))
        return edited


class ReferenceStorefront(StoredStorefront):
    def __init__(self, host: ReferenceHost):
        super().__init__(host, _Registry(host.engine, m.pay_hooks), _Registry(host.engine, m.account_entries))


class ReferenceOrders:
    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, order_id: int) -> OrderSnapshot | None:
        with reading(self.engine) as c:
            row = c.execute(select(m.orders).where(m.orders.c.id == order_id)).first()
            if row is None:
                return None
            lines = c.execute(select(m.order_lines).where(m.order_lines.c.order_id == order_id)
                              .order_by(m.order_lines.c.position)).all()
        return OrderSnapshot(
            id=row.id, identifier=row.identifier, organization_id=row.organization_id,
            currency=row.currency, customer_id=row.customer_id,
            customer_user_id=row.customer_user_id, website_id=row.website_id,
            lines=tuple(OrderLine(l.description, to_decimal(l.quantity), to_decimal(l.unit_price),
                                  to_decimal(l.tax_rate), l.sku, l.unit) for l in lines),
            bill_to=Address.from_mapping(row.bill_to), ship_to=Address.from_mapping(row.ship_to),
            created_at=row.created_at, purchase_order=row.purchase_order or "")


def _by_position(table: Table, *names: str) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The values of ``names`` from a row of all of ``table``'s columns, by position: a row's
    values read by name (``row.id``) cost several times as much (a page reads hundreds)."""
    keys = list(table.c.keys())
    return itemgetter(*(keys.index(name) for name in names))


_CUSTOMER_FIELDS = _by_position(m.customers, "id", "name", "parent_id", "group_id", "organization_id",
                                "vat_id", "country_code", "buyer_reference", "einvoice_address")
_CUSTOMER_USER_FIELDS = _by_position(m.customer_users, "id", "email", "name", "customer_id", "invoice_role")


def _customer(row: Sequence[Any]) -> CustomerRef:
    """The customer of a row of all of ``customers``' columns."""
    (id_, name, parent_id, group_id, organization_id, vat_id, country_code, buyer_reference,
     einvoice_address) = _CUSTOMER_FIELDS(row)
    return CustomerRef(id_, name, parent_id, group_id, organization_id, vat_id=vat_id or "",
                       country_code=country_code or "", buyer_reference=buyer_reference or "",
                       einvoice_address=einvoice_address or "")


def _customer_user(row: Sequence[Any]) -> CustomerUserRef:
    """The customer user of a row of all of ``customer_users``' columns."""
    id_, email, name, customer_id, role = _CUSTOMER_USER_FIELDS(row)
    return CustomerUserRef(id_, email, name, customer_id, InvoiceRole(role))


class ReferenceCustomers:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._with_customer: dict[tuple[int, ...], tuple[Any, tuple[ColumnElement[bool], ...]]] = {}

    def get_customer(self, customer_id: int) -> CustomerRef | None:
        return remembered("customer", customer_id, lambda: self._customer(customer_id))

    def _customer(self, customer_id: int) -> CustomerRef | None:
        with reading(self.engine) as c:
            row = c.execute(_CUSTOMER, {"customer_id": customer_id}).first()
        return None if row is None else _customer(row)

    def get_customer_user(self, customer_user_id: int) -> CustomerUserRef | None:
        return remembered("customer_user", customer_user_id,
                          lambda: self._customer_user(customer_user_id))

    def _customer_user(self, customer_user_id: int) -> CustomerUserRef | None:
        with reading(self.engine) as c:
            row = c.execute(_CUSTOMER_USER, {"customer_user_id": customer_user_id}).first()
        return None if row is None else _customer_user(row)

    def with_customer(self, customer_user_id: int, *where: ColumnElement[bool],
                      params: Mapping[str, Any] | None = None,
                      ) -> tuple[CustomerUserRef, CustomerRef | None] | None:
        """The customer user and their customer in one query, both remembered for the request;
        ``where``: further conditions (a live login session) over the bound ``params``. The
        query is built once per process for the same conditions."""
        seen = tuple(id(w) for w in where)
        built = self._with_customer.get(seen)
        if built is None:
            u, c = m.customer_users, m.customers
            stmt = (select(u, *(col.label(f"c_{col.name}") for col in c.c))
                    .outerjoin(c, c.c.id == u.c.customer_id)
                    .where(u.c.id == bindparam("customer_user_id"), *where))
            built = (stmt, where)  # the conditions kept, so that no other takes their ids
            if len(self._with_customer) < 100:
                self._with_customer[seen] = built
        with reading(self.engine) as conn:
            row = conn.execute(built[0], {**(params or {}), "customer_user_id": customer_user_id}).first()
        if row is None:
            return None
        ref = remember("customer_user", customer_user_id, _customer_user(row))
        customer = _customer(row[len(m.customer_users.c):])  # its columns follow the user's
        found = None if customer.id is None else customer  # None: a user without a customer
        return ref, remember("customer", ref.customer_id, found)

    def get_customers(self, ids: Iterable[int]) -> dict[int, CustomerRef]:
        """The customers with ``ids`` that exist, by id, in one query."""
        with reading(self.engine) as c:
            rows = c.execute(_CUSTOMERS_AMONG, {"ids": list(ids)}).all()
        return {customer.id: customer for customer in map(_customer, rows)}

    def get_customer_users(self, ids: Iterable[int]) -> dict[int, CustomerUserRef]:
        """The customer users with ``ids`` that exist, by id, in one query."""
        with reading(self.engine) as c:
            rows = c.execute(_CUSTOMER_USERS_AMONG, {"ids": list(ids)}).all()
        return {user.id: user for user in map(_customer_user, rows)}

    def customers_with_vat_id(self, organization_id: int, vat_id: str) -> list[CustomerRef]:
        """The organization's customers whose VAT id, without spaces, dots and dashes, is ``vat_id``."""
        with reading(self.engine) as c:
            rows = c.execute(_CUSTOMERS_WITH_VAT_ID, {"organization_id": organization_id, "vat_id": vat_id}).all()
        return [_customer(r) for r in rows]

    def children(self, customer_id: int) -> list[CustomerRef]:
        t = m.customers
        with reading(self.engine) as c:
            rows = c.execute(select(t).where(t.c.parent_id == customer_id).order_by(t.c.id)).all()
        return [_customer(r) for r in rows]

    def descendants(self, customer_id: int) -> list[CustomerRef]:
        """Every customer below ``customer_id`` at any depth, by id, in one recursive query
        (``UNION`` drops repeated ids, so a cycle in bad data ends it too)."""
        with reading(self.engine) as c:
            return [_customer(r) for r in c.execute(_DESCENDANTS, {"top_customer_id": customer_id})]


def _descendants_statement() -> Select[Any]:
    t = m.customers
    top: BindParameter[int] = bindparam("top_customer_id")
    below = select(t.c.id).where(t.c.parent_id == top).cte("below", recursive=True)
    below = below.union(select(t.c.id).join(below, t.c.parent_id == below.c.id))
    return select(t).where(t.c.id.in_(select(below.c.id)), t.c.id != top).order_by(t.c.id)


_CUSTOMER = select(m.customers).where(m.customers.c.id == bindparam("customer_id"))
_CUSTOMERS_WITH_VAT_ID = (
    select(m.customers)
    .where(m.customers.c.organization_id == bindparam("organization_id"),
           func.upper(func.replace(func.replace(func.replace(m.customers.c.vat_id, " ", ""), ".", ""), "-", ""))
           == bindparam("vat_id"))
    .order_by(m.customers.c.id))
_CUSTOMER_USER = select(m.customer_users).where(m.customer_users.c.id == bindparam("customer_user_id"))
_WEBSITE = select(m.websites).where(m.websites.c.id == bindparam("website_id"))
_WEBSITE_FIELDS = _by_position(m.websites, "id", "name", "organization_id")
#: Every customer below one (``top_customer_id``), built once: the recursive CTE costs more
#: to build than to run.
_DESCENDANTS = _descendants_statement()


class ReferenceWebsites:
    def __init__(self, engine: Engine):
        self.engine = engine

    def get_website(self, website_id: int) -> WebsiteRef | None:
        with reading(self.engine) as c:
            row = c.execute(_WEBSITE, {"website_id": website_id}).first()
        return None if row is None else WebsiteRef(*_WEBSITE_FIELDS(row))


class ReferenceUsers:
    """Who is logged in: read from the session by ``resolver`` inside a request.

    ``resolver`` returns None outside requests only; then the user set by
    ``force`` (the seeder's ``login_*``) applies. Inside a request nobody
    logged in is anonymous, whatever was forced.
    """

    def __init__(self, resolver: Callable[[], Login | None]):
        self.resolver = resolver
        self._local = threading.local()

    def force(self, user: CurrentUser, granted: Iterable[str]) -> None:
        """Use this user outside requests (tests and the conformance kit's seeder)."""
        self._local.forced = (user, frozenset(granted))

    def _who(self) -> Login:
        found = self.resolver()
        if found is not None:
            return found
        return getattr(self._local, "forced", None) or (ANONYMOUS, frozenset())

    def current(self) -> CurrentUser:
        return self._who()[0]

    def can(self, permission: str) -> bool:
        return permission in self._who()[1]


__all__ = ["ReferenceConfigStore", "ReferenceCustomers", "ReferenceEmailTemplates",
           "ReferenceMenu", "ReferenceOrderView", "ReferenceOrders", "ReferenceStorefront",
           "ReferenceUsers", "ReferenceWebsites"]
