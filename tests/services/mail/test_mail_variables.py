"""The variables a template editor lists for each email template are those the mail composer
really gives it: recorded while the add-on writes each of its emails the way it does in a shop."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from support.days import today
from support.fakepay import callback, charge, posted_invoice, start
from test_payment_receipts import pay, receipting, record_shares

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.integration.profile import AUTHORIZATION_ALERT_TEMPLATE, REMINDER_TEMPLATE, build_profile
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.authorization_alerts import SETTING, alert_expiring_authorizations
from oro_invoices.services.mail.render import TemplateRenderer
from oro_invoices.services.mail.variables import DESCRIPTIONS, RECEIVED, received


@pytest.fixture
def given(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """The variables each template was rendered with, by template name."""
    seen: dict[str, set[str]] = defaultdict(set)
    render = TemplateRenderer.render

    def recording(self: TemplateRenderer, source: Any, context: Any) -> Any:
        seen[source.name] |= set(context)
        return render(self, source, context)

    monkeypatch.setattr(TemplateRenderer, "render", recording)
    return seen


def _write_every_email(db: Any, pdfs: Path) -> None:
    """Each of the add-on's emails, composed as the shop composes it."""
    service, settings, mail = receipting(db)
    service.context.storage = LocalStorage(pdfs)
    service.context.renderer = PdfRenderer()
    settings.set(SETTING, "ops@acme.test")
    doc = posted_invoice(service)
    mail.prepare(doc.id)                                    # Send to Customer
    mail.prepare(doc.id, REMINDER_TEMPLATE)                 # a reminder written in the email dialog
    pay(service, doc.id, 23186, actor="ap@acme.test")       # a colleague pays: the receipt
    [paid] = [t for t in service.transactions(doc.id) if t.action == "charge"]
    service.refund_payment(paid.id, "31.86", actor="Alex Admin")  # the refund notice
    note = service.create_credit_note(doc.id, {"lines": [{"line": 1, "quantity": "1"}], "reason": "Returned"},
                                      actor="admin").credit_note
    mail.prepare(note.id)                                   # Send to Customer of a credit note
    record_shares(service, {posted_invoice(service).id: "100.00", posted_invoice(service).id: "50.00"})
    held = posted_invoice(service)                          # an authorization about to be released
    attempt = start(service, held.id).attempt.public_id
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=30)).isoformat()
    service.handle_payment_callback("fakepay", callback(attempt, {
        **charge(attempt, 23186), "action": "authorize", "event_id": f"auth-{attempt}",
        "data": {"capture_before": until}}))
    assert alert_expiring_authorizations(service, mail).summary().startswith("1 alert(s) queued")
    mail.statements.prepare(service.statement_of(doc.customer_id, organization_id=1))
    mail.statements.prepare(service.activity_statement(doc.customer_id, start=today() - dt.timedelta(days=30),
                                                       end=today(), organization_id=1))
    mail.aging.prepare(mail.aging.report(InvoiceFilter(organization_id=1)), 1)


def test_each_template_lists_every_variable_the_composer_gives_it(sqlite_db: Any, given: dict[str, set[str]],
                                                                  tmp_path: Path) -> None:
    _write_every_email(sqlite_db, tmp_path / "pdf")
    templates = {t.name: t for t in build_profile().email_templates}
    assert set(given) == set(templates) == set(RECEIVED)  # every email was written
    for name, template in templates.items():
        listed = received(name, template.variables)
        assert set(listed) == given[name], name
        assert listed[:len(template.variables)] == list(template.variables)  # the declared ones first
        assert all(DESCRIPTIONS.get(variable) for variable in listed), name  # each says what it holds
    assert AUTHORIZATION_ALERT_TEMPLATE in given
