"""A customer's ledger entries on SQLite and PostgreSQL: invoices and credit notes on their dates,
payments on the day received, refunds; a payment reversed in error is no entry, nor its reversal;
an invoice whose status was set from outside to one that settles it, for what it still owed."""
from __future__ import annotations

import datetime as dt

from support.payloads import invoice_payload, one_line_invoice

from oro_invoices.persistence.ledger import (
    COVERED_BEYOND,
    CREDIT_APPLIED,
    CREDIT_KEPT,
    CREDIT_NOTE,
    CREDIT_TAKEN_BACK,
    GIVEN_BACK,
    INVOICE,
    PAID_OUT,
    PAYMENT,
    REFUND,
    REFUNDED_BEYOND,
    SETTLED,
    customer_entries,
    entries_within,
    ledger_within,
)
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.facade import InvoiceService

#: What the services judge on: the fixed days of these tests' invoices and payments keep within
#: the three years back a payment may be recorded for, whichever day the tests run.
NOW = dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)


def test_a_customers_entries_in_date_order(db):
    service = InvoiceService(db, clock=lambda: NOW)
    first = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="100.00")
    second = one_line_invoice(service, due_date="2026-12-15", invoice_date="2026-11-15", price="50.00")
    one_line_invoice(service, due_date="2026-12-15", invoice_date="2026-11-16", price="70.00", post=False)   # a draft
    one_line_invoice(service, due_date="2026-12-15", invoice_date="2026-11-16", price="9.00", customer_id=11)
    one_line_invoice(service, due_date="2026-12-15", invoice_date="2026-11-16", price="8.00", organization_id=2)
    paid = service.record_received_payment(first, amount="40.00", method="bank_transfer",
                                           received_on=dt.date(2026, 11, 20), reference="STMT 9", actor="admin",
                                           request_key="ledger-0000000001").transaction
    wrong = service.record_received_payment(first, amount="10.00", method="cash", received_on=dt.date(2026, 11, 21),
                                            actor="admin", request_key="ledger-0000000002").transaction
    service.reverse_received_payment(first, wrong.id, reason="Entered twice", actor="admin")
    refund = service.record_payment(first, {"method": "bank_transfer", "action": "refund", "amount": "5.00",
                                            "parent_id": paid.id})
    credit = service.create_credit_note(second, {"full": True, "reason": "Returned"}, actor="admin").credit_note
    with db.session() as s:
        entries = customer_entries(s, organization_id=1, customer_id=10, until=dt.date(2099, 1, 1), zone=dt.UTC)
        early = customer_entries(s, organization_id=1, customer_id=10, until=dt.date(2026, 11, 20), currency="USD", zone=dt.UTC)
        euros = customer_entries(s, organization_id=1, customer_id=10, until=dt.date(2099, 1, 1), currency="EUR", zone=dt.UTC)
    today = refund.created_at.date()
    assert [(e.on, e.kind, e.invoice_id, e.amount) for e in entries] == sorted([
        (dt.date(2026, 10, 31), INVOICE, first, 10000),
        (dt.date(2026, 11, 15), INVOICE, second, 5000),
        (dt.date(2026, 11, 20), PAYMENT, first, -4000),
        (today, REFUND, first, 500),
        (credit.invoice_date, CREDIT_NOTE, credit.id, -5000)], key=lambda e: (e[0], [INVOICE, CREDIT_NOTE, PAYMENT,
                                                                                        REFUND].index(e[1])))
    payment = next(e for e in entries if e.kind == PAYMENT)
    assert (payment.method, payment.reference, payment.transaction_id) == ("bank_transfer", "STMT 9", paid.id)
    assert [e.kind for e in early] == [INVOICE, INVOICE, PAYMENT] and euros == []


