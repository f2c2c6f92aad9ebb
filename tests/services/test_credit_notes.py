"""Credit notes, void and re-issue: corrections that never touch a posted invoice."""
import datetime as dt
import multiprocessing
from decimal import Decimal

import pytest
from sqlalchemy import text
from support.databases import make_database
from support.days import today
from support.payloads import invoice_payload

from oro_invoices.domain.errors import Conflict, InvoiceIsPosted, InvoiceNotPosted, ValidationError
from oro_invoices.domain.invoice import DocumentType, PaymentStatus
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import verify

NOW = dt.datetime.now(dt.UTC)
CN_NUMBER = f"CN-{NOW:%Y}-{NOW:%m}-"


def _posted(service, **kw):
    return service.post(service.create(invoice_payload(**kw)).id)


def _errors(excinfo):
    return dict(excinfo.value.errors)


def test_a_full_credit_note_is_a_posted_numbered_document_that_voids_an_unpaid_invoice(db, service):
    inv = _posted(service)
    result = service.create_credit_note(inv.id, {"full": True, "reason": "Wrong customer"}, actor="admin")
    note = result.credit_note
    assert note.is_posted and note.document_type is DocumentType.CREDIT_NOTE
    assert note.invoice_number == f"{CN_NUMBER}00001"
    assert note.credited_invoice.id == inv.id and note.credited_invoice.number == inv.invoice_number
    assert [(l.description, l.quantity) for l in note.lines] == [("Widget", Decimal("3")),
                                                                ("Installation", Decimal("1.5"))]
    assert note.total_amount == inv.total_amount
    assert note.credit_reason == "Wrong customer" and result.invoice.credit_reason == ""
    assert result.invoice.amount_credited == inv.total_amount
    assert result.invoice.amount_due == 0
    assert result.invoice.payment_status is PaymentStatus.VOIDED
    assert not service.can_pay(result.invoice) and not service.can_pay(note)
    kinds = [a.kind for a in service.activities(inv.id)]
    assert "credit_note" in kinds
    assert verify(db).ok


def test_a_partial_credit_lowers_the_amount_due_and_keeps_the_status(db, service):
    inv = _posted(service)  # 3 x 19.99 at 19 %, 1.5 x 100 at 7 %
    result = service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "1"}],
                                                 "amounts": [{"tax_rate": "0.07", "amount": "50.00"}]})
    note = result.credit_note
    # 19.99 + 19 % (3.80) and 50.00 + 7 % (3.50)
    assert note.total_amount == Decimal("77.29")
    assert result.invoice.amount_due == inv.total_amount - Decimal("77.29")
    assert result.invoice.payment_status is PaymentStatus.PENDING
    left = service.creditable(inv.id)
    # the 50.00 credited at 7 % leave 100.00 at that rate: one of the 1.5 hours still fits
    assert [(l.remaining_quantity, l.remaining_amount, l.limited_by_rate) for l in left.lines] == [
        (Decimal("2"), Decimal("39.98"), False), (Decimal("1"), Decimal("100.00"), True)]
    assert left.rates[Decimal("0.07")] == Decimal("100.00")
    # the rest, in two more credit notes, each numbered next in the series
    second = service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "2"}]})
    third = service.create_credit_note(inv.id, {"full": True})
    assert [second.credit_note.invoice_number, third.credit_note.invoice_number] == [
        f"{CN_NUMBER}00002", f"{CN_NUMBER}00003"]
    assert third.invoice.payment_status is PaymentStatus.VOIDED
    assert third.invoice.amount_due == 0
    assert verify(db).ok


def test_a_line_credited_in_fractional_parts_is_credited_in_full_by_its_last_part(db, service):
    one = [{"description": "Widget", "quantity": "1", "unit_price": "19.99", "tax_rate": "0.19"}]
    inv = _posted(service, lines=one)
    half = service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "0.5"}]})
    assert half.credit_note.subtotal == Decimal("10.00")     # 9.995 rounds up
    left = service.creditable(inv.id).lines[0]
    assert (left.remaining_quantity, left.remaining_amount) == (Decimal("0.5"), Decimal("9.99"))
    rest = service.create_credit_note(inv.id, {"full": True}).credit_note
    line = rest.lines[0]
    assert (line.quantity, line.unit_price, line.row_total) == (Decimal("0.5"), Decimal("19.98"), Decimal("9.99"))
    after = service.get(inv.id)
    assert after.amount_due == 0 and after.payment_status is PaymentStatus.VOIDED
    assert not service.creditable(inv.id).anything
    assert verify(db).ok
    # asked for by quantity, the last part of a line takes what remains of it too
    inv = _posted(service, lines=one)
    service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "0.5"}]})
    last = service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "0.5"}]})
    assert last.credit_note.subtotal == Decimal("9.99") and last.invoice.amount_due == 0
    # earlier parts rounded down leave the last one the cent they did not take
    inv = _posted(service, lines=[{"description": "Bolt", "quantity": "3", "unit_price": "0.333"}])
    assert inv.subtotal == Decimal("1.00")
    parts = [service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "1"}]}).credit_note
             for _ in range(3)]
    assert [p.subtotal for p in parts] == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]
    assert service.get(inv.id).amount_due == 0


