"""Customers' credit: kept from a credit note or a payment's surplus, applied to open invoices,
put back by a reversal, given back outside the add-on; never spent twice."""
import threading
from decimal import Decimal

import pytest
from support.days import today
from support.payloads import invoice_payload

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.persistence.engine import Database
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import verify

KEY = "k" * 24


def _posted(service, **kw):
    return service.post(service.create(invoice_payload(**kw)).id)


def _paid(service, **kw):
    inv = _posted(service, **kw)
    service.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": str(inv.total_amount)})
    return service.get(inv.id)


def _credit_kept(service, **kw):
    """A paid invoice (231.86 USD) with its second line (107.00) credited and kept as credit."""
    inv = _paid(service, **kw)
    return service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}], "settlement": "credit"},
                                      actor="admin")


def _errors(excinfo):
    return dict(excinfo.value.errors)


class Heard:
    def __init__(self):
        self.changes = []

    @hookimpl
    def customer_credit_changed(self, entry, actor):
        self.changes.append((entry.kind, entry.amount, entry.balance_after, actor))


@pytest.fixture
def heard():
    return Heard()


@pytest.fixture
def credit_service(db, heard):
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(heard)
    return InvoiceService(db, plugins=pm)


def test_a_credit_note_keeps_the_money_it_gives_back_as_the_customers_credit(db, credit_service, heard):
    result = _credit_kept(credit_service)
    assert result.settlement == "credit"
    assert result.invoice.payment_status is PaymentStatus.PAID_IN_FULL and result.invoice.amount_due == 0
    credit = credit_service.customer_credit_of(10, organization_id=1)
    assert [(b.currency, b.amount) for b in credit.balances] == [("USD", Decimal("107.00"))]
    [entry] = credit.entries
    assert (entry.kind, entry.amount, entry.balance_after) == ("credit_note", Decimal("107.00"), Decimal("107.00"))
    assert entry.invoice_id == result.invoice.id and entry.invoice_number == result.invoice.invoice_number
    assert entry.credit_note_number == result.credit_note.invoice_number
    summary = next(a for a in credit_service.activities(result.invoice.id) if a.kind == "credit_note").summary
    assert "107.00 USD kept as the customer's credit" in summary
    assert heard.changes == [("credit_note", Decimal("107.00"), Decimal("107.00"), "admin")]
    assert verify(db).ok


def test_credit_is_applied_to_another_open_invoice_and_lowers_its_amount_due(db, credit_service, heard):
    _credit_kept(credit_service)
    other = _posted(credit_service)  # 231.86 USD
    recorded = credit_service.apply_credit(other.id, actor="admin", request_key=KEY)
    assert recorded.created and recorded.transaction.amount == Decimal("107.00")
    assert recorded.transaction.method == "customer_credit"
    after = credit_service.get(other.id)
    assert after.amount_due == Decimal("124.86") and after.payment_status is PaymentStatus.PAID_PARTIALLY
    assert credit_service.available_credit(after) == 0
    # the same form again applies nothing more
    again = credit_service.apply_credit(other.id, actor="admin", request_key=KEY)
    assert not again.created and again.transaction.id == recorded.transaction.id
    credit = credit_service.customer_credit_of(10, organization_id=1)
    assert [(e.kind, e.amount, e.balance_after, e.invoice_id) for e in credit.entries] == [
        ("applied", Decimal("-107.00"), Decimal("0.00"), other.id),
        ("credit_note", Decimal("107.00"), Decimal("107.00"), credit.entries[1].invoice_id)]
    assert heard.changes[-1] == ("applied", Decimal("-107.00"), Decimal("0.00"), "admin")
    assert verify(db).ok


