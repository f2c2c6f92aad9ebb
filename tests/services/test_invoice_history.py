"""``InvoiceService.history``: notes, activity, payments and emails of an invoice in one statement,
exactly what the separate reads give."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import event
from support.mail import make_mail


def test_history_is_what_the_separate_reads_give_in_one_statement(app, db):
    mail = make_mail(app)
    doc = app.invoices.post(app.create().id, actor="admin")
    other = app.invoices.post(app.create(external_id="OTHER-1").id, actor="admin")
    for body in ("Called the buyer", "Promised to pay on Friday"):
        app.invoices.add_note(doc.id, body, actor="admin")
    app.invoices.add_note(other.id, "Not this one", actor="admin")
    for action, amount, ok in (("charge", "5.00", True), ("charge", "1.00", False),
                               ("invoice", "2.50", True)):
        app.invoices.record_payment(doc.id, {"method": "card", "action": action, "amount": amount,
                                             "successful": ok, "provider_reference": f"r-{amount}"},
                                    actor="webhook")
    mail.send(doc.id, to="buyer@acme.test", subject="Your invoice", text="Attached.",
              actor="admin")

    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    history = app.invoices.history(doc.id)
    event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1

    assert history.notes == app.invoices.notes(doc.id)
    assert [n.body for n in history.notes] == ["Promised to pay on Friday", "Called the buyer"]
    assert history.activities == app.invoices.activities(doc.id)
    assert sum(a.kind == "note" for a in history.activities) == 2
    assert history.transactions == app.invoices.transactions(doc.id)
    assert [(t.action, t.amount, t.successful) for t in history.transactions] == [
        ("charge", Decimal("5.00"), True), ("charge", Decimal("1.00"), False),
        ("invoice", Decimal("2.50"), True)]
    assert history.emails == mail.emails(doc.id)
    assert [e.subject for e in history.emails] == ["Your invoice"]


def test_an_invoice_without_notes_payments_or_emails_has_an_empty_history(app):
    doc = app.create()
    history = app.invoices.history(doc.id)
    assert (history.notes, history.transactions, history.emails) == ([], [], [])
    assert history.activities == app.invoices.activities(doc.id)


def test_history_reads_the_credit_notes_and_replacements_as_corrections_of_does(app):
    doc = app.invoices.post(app.create().id, actor="admin")
    other = app.invoices.post(app.create(external_id="OTHER-2").id, actor="admin")
    assert app.invoices.history(doc.id).corrections == app.invoices.corrections_of(doc.id)
    assert app.invoices.history(doc.id).corrections.credit_notes == []
    app.invoices.create_credit_note(doc.id, {"lines": [{"line": 1, "quantity": "1"}]}, actor="admin")
    app.invoices.create_credit_note(other.id, {"lines": [{"line": 1, "quantity": "1"}]}, actor="admin")
    replaced = app.invoices.reissue(doc.id, reason="Wrong address", actor="admin")
    history = app.invoices.history(doc.id).corrections
    assert history == app.invoices.corrections_of(doc.id)
    assert len(history.credit_notes) == 2 and all(n.credited_invoice_id == doc.id for n in history.credit_notes)
    assert [r.id for r in history.reissues] == [replaced.draft.id]