def test_over_crediting_is_refused_naming_the_line_and_the_limit(service):
    inv = _posted(service)
    service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "2"}]})
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "2"}]})
    assert _errors(excinfo)["lines[0].quantity"] == (
        "Line 1 (Widget): at most 1 of 3 remain creditable; 2 asked.")
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"lines": [{"line": 3, "quantity": "1"}]})
    assert "has no line 3 (it has lines 1 to 2)" in _errors(excinfo)["lines[0].line"]
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"amounts": [{"tax_rate": "0.07", "amount": "150.01"}]})
    assert _errors(excinfo)["amounts[0].amount"] == (
        "At 7% tax at most 150.00 USD (net) remain creditable; 150.01 USD asked.")
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"amounts": [{"tax_rate": "0.2", "amount": "1"}]})
    assert "no line taxed at 20%; its rates: 7%, 19%" in _errors(excinfo)["amounts[0].tax_rate"]
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {})
    assert "Say what to credit" in _errors(excinfo)["lines"]
    # line and amount credits together may not exceed what remains at the rate
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "1"}],
                                            "amounts": [{"tax_rate": "0.19", "amount": "0.01"}]})
    assert "At 19% tax at most 19.99 USD (net) remain creditable" in _errors(excinfo)["amounts[0].amount"]
    assert len(service.credit_notes_of(inv.id)) == 1


def test_drafts_and_credit_notes_cannot_be_credited(service):
    draft = service.create(invoice_payload())
    with pytest.raises(InvoiceNotPosted):
        service.create_credit_note(draft.id, {"full": True})
    note = service.create_credit_note(_posted(service).id, {"full": True}).credit_note
    with pytest.raises(Conflict, match="is a credit note"):
        service.create_credit_note(note.id, {"full": True})
    with pytest.raises(Conflict, match="credited in full already"):
        service.create_credit_note(note.credited_invoice.id, {"full": True})


def test_a_credit_note_is_frozen_like_an_invoice(db, service):
    note = service.create_credit_note(_posted(service).id, {"full": True}).credit_note
    with pytest.raises(InvoiceIsPosted):
        service.update(note.id, {"customer_name": "Someone else"})
    with pytest.raises(InvoiceIsPosted):
        service.delete(note.id)
    with pytest.raises(Exception, match="oro_invoice_frozen"), db.engine.begin() as conn:
        conn.execute(text("UPDATE oro_invoice_invoice SET total_amount = 1 WHERE id = :id"), {"id": note.id})


def test_verify_catches_an_altered_credit_note(db, service, drop_guards):
    note = service.create_credit_note(_posted(service).id, {"lines": [{"line": 2, "quantity": "1"}]}).credit_note
    assert verify(db).ok
    drop_guards()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE oro_invoice_line SET credited_line_id = NULL WHERE invoice_id = :id"),
                     {"id": note.id})
    report = verify(db)
    assert any(f"invoice {note.invoice_number} (id {note.id}): content does not match" in p
               for p in report.problems)


def test_credit_notes_have_their_own_prefix_and_series(db, service):
    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService

    class Prefixes:
        def value(self, key, ctx=None):
            from oro_invoices.integration.config import load_schema
            return {"oro_invoices.credit_note_number_prefix": "GS-"}.get(key, load_schema()[key].default)

    svc = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=Prefixes())
    first, second = _posted(svc), _posted(svc)
    note = svc.create_credit_note(first.id, {"full": True}).credit_note
    assert note.invoice_number == f"GS-{NOW:%Y}-{NOW:%m}-00001"
    third = _posted(svc)
    assert [first.invoice_number[-5:], second.invoice_number[-5:], third.invoice_number[-5:]] == [
        "00001", "00002", "00003"]
    assert verify(db).ok


def test_crediting_in_full_releases_a_forced_status_as_void_does(service):
    """An invoice whose status the ERP set ("Invoiced") keeps it through a partial credit; a
    credit note that credits the rest makes it Voided (nothing paid) or Credited (paid), not
    "Invoiced" with nothing due."""
    inv = _posted(service)
    service.force_payment_status(inv.id, "invoiced")
    part = service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "1"}]}).invoice
    assert (part.payment_status, part.payment_status_forced) == (PaymentStatus.INVOICED, True)
    rest = service.create_credit_note(inv.id, {"full": True}).invoice
    assert (rest.payment_status, rest.payment_status_forced, rest.amount_due) == (PaymentStatus.VOIDED, False, 0)
    assert service.get(inv.id).payment_status is PaymentStatus.VOIDED

    paid = _posted(service)
    service.record_payment(paid.id, {"method": "manual", "action": "charge", "amount": "10.00"})
    service.force_payment_status(paid.id, "invoiced")
    result = service.create_credit_note(paid.id, {"full": True, "settlement": "outside"}).invoice
    assert (result.payment_status, result.payment_status_forced) == (PaymentStatus.CREDITED, False)


def test_void_needs_an_unpaid_invoice_and_releases_a_forced_status(db, service):
    inv = _posted(service)
    service.force_payment_status(inv.id, "invoiced")
    result = service.void(inv.id, reason="Issued twice", actor="admin")
    assert result.invoice.payment_status is PaymentStatus.VOIDED
    assert not result.invoice.payment_status_forced
    assert result.credit_note.total_amount == inv.total_amount
    summaries = [a.summary for a in service.activities(inv.id)]
    assert any(s.startswith(f"Voided by credit note {result.credit_note.invoice_number}: Issued twice")
               for s in summaries)
    with pytest.raises(Conflict, match="credited in full already"):
        service.void(inv.id)

    paid = _posted(service)
    service.record_payment(paid.id, {"method": "manual", "action": "charge", "amount": "10.00"})
    with pytest.raises(Conflict, match="has a successful payment .10.00 USD. and cannot be voided"):
        service.void(paid.id)
    assert service.credit_notes_of(paid.id) == []
    assert verify(db).ok