def test_part_of_the_credit_pays_a_smaller_invoice_in_full_and_the_rest_stays(credit_service):
    _credit_kept(credit_service)
    small = _posted(credit_service, lines=[{"description": "Cable", "quantity": "1", "unit_price": "40.00",
                                           "tax_rate": "0"}])
    credit_service.apply_credit(small.id, actor="admin")
    assert credit_service.get(small.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert credit_service.available_credit(small) == Decimal("67.00")


def test_applying_more_than_the_credit_or_the_amount_due_is_refused_in_words(credit_service):
    _credit_kept(credit_service)
    other = _posted(credit_service)
    with pytest.raises(ValidationError) as excinfo:
        credit_service.apply_credit(other.id, amount="120.00", actor="admin")
    assert _errors(excinfo)["amount"] == "Acme Corp has 107.00 USD of credit, less than 120.00 USD."
    small = _posted(credit_service, lines=[{"description": "Cable", "quantity": "1", "unit_price": "40.00",
                                           "tax_rate": "0"}])
    with pytest.raises(ValidationError) as excinfo:
        credit_service.apply_credit(small.id, amount="50.00", actor="admin")
    assert _errors(excinfo)["amount"] == "Exceeds the amount due (40.00 USD)."
    with pytest.raises(ValidationError) as excinfo:
        credit_service.apply_credit(small.id, amount="-5", actor="admin")
    assert _errors(excinfo)["amount"] == "Must be greater than 0."
    assert credit_service.available_credit(small) == Decimal("107.00")
    assert credit_service.get(other.id).amount_due == other.amount_due


def test_credit_never_pays_what_an_open_authorization_holds(credit_service):
    """€107 of credit; an invoice of €231.86 of which an authorization holds €200: credit pays at most
    the €31.86 the authorization leaves, and nothing of an invoice it holds whole."""
    _credit_kept(credit_service)
    held = _posted(credit_service)
    credit_service.record_payment(held.id, {"method": "stripe", "action": "authorize", "amount": "200.00",
                                            "provider_reference": "pi_part"})
    with pytest.raises(ValidationError) as excinfo:
        credit_service.apply_credit(held.id, amount="100.00", actor="admin")
    assert _errors(excinfo)["amount"] == ("At most 31.86 USD: an authorization holds 200.00 USD of what is due, which "
                                          "the seller collects by capturing it.")
    with pytest.raises(ValidationError) as excinfo:                    # a cent's fraction: said as such
        credit_service.apply_credit(held.id, amount="31.865", actor="admin")
    assert "authorization" not in _errors(excinfo)["amount"] and "decimal" in _errors(excinfo)["amount"]
    applied = credit_service.apply_credit(held.id, actor="admin")            # as much as may be paid
    assert applied.transaction.amount == Decimal("31.86")
    whole = _posted(credit_service)
    credit_service.record_payment(whole.id, {"method": "stripe", "action": "authorize", "amount": "231.86",
                                             "provider_reference": "pi_whole"})
    with pytest.raises(Conflict, match="has nothing to pay"):
        credit_service.apply_credit(whole.id, actor="admin")
    assert credit_service.available_credit(whole) == Decimal("75.14")
    told = _posted(credit_service)                  # authorized, as set from outside: held all the same
    credit_service.force_payment_status(told.id, "authorized")
    with pytest.raises(Conflict, match="has nothing to pay"):
        credit_service.apply_credit(told.id, amount="10.00", actor="admin")


def test_a_form_that_applied_credit_to_one_invoice_is_refused_on_another(credit_service):
    _credit_kept(credit_service)
    first, second = _posted(credit_service), _posted(credit_service)
    credit_service.apply_credit(first.id, amount="10.00", actor="admin", request_key=KEY)
    with pytest.raises(Conflict, match="This form already applied credit to another invoice"):
        credit_service.apply_credit(second.id, amount="10.00", actor="admin", request_key=KEY)


def test_credit_belongs_to_one_customer_one_organization_and_one_currency(credit_service):
    _credit_kept(credit_service)
    someone_else = _posted(credit_service, customer_id=11, customer_name="Globex")
    elsewhere = _posted(credit_service, organization_id=2)          # the same customer id, another seller
    in_euro = _posted(credit_service, currency="EUR")
    for inv, who in ((someone_else, "Globex"), (elsewhere, "Acme Corp"), (in_euro, "Acme Corp")):
        assert credit_service.available_credit(inv) == 0
        with pytest.raises(Conflict) as excinfo:
            credit_service.apply_credit(inv.id, actor="admin")
        assert excinfo.value.message == f"{who} has no credit in {inv.currency} to apply."
    assert credit_service.customer_credit_of(10, organization_id=2).balances == ()


def test_credit_is_not_applied_to_a_paid_invoice_a_draft_or_a_credit_note(credit_service):
    kept = _credit_kept(credit_service)
    draft = credit_service.create(invoice_payload())
    with pytest.raises(Conflict):
        credit_service.apply_credit(kept.invoice.id, actor="admin")   # paid in full
    with pytest.raises(Conflict):
        credit_service.apply_credit(kept.credit_note.id, actor="admin")
    with pytest.raises(Conflict) as excinfo:
        credit_service.apply_credit(draft.id, actor="admin")
    assert "is a draft" in excinfo.value.message


def test_reversing_an_application_puts_the_credit_back(db, credit_service, heard):
    _credit_kept(credit_service)
    other = _posted(credit_service)
    applied = credit_service.apply_credit(other.id, amount="100", actor="admin").transaction
    assert credit_service.reversible(applied)
    credit_service.reverse_received_payment(other.id, applied.id, reason="Applied to the wrong invoice",
                                            actor="admin")
    assert credit_service.get(other.id).amount_due == other.total_amount
    assert credit_service.get(other.id).payment_status is PaymentStatus.PENDING
    assert credit_service.available_credit(other) == Decimal("107.00")
    assert heard.changes[-1] == ("returned", Decimal("100.00"), Decimal("107.00"), "admin")
    summaries = [a.summary for a in credit_service.activities(other.id)]
    assert "Reversal of 100.00 USD via Customer credit: successful" in summaries
    assert verify(db).ok


def test_a_payment_over_the_amount_due_keeps_the_surplus_as_credit_when_asked(db, credit_service):
    inv = _posted(credit_service)  # 231.86
    with pytest.raises(ValidationError) as excinfo:
        credit_service.record_received_payment(inv.id, amount="250.00", method="bank_transfer",
                                               received_on=today(), actor="admin", request_key="a" * 24)
    assert _errors(excinfo)["amount"] == "Exceeds the amount due (231.86 USD)."
    recorded = credit_service.record_received_payment(
        inv.id, amount="250.00", method="bank_transfer", received_on=today(), actor="admin",
        request_key="b" * 24, keep_surplus=True)
    assert recorded.transaction.amount == Decimal("250.00")                # what was received
    paid = credit_service.get(inv.id)
    assert paid.payment_status is PaymentStatus.PAID_IN_FULL and paid.amount_paid == Decimal("231.86")
    assert credit_service.available_credit(inv) == Decimal("18.14")
    [entry] = credit_service.customer_credit_of(10, organization_id=1).entries
    assert (entry.kind, entry.transaction_id) == ("surplus", recorded.transaction.id)
    kinds = [(a.kind, a.summary) for a in credit_service.activities(inv.id)]
    assert ("payment", "18.14 USD over the amount due kept as the customer's credit") in kinds
    # reversed in error: the surplus goes with it
    credit_service.reverse_received_payment(inv.id, recorded.transaction.id, reason="Wrong invoice", actor="admin")
    assert credit_service.available_credit(inv) == 0
    assert credit_service.get(inv.id).amount_due == inv.total_amount
    assert verify(db).ok


def test_a_surplus_is_not_kept_for_an_invoice_naming_no_customer_and_says_so(credit_service):
    inv = _posted(credit_service, customer_id=None, customer_user_id=None)    # 231.86, a walk-in's
    with pytest.raises(ValidationError) as excinfo:
        credit_service.record_received_payment(inv.id, amount="250.00", method="bank_transfer", received_on=today(),
                                               actor="admin", request_key="c" * 24, keep_surplus=True)
    assert _errors(excinfo)["amount"] == (
        f"Invoice {inv.invoice_number} names no customer, so the 18.14 USD over its amount due cannot be kept as "
        "credit: record at most 231.86 USD.")
    assert credit_service.get(inv.id).amount_paid == 0
    done = credit_service.record_received_payment(inv.id, amount="231.86", method="bank_transfer",
                                                  received_on=today(), actor="admin", request_key="d" * 24,
                                                  keep_surplus=True)
    assert done.created and credit_service.get(inv.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_a_payment_whose_surplus_was_spent_is_not_reversed(credit_service):
    inv = _posted(credit_service)
    paid = credit_service.record_received_payment(
        inv.id, amount="250.00", method="bank_transfer", received_on=today(), actor="admin",
        request_key="b" * 24, keep_surplus=True).transaction
    other = _posted(credit_service)
    credit_service.apply_credit(other.id, actor="admin")
    with pytest.raises(ValidationError) as excinfo:
        credit_service.reverse_received_payment(inv.id, paid.id, reason="Wrong invoice", actor="admin")
    assert _errors(excinfo)["reason"] == (
        "18.14 USD of this payment was kept as the customer's credit, and only 0.00 USD of credit is left: the rest "
        "was applied to invoices or given back. Reverse those applications first, or settle the payment with the "
        "customer outside the add-on.")
    assert credit_service.get(inv.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_a_callers_data_cannot_make_credit(credit_service):
    inv = _posted(credit_service)
    credit_service.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                                           "data": {"surplus": "5000.00"}})
    assert credit_service.available_credit(inv) == 0
    with pytest.raises(ValidationError) as excinfo:
        credit_service.record_payment(inv.id, {"method": "customer_credit", "action": "charge", "amount": "10.00"})
    assert _errors(excinfo)["amount"] == "Acme Corp has 0.00 USD of credit, less than 10.00 USD."
    with pytest.raises(ValidationError) as excinfo:
        credit_service.record_payment(inv.id, {"method": "customer_credit", "action": "authorize", "amount": "10"})
    assert "Customer credit pays an invoice" in _errors(excinfo)["method"]
    assert credit_service.get(inv.id).amount_due == inv.total_amount - Decimal("10.00")


def test_credit_is_given_back_outside_once_per_form_and_never_beyond_the_balance(db, credit_service, heard):
    _credit_kept(credit_service)
    with pytest.raises(ValidationError) as excinfo:
        credit_service.pay_out_credit(10, organization_id=1, currency="USD", amount="200", actor="admin",
                                      request_key=KEY)
    assert _errors(excinfo)["amount"] == "The customer has 107.00 USD of credit: at most that can be given back."
    with pytest.raises(ValidationError) as excinfo:
        credit_service.pay_out_credit(10, organization_id=1, currency="USD", amount="1.234", reference="x\x07",
                                      actor="admin")
    assert _errors(excinfo) == {"amount": "USD amounts have at most 2 decimals.",
                                "reference": "Must not contain control characters."}
    with pytest.raises(ValidationError) as excinfo:
        credit_service.pay_out_credit(10, organization_id=1, currency="USD", amount="ten", actor="admin")
    assert _errors(excinfo)["amount"].startswith("'ten' is not a decimal number: write it like \"19.99\"")
    paid = credit_service.pay_out_credit(10, organization_id=1, currency="USD", amount="7", reference="TRF-9",
                                         actor="admin", request_key=KEY)
    again = credit_service.pay_out_credit(10, organization_id=1, currency="USD", amount="7", reference="TRF-9",
                                          actor="admin", request_key=KEY)
    assert paid.created and not again.created and again.entry.id == paid.entry.id
    credit = credit_service.customer_credit_of(10, organization_id=1)
    assert credit.balance("USD") == Decimal("100.00")
    assert (credit.entries[0].kind, credit.entries[0].amount, credit.entries[0].reference) == (
        "paid_out", Decimal("-7.00"), "TRF-9")
    assert heard.changes[-1] == ("paid_out", Decimal("-7.00"), Decimal("100.00"), "admin")
    assert verify(db).ok


def test_the_ledger_pages_newest_first(credit_service):
    _credit_kept(credit_service)
    for n in range(4):
        credit_service.pay_out_credit(10, organization_id=1, currency="USD", amount="1", actor="admin",
                                      request_key=f"{n}" * 24)
    first = credit_service.customer_credit.of(10, organization_id=1, limit=3)
    assert [e.balance_after for e in first.entries] == [Decimal("103.00"), Decimal("104.00"), Decimal("105.00")]
    rest = credit_service.customer_credit.of(10, organization_id=1, limit=3, before_id=first.older_than)
    assert [e.kind for e in rest.entries] == ["paid_out", "credit_note"] and rest.older_than is None


def test_two_applications_at_once_never_spend_the_same_credit(db):
    pm = get_plugin_manager(load_entrypoints=False)
    service = InvoiceService(db, plugins=pm)
    _credit_kept(service)  # 107.00
    targets = [_posted(service) for _ in range(4)]
    outcomes = []
    start = threading.Barrier(len(targets))

    def apply(invoice_id):
        own = InvoiceService(Database(db.url), plugins=pm)
        start.wait()
        try:
            own.apply_credit(invoice_id, amount="100.00", actor="admin")
            outcomes.append("applied")
        except ValidationError:
            outcomes.append("refused")
        finally:
            own.db.dispose()

    threads = [threading.Thread(target=apply, args=(t.id,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["applied", "refused", "refused", "refused"]
    assert service.available_credit(targets[0]) == Decimal("7.00")
    assert sum(service.get(t.id).amount_paid for t in targets) == Decimal("100.00")


def test_credit_applied_is_given_back_only_by_reversing_the_application(credit_service):
    _credit_kept(credit_service)
    other = _posted(credit_service)
    applied = credit_service.apply_credit(other.id, amount="50", actor="admin").transaction
    with pytest.raises(ValidationError) as excinfo:
        credit_service.record_payment(other.id, {"method": "customer_credit", "action": "refund", "amount": "50",
                                                 "parent_id": applied.id})
    assert _errors(excinfo)["method"] == ("Credit applied to an invoice is given back by reversing the application, "
                                          "not by a refund.")
    assert credit_service.available_credit(other) == Decimal("57.00")


def test_with_apply_on_posting_the_credit_pays_an_invoice_as_it_is_posted_but_not_an_imported_one(db):
    from oro_invoices.hosts.memory import MemoryConfigStore
    from oro_invoices.integration.config import Settings

    settings = Settings(MemoryConfigStore())
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)
    _credit_kept(service)                                                           # 107.00 USD
    before = _posted(service)                                                       # the setting is off
    assert before.amount_due == Decimal("231.86") and service.available_credit(before) == Decimal("107.00")
    settings.set("oro_invoices.customer_credit.apply_on_posting", True, "organization", 1)
    imported = service.post(service.create(invoice_payload()).id, apply_credit=False)
    assert imported.amount_due == Decimal("231.86")
    posted = _posted(service)
    assert (posted.amount_due, posted.payment_status) == (Decimal("124.86"), PaymentStatus.PAID_PARTIALLY)
    assert [t.method for t in service.transactions(posted.id)] == ["customer_credit"]
    assert service.post(posted.id).amount_due == Decimal("124.86")                 # posting again applies nothing
    assert service.available_credit(posted) == 0
    elsewhere = _posted(service, customer_id=11, customer_name="Globex")           # no credit: nothing to apply
    assert elsewhere.amount_due == Decimal("231.86")


def test_credit_is_never_made_by_a_refund_that_reverses_no_application(credit_service):
    inv = _posted(credit_service)
    credit_service.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": "100.00"})
    forged = {"method": "customer_credit", "action": "refund", "amount": "50.00", "data": {"reverses": 424242}}
    with pytest.raises(ValidationError) as excinfo:
        credit_service.record_payment(inv.id, forged)
    assert "given back by reversing the application" in _errors(excinfo)["method"]
    _credit_kept(credit_service, customer_id=10)                                   # 107.00 of credit
    applied = credit_service.apply_credit(inv.id, amount="10.00", actor="admin").transaction
    too_much = {"method": "customer_credit", "action": "refund", "amount": "50.00", "parent_id": applied.id,
                "data": {"reverses": applied.id}}
    with pytest.raises(ValidationError) as excinfo:
        credit_service.record_payment(inv.id, too_much)
    assert _errors(excinfo)["amount"] == "An application of credit is reversed once, for its whole amount (10.00 USD)."
    assert credit_service.available_credit(inv) == Decimal("97.00")


@pytest.mark.parametrize("typed", ["1e1", "1_0", "\uff15", "\u0663", "Infinity", "NaN", "1e-2", " 10 0"])
def test_credit_is_given_back_only_for_an_amount_written_as_the_forms_read_it(credit_service, typed):
    _credit_kept(credit_service)
    with pytest.raises(ValidationError) as excinfo:
        credit_service.pay_out_credit(10, organization_id=1, currency="USD", amount=typed, actor="admin")
    assert "is not a decimal number" in _errors(excinfo)["amount"]
    assert credit_service.customer_credit_of(10, organization_id=1).balance("USD") == Decimal("107.00")
