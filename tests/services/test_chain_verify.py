"""Tamper evidence: the hash chain over posted invoices and ``oro-invoices verify``."""
import subprocess
import sys

from sqlalchemy import text
from support.payloads import invoice_payload

from oro_invoices.services.verification import verify


def _post_many(service, n, **kw):
    return [service.post(service.create(invoice_payload(**kw)).id) for _ in range(n)]


def _run_verify(db):
    return subprocess.run([sys.executable, "-m", "oro_invoices", "verify", "--db", db.url],
                          capture_output=True, text=True, timeout=120)


def test_an_untouched_chain_verifies(db, service):
    _post_many(service, 3)
    _post_many(service, 2, organization_id=2)
    report = verify(db)
    assert report.ok and report.checked_invoices == 5
    result = _run_verify(db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: checked 5 posted invoice(s)" in result.stdout


def test_each_link_covers_the_previous_hash(service, db):
    a, b = _post_many(service, 2)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, prev_hash, content_hash, chain_seq FROM oro_invoice_invoice"
                                 " ORDER BY chain_seq")).all()
    assert rows[0].prev_hash == "0" * 64 and rows[1].prev_hash == rows[0].content_hash
    assert [r.chain_seq for r in rows] == [1, 2]


def test_verify_names_an_altered_invoice(db, service, drop_guards):
    first, second, third = _post_many(service, 3)
    drop_guards()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE oro_invoice_line SET unit_price = '0.01' WHERE invoice_id = :id"),
                     {"id": second.id})
    result = _run_verify(db)
    assert result.returncode == 1
    assert f"FAIL invoice {second.invoice_number} (id {second.id}): content does not match" in result.stdout
    assert first.invoice_number not in result.stdout


def test_verify_notices_a_removed_invoice(db, service, drop_guards):
    first, second, third = _post_many(service, 3)
    drop_guards()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM oro_invoice_line WHERE invoice_id = :id"), {"id": second.id})
        conn.execute(text("DELETE FROM oro_invoice_payment_state WHERE invoice_id = :id"), {"id": second.id})
        conn.execute(text("DELETE FROM oro_invoice_activity WHERE invoice_id = :id"), {"id": second.id})
        conn.execute(text("DELETE FROM oro_invoice_invoice WHERE id = :id"), {"id": second.id})
    report = verify(db)
    assert not report.ok
    assert any(third.invoice_number in p and "missing from the chain" in p for p in report.problems)


def test_verify_notices_the_last_invoice_removed(db, service, drop_guards):
    first, last = _post_many(service, 2)
    drop_guards()
    with db.engine.begin() as conn:
        for table, col in (("oro_invoice_line", "invoice_id"), ("oro_invoice_payment_state", "invoice_id"),
                           ("oro_invoice_invoice", "id")):
            conn.execute(text(f"DELETE FROM {table} WHERE {col} = :id"), {"id": last.id})
    report = verify(db)
    assert any("recorded head does not match" in p for p in report.problems)


def test_verify_with_a_bad_database_url_says_so():
    result = subprocess.run([sys.executable, "-m", "oro_invoices", "verify", "--db", "mysql://x/y"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Unsupported database 'mysql'" in result.stderr


def test_verify_reports_its_progress(db, service, tmp_path):
    import io

    from oro_invoices.documents.storage import LocalStorage
    from oro_invoices.services.import_progress import ProgressMeter
    _post_many(service, 3)
    ticks = iter(range(0, 1000, 10))                  # a clock that moves 10 s per reading
    out = io.StringIO()
    meter = ProgressMeter(out, what="checked", every=5.0, clock=lambda: float(next(ticks)))
    report = verify(db, LocalStorage(tmp_path / "pdfs"), progress=meter)
    assert report.checked_invoices == 3
    first, last = out.getvalue().splitlines()        # the first reading only starts the clock
    assert first == "invoices 2/3 checked, 0.2/s, ETA 5s"
    assert last.startswith("invoices 3/3 checked, ") and last.endswith(", ETA 0s")
