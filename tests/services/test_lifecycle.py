"""Draft → posted: the service and the database itself refuse changes to a posted invoice."""
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support.payloads import invoice_payload

from oro_invoices.domain.errors import InvoiceIsPosted, NotFound, ValidationError
from oro_invoices.domain.invoice import InternalStatus, PaymentStatus


def test_create_computes_totals_and_ignores_nothing(service):
    inv = service.create(invoice_payload(), actor="importer")
    assert inv.status is InternalStatus.DRAFT
    assert inv.invoice_number is None
    assert (inv.subtotal, inv.tax_amount, inv.total_amount) == (
        Decimal("209.97"), Decimal("21.89"), Decimal("231.86"))
    assert inv.amount_due == Decimal("231.86") and inv.amount_paid == Decimal("0.00")
    assert [l.row_total for l in inv.lines] == [Decimal("59.97"), Decimal("150.00")]
    assert inv.payment_status is PaymentStatus.PENDING
    assert inv.customer_name == "Acme Corp" and inv.order_id == 5
    assert service.activities(inv.id)[0].kind == "created"
    assert service.activities(inv.id)[0].actor == "importer"


def test_totals_in_input_are_not_trusted(service):
    with pytest.raises(ValidationError) as err:
        service.create(invoice_payload(total_amount="1.00"))
    assert ("total_amount", "Unknown field.") in err.value.errors


def test_draft_can_be_updated_and_lines_replaced(service):
    inv = service.create(invoice_payload())
    updated = service.update(inv.id, {"lines": [
        {"description": "Only line", "quantity": "2", "unit_price": "5.00", "tax_rate": "0.10"}],
        "due_date": "2026-12-31"}, actor="admin")
    assert [l.description for l in updated.lines] == ["Only line"]
    assert updated.total_amount == Decimal("11.00")
    assert str(updated.due_date) == "2026-12-31"
    assert service.activities(inv.id)[0].summary.startswith("Changed due date, line items")


def test_posting_freezes_the_invoice_in_the_service(service):
    inv = service.post(service.create(invoice_payload()).id, actor="admin")
    assert inv.status is InternalStatus.POSTED and inv.posted_at is not None
    with pytest.raises(InvoiceIsPosted, match="is posted and can no longer be modified.*due_date"):
        service.update(inv.id, {"due_date": "2027-01-01"})
    with pytest.raises(InvoiceIsPosted, match="cannot be deleted"):
        service.delete(inv.id)
    after = service.get(inv.id)
    assert after.due_date == inv.due_date and after.lines == inv.lines


def test_posting_is_idempotent(service):
    inv = service.create(invoice_payload())
    first = service.post(inv.id)
    second = service.post(inv.id)
    assert first.invoice_number == second.invoice_number
    assert [a.kind for a in service.activities(inv.id)].count("posted") == 1


def test_posting_says_whether_this_call_posted_the_invoice_even_when_two_post_at_once(service):
    import threading
    inv = service.create(invoice_payload())
    barrier, done = threading.Barrier(3), []

    def post() -> None:
        barrier.wait()
        done.append(service.posting(inv.id, actor="admin"))
    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(p.posted_now for p in done) == [False, False, True]
    assert len({p.invoice.invoice_number for p in done}) == 1 and all(p.invoice.is_posted for p in done)
    assert [a.kind for a in service.activities(inv.id)].count("posted") == 1
    assert service.posting(inv.id).posted_now is False


def test_what_may_change_after_posting_still_changes(service):
    inv = service.post(service.create(invoice_payload()).id)
    service.add_note(inv.id, "Customer called about delivery", actor="alice")
    service.update(inv.id, {"payment_status": "invoiced"}, actor="erp")
    service.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "10.00"})
    got = service.get(inv.id)
    assert got.payment_status is PaymentStatus.INVOICED and got.payment_status_forced
    assert got.amount_paid == Decimal("10.00")
    assert service.notes(inv.id)[0].body == "Customer called about delivery"


def test_draft_can_be_deleted_and_the_deletion_is_recorded(service):
    inv = service.create(invoice_payload())
    service.delete(inv.id, actor="admin")
    with pytest.raises(NotFound):
        service.get(inv.id)
    deleted = service.activities(inv.id)
    assert deleted[0].kind == "deleted" and deleted[0].actor == "admin"


@pytest.mark.parametrize("statement", [
    "UPDATE oro_invoice_invoice SET total_amount = 1 WHERE id = :id",
    "UPDATE oro_invoice_invoice SET status = 'draft' WHERE id = :id",
    "DELETE FROM oro_invoice_invoice WHERE id = :id",
    "UPDATE oro_invoice_line SET unit_price = '0.01' WHERE invoice_id = :id",
    "DELETE FROM oro_invoice_line WHERE invoice_id = :id",
    "INSERT INTO oro_invoice_line (invoice_id, position, description, sku, unit, quantity, unit_price,"
    " tax_rate, row_total, row_tax) VALUES (:id, 99, 'sneaked in', '', '', '1', '1', '0', 100, 0)",
])
def test_database_rejects_direct_sql_on_a_posted_invoice(db, service, statement):
    inv = service.post(service.create(invoice_payload()).id)
    with pytest.raises(DBAPIError, match="oro_invoice_frozen"):
        with db.engine.begin() as conn:
            conn.execute(text(statement), {"id": inv.id})
    assert service.get(inv.id) == inv


def test_database_allows_direct_sql_on_a_draft(db, service):
    inv = service.create(invoice_payload())
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE oro_invoice_invoice SET customer_name = 'Renamed' WHERE id = :id"),
                     {"id": inv.id})
    assert service.get(inv.id).customer_name == "Renamed"


def test_stored_pdf_record_is_insert_once(db, service):
    inv = service.post(service.create(invoice_payload()).id)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO oro_invoice_document (invoice_id, sha256, size, source, created_at)"
                          " VALUES (:id, :h, 10, 'uploaded', CURRENT_TIMESTAMP)"), {"id": inv.id, "h": "a" * 64})
    for statement in ("UPDATE oro_invoice_document SET sha256 = 'b' WHERE invoice_id = :id",
                      "DELETE FROM oro_invoice_document WHERE invoice_id = :id"):
        with pytest.raises(DBAPIError, match="oro_invoice_frozen"):
            with db.engine.begin() as conn:
                conn.execute(text(statement), {"id": inv.id})
    draft = service.create(invoice_payload(external_id="d-1"))
    with pytest.raises(DBAPIError, match="only a posted invoice can have a PDF"):
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO oro_invoice_document (invoice_id, sha256, size, source, created_at)"
                              " VALUES (:id, :h, 10, 'uploaded', CURRENT_TIMESTAMP)"), {"id": draft.id, "h": "c" * 64})


def test_posting_an_invoice_without_lines_is_refused(db, service):
    inv = service.create(invoice_payload())
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM oro_invoice_line WHERE invoice_id = :id"), {"id": inv.id})
    with pytest.raises(ValidationError, match="without lines cannot be posted"):
        service.post(inv.id)
    assert service.get(inv.id).status is InternalStatus.DRAFT
