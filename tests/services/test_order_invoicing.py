"""Invoicing a host's order: ``InvoiceService.create_from_order`` and ``order_payload``.

A memory host with two organizations; the service cases run on SQLite and PostgreSQL (``db``).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from oro_invoices.adapters.commerce import OrderLine
from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.domain.invoice import Address, InternalStatus, TaxCategory
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.order_invoicing import AlreadyInvoiced, load_request, order_payload

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
BILL = Address(name="Amy Buyer", organization="Acme Corp", street="1 Main St", city="Berlin",
               postal_code="10115", country="DE")
SHIP = Address(name="Dock 4", street="9 Harbour Rd", city="Hamburg", postal_code="20457", country="DE")
LINES = (OrderLine("Widget", Decimal("3"), Decimal("19.99"), Decimal("0.19"), "W-1", "item"),
         OrderLine("Export crate", Decimal("1"), Decimal("40.00"), Decimal("0"), "CR-9", "piece",
                   tax_category="G"))


@pytest.fixture
def shop() -> SimpleNamespace:
    host = MemoryHost()
    acme = host.add_customer("Acme Corp", organization_id=1)
    tanaka = host.add_customer("Tanaka", organization_id=2)
    eu = host.add_website("Northwind EU", organization_id=1)
    amy = host.add_customer_user(acme.id, "amy@acme.test", "Amy")
    order = host.add_order(identifier="SO-7", currency="EUR", organization_id=1, customer_id=acme.id,
                           customer_user_id=amy.id, website_id=eu.id, lines=LINES, bill_to=BILL, ship_to=SHIP)
    return SimpleNamespace(host=host, acme=acme, tanaka=tanaka, eu=eu, amy=amy, order=order)


@pytest.fixture
def service(db, shop) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), host=shop.host,
                          clock=lambda: NOW)


def test_the_payload_of_an_order_is_what_create_takes():
    order = MemoryHost().add_order(identifier="SO-1", currency="EUR", customer_id=4, customer_user_id=5,
                                   website_id=6, lines=LINES, bill_to=BILL)
    payload = order_payload(order, invoice_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 31))
    assert payload == {
        "organization_id": 1, "currency": "EUR", "invoice_date": "2026-03-01", "due_date": "2026-03-31",
        "order_id": order.id, "order_identifier": "SO-1", "customer_id": 4, "customer_user_id": 5,
        "website_id": 6, "bill_to": BILL.as_dict(),
        "lines": [{"description": "Widget", "sku": "W-1", "unit": "item", "quantity": "3", "unit_price": "19.99",
                   "tax_rate": "0.19"},
                  {"description": "Export crate", "sku": "CR-9", "unit": "piece", "quantity": "1",
                   "unit_price": "40.00", "tax_rate": "0", "tax_category": "G"}]}
    part = order_payload(order, invoice_date=dt.date(2026, 3, 1), lines={1: "1.5"})
    assert [(l["sku"], l["quantity"]) for l in part["lines"]] == [("W-1", "1.5")] and "due_date" not in part


def test_a_draft_is_made_of_the_order(service, shop):
    doc = service.create_from_order(shop.order.id, actor="admin", organization_id=1)
    assert doc.status is InternalStatus.DRAFT and doc.invoice_number is None
    assert (doc.order_id, doc.order_identifier, doc.currency, doc.invoice_date, doc.due_date) \
        == (shop.order.id, "SO-7", "EUR", NOW.date(), None)
    assert (doc.customer_id, doc.customer_name, doc.customer_user_id, doc.customer_user_email, doc.website_id) \
        == (shop.acme.id, "Acme Corp", shop.amy.id, "amy@acme.test", shop.eu.id)
    assert (doc.bill_to, doc.ship_to) == (BILL, SHIP)
    assert [(l.description, l.sku, l.unit, l.quantity, l.unit_price, l.tax_rate, l.tax_category)
            for l in doc.lines] == [
        ("Widget", "W-1", "item", Decimal("3"), Decimal("19.99"), Decimal("0.19"), TaxCategory.STANDARD),
        ("Export crate", "CR-9", "piece", Decimal("1"), Decimal("40.00"), Decimal("0"), TaxCategory.EXPORT)]
    assert (doc.subtotal, doc.tax_amount, doc.total_amount) == (Decimal("99.97"), Decimal("11.39"),
                                                                Decimal("111.36"))
    assert service.activities(doc.id)[0].summary.startswith("Created with 2 lines")


def test_dates_and_a_part_of_the_order(service, shop):
    doc = service.create_from_order(shop.order.id, actor="admin", invoice_date=dt.date(2026, 3, 10),
                                    due_date=dt.date(2026, 4, 9), lines={1: Decimal("2")})
    assert (doc.invoice_date, doc.due_date) == (dt.date(2026, 3, 10), dt.date(2026, 4, 9))
    assert [(l.sku, l.quantity) for l in doc.lines] == [("W-1", Decimal("2"))]
    with pytest.raises(ValidationError) as err:      # the create schema's own check
        service.create_from_order(shop.order.id, actor="admin", invoice_date=dt.date(2026, 3, 10),
                                  due_date=dt.date(2026, 3, 1), lines={2: "1"})
    assert err.value.errors == [("due_date", "Must not be before the invoice date.")]


def test_lines_the_order_does_not_have_or_more_than_ordered_are_refused(service, shop):
    with pytest.raises(ValidationError) as err:
        service.create_from_order(shop.order.id, actor="admin", lines={3: "1", 1: "4", 2: "0"})
    assert err.value.errors == [
        ("lines", "Line 1 of order SO-7: at most 3 can be invoiced, as many as were ordered."),
        ("lines", "Line 2 of order SO-7: give a quantity above 0."),
        ("lines", "Order SO-7 has no line 3: its lines are 1 to 2.")]
    with pytest.raises(ValidationError, match="Choose at least one line of order SO-7"):
        service.create_from_order(shop.order.id, actor="admin", lines={})
    assert service.count_invoices() == 0


def test_a_quantity_that_is_no_number_or_has_too_many_decimals_is_refused_in_words(service, shop):
    with pytest.raises(ValidationError) as err:
        service.create_from_order(shop.order.id, actor="admin", lines={1: "two", 2: "0.1234567"})
    assert err.value.errors == [
        ("lines", "Line 1 of order SO-7: 'two' is not a decimal number: write it like \"19.99\": ASCII digits "
                  "with an optional leading minus and decimal point, no spaces, digit separators or exponent."),
        ("lines", "Line 2 of order SO-7: give a quantity with at most 6 decimals.")]
    assert service.count_invoices() == 0
    assert [(l.sku, l.quantity) for l in service.create_from_order(
        shop.order.id, actor="admin", lines={2: "0.123456"}).lines] == [("CR-9", Decimal("0.123456"))]


def invoiced(service, order) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    """Each line's position, quantity invoiced (posted), quantity in drafts and quantity remaining."""
    return [(l.position, l.invoiced, l.in_drafts, l.remaining) for l in service.order_invoicing.invoiced_lines(order)]