def test_an_invoice_settled_outside_is_an_entry_for_what_it_still_owed_on_the_day_it_was_set(db):
    service = InvoiceService(db)
    erp_paid = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="100.00",
                                paid="30.00")
    voided = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="20.00")
    held = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="40.00")
    released = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="50.00")
    imported = service.create(invoice_payload(status="posted", invoice_date="2026-09-15", due_date="2026-10-15",
                                              payment_status="paid_in_full",
                                              lines=[{"description": "x", "quantity": "1", "unit_price": "60.00"}]))
    service.force_payment_status(erp_paid, "paid_in_full", actor="erp")
    service.force_payment_status(voided, "voided", actor="erp")
    service.force_payment_status(held, "authorized", actor="erp")            # held, not settled
    service.force_payment_status(released, "paid_in_full", actor="erp")
    service.force_payment_status(released, None, actor="erp")                # recalculated again: owed
    today = dt.datetime.now(dt.UTC).date()                                  # the day each was set
    with db.session() as s:
        entries = customer_entries(s, organization_id=1, customer_id=10, until=dt.date(2099, 1, 1), zone=dt.UTC)
        before = customer_entries(s, organization_id=1, customer_id=10, until=today - dt.timedelta(days=1), zone=dt.UTC)
    settled = [(e.on, e.invoice_id, e.amount, e.status) for e in entries if e.kind == SETTLED]
    assert settled == [(dt.date(2026, 9, 15), imported.id, -6000, "paid_in_full"),       # imported: its date
                       (today, erp_paid, -7000, "paid_in_full"),                          # what was still owed
                       (today, voided, -2000, "voided")]
    assert [e.invoice_id for e in before if e.kind == SETTLED] == [imported.id]
    assert sum(e.amount for e in entries) == 4000 + 5000                    # the held and the released one


def test_a_period_opens_with_what_every_entry_before_it_adds_up_to(db):
    """The opening the database sums is the sum of the entries before the period, whatever the
    day the period starts; the period's entries are those of the whole ledger from that day."""
    now = {"at": dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)}
    service = InvoiceService(db, clock=lambda: now["at"])

    def on(day: str) -> None:
        now["at"] = dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=dt.UTC)

    first = one_line_invoice(service, due_date="2026-10-01", invoice_date="2026-09-01", price="100.00")
    second = one_line_invoice(service, due_date="2026-10-15", invoice_date="2026-09-15", price="80.00")
    euros = one_line_invoice(service, due_date="2026-10-15", invoice_date="2026-09-20", price="50.00", currency="EUR")
    settled = one_line_invoice(service, due_date="2026-10-15", invoice_date="2026-09-20", price="30.00")
    on("2026-09-25")
    late = service.record_received_payment(first, amount="40.00", method="bank_transfer",
                                           received_on=dt.date(2026, 9, 10), reference="EARLY", actor="t",
                                           request_key="ledger-opening-001").transaction   # received before recorded
    service.record_payment(second, {"method": "bank", "action": "charge", "amount": "5.00", "successful": False})
    held = service.record_payment(euros, {"method": "bank", "action": "authorize", "amount": "50.00"})
    on("2026-10-02")
    wrong = service.record_received_payment(second, amount="20.00", method="cash", received_on=dt.date(2026, 10, 2),
                                            actor="t", request_key="ledger-opening-002").transaction
    service.record_payment(euros, {"method": "bank", "action": "capture", "amount": "30.00", "parent_id": held.id})
    on("2026-10-12")
    service.reverse_received_payment(second, wrong.id, reason="Entered twice", actor="t")   # reversed later
    service.record_payment(first, {"method": "bank_transfer", "action": "refund", "amount": "15.00",
                                   "parent_id": late.id})
    service.create_credit_note(second, {"amounts": [{"tax_rate": "0", "amount": "10.00"}]}, actor="t")
    service.force_payment_status(settled, "paid_in_full", actor="erp")
    within = InvoiceFilter(organization_id=1, customer_id=10)
    until = dt.date(2099, 1, 1)
    with db.session() as s:
        whole = entries_within(s, within, until=until, zone=dt.UTC)
        assert {e.kind for e in whole} == {INVOICE, CREDIT_NOTE, PAYMENT, REFUND, SETTLED}
        days = sorted({e.on for e in whole} | {e.on + dt.timedelta(days=1) for e in whole})
        for since in [dt.date(2026, 8, 1), *days]:
            ledger = ledger_within(s, within, since=since, until=until, zone=dt.UTC)
            before: dict[str, int] = {}
            for e in whole:
                if e.on < since:
                    before[e.currency] = before.get(e.currency, 0) + e.amount
            assert {c: a for c, a in ledger.opening.items() if a} == {c: a for c, a in before.items() if a}, since
            assert ledger.entries == [e for e in whole if e.on >= since], since
            assert ledger.latest_invoice_id == settled                      # the latest invoice, whenever