def test_reissue_voids_and_copies_into_a_linked_draft(db, service):
    inv = _posted(service)
    result = service.reissue(inv.id, reason="Wrong address", actor="admin")
    assert result.invoice.payment_status is PaymentStatus.VOIDED
    draft = result.draft
    assert not draft.is_posted and draft.invoice_number is None
    assert draft.reissued_from.id == inv.id and draft.reissued_from.number == inv.invoice_number
    assert [(l.description, l.quantity, l.unit_price) for l in draft.lines] == [
        (l.description, l.quantity, l.unit_price) for l in inv.lines]
    assert draft.total_amount == inv.total_amount
    assert [r.id for r in service.reissues_of(inv.id)] == [draft.id]
    # the draft is an ordinary draft: corrected, then posted with the next invoice number
    service.update(draft.id, {"bill_to": {"street": "2 Side St", "city": "Springfield", "country": "US"}})
    posted = service.post(draft.id)
    assert posted.invoice_number != inv.invoice_number and posted.reissued_from.id == inv.id
    assert posted.payment_status is PaymentStatus.PENDING and posted.amount_due == inv.total_amount
    assert verify(db).ok


def test_reissue_is_all_or_nothing(service):
    inv = _posted(service)
    service.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "1.00"})
    with pytest.raises(Conflict):
        service.reissue(inv.id)
    assert service.reissues_of(inv.id) == [] and service.credit_notes_of(inv.id) == []


def test_crediting_a_paid_invoice_needs_a_settlement(db, service):
    inv = _posted(service)
    service.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": str(inv.total_amount)})
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}]})
    assert _errors(excinfo)["settlement"] == (
        f"Invoice {inv.invoice_number} is paid in full: this credit gives 107.00 USD back to the customer. "
        "Choose \"refund\" (through the payment method that took it), \"credit\" (kept as the customer's "
        "credit) or \"outside\" (settled outside the add-on).")
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}], "settlement": "refund"})
    assert "cannot be refunded here: choose \"credit\" or \"outside\"" in _errors(excinfo)["settlement"]
    result = service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}],
                                                 "settlement": "outside"})
    assert result.settlement == "outside"
    assert result.invoice.amount_due == 0
    assert result.invoice.payment_status is PaymentStatus.PAID_IN_FULL
    entry = next(a for a in service.activities(inv.id) if a.kind == "credit_note")
    assert "107.00 USD given back outside the add-on" in entry.summary
    full = service.create_credit_note(inv.id, {"full": True, "settlement": "outside"})
    assert full.invoice.payment_status is PaymentStatus.CREDITED
    assert verify(db).ok


def test_a_partly_paid_invoice_credited_within_what_is_unpaid_needs_no_settlement(service):
    inv = _posted(service)  # total 231.36
    service.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "100.00"})
    result = service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}]})  # 107.00
    assert result.settlement is None
    assert result.invoice.amount_due == inv.total_amount - Decimal("207.00")
    assert result.invoice.payment_status is PaymentStatus.PAID_PARTIALLY


def test_a_partly_paid_invoice_credited_beyond_what_is_unpaid_says_what_was_paid(service):
    inv = _posted(service)  # total 231.36
    service.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "200.00"})
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}]})  # 107.00 net, 107.00 total
    said = _errors(excinfo)["settlement"]
    assert said.startswith(f"Invoice {inv.invoice_number} is partly paid (200.00 USD of 231.86 USD): this credit "
                           "leaves 124.86 USD to pay, so it gives 75.14 USD back to the customer. Choose ")
    assert "is paid" not in said


def test_credit_notes_are_listed_by_document_type(service):
    inv = _posted(service)
    note = service.create_credit_note(inv.id, {"full": True}).credit_note
    notes = service.list_invoices(InvoiceFilter(document_type="credit_note")).items
    assert [n.id for n in notes] == [note.id]
    assert notes[0].is_credit_note and notes[0].credited_invoice_id == inv.id
    invoices = service.list_invoices(InvoiceFilter(document_type="invoice")).items
    assert [i.id for i in invoices] == [inv.id]
    assert [n.id for n in service.list_invoices(InvoiceFilter(credited_invoice_id=inv.id)).items] == [note.id]
    with pytest.raises(ValidationError, match="credit_note"):
        service.list_invoices(InvoiceFilter(document_type="receipt"))


