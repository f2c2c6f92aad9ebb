"""Engines and sessions for SQLite (embedded default) and PostgreSQL (psycopg 3)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from oro_invoices.domain.errors import ConfigurationError

DEFAULT_URL = "sqlite:///oro_invoices.db"


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
        raise ConfigurationError(f"Invalid database URL {url!r}: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"Unsupported database {parsed.get_backend_name()!r} in {url!r}: use sqlite:/// or postgresql://")
    return parsed.render_as_string(hide_password=False)


def _sqlite_setup(engine: Engine) -> None:
    """Own the transaction start so writers can take the lock up front (BEGIN IMMEDIATE)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        # REPLACE conflict resolution then fires DELETE triggers (the freeze guards).
        cur.execute("PRAGMA recursive_triggers = ON")
        cur.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


#: The connection-pool options ``pool_options`` accepts (SQLAlchemy's engine options).
POOL_OPTIONS = {"pool_size": int, "max_overflow": int, "pool_timeout": float, "pool_recycle": int,
                "pool_pre_ping": bool}


def pool_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` checked against ``POOL_OPTIONS``; ConfigurationError names a wrong one."""
    checked: dict[str, Any] = {}
    for name, value in options.items():
        kind = POOL_OPTIONS.get(name)
        if kind is None:
            raise ConfigurationError(f"Unknown database pool option {name!r}; the options are "
                                     f"{', '.join(POOL_OPTIONS)}.")
        if kind is bool:
            if not isinstance(value, bool):
                raise ConfigurationError(f"Database pool option {name} must be true or false, not {value!r}.")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                or (kind is int and not isinstance(value, int)):
            what = "a whole number" if kind is int else "a number"
            raise ConfigurationError(f"Database pool option {name} must be {what} of 0 or more, not {value!r}.")
        checked[name] = value
    return checked


class Database:
    """An engine plus session factories; ``transaction()`` is the one way to write."""

    def __init__(self, url: str = DEFAULT_URL, *, echo: bool = False, **engine_kwargs: Any):
        self.url = normalize_url(url)
        kwargs = dict(engine_kwargs)
        if self.url.startswith("postgresql"):
            kwargs.setdefault("pool_pre_ping", True)
        self.engine = create_engine(self.url, echo=echo, **kwargs)
        self.dialect = self.engine.dialect.name
        write_engine: Engine = self.engine
        if self.dialect == "sqlite":
            _sqlite_setup(self.engine)
            write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_engine, expire_on_commit=False)

    def session(self) -> Session:
        """A session for reading."""
        return self._read()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a write transaction: committed on success, rolled back on any error."""
        with self._write() as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()