def test_money_given_back_outside_is_an_entry_and_the_customers_credit_is_its_balance(db):
    """A customer's balance says what the seller owes them too: a payment's surplus and a credit
    note's money kept as credit leave it below zero; credit applied to another invoice moves no
    money (no entry); credit, or a credit note's money, given back outside the add-on is one."""
    service = InvoiceService(db, clock=lambda: NOW)
    first = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="100.00")
    service.record_received_payment(first, amount="130.00", method="bank_transfer", received_on=dt.date(2026, 11, 2),
                                    actor="admin", request_key="ledger-0000000011", keep_surplus=True)
    second = one_line_invoice(service, due_date="2026-12-15", invoice_date="2026-11-15", price="50.00",
                              paid="50.00")
    note = service.create_credit_note(second, {"full": True, "settlement": "outside"}, actor="admin").credit_note
    third = one_line_invoice(service, due_date="2026-12-20", invoice_date="2026-11-20", price="20.00")
    service.apply_credit(third, actor="admin")                                     # 20.00 of the 30.00
    service.pay_out_credit(10, organization_id=1, currency="USD", amount="10.00", reference="TRF 7", actor="admin")
    with db.session() as s:
        entries = customer_entries(s, organization_id=1, customer_id=10, until=dt.date(2099, 1, 1), zone=dt.UTC)
    kinds = [(e.kind, e.invoice_id, e.amount) for e in entries]
    assert (PAYMENT, first, -13000) in kinds and (GIVEN_BACK, note.id, 5000) in kinds
    assert (PAID_OUT, None, 1000) in kinds
    assert not any(e.kind == PAYMENT and e.invoice_id == third for e in entries)      # credit applied: no money moved
    assert next(e for e in entries if e.kind == PAID_OUT).reference == "TRF 7"
    # owed: 100 + 50 + 20 - 130 - 50 (paid) - 50 (credited) + 50 (given back) + 10 (credit paid out) = 0
    assert sum(e.amount for e in entries) == 0
    assert service.available_credit(service.get(third)) == 0