def test_every_credit_publishes_the_new_amount_due_and_the_void_its_status(db):
    from oro_invoices.hosts.memory import MemoryConfigStore
    from oro_invoices.integration.config import Settings
    from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
    from oro_invoices.persistence.outgoing_events import OutgoingEvent
    from oro_invoices.services.facade import InvoiceService

    class Listener:
        def __init__(self):
            self.events = []

        @hookimpl
        def invoice_payment_status_updated(self, event):
            self.events.append(event)

    settings = Settings(MemoryConfigStore())
    settings.set("oro_invoices.webhooks.endpoints", [{"url": "https://erp.example/hooks",
                                                      "secret": "erp-secret-0123456789"}])
    listener = Listener()
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[listener]), settings=settings)
    inv = _posted(svc)  # 231.86 USD
    svc.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "1"}]})
    # a partial credit leaves "Pending payment" as it was, but the amount due changed: published
    [partial] = listener.events
    assert (partial.invoice_id, partial.previous_status, partial.status) == (
        inv.id, PaymentStatus.PENDING, PaymentStatus.PENDING)
    assert (partial.amount_paid, partial.amount_due) == (Decimal("0.00"), Decimal("208.07"))
    svc.create_credit_note(inv.id, {"full": True})
    [_, event] = listener.events
    assert (event.invoice_id, event.previous_status, event.status) == (
        inv.id, PaymentStatus.PENDING, PaymentStatus.VOIDED)
    assert event.amount_due == 0
    with db.session() as s:
        rows = s.query(OutgoingEvent).order_by(OutgoingEvent.id).all()
    assert [(r.invoice_id, r.event_id) for r in rows] == [(inv.id, partial.id), (inv.id, event.id)]
    assert '"amount_due":"208.07"' in rows[0].body and '"status":{"value":"pending"' in rows[0].body
    # the credit note itself publishes nothing: it has no status before and is never paid
    assert {e.invoice_id for e in listener.events} == {inv.id}


# ---- paid invoices: refund through the payment method that took the money ------------------

def _paid_online(service, doc):
    from support.fakepay import callback, charge, start
    attempt = start(service, doc.id).attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, int(doc.total_amount * 100))))
    [tx] = [t for t in service.transactions(doc.id) if t.action == "charge"]
    return tx


def test_crediting_a_paid_invoice_refunds_through_its_payment_method(db):
    from support.fakepay import payment_service, posted_invoice
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    tx = _paid_online(service, doc)
    result = service.create_credit_note(doc.id, {"lines": [{"line": 2, "quantity": "1"}], "settlement": "refund",
                                                 "reason": "One hour less"}, actor="Alex Admin")
    assert result.settlement == "refund" and result.refund.successful and result.refund_error == ""
    assert [(r.amount, r.transaction.transaction_id) for r in fake.refunds] == [(10700, tx.id)]
    assert [r.notes for r in fake.refunds] == [f"Credit note {result.credit_note.invoice_number}"]
    assert result.invoice.amount_due == 0
    # the refund settles the credit note: the invoice is paid in full, not refunded
    assert result.invoice.payment_status is PaymentStatus.PAID_IN_FULL
    [refund] = [t for t in service.transactions(doc.id) if t.action == "refund"]
    assert refund.amount == Decimal("107.00")
    assert service.transaction_actions(doc.id)[tx.id].refundable == doc.total_amount - Decimal("107.00")
    assert not service.can_pay(result.invoice)
    assert verify(db).ok


def test_a_credit_note_refunding_part_of_a_partial_payment_leaves_the_invoice_paid_in_full(db):
    from support.fakepay import callback, charge, payment_service, posted_invoice, start
    service, settings, _ = payment_service(db, partial=True)
    doc = posted_invoice(service)                                       # 231.86 USD
    attempt = start(service, doc.id, amount="150.00").attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 15000)))
    result = service.create_credit_note(doc.id, {"amounts": [{"tax_rate": "0.07", "amount": "150.00"}],
                                                 "settlement": "refund", "reason": "price reduction"})
    assert result.credit_note.total_amount == Decimal("160.50") and result.refund.successful
    after = result.invoice           # 231.86 - 160.50 credited = 71.36, of the 150.00 paid 78.64 refunded
    assert (after.amount_paid, after.amount_due, after.payment_status) == (
        Decimal("71.36"), Decimal("0.00"), PaymentStatus.PAID_IN_FULL)
    paid_in_full = service.list_invoices({"payment_status": "paid_in_full"}, limit=10).items
    assert [i.id for i in paid_in_full] == [doc.id]
    assert service.list_invoices({"payment_status": "refunded_partially"}, limit=10).items == []
    # a refund of the invoice itself afterwards is one
    [tx] = [t for t in service.transactions(doc.id) if t.action == "charge"]
    assert service.refund_payment(tx.id, "10.00", actor="admin").successful
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert service.refund_payment(tx.id, actor="admin").successful
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED
    assert verify(db).ok


def test_void_after_a_refund_in_full_but_not_while_money_is_kept(db):
    from support.fakepay import payment_service, posted_invoice
    service, _, _ = payment_service(db)
    refunded, kept = posted_invoice(service), posted_invoice(service)
    for doc in (refunded, kept):
        tx = _paid_online(service, doc)
        service.refund_payment(tx.id, "30.00", actor="admin")
    with pytest.raises(Conflict, match=r"has a successful payment \(201.86 USD\) and cannot be voided: create a "
                                       "credit note and refund the payment instead"):
        service.void(kept.id)
    [tx] = [t for t in service.transactions(refunded.id) if t.action == "charge"]
    service.refund_payment(tx.id, actor="admin")                    # the rest: refunded in full
    assert service.get(refunded.id).payment_status is PaymentStatus.REFUNDED
    result = service.void(refunded.id, reason="order canceled", actor="admin")
    assert (result.invoice.payment_status, result.invoice.amount_due) == (PaymentStatus.VOIDED, Decimal(0))
    assert result.credit_note.total_amount == refunded.total_amount
    assert verify(db).ok


