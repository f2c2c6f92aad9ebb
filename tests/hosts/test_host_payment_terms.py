"""Days to Pay on the reference shop: set per customer, dating new invoices, warning before posting."""
from __future__ import annotations

import datetime as dt
import re

from support.config_form import save
from support.pdfs import pdf_words

from oro_invoices.hosts.reference.testing import text_of

CONFIG = "/admin/config/oro_invoices"
SEND = "/admin/invoices/selected/send"


def acme_id(shop) -> int:
    return next(c["id"] for c in shop[1]["customers"] if c["name"] == "Acme Industries AG")


def test_days_to_pay_and_terms_naming_them_are_checked_when_saved(shop, admin):
    url = CONFIG + f"?scope=customer&scope_id={acme_id(shop)}"
    refused = save(admin, url, {"oro_invoices.seller.payment_days": "thirty",
                                "oro_invoices.seller.payment_days.use_default": None,
                                "oro_invoices.seller.payment_terms": "Pay {amount} within {days} days.",
                                "oro_invoices.seller.payment_terms.use_default": None})
    assert refused.status_code == 422
    text = text_of(refused.get_data(as_text=True))
    assert "Give a whole number of days from 0 (due on the invoice date) to 3650, or leave it empty." in text
    assert "{amount} is not something the terms can name; use {days} (the days to pay) or {due_date}" in text
    saved = save(admin, url, {"oro_invoices.seller.payment_days": " 14 ",
                              "oro_invoices.seller.payment_days.use_default": None,
                              "oro_invoices.seller.payment_terms": "Zahlbar innerhalb von {days} Tagen.\n"
                                                                   "Bitte zahlen Sie bis {due_date}.",
                              "oro_invoices.seller.payment_terms.use_default": None})
    assert saved.status_code == 302
    page = admin.get(url).get_data(as_text=True)     # the terms in a text area, as saved: two lines
    assert ('<textarea id="oro_invoices.seller.payment_terms" name="oro_invoices.seller.payment_terms" rows="3" >'
            "Zahlbar innerhalb von {days} Tagen.\nBitte zahlen Sie bis {due_date}.</textarea>") in page
    assert 'name="oro_invoices.seller.payment_days" value="14"' in page


def test_an_invoice_created_without_a_due_date_is_due_by_the_days_the_customer_was_given(shop, admin):
    save(admin, CONFIG + f"?scope=customer&scope_id={acme_id(shop)}",
         {"oro_invoices.seller.payment_days": "14", "oro_invoices.seller.payment_days.use_default": None,
          "oro_invoices.seller.payment_terms": "Zahlbar innerhalb von {days} Tagen.\nBitte zahlen Sie bis {due_date}.",
          "oro_invoices.seller.payment_terms.use_default": None})
    draft = admin.service.get(admin.service.find_id(external_id="ERP-SO-1004-4"))
    assert draft.customer_id == acme_id(shop) and not draft.is_posted
    payload = {"invoice_date": draft.invoice_date.isoformat(), "currency": draft.currency,
               "customer_id": draft.customer_id, "customer_user_id": draft.customer_user_id,
               "bill_to": draft.bill_to.as_dict(),
               "lines": [{"description": "Beratung", "quantity": "1", "unit_price": "100.00", "tax_rate": "0.19"}]}
    created = admin.service.create(payload, actor="admin")
    assert created.due_date == draft.invoice_date + dt.timedelta(days=14)
    posted = admin.service.post(created.id, actor="admin")
    words = pdf_words(admin.get(f"/admin/invoices/{posted.id}/download").data)
    assert "Zahlbar innerhalb von 14 Tagen." in words
    assert "Bitte zahlen Sie bis" in words and "{" not in words


def test_posting_a_draft_whose_due_date_gives_other_days_warns_first(shop, admin):
    draft = admin.service.get(admin.service.find_id(external_id="ERP-SO-1004-4"))
    days = (draft.due_date - draft.invoice_date).days
    page = admin.get(f"/admin/invoices/{draft.id}").get_data(as_text=True)
    assert 'id="oi-terms-gap"' not in page                     # the shop's 30 days, as the seed dates it
    save(admin, CONFIG + f"?scope=customer&scope_id={acme_id(shop)}",
         {"oro_invoices.seller.payment_days": str(days + 5), "oro_invoices.seller.payment_days.use_default": None})
    warning = (f"The due date gives {days} days to pay, while the payment terms for this customer give {days + 5} "
               "(Days to Pay). Change the due date if that is not what was agreed.")
    page = admin.get(f"/admin/invoices/{draft.id}").get_data(as_text=True)
    assert warning in text_of(page)
    dialog = admin.get(f"/admin/invoices/{draft.id}?dialog=send-to-customer").get_data(as_text=True)
    assert 'id="oi-confirm-terms-gap"' in dialog and warning in text_of(dialog)
    other = admin.service.get(admin.service.find_id(external_id="ERP-SO-1009-9"))      # Globex: no warning
    confirm = admin.get(SEND + f"?invoice={draft.id}&invoice={other.id}").get_data(as_text=True)
    assert (f"The due date of 1 draft gives other days to pay than its customer's payment terms (Days to Pay): "
            f"{draft.display_number}.") in text_of(confirm)
    posted = admin.service.post(draft.id, actor="admin")       # a warning, not a refusal
    assert posted.is_posted and posted.due_date == draft.due_date
    assert 'id="oi-terms-gap"' not in admin.get(f"/admin/invoices/{draft.id}").get_data(as_text=True)


def test_the_order_pages_create_invoice_proposes_the_due_date_the_customers_terms_give(shop, admin):
    order = shop[1]["orders"][0]
    tab = f"/admin/orders/{order['id']}?tab=oro_invoices.order_invoices"

    def proposed() -> tuple[dt.date, dt.date]:
        html = admin.get(tab).get_data(as_text=True)
        day = re.search(r'id="oi-order-invoice-date" name="invoice_date" value="([0-9-]+)"', html)
        due = re.search(r'id="oi-order-due-date" name="due_date" value="([0-9-]+)"', html)
        assert day and due, html
        return dt.date.fromisoformat(day.group(1)), dt.date.fromisoformat(due.group(1))

    invoice_date, due = proposed()
    assert due - invoice_date == dt.timedelta(days=30)              # the shop's Days to Pay
    save(admin, CONFIG + f"?scope=customer&scope_id={order['customer_id']}",
         {"oro_invoices.seller.payment_days": "7", "oro_invoices.seller.payment_days.use_default": None})
    invoice_date, due = proposed()
    assert due - invoice_date == dt.timedelta(days=7)               # the customer's own
