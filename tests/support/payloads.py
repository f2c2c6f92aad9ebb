"""Payloads shared by the tests (import with ``from payloads import invoice_payload``)."""
import json
from pathlib import Path

from support.days import day_after


def invoice_payload(**overrides):
    """A valid create payload: two lines at two tax rates."""
    payload = {
        "invoice_date": "2026-11-02",
        "due_date": "2026-12-02",
        "currency": "USD",
        "organization_id": 1,
        "customer_id": 10,
        "customer_user_id": 100,
        "customer_name": "Acme Corp",
        "customer_user_email": "buyer@acme.test",
        "order_id": 5,
        "order_identifier": "SO-0005",
        "bill_to": {"name": "Acme Corp", "street": "1 Main St", "city": "Springfield",
                    "postal_code": "12345", "country": "US"},
        "lines": [
            {"description": "Widget", "sku": "W-1", "unit": "item", "quantity": "3",
             "unit_price": "19.99", "tax_rate": "0.19"},
            {"description": "Installation", "sku": "SVC", "unit": "hour", "quantity": "1.5",
             "unit_price": "100.00", "tax_rate": "0.07"},
        ],
    }
    payload.update(overrides)
    return payload


def one_line_invoice(service, *, due_date: str | None, invoice_date: str, price: str = "100.00", post: bool = True,
                     paid: str | None = None, **extra) -> int:
    """The id of a new invoice of one line (no tax) at ``price``, posted unless ``post`` is False
    and with ``paid`` charged by bank when given."""
    payload = invoice_payload(invoice_date=invoice_date, due_date=due_date,
                              lines=[{"description": "x", "quantity": "1", "unit_price": price}], **extra)
    invoice = service.create(payload)
    if post:
        service.post(invoice.id)
    if paid:
        service.record_payment(invoice.id, {"method": "bank", "action": "charge", "amount": paid})
    return invoice.id


def posted_for_seeded_customer(service, **overrides):
    """A fresh posted invoice of organization 1 (Northwind in the seeded shop) for the customer of
    one of its posted invoices (USD unless ``currency`` is given), created and posted by "test"."""
    seeded = next(i for i in service.list_invoices({"organization_id": 1, "status": "posted"}, limit=100).items
                  if i.customer_id is not None)
    source = service.get(seeded.id)
    payload = invoice_payload(**{
        "customer_id": source.customer_id, "customer_user_id": source.customer_user_id,
        "customer_name": source.customer_name, "customer_user_email": source.customer_user_email,
        "website_id": source.website_id, "order_id": None, "order_identifier": "", **overrides})
    return service.post(service.create(payload, actor="test").id, actor="test")


def one_line_import(path: Path, count: int) -> Path:
    """``path``: a JSON Lines import file of ``count`` drafts of one line each (``ERP-0`` …)."""
    with path.open("w") as out:
        for i in range(count):
            out.write(json.dumps({
                "external_id": f"ERP-{i}", "invoice_date": "2026-03-01", "currency": "EUR",
                "bill_to": {"name": "Acme", "street": "Main 1", "city": "Berlin", "postal_code": "10115",
                            "country": "DE"},
                "lines": [{"description": "Bolts", "quantity": "2", "unit_price": "5.00", "tax_rate": "0.19"}],
            }) + "\n")
    return path


def receivables(service, as_of: str) -> None:
    """Four posted invoices owed on ``as_of`` (ISO): 120.00 EUR 11 days late and 30.00 EUR paid
    10.00 not due yet (customer 10), 5.00 EUR 120 days late (customer 11, Zeta Tools) and
    9000 JPY not due yet (customer 10)."""
    one_line_invoice(service, due_date=day_after(as_of, -11), invoice_date=day_after(as_of, -89), price="120.00")
    one_line_invoice(service, due_date=day_after(as_of, 30), invoice_date=day_after(as_of, -30), price="30.00",
                     paid="10.00")
    one_line_invoice(service, due_date=day_after(as_of, -120), invoice_date=day_after(as_of, -150), price="5.00",
                     customer_id=11, customer_name="Zeta Tools")
    one_line_invoice(service, due_date=day_after(as_of, 30), invoice_date=day_after(as_of, -30), price="9000",
                     currency="JPY")