def test_a_refused_refund_leaves_the_credit_note_and_says_so(db):
    from support.fakepay import payment_service, posted_invoice
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    tx = _paid_online(service, doc)
    fake.decline_refunds = True
    result = service.create_credit_note(doc.id, {"full": True, "settlement": "refund", "transaction_id": tx.id})
    assert result.credit_note.is_posted and result.refund_error == "declined"
    assert result.invoice.payment_status is PaymentStatus.CREDITED
    assert any("failed: declined. Refund it from the Payments section" in a.summary
               for a in service.activities(doc.id))
    # an unpaid invoice gives nothing back: the settlement asked for is not needed, nothing is refunded
    unpaid = service.create_credit_note(_posted(service).id, {"full": True, "settlement": "refund",
                                                              "transaction_id": tx.id})
    assert unpaid.settlement is None and len(fake.refunds) == 1


def test_a_refund_made_at_the_provider_but_not_recorded_is_never_asked_for_again(db, monkeypatch):
    """The provider gave the money back but its report was refused: the credit note says the refund
    was made and not recorded, never "refund it from the Payments section", which would pay it twice."""
    from dataclasses import replace

    from support.fakepay import payment_service, posted_invoice
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    tx = _paid_online(service, doc)
    real = fake.refund
    monkeypatch.setattr(fake, "refund", lambda request: replace(real(request), currency="EUR"))
    result = service.create_credit_note(doc.id, {"full": True, "settlement": "refund", "transaction_id": tx.id})
    assert result.credit_note.is_posted and result.refund_unrecorded and result.refund is None
    assert result.refund_error.startswith("FakePay refunded 231.86 EUR to the customer (231.86 USD was asked), but it was not recorded: ")
    summaries = [str(a.summary) for a in service.activities(doc.id)]
    assert any("but it was not recorded" in s for s in summaries)
    assert not any("Refund it from the Payments section" in s for s in summaries)


# ---- concurrency (row locks on PostgreSQL, one writer at a time on SQLite) --------------------

def _in_threads(n, work):
    import threading
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        barrier.wait()
        try:
            results.append(work(i))
        except Exception as exc:
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def test_concurrent_credit_notes_are_numbered_without_gaps(db, service):
    invoices = [_posted(service) for _ in range(8)]
    results, errors = _in_threads(8, lambda i: service.create_credit_note(
        invoices[i].id, {"lines": [{"line": 1, "quantity": "1"}]}))
    assert errors == []
    numbers = sorted(r.credit_note.invoice_number for r in results)
    assert numbers == [f"{CN_NUMBER}{n:05d}" for n in range(1, 9)]
    assert verify(db).ok


def _credit_in_a_process(url, invoice_ids, start, queue):
    """One OS process with its own service and connections: credit one widget of each invoice."""
    svc = InvoiceService(Database(url), plugins=get_plugin_manager(False))
    start.wait(60)
    try:
        queue.put([svc.create_credit_note(i, {"lines": [{"line": 1, "quantity": "1"}]}).credit_note.invoice_number
                   for i in invoice_ids])
    except Exception as exc:  # reported to the test, which fails with it
        queue.put(exc)
    finally:
        svc.db.dispose()


def test_credit_notes_from_several_processes_on_postgresql_are_numbered_without_gaps(request, tmp_path):
    db = make_database("postgresql", request, tmp_path)
    service = InvoiceService(db, plugins=get_plugin_manager(False))
    processes, per_process = 4, 3
    invoices = [_posted(service).id for _ in range(processes * per_process)]
    ctx = multiprocessing.get_context("spawn")
    start, queue = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_credit_in_a_process, args=(db.url, invoices[i::processes], start, queue))
             for i in range(processes)]
    for p in procs:
        p.start()
    start.set()
    outcomes = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert not [o for o in outcomes if isinstance(o, Exception)]
    numbers = sorted(n for out in outcomes for n in out)
    assert numbers == [f"{CN_NUMBER}{n:05d}" for n in range(1, processes * per_process + 1)]
    stored = service.list_invoices(InvoiceFilter(document_type="credit_note"), limit=100).items
    assert sorted(n.invoice_number for n in stored) == numbers
    assert sorted(n.credited_invoice_id for n in stored) == sorted(invoices)
    assert {service.get(i).amount_credited for i in invoices} == {Decimal("23.79")}
    assert verify(db).ok
    db.dispose()


def test_concurrent_credits_of_one_invoice_never_exceed_it(db, service):
    inv = _posted(service)  # line 1: 3 widgets
    results, errors = _in_threads(6, lambda i: service.create_credit_note(
        inv.id, {"lines": [{"line": 1, "quantity": "1"}]}))
    assert len(results) == 3 and len(errors) == 3
    assert all(isinstance(e, ValidationError) and "at most 0 of 3 remain creditable" in str(e.errors)
               for e in errors)
    assert service.creditable(inv.id).lines[0].remaining_quantity == 0
    assert verify(db).ok


def test_payments_after_a_credit_are_bounded_by_the_lower_amount_due(service):
    inv = _posted(service)  # 231.86
    service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1.5"}]})  # 160.50
    with pytest.raises(ValidationError) as excinfo:
        service.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "71.37"})
    assert _errors(excinfo)["amount"] == "Exceeds the amount due (71.36 USD)."
    service.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "71.36"})
    got = service.get(inv.id)
    assert (got.payment_status, got.amount_due) == (PaymentStatus.PAID_IN_FULL, Decimal("0.00"))
    # a failed attempt is still bounded by the invoice's own total
    service.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "200.00",
                                    "successful": False})


