"""Free text that no database column can hold (a NUL, a lone surrogate) is refused by the
service that would store it, naming the field, before anything is written: on PostgreSQL it
would otherwise fail the statement. Each test runs on SQLite and PostgreSQL (``db``)."""
from __future__ import annotations

import pytest
from support.fakepay import callback, charge, payment_service, posted_invoice, start
from support.mail import make_app, make_mail
from support.payloads import invoice_payload

from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.domain.invoice import PaymentStatus

REFUSED = "Must not contain NUL or unpaired surrogate characters."
UNSTORABLE = ["before\x00after", "lone \udc80 surrogate"]


def fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {field: str(message) for field, message in excinfo.value.errors}


@pytest.mark.parametrize("text", UNSTORABLE)
def test_a_note(service, text):
    inv = service.create(invoice_payload())
    with pytest.raises(ValidationError) as refused:
        service.add_note(inv.id, text, actor="Alice", author_id=7)
    assert fields(refused) == {"body": REFUSED}
    note = service.add_note(inv.id, "Ship by Friday", actor="Alice", author_id=7)
    with pytest.raises(ValidationError) as refused:
        service.edit_note(inv.id, note.id, text, author_id=7, actor="Alice")
    assert fields(refused) == {"body": REFUSED}
    assert [n.body for n in service.notes(inv.id)] == ["Ship by Friday"]


@pytest.mark.parametrize("action", ["void", "reissue"])
def test_the_reason_of_a_void_or_reissue(service, action):
    inv = service.post(service.create(invoice_payload()).id)
    with pytest.raises(ValidationError) as refused:
        getattr(service, action)(inv.id, reason="wrong\x00address", actor="Alex Admin")
    assert fields(refused) == {"reason": REFUSED}
    after = service.get(inv.id)
    assert after.payment_status != PaymentStatus.CREDITED and not after.amount_credited
    assert [i.id for i in service.list_invoices({}, limit=10).items] == [inv.id]


def test_the_notes_of_a_refund(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, int(doc.total_amount * 100))))
    [tx] = [t for t in service.transactions(doc.id) if t.action == "charge"]
    with pytest.raises(ValidationError) as refused:
        service.refund_payment(tx.id, "1.00", notes="asked\x00by phone", actor="Alex Admin")
    assert fields(refused) == {"notes": REFUSED}
    assert [t.action for t in service.transactions(doc.id)] == ["charge"]


def test_a_recorded_payment(service):
    inv = service.post(service.create(invoice_payload()).id)
    payment = {"method": "bank_transfer", "action": "charge", "amount": "10.00", "currency": "USD",
               "provider_reference": "TX-1", "notes": "wired\x00late"}
    with pytest.raises(ValidationError) as refused:
        service.record_payment(inv.id, payment, actor="Alex Admin")
    assert fields(refused) == {"notes": REFUSED, "currency": "Unknown field."}   # every problem at once
    assert service.transactions(inv.id) == []


def test_an_email(db, tmp_path):
    app = make_app(db, tmp_path, generate_pdf=False)
    invoice = app.invoices.post(app.create().id, actor="admin")
    mail = make_mail(app)
    with pytest.raises(ValidationError) as refused:
        mail.send(invoice.id, to="buyer@acme.test", subject="Invoice\x00", text="Pay\x00soon",
                  html="<p>\udc80</p>", template="custom\x00", once="form\x00key", actor="admin")
    assert fields(refused) == dict.fromkeys(("subject", "text", "html", "template", "once"), REFUSED)
    with pytest.raises(NotFound):  # a template name no host can have stored: never looked up
        mail.prepare(invoice.id, "invoice\x00notification")
    assert mail.emails(invoice.id) == []