def test_one_users_invoices_show_what_went_into_the_customers_credit_and_what_it_paid(db):
    """A view of one customer user's invoices does not see the customer's credit: the money kept
    from them as credit and the credit applied to them are entries, so their balance is what the
    invoices still owe. A payment or an application reversed in error is none, nor its credit."""
    service = InvoiceService(db, clock=lambda: NOW)
    mine = {"customer_user_id": 100}
    theirs = {"customer_user_id": 101, "customer_user_email": "other@acme.test"}
    first = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="100.00", **mine)
    wrong = service.record_received_payment(first, amount="150.00", method="cash", received_on=dt.date(2026, 11, 1),
                                            actor="admin", request_key="ledger-0000000022",
                                            keep_surplus=True).transaction
    service.reverse_received_payment(first, wrong.id, reason="Another customer's", actor="admin")
    service.record_received_payment(first, amount="130.00", method="bank_transfer", received_on=dt.date(2026, 11, 2),
                                    actor="admin", request_key="ledger-0000000021", keep_surplus=True)   # 30 kept
    other = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-11-01", price="40.00", **theirs)
    service.record_received_payment(other, amount="60.00", method="bank_transfer", received_on=dt.date(2026, 11, 4),
                                    actor="admin", request_key="ledger-0000000023", keep_surplus=True)   # 20 kept
    second = one_line_invoice(service, due_date="2026-12-15", invoice_date="2026-11-15", price="50.00", paid="50.00",
                              **mine)
    note = service.create_credit_note(second, {"full": True, "settlement": "credit"}, actor="admin").credit_note
    third = one_line_invoice(service, due_date="2026-12-20", invoice_date="2026-11-20", price="80.00", **mine)
    applied = service.apply_credit(third, amount="70.00", actor="admin").transaction
    undone = service.apply_credit(third, amount="5.00", actor="admin").transaction
    service.reverse_received_payment(third, undone.id, reason="Too much", actor="admin")
    with db.session() as s:
        entries = entries_within(s, InvoiceFilter(organization_id=1, customer_id=10, customer_user_id=100),
                                 until=dt.date(2099, 1, 1), zone=dt.UTC)
        whole = customer_entries(s, organization_id=1, customer_id=10, until=dt.date(2099, 1, 1), zone=dt.UTC)
    credit = (CREDIT_KEPT, CREDIT_TAKEN_BACK, CREDIT_APPLIED)
    moves = [(e.kind, e.invoice_id, e.amount) for e in entries if e.kind in credit]
    assert sorted(moves) == sorted([(CREDIT_KEPT, first, 3000), (CREDIT_KEPT, note.id, 5000),
                                    (CREDIT_APPLIED, third, -7000)])
    kept = next(e for e in entries if e.kind == CREDIT_KEPT and e.invoice_id == first)
    assert kept.on == dt.date(2026, 11, 2)                      # the payment's day received
    assert next(e for e in entries if e.kind == CREDIT_APPLIED).transaction_id == applied.id
    owed = sum(service.get(i).amount_due for i in (first, second, third))
    assert sum(e.amount for e in entries) == owed * 100 == 1000
    # the whole account nets its credit (30 + 20 + 50 - 70 = 30) and shows none of these
    assert not any(e.kind in credit for e in whole)
    assert sum(e.amount for e in whole) == 1000 + 0 - 3000


def test_a_refund_of_a_payment_whose_surplus_was_kept_takes_it_back_in_one_users_view(db):
    service = InvoiceService(db, clock=lambda: NOW)
    first = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="100.00")
    paid = service.record_received_payment(first, amount="130.00", method="bank_transfer",
                                           received_on=dt.date(2026, 11, 2), actor="admin",
                                           request_key="ledger-0000000031", keep_surplus=True).transaction
    service.record_payment(first, {"method": "bank_transfer", "action": "refund", "amount": "30.00",
                                   "parent_id": paid.id})
    with db.session() as s:
        entries = entries_within(s, InvoiceFilter(organization_id=1, customer_id=10, customer_user_id=100),
                                 until=dt.date(2099, 1, 1), zone=dt.UTC)
    assert [(e.kind, e.amount) for e in entries] == [(INVOICE, 10000), (PAYMENT, -13000), (CREDIT_KEPT, 3000),
                                                     (REFUND, 3000), (CREDIT_TAKEN_BACK, -3000)]
    assert sum(e.amount for e in entries) == 0 and service.get(first).amount_due == 0


