"""Revision 0043: invoices keep the buyer's PO number; going below it keeps the chain whole."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from support.payloads import invoice_payload

from oro_invoices.persistence.migrate import current_revision, downgrade, head_revision, upgrade
from oro_invoices.services.verification import verify


def _columns(db) -> set[str]:
    with db.engine.connect() as conn:
        return {column["name"] for column in inspect(conn).get_columns("oro_invoice_invoice")}


def test_revision_0043_adds_the_po_number_and_its_downgrade_drops_a_drafts(db, service):
    draft = service.create(invoice_payload(purchase_order="PO-4711"))
    downgrade(db, "0042")
    try:
        assert "purchase_order" not in _columns(db)
        with db.engine.connect() as conn:   # the draft itself is kept
            assert conn.execute(text("SELECT order_identifier FROM oro_invoice_invoice WHERE id = :id"),
                                {"id": draft.id}).scalar_one() == "SO-0005"
    finally:
        upgrade(db)                                  # the database is shared with later tests
    assert "purchase_order" in _columns(db)
    assert service.get(draft.id).purchase_order == ""


def test_revision_0043_is_not_taken_back_over_po_numbers_the_chain_covers(db, service):
    service.create(invoice_payload(external_id="po-posted", purchase_order="PO-4711", status="posted"),
                   defer_pdf=True)
    with pytest.raises(RuntimeError, match=r"Cannot go below revision 0043: the hash-chain links of 1 posted"):
        downgrade(db, "0042")
    assert current_revision(db) == head_revision() and verify(db).ok      # nothing was changed
