"""A draft is never emailed as if it were an invoice: Send email is offered only once posted."""
from __future__ import annotations

import pytest
from support.held_jobs import BrokenJobs

from oro_invoices.domain.errors import InvoiceNotPosted
from oro_invoices.hosts.reference.testing import text_of


def test_a_draft_offers_send_to_customer_but_not_send_email(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1004-4")  # Carla's draft
    view = f"/admin/invoices/{inv}"
    page = admin.get(view).get_data(as_text=True)
    assert f'href="{view}?dialog=send-to-customer"' in page
    assert "Send email" not in text_of(page)
    assert f'href="{view}?dialog=email"' not in page
    # The email dialog asked for by its address shows the posting confirmation instead.
    dialog = admin.get(f"{view}?dialog=email").get_data(as_text=True)
    assert 'id="oi-email-dialog"' not in dialog
    assert "Once posted, the invoice can no longer be modified." in text_of(dialog)


def test_sending_an_email_for_a_draft_is_refused_and_queues_nothing(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1004-4")
    view = f"/admin/invoices/{inv}"
    resp = admin.submit(view, f"{view}/email", {
        "to": "carla.nguyen@acme.example", "subject": "Your invoice", "template": "",
        "body": "Please find the invoice attached."})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("?dialog=send-to-customer")
    after = text_of(admin.get(resp.headers["Location"]).get_data(as_text=True))
    assert "is a draft: only a posted invoice is emailed" in after
    mail = shop[0].extensions["oro_invoices"].mail
    assert mail.emails(inv) == []
    with pytest.raises(InvoiceNotPosted, match="only a posted invoice is emailed"):
        mail.send(inv, to="carla.nguyen@acme.example", subject="Hi", text="Attached.", attach_pdf=False,
                  actor="admin")
    assert mail.emails(inv) == [] and not admin.service.get(inv).is_posted


def test_a_posted_invoice_without_its_pdf_yet_does_not_claim_one_is_attached(shop, admin):
    service = admin.service
    inv = service.get(service.find_id(external_id="ERP-SO-1006-6"))  # Dieter's draft
    mail = shop[0].extensions["oro_invoices"].mail
    # Posted while the external system still has to supply the PDF:
    settings = shop[0].extensions["oro_invoices"].settings
    settings.set("oro_invoices.generate_pdf_on_post", False)
    posted = service.post(inv.id)
    assert posted.pdf is None
    draft = mail.prepare(posted.id)
    assert "attached" not in draft.text and "attached" not in draft.html
    assert f"here is invoice {posted.invoice_number}" in draft.text


def test_a_posting_whose_pdf_job_cannot_be_queued_is_posted_and_says_so(shop, admin, monkeypatch):
    """The host's job queue raises (breaking its "never raises") once Send to Customer's posting
    committed: the invoice is posted and the email dialog opens, with a warning saying the PDF
    job was not queued and that the sweep makes the PDF."""
    monkeypatch.setattr(admin.service.context, "jobs", BrokenJobs())
    inv = admin.service.find_id(external_id="ERP-SO-1004-4")  # Carla's draft
    view = f"/admin/invoices/{inv}"
    resp = admin.submit(f"{view}?dialog=send-to-customer", f"{view}/send-to-customer", {"confirm": "1"})

    assert resp.status_code == 303 and "dialog=email" in resp.headers["Location"]
    posted = admin.service.get(inv)
    assert posted.is_posted
    shown = text_of(admin.get(resp.headers["Location"]).get_data(as_text=True))
    assert f"Invoice {posted.invoice_number} has been posted." in shown
    assert ("The invoice is posted, but its PDF could not be handed to the background jobs; the periodic PDF "
            "sweep makes it, so there is nothing to do.") in shown
