"""``invoice_for_reading``: an invoice, its lines, payment state and PDF record read in one
statement as plain values give the same invoice as the ORM's instances."""
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import selectinload
from support.payloads import invoice_payload
from support.statements import TRANSACTION_CONTROL

from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.invoice_rows import invoice_for_reading
from oro_invoices.persistence.models import Invoice, InvoiceDocumentRow, PaymentState


def orm_instances(service, invoice_id):
    with service.db.session() as s:
        inv = s.execute(select(Invoice).where(Invoice.id == invoice_id)
                        .options(selectinload(Invoice.lines))).scalar_one()
        state = s.get(PaymentState, invoice_id)
        pdf = s.execute(select(InvoiceDocumentRow).where(InvoiceDocumentRow.invoice_id == invoice_id)
                        ).scalar_one_or_none()
        s.expunge_all()
        return inv, state, pdf


def values_of(obj):
    return {prop.key: getattr(obj, prop.key) for prop in inspect(type(obj)).column_attrs}


def test_the_values_are_the_models_columns_lines_in_position_order(service):
    lines = [{"description": f"Line {n}", "quantity": str(n), "unit_price": "2.50", "tax_rate": "0.07"}
             for n in range(1, 5)]
    doc = service.create(invoice_payload(lines=lines, ship_to={"name": "Dock 4", "country": "DE"}))
    service.post(doc.id)
    inv, state, pdf = orm_instances(service, doc.id)
    with service.db.session() as s:
        invoice, read_state, read_pdf = invoice_for_reading(s, doc.id)
    assert {key: getattr(invoice, key) for key in values_of(inv)} == values_of(inv)
    assert [line.description for line in invoice.lines] == ["Line 1", "Line 2", "Line 3", "Line 4"]
    assert [values_of(line) for line in inv.lines] == [line._asdict() for line in invoice.lines]
    assert read_state._asdict() == values_of(state)
    assert (read_pdf and read_pdf._asdict()) == (pdf and values_of(pdf))
    assert views.document(invoice, read_state, read_pdf) == views.document(inv, state, pdf)


def test_an_invoice_without_lines_or_pdf_and_one_that_does_not_exist(service):
    doc = service.create(invoice_payload(lines=[{"description": "Only", "quantity": "1",
                                                 "unit_price": "1.00"}]))
    with service.db.session() as s:
        invoice, _state, pdf = invoice_for_reading(s, doc.id)
        assert (len(invoice.lines), pdf) == (1, None)
        assert invoice_for_reading(s, doc.id + 1000) is None


def test_the_service_reads_an_invoice_in_one_statement(service):
    doc = service.create(invoice_payload())
    service.post(doc.id)
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(statement)
    event.listen(service.db.engine, "before_cursor_execute", keep)
    try:
        read = service.get(doc.id)
    finally:
        event.remove(service.db.engine, "before_cursor_execute", keep)
    assert len(seen) == 1, seen
    assert [line.description for line in read.lines] == ["Widget", "Installation"]
    assert read.total_amount == doc.total_amount