def test_migrating_down_is_refused_while_credit_notes_exist(sqlite_db):
    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.persistence.migrate import downgrade, upgrade
    from oro_invoices.services.facade import InvoiceService
    svc = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False))
    svc.create_credit_note(_posted(svc).id, {"full": True})
    with pytest.raises(RuntimeError, match="1 credit note.s. exist"):
        downgrade(sqlite_db, "0008")
    upgrade(sqlite_db)
    assert verify(sqlite_db).ok


def test_verify_notices_a_credit_note_removed_from_its_series(db, service, drop_guards):
    first = service.create_credit_note(_posted(service).id, {"full": True}).credit_note
    service.create_credit_note(_posted(service).id, {"full": True})
    drop_guards()
    with db.engine.begin() as conn:
        for table, column in (("oro_invoice_line", "invoice_id"), ("oro_invoice_payment_state", "invoice_id"),
                              ("oro_invoice_invoice", "id")):
            conn.execute(text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": first.id})
    problems = " ".join(verify(db).problems)
    period = f"credit_note/{NOW:%Y}-{NOW:%m}"
    assert f"organization 1, {period}: counter value(s) 1 were issued but no posted invoice has them" in problems
    assert f"chain 1:{period} position 2, expected 1 (an invoice or PDF record is missing" in problems


# ---- historical credit notes: import and export ---------------------------------------------

def test_historical_credit_notes_are_imported_after_their_invoice(db, tmp_path):
    import json as json_lib

    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.exporting import export_records
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.importing import import_files
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False))
    invoice = invoice_payload(external_id="H-7", invoice_number="OLD-2019-7", invoice_date="2019-03-01",
                              due_date="2019-03-31", status="posted")
    credit = invoice_payload(external_id="H-7-CN", invoice_number="OLD-CN-2019-1", invoice_date="2019-04-02",
                             due_date="2019-04-02", status="posted", document_type="credit_note",
                             credited_invoice_external_id="H-7", credit_reason="  Widget returned  ",
                             lines=[{"description": "Widget returned", "quantity": "1", "unit_price": "19.99",
                                     "tax_rate": "0.19"}])
    path = tmp_path / "legacy.jsonl"
    path.write_text("\n".join(json_lib.dumps(r) for r in (invoice, credit)))
    report = import_files(service, [path])
    assert report.summary().startswith("2 created")
    note = service.get(service.find_id(external_id="H-7-CN"))
    assert note.is_credit_note and note.invoice_number == "OLD-CN-2019-1"
    assert note.credited_invoice.number == "OLD-2019-7" and str(note.invoice_date) == "2019-04-02"
    assert note.credit_reason == "Widget returned"
    inv = service.get(service.find_id(external_id="H-7"))
    assert inv.amount_credited == Decimal("23.79") and inv.amount_due == inv.total_amount - Decimal("23.79")
    assert verify(db).ok
    exported = {r["external_id"]: r for r in export_records(service, InvoiceFilter())}
    assert exported["H-7-CN"]["document_type"] == "credit_note"
    assert exported["H-7-CN"]["credited_invoice_external_id"] == "H-7"
    assert exported["H-7-CN"]["credit_reason"] == "Widget returned"
    assert "document_type" not in exported["H-7"] and "credit_reason" not in exported["H-7"]

    # refused: an unknown invoice, too much, a draft credit note
    bad = [dict(credit, external_id="X-1", invoice_number="OLD-CN-X1", credited_invoice_external_id="NOPE"),
           dict(credit, external_id="X-2", invoice_number="OLD-CN-X2",
                lines=[{"description": "Too much", "quantity": "3", "unit_price": "19.99", "tax_rate": "0.19"}]),
           dict(credit, external_id="X-3", status="draft"),
           invoice_payload(external_id="X-4", credit_reason="Not a credit note")]
    for record, field, message in zip(bad, ("credited_invoice_external_id", "lines", "status", "credit_reason"), (
            "No invoice of organization 1 has the external id 'NOPE'", "At 19% tax at most 39.98 USD",
            "A credit note is created posted", "Only a credit note (document_type \"credit_note\") has a reason."),
            strict=True):
        with pytest.raises(ValidationError) as excinfo:
            service.create(record)
        assert message in _errors(excinfo)[field]
    assert service.get(inv.id).amount_credited == Decimal("23.79")
    with pytest.raises(ValidationError, match="Set only when a document is created"):
        service.update(service.create(invoice_payload()).id, {"document_type": "invoice"})
    with pytest.raises(ValidationError, match="credit_reason: Only a credit note .* has a reason"):
        service.update(service.create(invoice_payload()).id, {"credit_reason": "Late"})
    with pytest.raises(ValidationError, match="credit_reason: Set only when a document is created"):
        service.update(service.create(invoice_payload()).id, {"credit_reason": ""})


def test_the_corrections_of_an_invoice_read_as_their_invoices_do(db, service):
    """The view page's corrections (credit notes and re-issues, one statement of plain rows)
    are what the invoices themselves read as."""
    from oro_invoices.persistence import read_models as views
    from oro_invoices.persistence.models import Invoice, PaymentState
    inv = _posted(service)
    note = service.create_credit_note(inv.id, {"full": False, "lines": [{"line": 1, "quantity": "1"}],
                                               "settlement": "outside"}, actor="test").credit_note
    draft = service.reissue(inv.id, reason="Wrong address", actor="admin").draft
    corrections = service.corrections_of(inv.id)
    with db.session() as s:
        notes = s.query(Invoice).filter(Invoice.credited_invoice_id == inv.id).order_by(Invoice.id).all()
        expected_notes = [views.summary(n, s.get(PaymentState, n.id)) for n in notes]
        expected_reissues = [views.reference(s.get(Invoice, draft.id))]
    assert len(expected_notes) == 2 and expected_notes[0].id == note.id  # the partial one, then the void's
    assert corrections.credit_notes == expected_notes and all(n.is_credit_note for n in corrections.credit_notes)
    assert corrections.reissues == expected_reissues and corrections.reissues[0].number is None
    assert service.corrections_of(draft.id).credit_notes == service.corrections_of(draft.id).reissues == []


