"""Engines and sessions for SQLite (embedded default) and PostgreSQL (psycopg 3).

Reading connections are shared within ``one_connection_per_engine()`` (the web layer enters it
around each request): the first read of an engine checks out a connection (with its
pre-ping) and every later read of the block reuses it, so a page makes one checkout per engine
instead of one per statement. On PostgreSQL reads run in autocommit: under READ COMMITTED
each statement has its own snapshot either way, and autocommit spares the ``BEGIN`` and
``ROLLBACK`` round trips around it. Writes (``Database.transaction``) always take a
connection and a transaction of their own.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from oro_invoices.domain.errors import ConfigurationError, DatabaseBusy, DatabaseNotMigrated, DatabaseUnreachable
from oro_invoices.persistence import postgresql_statistics
from oro_invoices.persistence.clock import CLOCK, Clock, machine_now, stamp_new_rows
from oro_invoices.persistence.sqlite_statistics import analyze_stale, keep_statistics

DEFAULT_URL = "sqlite:///oro_invoices.db"

_SHARED: ContextVar[dict[Engine, Connection] | None] = ContextVar("oro_invoices_connections",
                                                                 default=None)


@contextlib.contextmanager
def one_connection_per_engine() -> Iterator[None]:
    """Share one reading connection per engine until the block ends (nests: an outer block's
    connections are reused); the connections go back to their pools at the end."""
    if _SHARED.get() is not None:
        yield
        return
    shared: dict[Engine, Connection] = {}
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)
        for conn in shared.values():
            conn.close()


def _read_connection(engine: Engine) -> Connection:
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def shared_connection(engine: Engine) -> Connection | None:
    """The block's reading connection of ``engine`` (checked out on first use), or None outside
    ``one_connection_per_engine()``."""
    shared = _SHARED.get()
    if shared is None:
        return None
    conn = shared.get(engine)
    if conn is None or conn.closed:
        conn = shared[engine] = _read_connection(engine)
    return conn


def release_shared_connection(engine: Engine) -> None:
    """Give the block's reading connection of ``engine`` back to the pool when nothing reads on it,
    so a write does not hold two connections (the next read checks one out again)."""
    shared = _SHARED.get()
    conn = shared.get(engine) if shared is not None else None
    if conn is not None and not conn.in_transaction():
        del shared[engine]  # type: ignore[union-attr]
        conn.close()


@contextlib.contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection to read with: the shared one within ``one_connection_per_engine()``, else one
    of its own (closed at the end). A transaction the block began is rolled back at its end (one
    an enclosing reader began is left to it)."""
    conn = shared_connection(engine)
    if conn is None:
        with _read_connection(engine) as own:
            yield own
        return
    began_outside = conn.in_transaction()
    try:
        yield conn
    finally:
        if not began_outside and conn.in_transaction():
            conn.rollback()


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


#: How long a SQLite statement waits for another connection's lock before ``DatabaseBusy`` (a
#: write) or ``DatabaseUnreachable`` (a read); the reference host's engine waits as long.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_setup(engine: Engine) -> None:
    """Own the transaction start so writers can take the lock up front (BEGIN IMMEDIATE)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        # REPLACE conflict resolution then fires DELETE triggers (the freeze guards).
        cur.execute("PRAGMA recursive_triggers = ON")
        cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_MS)}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


#: PostgreSQL's default ``random_page_cost`` (made for spinning disks), and the add-on's value
#: where the server keeps it
DEFAULT_RANDOM_PAGE_COST = "4"
RANDOM_PAGE_COST = "1.1"


def _postgresql_setup(engine: Engine) -> None:
    """The planner settings of the add-on's connections.

    No parallel workers: its statements read a page, a few rows by an index, and starting
    workers for one took 50–95 ms where the read took 0.2 ms (1,000,000 invoices). And, where the
    server keeps the default ``random_page_cost`` of 4, 1.1 (an index read costs little more
    than a sequential one, as on SSDs and with the pages cached): with 4 the grid's count of one
    currency's invoices scanned the table (5–6 ms at 1,000,000 invoices) instead of reading its
    index alone (2 ms). A value the operator set (server, database or role) is kept.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True  # a SET inside a transaction is undone by its rollback
        try:
            # both settings in one round trip; the second only where the default is kept
            dbapi_conn.execute(
                "SELECT set_config('max_parallel_workers_per_gather', '0', false), "
                "CASE WHEN current_setting('random_page_cost') = %s "
                "THEN set_config('random_page_cost', %s, false) END",
                (DEFAULT_RANDOM_PAGE_COST, RANDOM_PAGE_COST))
        finally:
            dbapi_conn.autocommit = autocommit


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