def test_what_each_line_of_the_order_is_invoiced_posted_net_of_credit_notes_and_in_drafts(service, shop):
    assert invoiced(service, shop.order) == [(1, 0, 0, 3), (2, 0, 0, 1)]
    first = service.create_from_order(shop.order.id, actor="admin", lines={1: "1.5"})      # a draft
    assert invoiced(service, shop.order) == [(1, 0, Decimal("1.5"), Decimal("1.5")), (2, 0, 0, 1)]
    second = service.create_from_order(shop.order.id, actor="admin", due_date=dt.date(2026, 4, 13),
                                       lines={1: "1.5", 2: "1"})
    assert invoiced(service, shop.order) == [(1, 0, 3, 0), (2, 0, 1, 0)]
    posted = service.post(second.id)
    assert invoiced(service, shop.order) == [(1, Decimal("1.5"), Decimal("1.5"), 0), (2, 1, 0, 0)]
    service.create_credit_note(posted.id, {"lines": [{"line": 1, "quantity": "0.5"}], "reason": "damaged"},
                               actor="admin")
    assert invoiced(service, shop.order) == [(1, 1, Decimal("1.5"), Decimal("0.5")), (2, 1, 0, 0)]
    service.create_credit_note(posted.id, {"amounts": [{"tax_rate": "0", "amount": "10.00"}]}, actor="admin")
    assert invoiced(service, shop.order) == [(1, 1, Decimal("1.5"), Decimal("0.5")), (2, 1, 0, 0)]  # no quantity
    service.void(posted.id, reason="wrong address")                                    # counts nothing now
    assert invoiced(service, shop.order) == [(1, 0, Decimal("1.5"), Decimal("1.5")), (2, 0, 0, 1)]
    service.delete(first.id, actor="admin")                                            # a deleted draft neither
    assert invoiced(service, shop.order) == [(1, 0, 0, 3), (2, 0, 0, 1)]