# ---- an open payment authorization: captured or canceled before it is credited ------------------

def _authorized(service, doc, amount=None):
    """The customer authorizes ``amount`` (all that is due) of ``doc`` through FakePay."""
    from support.fakepay import callback, charge, start
    attempt = start(service, doc.id, amount).attempt
    minor = int(attempt.amount * 100)
    service.handle_payment_callback("fakepay", callback(attempt.public_id, {
        **charge(attempt.public_id, minor), "action": "authorize", "event_id": f"auth-{attempt.public_id}"}))
    return next(t.id for t in service.transactions(doc.id) if t.action == "authorize")


def test_a_credit_into_an_open_authorization_is_refused_in_words_until_it_is_captured_or_canceled(db):
    """probeA #2: a credit note while an authorization holds the amount due would leave the provider
    holding (and a capture taking) more than is due. It is refused, saying what to do first; after a
    capture of what the customer is to pay, the credit is made, and every cent taken is recorded."""
    from support.fakepay import payment_service, posted_invoice
    service, _, fake = payment_service(db)
    fake.captures_part = True
    doc = posted_invoice(service)                          # 231.86 USD, authorized in full
    auth = _authorized(service, doc)
    with pytest.raises(Conflict) as everything:
        service.create_credit_note(doc.id, {"full": True})
    assert everything.value.message == (
        f"Invoice {doc.invoice_number} has an open payment authorization of 231.86 USD, and this credit note "
        "would leave nothing due: cancel the authorization (or capture what the customer is to pay) first, then "
        "create the credit note.")
    with pytest.raises(Conflict) as part:
        service.create_credit_note(doc.id, {"lines": [{"line": 2, "quantity": "1"}]})     # 107.00
    assert part.value.message == (
        f"Invoice {doc.invoice_number} has an open payment authorization of 231.86 USD, and this credit note "
        "would leave only 124.86 USD due: capture what the customer is to pay (or cancel the authorization) "
        "first, then credit the rest.")
    assert service.credit_notes_of(doc.id) == []
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED

    captured = service.capture_authorization(auth, "124.86", actor="Alex Admin")
    assert captured.successful and [r.amount for r in fake.captures] == [12486]
    assert service.get(doc.id).payment_status is PaymentStatus.CANCELED_PARTIALLY      # 107.00 released
    credited = service.create_credit_note(doc.id, {"lines": [{"line": 2, "quantity": "1"}]})
    assert credited.settlement is None
    assert (credited.invoice.payment_status, credited.invoice.amount_due, credited.invoice.amount_paid) == (
        PaymentStatus.PAID_IN_FULL, Decimal(0), Decimal("124.86"))
    assert not any("refused" in a.summary for a in service.activities(doc.id))


def test_a_credit_within_what_no_authorization_holds_is_made(db):
    from support.fakepay import payment_service, posted_invoice
    service, _, _ = payment_service(db, partial=True)
    doc = posted_invoice(service)
    auth = _authorized(service, doc, "100.00")            # 131.86 USD of 231.86 not held
    result = service.create_credit_note(doc.id, {"lines": [{"line": 2, "quantity": "1"}]})
    assert result.invoice.amount_due == Decimal("124.86")
    assert service.transaction_actions(doc.id)[auth].capturable == Decimal("100.00")
    with pytest.raises(Conflict, match="open payment authorization of 100.00 USD, and this credit note would "
                                       "leave only 82.06 USD due"):
        service.create_credit_note(doc.id, {"amounts": [{"tax_rate": "0.07", "amount": "40.00"}]})   # 42.80
    assert service.capture_authorization(auth, actor="Alex Admin").successful
    assert service.get(doc.id).amount_due == Decimal("24.86")


# ---- money given back outside, then the payment it came from reversed ---------------------------

def _paid_by_check(service, inv, amount=None):
    return service.record_received_payment(inv.id, amount=str(amount or inv.total_amount), method="check",
                                           received_on=today(), reference="CHK-77", actor="admin",
                                           request_key="r" * 20).transaction