#: How SQLite and PostgreSQL say that one of the add-on's tables does not exist.
_MISSING_TABLE = re.compile(r'no such table: (oro_invoice\w*)|relation "(oro_invoice\w*)" does not exist')


#: How SQLite says that another connection held its one write lock longer than the busy timeout.
#: (PostgreSQL waits for row locks; a ``lock_timeout`` the add-on sets itself is caught where it is set.)
_BUSY = re.compile(r"database is locked|database table is locked")


def _missing_tables(context: ExceptionContext) -> None:
    """A statement on one of the add-on's tables that does not exist: say that the database has
    not been migrated and how to do it, rather than the driver's words. A statement that waited
    in vain for another change: ``DatabaseBusy`` when it was writing, ``DatabaseUnreachable``
    when it was reading (no change to speak of); both a 503 to try again, never a 500."""
    said = str(context.original_exception)
    if _BUSY.search(said):
        writing = context.connection is not None and \
            context.connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE"
        raise (DatabaseBusy() if writing else DatabaseUnreachable()) from context.original_exception
    found = _MISSING_TABLE.search(said)
    if found is None:
        return
    table = found.group(1) or found.group(2)
    raise DatabaseNotMigrated(
        f"The database has no table {table}: the add-on's migrations have not run on it. Run "
        "`oro-invoices migrate --db URL` (or alembic with the add-on's migrations), or build the "
        "add-on with AddonConfig(migrate=True).") from context.original_exception


class Database:
    """An engine plus session factories; ``transaction()`` is the one way to write."""

    def __init__(self, url: str = DEFAULT_URL, *, echo: bool = False, **engine_kwargs: Any):
        self.url = normalize_url(url)
        #: What the records written through this database are stamped with (``persistence.clock``):
        #: the machine's UTC time until the services set theirs.
        self.clock: Clock = machine_now
        kwargs = dict(engine_kwargs)
        if self.url.startswith("postgresql"):
            kwargs.setdefault("pool_pre_ping", True)
        self.engine = create_engine(self.url, echo=echo, **kwargs)
        self.dialect = self.engine.dialect.name
        event.listen(self.engine, "handle_error", _missing_tables)
        read_engine = write_engine = self.engine
        if self.dialect == "sqlite":
            _sqlite_setup(self.engine)
            keep_statistics(self.engine)
            write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        else:
            _postgresql_setup(self.engine)
            read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        info = {CLOCK: self.now}
        self._read = sessionmaker(read_engine, expire_on_commit=False, info=info)
        self._write = sessionmaker(write_engine, expire_on_commit=False, info=info)
        self._snapshot = sessionmaker(self.engine if self.dialect == "sqlite" else self.engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True), expire_on_commit=False, info=info)
        for maker in (self._read, self._write):
            event.listen(maker, "before_flush", stamp_new_rows)

    def now(self) -> dt.datetime:
        """The current time by ``clock``."""
        return self.clock()

    def session(self) -> Session:
        """A session for reading (on the shared connection within ``one_connection_per_engine()``)."""
        conn = shared_connection(self.engine)
        return self._read() if conn is None else self._read(bind=conn)

    def snapshot(self) -> Session:
        """A session reading one consistent snapshot in a transaction of its own connection (a
        long read that streams its rows, such as ``verify``: autocommit reads cannot stream)."""
        return self._snapshot()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a write transaction: committed on success, rolled back on any error."""
        release_shared_connection(self.engine)
        with self._write() as session:
            with session.begin():
                yield session

    def refresh_statistics(self) -> list[str]:
        """Analyze now the add-on's tables whose planner statistics are missing or out of date
        (after a bulk write); the tables analyzed. On SQLite the other connections take the new
        statistics at their next check (``sqlite_statistics``); on PostgreSQL at once
        (``postgresql_statistics``)."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                return postgresql_statistics.analyze_stale(conn)
            if self.dialect == "sqlite":
                return analyze_stale(conn.connection.dbapi_connection) or []  # type: ignore[arg-type]
        return []

    def dispose(self) -> None:
        self.engine.dispose()