def test_a_line_changed_on_its_draft_counts_for_no_line_of_the_order(service, shop):
    draft = service.create_from_order(shop.order.id, actor="admin")
    lines = [{"description": l.description, "sku": l.sku, "unit": l.unit, "quantity": format(l.quantity, "f"),
              "unit_price": format(l.unit_price, "f"), "tax_rate": format(l.tax_rate, "f")} for l in draft.lines]
    lines[0]["unit_price"] = "18.00"                                                     # a discount given
    service.update(draft.id, {"lines": lines}, actor="admin")
    assert invoiced(service, shop.order) == [(1, 0, 0, 3), (2, 0, 1, 0)]
    other = shop.host.add_order(identifier="SO-11", currency="USD", customer_id=shop.acme.id, lines=LINES)
    assert invoiced(service, other) == [(1, 0, 0, 3), (2, 0, 0, 1)]                           # another order's


def test_order_lines_alike_share_what_their_invoices_invoice_in_order(service, shop):
    order = shop.host.add_order(identifier="SO-12", currency="EUR", customer_id=shop.acme.id,
                                lines=(LINES[0], LINES[1], LINES[0]))
    service.create_from_order(order.id, actor="admin", lines={3: "2"})
    assert invoiced(service, order) == [(1, 0, 2, 1), (2, 0, 0, 1), (3, 0, 0, 3)]
    service.create_from_order(order.id, actor="admin", lines={1: "3", 3: "1"})
    assert invoiced(service, order) == [(1, 0, 3, 0), (2, 0, 0, 1), (3, 0, 3, 0)]


def test_an_order_that_cannot_be_invoiced_is_refused_in_words(service, shop):
    with pytest.raises(NotFound, match="^Order 999999 does not exist in organization 1.$"):
        service.create_from_order(999999, actor="admin", organization_id=1)
    with pytest.raises(NotFound, match=f"^Order {shop.order.id} does not exist in organization 2.$"):
        service.create_from_order(shop.order.id, actor="admin", organization_id=2)
    empty = shop.host.add_order(identifier="SO-8", currency="EUR", customer_id=shop.acme.id)
    with pytest.raises(ValidationError) as err:
        service.create_from_order(empty.id, actor="admin")
    assert err.value.errors == [("order_id", "Order SO-8 has no lines: there is nothing to invoice.")]
    guest = shop.host.add_order(identifier="SO-9", currency="EUR", lines=LINES)
    with pytest.raises(ValidationError) as err:
        service.create_from_order(guest.id, actor="admin")
    assert err.value.errors == [("order_id", "Order SO-9 names no customer: an invoice is addressed to the "
                                             "customer who ordered.")]
    assert service.count_invoices() == 0


def test_without_a_host_no_order_is_known(db):
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False))
    with pytest.raises(NotFound, match="^Order 7 is not known here: invoices are made from the orders of the shop"):
        service.create_from_order(7, actor="admin")


def test_the_create_checks_still_apply(service, shop):
    """An order whose customer the host moved to another organization fails tenancy like any payload."""
    order = shop.host.add_order(identifier="SO-10", currency="EUR", customer_id=shop.tanaka.id, lines=LINES)
    with pytest.raises(ValidationError) as err:
        service.create_from_order(order.id, actor="admin")
    assert err.value.errors == [("customer_id", f"Customer {shop.tanaka.id} does not exist in organization 1.")]


def test_an_order_invoiced_in_full_is_not_invoiced_again_by_accident(service, shop):
    first = service.create_from_order(shop.order.id, actor="admin", lines={1: "3"})     # 71.36
    second = service.create_from_order(shop.order.id, actor="admin", lines={2: "1"})    # 40.00: the rest
    with pytest.raises(AlreadyInvoiced) as err:
        service.create_from_order(shop.order.id, actor="admin")
    assert str(err.value) == (f"Order SO-7 is invoiced in full already (111.36 EUR of its 111.36 EUR) by "
                              f"Draft #{first.id}, Draft #{second.id}. Create another invoice of it only if "
                              "that is intended.")
    assert [i.id for i in err.value.invoices] == [first.id, second.id]
    again = service.create_from_order(shop.order.id, actor="admin", invoice_again=True)
    assert again.total_amount == Decimal("111.36") and service.count_invoices() == 3


