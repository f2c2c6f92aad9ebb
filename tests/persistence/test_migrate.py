"""``oro-invoices migrate``: creates or upgrades the schema; migrations match the models."""
import hashlib
import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

import oro_invoices.persistence.models  # noqa: F401
from oro_invoices.persistence import triggers
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.metadata import TABLE_PREFIX, VERSION_TABLE, metadata
from oro_invoices.persistence.migrate import current_revision, downgrade, head_revision, upgrade
from oro_invoices.persistence.models import Invoice


def _migrate(url, **env):
    return subprocess.run([sys.executable, "-m", "oro_invoices", "migrate", "--db", url],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env} if env else None)


def test_migrate_creates_then_reports_current(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = _migrate(url)
    assert first.returncode == 0, first.stderr
    assert f"schema created at revision {head_revision()}" in first.stdout
    second = _migrate(url)
    assert "(already current)" in second.stdout
    tables = set(inspect(Database(url).engine).get_table_names())
    assert VERSION_TABLE in tables
    assert all(t.startswith(TABLE_PREFIX) for t in tables)
    assert {"oro_invoice_invoice", "oro_invoice_line", "oro_invoice_sequence"} <= tables


def test_sqlite_indexes_come_in_one_order_whatever_the_hash_seed(tmp_path):
    """SQLite breaks ties between indexes by their order in the schema: one order everywhere."""
    orders = []
    for seed in ("1", "2"):  # without index_order, these two seeds gave two orders
        url = f"sqlite:///{tmp_path / f'seed-{seed}.db'}"
        assert _migrate(url, PYTHONHASHSEED=seed).returncode == 0
        with Database(url).engine.connect() as conn:
            orders.append(conn.execute(text(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "ORDER BY rowid")).all())
    assert len(orders[0]) >= 40
    assert orders[0] == orders[1]


DOWN_AND_UP = """
import sys
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import downgrade, upgrade
db = Database(sys.argv[1])
upgrade(db)
downgrade(db, sys.argv[2])
"""


@pytest.mark.parametrize("target", ["0010", "0003"])
def test_sqlite_indexes_keep_one_order_after_a_downgrade(tmp_path, target):
    """The downgrades that rebuild a table (dropping columns) re-create its indexes in name order too."""
    orders = []
    for seed in ("1", "2", "3"):
        url = f"sqlite:///{tmp_path / f'seed-{seed}.db'}"
        done = subprocess.run([sys.executable, "-c", DOWN_AND_UP, url, target], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        with Database(url).engine.connect() as conn:
            orders.append(conn.execute(text(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "ORDER BY rowid")).all())
    assert len(orders[0]) >= 10
    assert orders[0] == orders[1] == orders[2]


def test_migrations_match_the_models(db):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diff = [d for d in compare_metadata(ctx, metadata)
                if not (isinstance(d, tuple) and d[0] == "remove_table")]
    assert diff == []


def test_host_tables_are_left_alone(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE host_order (id INTEGER PRIMARY KEY, ref TEXT)"))
        conn.execute(text("INSERT INTO host_order (ref) VALUES ('SO-1')"))
    assert _migrate(url).returncode == 0
    downgrade(db, "base")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT ref FROM host_order")).scalar_one() == "SO-1"
    assert set(inspect(db.engine).get_table_names()) == {"host_order", VERSION_TABLE}


def test_migrate_on_postgresql(pg_database_url):
    assert _migrate(pg_database_url).returncode == 0
    assert "(already current)" in _migrate(pg_database_url).stdout


def test_bad_url_is_one_clear_line():
    result = _migrate("nonsense://")
    assert result.returncode == 2 and result.stderr.startswith("error: ")


OPTIONAL_REFERENCE_INDEXES = {"ix_oro_invoice_invoice_order", "ix_oro_invoice_invoice_credited",
                              "ix_oro_invoice_invoice_reissued_from", "ix_oro_invoice_invoice_user_date_id",
                              "ix_oro_invoice_line_credited"}


def _partial_indexes(db):
    """The names of the add-on's indexes limited by a WHERE clause."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
        else:
            rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"))
        return {name for name, ddl in rows if name.startswith("ix_oro_invoice_") and " WHERE " in ddl.upper()}


def test_revision_0019_limits_the_optional_references_indexes_to_rows_with_a_value(db):
    assert _partial_indexes(db) >= OPTIONAL_REFERENCE_INDEXES
    downgrade(db, "0018")
    try:
        assert not OPTIONAL_REFERENCE_INDEXES & _partial_indexes(db)
    finally:
        upgrade(db)                                  # the database is shared with later tests
    assert _partial_indexes(db) >= OPTIONAL_REFERENCE_INDEXES


def _attempt_kinds(db):
    with db.engine.connect() as conn:
        return sorted(conn.execute(text("SELECT kind FROM oro_invoice_payment_attempt")).scalars())


def test_revision_0020_admits_capture_attempts_and_its_downgrade_removes_them(db):
    from support.fakepay import callback, charge, payment_service, posted_invoice, start
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    a = start(service, doc.id).attempt.public_id
    service.handle_payment_callback("fakepay", callback(a, {**charge(a, 23186), "action": "authorize"}))
    [auth] = service.transactions(doc.id)
    assert service.capture_authorization(auth.id, actor="admin").successful
    assert _attempt_kinds(db) == ["capture", "payment"]
    downgrade(db, "0019")
    try:
        assert _attempt_kinds(db) == ["payment"]
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE oro_invoice_payment_attempt SET kind = 'capture'"))
    finally:
        upgrade(db)                                  # the database is shared with later tests
    if db.dialect == "sqlite":                       # rebuilt: its ids are still never reused
        with db.engine.connect() as conn:
            assert "AUTOINCREMENT" in conn.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'oro_invoice_payment_attempt'")).scalar()


def kept_xml_service(db, tmp_path):
    from oro_invoices.documents.storage import LocalStorage
    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService

    return InvoiceService(db, plugins=get_plugin_manager(False), storage=LocalStorage(tmp_path / "pdf"))


def test_revision_0025_marks_the_invoices_imported_before_as_keeping_their_xml(db, tmp_path, drop_guards):
    from support.payloads import invoice_payload

    service = kept_xml_service(db, tmp_path)
    kept = service.create(invoice_payload(external_id="kept-xml", status="posted"), einvoice_xml=b"<kept/>",
                          defer_pdf=True)
    plain = service.post(service.create(invoice_payload(external_id="plain")).id)
    assert (service.get(kept.id).einvoice_kept, service.get(plain.id).einvoice_kept) == (True, False)
    drop_guards()                              # as it was imported before 0026 held the XML's hash
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE oro_invoice_invoice SET einvoice_sha256 = NULL"))
        for stmt in triggers.create_statements(db.dialect):                 # the guards back
            conn.exec_driver_sql(stmt)
    downgrade(db, "0024")
    try:
        upgrade(db)                            # from the records: the posted invoice is marked anyway
        assert (service.get(kept.id).einvoice_kept, service.get(plain.id).einvoice_kept) == (True, False)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:     # and frozen again
            conn.execute(text(f"UPDATE oro_invoice_invoice SET einvoice_kept = FALSE WHERE id = {kept.id}"))
    finally:
        upgrade(db)


def test_revision_0026_is_not_taken_back_over_hashes_the_chain_covers(db, tmp_path):
    from support.payloads import invoice_payload

    from oro_invoices.services.verification import verify

    service = kept_xml_service(db, tmp_path)
    kept = service.create(invoice_payload(external_id="kept-xml", status="posted"), einvoice_xml=b"<kept/>",
                          defer_pdf=True)
    with db.session() as s:
        assert s.get(Invoice, kept.id).einvoice_sha256 == hashlib.sha256(b"<kept/>").hexdigest()
    with pytest.raises(RuntimeError, match=r"Cannot go below revision 0026: the hash-chain links of 1 invoice"):
        downgrade(db, "0025")
    assert current_revision(db) == head_revision() and verify(db).ok      # nothing was changed


def test_revision_0026_words_the_kept_xml_guards_anew_and_takes_it_back(db, tmp_path, drop_guards):
    """Without hashes to keep, going below 0026 works and brings back 0023's guards, as they were."""
    from support.payloads import invoice_payload

    kept_xml_service(db, tmp_path).create(invoice_payload(external_id="kept-xml", status="posted"),
                                          einvoice_xml=b"<kept/>", defer_pdf=True)
    drop_guards()                              # as it was imported before 0026 held the XML's hash
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE oro_invoice_invoice SET einvoice_sha256 = NULL"))
        for stmt in triggers.create_statements(db.dialect):
            conn.exec_driver_sql(stmt)

    def refusal() -> str:
        with pytest.raises(IntegrityError) as refused, db.engine.begin() as conn:
            conn.execute(text("DELETE FROM oro_invoice_einvoice_source"))
        return str(refused.value)

    assert "an invoice keeps (imported from it, or issued as UBL) cannot be changed" in refusal()
    downgrade(db, "0025")
    try:
        assert "an invoice was imported from cannot be changed" in refusal()
        assert "einvoice_sha256" not in {c["name"] for c in inspect(db.engine).get_columns("oro_invoice_invoice")}
    finally:
        upgrade(db)
    assert "an invoice keeps (imported from it, or issued as UBL) cannot be changed" in refusal()


def test_revision_0029_keeps_customers_messages_and_its_downgrade_removes_them(db):
    from oro_invoices.persistence.outbox import OutboxEmail

    def message(**about: int | None) -> OutboxEmail:
        return OutboxEmail(message_id=f"<{about}@shop.example>", sender="billing@shop.example", to_addrs=["a@b.example"],
                           cc_addrs=[], bcc_addrs=[], subject="s", text="t", attachments=[], **about)

    with db.session() as s:
        s.add_all([message(invoice_id=7), message(organization_id=1, customer_id=10)])
        s.commit()
    downgrade(db, "0028")
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT invoice_id FROM oro_invoice_email")).scalars().all() == [7]
        with pytest.raises(IntegrityError), db.engine.begin() as conn:   # every message is an invoice's again
            conn.execute(text("INSERT INTO oro_invoice_email (message_id, sender, to_addrs, cc_addrs, bcc_addrs, "
                              "subject, attachments, status, attempts) VALUES ('<x@y>', 's@y.example', '[]', '[]', "
                              "'[]', 's', '[]', 'queued', 0)"))
    finally:
        upgrade(db)                                  # the database is shared with later tests
    if db.dialect == "sqlite":                       # rebuilt: its ids are still never reused
        with db.engine.connect() as conn:
            assert "AUTOINCREMENT" in conn.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'oro_invoice_email'")).scalar()


def test_revision_0034_works_out_what_open_authorizations_hold(db):
    """The invoices authorized before 0034 hold what their authorizations still hold: all of an
    open one, what a partial capture left, nothing once canceled; other invoices nothing."""
    from support.fakepay import callback, charge, payment_service, posted_invoice, start
    service, _, fake = payment_service(db, partial=True)
    fake.captures_part = True
    open_, captured, canceled, paid = (posted_invoice(service) for _ in range(4))
    for doc, amount in ((open_, 10000), (captured, 23186), (canceled, 23186)):
        a = start(service, doc.id, amount=f"{amount / 100:.2f}").attempt.public_id
        service.handle_payment_callback("fakepay", callback(a, {**charge(a, amount), "action": "authorize"}))
    [auth] = service.transactions(captured.id)
    service.capture_authorization(auth.id, "100.00", actor="admin")        # the rest is released
    [auth] = service.transactions(canceled.id)
    service.cancel_authorization(auth.id, actor="admin")
    service.record_payment(paid.id, {"method": "manual", "action": "charge", "amount": "231.86"})
    expected = {open_.id: 10000, captured.id: 0, canceled.id: 0, paid.id: 0}
    assert _held(db, expected) == expected                                  # kept as payments are recorded
    _gone_then_upgraded(db, "0033", "amount_held")
    assert _held(db, expected) == expected                                  # worked out by the upgrade


def _gone_then_upgraded(db, revision: str, column: str) -> None:
    """Downgrade to ``revision``, find the payment state without ``column``, and upgrade again."""
    downgrade(db, revision)
    try:
        with db.engine.connect() as conn:
            assert column not in {c["name"] for c in inspect(conn).get_columns("oro_invoice_payment_state")}
    finally:
        upgrade(db)                                  # the database is shared with later tests


def _held(db, invoices):
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT invoice_id, amount_held FROM oro_invoice_payment_state")).all()
    return {invoice_id: held for invoice_id, held in rows if invoice_id in invoices}


def test_revision_0035_keeps_events_about_no_invoice_and_its_downgrade_removes_them(db):
    import datetime as dt

    from oro_invoices.persistence.outgoing_events import OutgoingEvent

    at = dt.datetime(2026, 11, 30, 9, 40, tzinfo=dt.UTC)

    def event(n: int, invoice_id: int | None) -> OutgoingEvent:
        return OutgoingEvent(event_id=f"event-{n}", event_type="customer.credit_updated", invoice_id=invoice_id,
                             organization_id=1, endpoint_url="https://erp.example/hooks", body=f'{{"n":{n}}}',
                             status="pending", attempts=0, next_attempt_at=at, last_error="", created_at=at,
                             updated_at=at)

    def kept() -> list[tuple[str, int | None, str, str]]:
        with db.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(
                "SELECT event_id, invoice_id, body, status FROM oro_invoice_outgoing_event ORDER BY id"))]

    with db.session() as s:
        s.add_all([event(1, 7), event(2, None), event(3, 8)])
        s.commit()
    downgrade(db, "0034")
    try:
        assert kept() == [("event-1", 7, '{"n":1}', "pending"), ("event-3", 8, '{"n":3}', "pending")]
        with pytest.raises(IntegrityError), db.engine.begin() as conn:   # every event is an invoice's again
            conn.execute(text("INSERT INTO oro_invoice_outgoing_event (event_id, event_type, organization_id, "
                              "endpoint_url, body, status, attempts, last_error, created_at, updated_at) VALUES "
                              "('x', 't', 1, 'https://erp.example/hooks', '{}', 'pending', 0, '', "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    finally:
        upgrade(db)                                  # the database is shared with later tests
    with db.session() as s:
        s.add(event(4, None))
        s.commit()
    assert kept() == [("event-1", 7, '{"n":1}', "pending"), ("event-3", 8, '{"n":3}', "pending"),
                      ("event-4", None, '{"n":4}', "pending")]
    if db.dialect == "sqlite":                       # rebuilt: its ids are still never reused
        with db.engine.connect() as conn:
            assert "AUTOINCREMENT" in conn.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'oro_invoice_outgoing_event'")).scalar()


def test_revision_0036_keeps_the_open_due_date_of_refunded_invoices_with_an_amount_due(db):
    """Before 0036 a refunded invoice had no open due date whatever it had due; the upgrade gives
    it back to those still owing, and a refund then keeps it."""
    from support.fakepay import payment_service, posted_invoice
    service, _, _ = payment_service(db)
    refunded, settled = posted_invoice(service), posted_invoice(service)
    service.record_payment(refunded.id, {"method": "manual", "action": "charge", "amount": "100.00"})
    service.record_payment(refunded.id, {"method": "manual", "action": "refund", "amount": "40.00"})
    service.record_payment(settled.id, {"method": "manual", "action": "charge", "amount": "231.86"})
    service.record_payment(settled.id, {"method": "manual", "action": "refund", "amount": "31.86"})
    due = refunded.due_date
    assert _open_due(db, (refunded.id, settled.id)) == {refunded.id: due, settled.id: due}
    downgrade(db, "0035")
    try:
        assert _open_due(db, (refunded.id, settled.id)) == {refunded.id: None, settled.id: None}
        with db.engine.connect() as conn:
            assert "credit_note_id" not in {c["name"] for c in inspect(conn).get_columns("oro_invoice_payment_attempt")}
    finally:
        upgrade(db)                                  # the database is shared with later tests
    assert _open_due(db, (refunded.id, settled.id)) == {refunded.id: due, settled.id: due}   # worked out anew
    service.record_payment(settled.id, {"method": "manual", "action": "charge", "amount": "31.86"})
    assert _open_due(db, (refunded.id, settled.id)) == {refunded.id: due, settled.id: None}  # kept by the triggers


def test_revision_0037_keeps_whether_authorizations_hold_all_that_is_due(db):
    """The upgrade works out ``held_in_full`` for the invoices holding money, the triggers keep it
    from then on; going down drops it and gives the indexes back their earlier columns."""
    from support.fakepay import payment_service, posted_invoice
    service, _, _ = payment_service(db)
    held, partly, plain = posted_invoice(service), posted_invoice(service), posted_invoice(service)
    for doc, paid, authorized in ((held, "100.00", "131.86"), (partly, "100.00", "131.85")):
        service.record_payment(doc.id, {"method": "manual", "action": "charge", "amount": paid})
        service.record_payment(doc.id, {"method": "card", "action": "authorize", "amount": authorized})
    expected = {held.id: True, partly.id: False, plain.id: False}
    assert _held_in_full(db, expected) == expected
    _gone_then_upgraded(db, "0036", "held_in_full")
    assert _held_in_full(db, expected) == expected                                # worked out by the upgrade
    service.record_payment(partly.id, {"method": "manual", "action": "charge", "amount": "0.01"})
    assert _held_in_full(db, expected) == {**expected, partly.id: True}          # kept by the triggers


def test_revision_0038_keeps_the_open_due_date_of_invoices_authorized_in_full(db):
    """Before 0038 an invoice whose payment was authorized had no open due date; the upgrade gives
    it one and holds it in full (also one set to authorized from outside), the triggers keep both;
    going down takes them back."""
    from support.fakepay import payment_service, posted_invoice
    service, _, _ = payment_service(db)
    authorized, forced, later = posted_invoice(service), posted_invoice(service), posted_invoice(service)
    service.record_payment(authorized.id, {"method": "card", "action": "authorize", "amount": "231.86"})
    service.force_payment_status(forced.id, "authorized")
    due, invoices = authorized.due_date, (authorized.id, forced.id, later.id)
    assert _open_due(db, invoices) == {authorized.id: due, forced.id: due, later.id: due}
    assert _held_in_full(db, invoices) == {authorized.id: True, forced.id: True, later.id: False}
    downgrade(db, "0037")
    try:
        assert _open_due(db, invoices) == {authorized.id: None, forced.id: None, later.id: due}
        assert _held_in_full(db, invoices) == {authorized.id: True, forced.id: False, later.id: False}  # as 0037
        _authorized_at_an_older_revision(db, later)
        assert _open_due(db, invoices)[later.id] is None             # the triggers of 0037: closed
    finally:
        upgrade(db)                                  # the database is shared with later tests
    assert _open_due(db, invoices) == {authorized.id: due, forced.id: due, later.id: due}   # worked out anew
    assert _held_in_full(db, invoices) == {authorized.id: True, forced.id: True, later.id: True}
    [auth] = service.transactions(later.id)
    service.record_payment(later.id, {"method": "card", "action": "capture", "amount": "231.86", "parent_id": auth.id})
    assert _open_due(db, invoices)[later.id] is None                 # kept by the triggers: paid in full
    with db.engine.connect() as conn:
        aging = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("oro_invoice_payment_state")}
    assert aging["ix_oro_invoice_payment_state_org_aging"][-1] == "held_in_full"


def _authorized_at_an_older_revision(db, doc):
    """Record an authorization of all of ``doc`` as the service writes it (its transaction, the
    payment state's status and what it holds), in the columns an older revision has: the current
    models name columns added since."""
    import datetime as dt

    from oro_invoices.persistence.models import PaymentState, PaymentTransaction
    amount = int(doc.amount_due * 100)
    with db.engine.begin() as conn:
        conn.execute(PaymentTransaction.__table__.insert().values(
            invoice_id=doc.id, method="card", action="authorize", amount=amount, currency=doc.currency,
            successful=True, notes="", actor="test", created_at=dt.datetime.now(dt.UTC)))
        conn.execute(PaymentState.__table__.update().where(PaymentState.__table__.c.invoice_id == doc.id)
                     .values(payment_status="authorized", payment_method="card", amount_held=amount))


def _held_in_full(db, invoices):
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT invoice_id, held_in_full FROM oro_invoice_payment_state")).all()
    return {invoice_id: bool(held) for invoice_id, held in rows if invoice_id in invoices}


def _open_due(db, invoices):
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT invoice_id, open_due_date FROM oro_invoice_payment_state")).all()
    return {invoice_id: _date(due) for invoice_id, due in rows if invoice_id in invoices}


def _date(value):
    import datetime as dt
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