def test_a_payment_whose_money_a_credit_note_gave_back_outside_is_not_reversed(db, service):
    """probeA #5: a check of 231.86, 107.00 of it given back by bank transfer with a credit note, then
    the check bounces. Reversed, the invoice would read 124.86 due while the customer, who never paid
    and got 107.00, owes 231.86. The reversal is refused in words; nothing changes."""
    inv = _posted(service)
    check = _paid_by_check(service, inv)
    service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}], "settlement": "outside"})
    note = service.credit_notes_of(inv.id)[0]
    with pytest.raises(Conflict) as refused:
        service.reverse_received_payment(inv.id, check.id, reason="check bounced", actor="admin")
    assert refused.value.message == (
        f"107.00 USD of what was paid for this invoice was given back to the customer outside the add-on "
        f"(credit note {note.invoice_number}). Reversed, this payment would leave that money out of what the "
        "customer owes: the invoice would read 124.86 USD due instead of 231.86 USD. So it is not reversed; "
        "settle the payment and the money given back with the customer outside the add-on.")
    after = service.get(inv.id)
    assert (after.payment_status, after.amount_due, after.amount_paid) == (
        PaymentStatus.PAID_IN_FULL, Decimal(0), inv.total_amount)
    assert [t.action for t in service.transactions(inv.id)] == ["charge"]

    # credited in full and all of it given back outside: the same
    full = _posted(service)
    paid = service.record_payment(full.id, {"method": "bank_transfer", "action": "charge",
                                            "amount": str(full.total_amount)})
    service.create_credit_note(full.id, {"full": True, "settlement": "outside"})
    with pytest.raises(Conflict, match="231.86 USD of what was paid for this invoice was given back to the "
                                       "customer outside the add-on .* would read 0.00 USD due instead of "
                                       "231.86 USD"):
        service.reverse_received_payment(full.id, paid.id, reason="BANK-1 recorded in error", actor="admin")
    assert service.get(full.id).payment_status is PaymentStatus.CREDITED


def test_a_payment_reversed_after_a_credit_that_gave_nothing_back_is_due_as_if_never_recorded(service):
    inv = _posted(service)
    check = _paid_by_check(service, inv, "100.00")
    service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}]})    # within what is unpaid
    service.reverse_received_payment(inv.id, check.id, reason="check bounced", actor="admin")
    after = service.get(inv.id)
    assert (after.payment_status, after.amount_due) == (PaymentStatus.PENDING, inv.total_amount - Decimal("107.00"))


def test_a_payment_whose_money_a_credit_note_kept_as_credit_is_not_reversed(service):
    inv = _posted(service)
    check = _paid_by_check(service, inv)
    service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}], "settlement": "credit"})
    note = service.credit_notes_of(inv.id)[0]
    with pytest.raises(Conflict) as refused:
        service.reverse_received_payment(inv.id, check.id, reason="check bounced", actor="admin")
    assert refused.value.message == (
        f"107.00 USD of what was paid for this invoice was kept as the customer's credit (credit note "
        f"{note.invoice_number}). Reversed, this payment would leave the customer that credit for money never "
        "received, so it is not reversed.")
    assert [t.action for t in service.transactions(inv.id)] == ["charge"]


def test_a_credit_by_amount_is_described_in_the_invoices_language(db):
    settings = Settings(MemoryHost().config)
    settings.set("oro_invoices.locale", "ja_JP", "customer", 10)
    settings.set("oro_invoices.locale", "de_DE")
    service = InvoiceService(db, settings=settings, plugins=get_plugin_manager(load_entrypoints=False))
    german = _posted(service, customer_id=11, customer_name="Beta GmbH")
    japanese = _posted(service)                                          # customer 10's own locale
    de = service.create_credit_note(german.id, {"amounts": [{"tax_rate": "0.07", "amount": "50.00"}]}).credit_note
    ja = service.create_credit_note(japanese.id, {"amounts": [{"tax_rate": "0.19", "amount": "5"}]}).credit_note
    assert [line.description for line in de.lines] == ["Gutschrift zu 7\xa0% Steuer"]
    assert [line.description for line in ja.lines] == ["税率 19% のクレジット"]


def test_a_discount_line_alone_is_refused_as_a_negative_credit_not_as_zero(service):
    inv = _posted(service, currency="EUR", lines=[
        {"description": "Widget", "quantity": "2", "unit_price": "100.00", "tax_rate": "0.19"},
        {"description": "Coupon", "quantity": "1", "unit_price": "-20.00", "tax_rate": "0.19"}])
    with pytest.raises(ValidationError) as excinfo:
        service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}]})
    assert _errors(excinfo) == {"lines": "The credit note would total -23.80 EUR: a credit note takes back a positive "
                                         "amount. Credit a discount line together with the lines it reduces."}
    note = service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "2"}, {"line": 2, "quantity": "1"}]})
    assert note.credit_note.total_amount == Decimal("214.20") and note.invoice.amount_due == 0


def test_every_reason_a_person_gives_has_one_limit_said_one_way(service):
    """A credit note's, a void's, a re-issue's and a payment reversal's reason: 1000 characters
    are taken, 1001 refused with the same words, nothing changed."""
    too_long, said = "r" * 1001, [("reason", "At most 1000 characters.")]
    inv = _posted(service)
    check = _paid_by_check(service, inv, "100.00")
    refusals = [lambda: service.create_credit_note(inv.id, {"full": True, "reason": too_long}),
                lambda: service.void(inv.id, reason=too_long),
                lambda: service.reissue(inv.id, reason=too_long),
                lambda: service.reverse_received_payment(inv.id, check.id, reason=too_long, actor="admin")]
    for refused in refusals:
        with pytest.raises(ValidationError) as err:
            refused()
        assert [(f, str(m)) for f, m in err.value.errors] == said
    assert service.credit_notes_of(inv.id) == [] and [t.action for t in service.transactions(inv.id)] == ["charge"]
    service.reverse_received_payment(inv.id, check.id, reason="r" * 1000, actor="admin")
    service.create_credit_note(inv.id, {"full": True, "reason": "r" * 1000})
    assert service.get(service.credit_notes_of(inv.id)[0].id).credit_reason == "r" * 1000