def test_a_voided_invoice_no_longer_counts(service, shop):
    doc = service.create_from_order(shop.order.id, actor="admin", due_date=dt.date(2026, 4, 13))
    posted = service.post(doc.id)
    with pytest.raises(AlreadyInvoiced, match=posted.invoice_number):
        service.create_from_order(shop.order.id, actor="admin")
    service.void(posted.id, reason="wrong address")
    assert service.create_from_order(shop.order.id, actor="admin").status is InternalStatus.DRAFT


def test_the_api_request_is_read_into_the_operations_arguments():
    assert load_request({}) == {"invoice_again": False}
    assert load_request({"invoice_date": "2026-03-01", "lines": [{"line": 2, "quantity": "1.5"}],
                         "invoice_again": True}) == {
        "invoice_date": dt.date(2026, 3, 1), "lines": {2: Decimal("1.5")}, "invoice_again": True}
    with pytest.raises(ValidationError) as err:
        load_request({"lines": [{"line": 1, "quantity": "1"}, {"line": 1, "quantity": "2"}]})
    assert err.value.errors == [("lines[1].line", "Line 1 is named twice.")]
    with pytest.raises(ValidationError) as err:
        load_request({"lines": [{"line": 0, "quantity": 1.5}], "color": "red"})
    assert sorted(field for field, _ in err.value.errors) == ["color", "lines[0].line", "lines[0].quantity"]


def test_two_requests_invoicing_one_order_at_once_make_one_draft(service, shop):
    """A double click, or two admins at once: the order's invoices are read and the draft created
    by one request at a time, so the second finds the first's draft and is refused."""
    import threading
    barrier, made, refused = threading.Barrier(4), [], []

    def invoice() -> None:
        barrier.wait()
        try:
            made.append(service.create_from_order(shop.order.id, actor="admin"))
        except AlreadyInvoiced as exc:
            refused.append(exc)
    threads = [threading.Thread(target=invoice) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(made) == 1 and len(refused) == 3
    assert all(exc.invoices[0].id == made[0].id for exc in refused)


def test_dates_an_invoice_could_never_be_posted_with_are_refused_before_anything_is_checked(service, shop):
    for invoice_date, due_date, field, said in (
            (dt.date(1, 1, 1), None, "invoice_date", "0001-01-01 is not a plausible date for an invoice"),
            (dt.date(2026, 3, 1), dt.date(9999, 12, 31), "due_date", "9999-12-31 is not a plausible date"),
            (dt.date(2026, 3, 10), dt.date(2026, 3, 1), "due_date", "Must not be before the invoice date.")):
        with pytest.raises(ValidationError) as caught:
            service.create_from_order(shop.order.id, actor="admin", invoice_date=invoice_date, due_date=due_date)
        assert [(f, m) for f, m in caught.value.errors if f == field and said in str(m)], caught.value.errors
    service.create_from_order(shop.order.id, actor="admin")
    with pytest.raises(ValidationError, match="Must not be before"):        # said before "invoiced in full"
        service.create_from_order(shop.order.id, actor="admin", invoice_date=dt.date(2026, 3, 10),
                                  due_date=dt.date(2026, 3, 1))


def test_invoice_again_is_json_true_or_false_only():
    assert load_request({"invoice_again": True}) == {"invoice_again": True}
    for value in ("yes", 1, "true"):
        with pytest.raises(ValidationError, match="invoice_again"):
            load_request({"invoice_again": value})


def test_the_orders_po_number_goes_onto_its_invoice(service, shop):
    order = shop.host.add_order(identifier="SO-8", currency="EUR", organization_id=1, customer_id=shop.acme.id,
                                customer_user_id=shop.amy.id, lines=LINES, bill_to=BILL, purchase_order="PO-88231")
    assert order_payload(order, invoice_date=dt.date(2026, 3, 1))["purchase_order"] == "PO-88231"
    assert service.create_from_order(order.id, actor="admin", organization_id=1).purchase_order == "PO-88231"
    assert service.create_from_order(shop.order.id, actor="admin", organization_id=1).purchase_order == ""
