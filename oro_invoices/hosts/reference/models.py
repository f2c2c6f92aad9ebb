"""The reference host's own tables (prefixed ``host_``, its own MetaData, SQLite).

A small commerce platform: organizations, websites, customers (with
sub-customers and groups), customer users with an invoice role, admin users,
orders with lines, API tokens, and the registries the add-on writes into
through the adapter (config values, settings groups, menu, order tabs, email
templates, pay hooks, account menu). Amounts of orders are kept as decimal
strings: SQLite has no exact decimal type.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
)
from sqlalchemy.engine import Engine

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

organizations = Table(
    "host_organization", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False),
)

websites = Table(
    "host_website", metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", ForeignKey("host_organization.id"), nullable=False),
    Column("name", String(255), nullable=False),
)

customer_groups = Table(
    "host_customer_group", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False),
    # the organization whose admins configure the group; None: shared by every organization
    Column("organization_id", Integer),
)

customers = Table(
    "host_customer", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("parent_id", ForeignKey("host_customer.id"), index=True),
    Column("group_id", ForeignKey("host_customer_group.id")),
    Column("organization_id", Integer),
    # what e-invoices need of the buyer
    Column("vat_id", String(32)),
    Column("country_code", String(2)),
    Column("buyer_reference", String(64)),
    Column("einvoice_address", String(255)),
)

customer_users = Table(
    "host_customer_user", metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("host_customer.id"), nullable=False, index=True),
    Column("email", String(255), nullable=False, unique=True),
    Column("name", String(255), nullable=False, default=""),
    Column("password_hash", String(255), nullable=False, default=""),
    Column("invoice_role", String(16), nullable=False, default="own"),
)

admin_users = Table(
    "host_admin_user", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False, default=""),
    Column("email", String(255), nullable=False, default=""),
    Column("password_hash", String(255), nullable=False, default=""),
    Column("organization_id", Integer),
    Column("permissions", JSON, nullable=False),  # list of permission names
)

orders = Table(
    "host_order", metadata,
    Column("id", Integer, primary_key=True),
    Column("identifier", String(64), nullable=False, unique=True),
    Column("organization_id", Integer, nullable=False),
    Column("website_id", Integer),
    Column("customer_id", Integer, index=True),
    Column("customer_user_id", Integer),
    Column("currency", String(3), nullable=False),
    Column("status", String(32), nullable=False, default="open"),
    Column("bill_to", JSON),
    Column("ship_to", JSON),
    Column("created_at", DateTime(timezone=True)),
    # the buyer's purchase order number given at checkout (added as a nullable column)
    Column("purchase_order", String(255)),
)

order_lines = Table(
    "host_order_line", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("host_order.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("sku", String(128), nullable=False, default=""),
    Column("unit", String(32), nullable=False, default=""),
    Column("quantity", String(40), nullable=False),
    Column("unit_price", String(40), nullable=False),
    Column("tax_rate", String(40), nullable=False, default="0"),
)

api_tokens = Table(
    "host_api_token", metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False, default=""),
    Column("admin_user_id", ForeignKey("host_admin_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True)),
)

# -- registries the add-on writes into through the adapter ------------------------
config_values = Table(
    "host_config", metadata,
    Column("key", String(255), primary_key=True),
    Column("scope", String(32), primary_key=True),
    Column("scope_id", Integer, primary_key=True),  # 0 at global scope
    Column("value", JSON, nullable=False),
    # a request reads its customer's values by place, not every customer's (ConfigStoreByPlace)
    Index("ix_host_config_place", "scope", "scope_id"),
)


def _registry(name: str) -> Table:
    return Table(name, metadata,
                 Column("key", String(255), primary_key=True),
                 Column("data", JSON, nullable=False))


settings_groups = _registry("host_config_group")
menu_entries = _registry("host_menu_entry")
order_tabs = _registry("host_order_tab")
pay_hooks = _registry("host_pay_hook")
account_entries = _registry("host_account_entry")

email_templates = Table(
    "host_email_template", metadata,
    Column("name", String(255), primary_key=True),
    Column("data", JSON, nullable=False),          # the registered default
    Column("customised", JSON),                    # an admin's edit, kept across refreshes
)


def create_tables(engine: Engine) -> None:
    """Create the host's tables, and add the nullable columns a later release declared.

    The host has no migrations of its own: a data directory made by an earlier release
    gets its new (nullable) columns and its new indexes here, the columns with no value.
    """
    metadata.create_all(engine)
    for table in metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    found = inspect(engine)
    with engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        for table in metadata.sorted_tables:
            have = {c["name"] for c in found.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have and column.nullable:
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.exec_driver_sql(f"ALTER TABLE {quote(table.name)} "
                                         f"ADD COLUMN {quote(column.name)} {kind}")

# -- logins ---------------------------------------------------------------------------
login_failures = Table(
    "host_login_failure", metadata,
    Column("key", String(64), primary_key=True),  # SHA-256 of "account:<area>:<login>" or "address:<ip>"
    Column("count", Integer, nullable=False),
    Column("last", Float, nullable=False, index=True),   # Unix time of the latest failure
    Column("blocked_until", Float, nullable=False),      # Unix time; 0 when not blocked
)

login_sessions = Table(
    "host_login_session", metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie's session token
    Column("area", String(16), nullable=False),          # "admin" or "customer"
    Column("user_id", Integer, nullable=False),
    Column("expires_at", Integer, nullable=False),       # Unix time
)