def test_a_surplus_taken_back_follows_the_refund_that_took_it_among_the_days_refunds(db):
    """Refunds of the same day: the surplus a refund took back from the credit is listed right after
    that refund, as a surplus kept is after its payment, so no running balance between them shows an
    amount never owed."""
    service = InvoiceService(db, clock=lambda: NOW)
    first = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="100.00")
    second = one_line_invoice(service, due_date="2026-11-30", invoice_date="2026-10-31", price="50.00",
                              paid="50.00")
    paid = service.record_received_payment(first, amount="110.00", method="bank_transfer",
                                           received_on=dt.date(2026, 11, 2), actor="admin",
                                           request_key="ledger-0000000041", keep_surplus=True).transaction
    [other] = service.transactions(second)
    for invoice_id, parent, amount in ((first, paid.id, "110.00"), (second, other.id, "3.00"),
                                       (second, other.id, "7.00")):
        service.record_payment(invoice_id, {"method": "bank_transfer", "action": "refund", "amount": amount,
                                            "parent_id": parent})
    with db.session() as s:
        entries = entries_within(s, InvoiceFilter(organization_id=1, customer_id=10, customer_user_id=100),
                                 until=dt.date(2099, 1, 1), zone=dt.UTC)
    day = [(e.kind, e.invoice_id, e.amount) for e in entries if e.kind in (REFUND, CREDIT_TAKEN_BACK)]
    assert day == [(REFUND, first, 11000), (CREDIT_TAKEN_BACK, first, -1000), (REFUND, second, 300),
                   (REFUND, second, 700)]
    running, balances = 0, []
    for entry in entries:
        running += entry.amount
        balances.append(running)
    assert balances[-4:] == [10000 + 1000, 10000, 10300, 11000]      # never 11300 or 12000: amounts never owed
    assert sum(e.amount for e in entries) == sum(int(service.get(i).amount_due * 100) for i in (first, second))


def test_what_a_payment_received_before_an_over_refund_covered_of_it_counts_on_the_refund_s_day(db):
    """Paid 10.00 on 1 September, 11.00 given back on the 10th (1.00 beyond); a check received on
    the 5th and recorded on the 12th covers the 1.00. The check counts on the 5th less the 1.00,
    what it covered on the 10th after the refund; every period opens with what the entries before
    it add up to, and ends on what the invoice owes."""
    now = {"at": dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)}
    service = InvoiceService(db, clock=lambda: now["at"])

    def on(day: str) -> None:
        now["at"] = dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=dt.UTC)

    invoice = one_line_invoice(service, due_date="2026-10-01", invoice_date="2026-09-01", price="100.00")
    paid = service.record_received_payment(invoice, amount="10.00", method="bank_transfer",
                                           received_on=dt.date(2026, 9, 1), actor="t",
                                           request_key="ledger-over-early-01").transaction
    on("2026-09-10")
    service.payments.record(invoice, {"method": "bank_transfer", "action": "refund", "amount": "11.00",
                                      "parent_id": paid.id, "provider_reference": "BT-EARLY-R"},
                            actor="provider", given=True)
    on("2026-09-12")
    check = service.record_received_payment(invoice, amount="4.00", method="check", received_on=dt.date(2026, 9, 5),
                                            actor="t", request_key="ledger-over-early-02").transaction
    within, until = InvoiceFilter(organization_id=1, customer_id=10), dt.date(2099, 1, 1)
    with db.session() as s:
        whole = entries_within(s, within, until=until, zone=dt.UTC)
        assert [(e.on, e.kind, e.amount, e.beyond) for e in whole] == [
            (dt.date(2026, 9, 1), INVOICE, 10000, 0), (dt.date(2026, 9, 1), PAYMENT, -1000, 0),
            (dt.date(2026, 9, 5), PAYMENT, -300, 0), (dt.date(2026, 9, 10), REFUND, 1000, 0),
            (dt.date(2026, 9, 10), REFUNDED_BEYOND, 0, 100), (dt.date(2026, 9, 10), COVERED_BEYOND, 0, 100)]
        assert whole[-1].transaction_id == check.id
        assert sum(e.amount for e in whole) == service.get(invoice).amount_due * 100
        assert [e.kind for e in entries_within(s, within, until=dt.date(2026, 9, 9), zone=dt.UTC)] == [
            INVOICE, PAYMENT, PAYMENT]
        for day in range(1, 14):
            since = dt.date(2026, 9, day)
            ledger = ledger_within(s, within, since=since, until=until, zone=dt.UTC)
            assert ledger.entries == [e for e in whole if e.on >= since], since
            assert ledger.opening.get("USD", 0) == sum(e.amount for e in whole if e.on < since), since
