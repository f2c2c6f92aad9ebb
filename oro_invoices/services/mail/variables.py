"""What each variable of the add-on's email templates is, and which variables each template
receives from the mail composer (its declared ``EmailTemplate.variables`` and those the composer
adds, such as ``recipient_name``), for a host's template editor to list beside the template;
docs/email.md has them in full."""
from __future__ import annotations

from collections.abc import Iterable

from oro_invoices.i18n import N_
from oro_invoices.integration.profile import (
    ACTIVITY_TEMPLATE,
    AGING_TEMPLATE,
    AUTHORIZATION_ALERT_TEMPLATE,
    CREDIT_NOTE_TEMPLATE,
    NOTIFICATION_TEMPLATE,
    RECEIPT_TEMPLATE,
    REFUND_TEMPLATE,
    REMINDER_TEMPLATE,
    STATEMENT_TEMPLATE,
)

#: Each variable's description, in English (translate it with ``i18n``); attribute names stay as they are.
DESCRIPTIONS: dict[str, str] = {
    "invoice": N_("The invoice (the credit note in a credit note's email): display_number, invoice_date, "
                  "due_date, currency, customer_name, bill_to, lines, subtotal, tax_amount, total_amount, "
                  "amount_paid, amount_due …"),
    "payment_url": N_("The invoice's payment page, where it is paid without logging in; empty while it "
                      "cannot be paid online."),
    "seller": N_("The seller: company_name, phone, contact_email, website_url, tax_id; its address "
                 "line by line with seller|seller_address."),
    "reminder": N_("The reminder: label (such as \"7 days overdue\"), days_overdue, days_until_due."),
    "credited_invoice": N_("The invoice the credit note credits, as it stands now: display_number, "
                           "amount_due, payment_status …"),
    "settlement": N_("How money already paid goes back: settlement.how (refund or outside) and "
                     "settlement.amount; empty when nothing is given back."),
    "amount_due_after": N_("What the credited invoice had left due right after the credit note was made "
                           "(the amount due it reduced it to); empty for a credit note imported or made "
                           "before it was kept."),
    "payment": N_("The payment: amount, currency, method, date, received_at, received_on, payer, "
                  "method_code, action, transaction_id, surplus, over_refund_covered."),
    "remittance": N_("A payment for several invoices: total, currency, numbers, shares (each invoice's "
                     "part), paid_in_full; empty for a payment of one invoice."),
    "refund": N_("The refund: amount, currency, method, date, received_at, payer, method_code, action, "
                 "transaction_id, over_refunded."),
    "authorization": N_("The authorization about to expire: amount, currency, method, held_until, "
                        "renewal_problem, invoice_url."),
    "statement": N_("The statement of account: as_of, customer_name, invoices (how many are open), is_empty, "
                    "left_out (open invoices not listed), sections (per currency: currency, total, overdue, "
                    "aging.amounts by bucket (the aging carries no credit: its credit is 0 and its net the total; "
                    "the customer's credit is in credits), items, each with number, invoice_date, due_date, days_overdue, "
                    "payment_authorized, due), credits (the customer's credit per currency: currency, amount), "
                    "credit(currency), section(currency) and payable(currency) (what is to pay: to_pay, "
                    "overdue, held, credit_used)."),
    "recipient_name": N_("The name of the customer user the email is addressed to; empty when there is none."),
    "activity": N_("The account activity: start, end, customer_name, is_empty, sections (per currency: "
                   "currency, opening, closing, charges, credits, lines, each with on, kind, number, amount, "
                   "charge, credit, balance, method, reference)."),
    "report": N_("The Aging Report: as_of, lines (per customer and currency: customer_name, currency, "
                 "amounts by bucket, total, overdue, credit, net) and totals."),
    "report_url": N_("The report's page in the back-office on its day; empty when there is none."),
    "pdf_attached": N_("Whether the PDF is attached to this email (true or false), so that the text says "
                       "\"attached\" only when it is."),
    "receipt_attached": N_("Whether the payment's receipt PDF is attached (true or false); empty when "
                           "the email is written in the invoice's email dialog."),
    "paid_by": N_("The address of the colleague who paid, when someone other than the recipient paid "
                  "in the storefront (they get a copy); empty otherwise."),
}

#: What an email about one invoice receives (``MailService.prepare``, ``context``).
_INVOICE_EMAIL = ("invoice", "payment_url", "seller", "recipient_name", "pdf_attached")
#: What a receipt sent after a payment receives besides (``PaymentReceipts``).
_RECEIPT = ("receipt_attached", "paid_by")

#: Every variable the composer gives each of the add-on's templates (plugins may add more,
#: through ``invoice_email_context``).
RECEIVED: dict[str, tuple[str, ...]] = {
    NOTIFICATION_TEMPLATE: _INVOICE_EMAIL,
    REMINDER_TEMPLATE: (*_INVOICE_EMAIL, "reminder"),
    CREDIT_NOTE_TEMPLATE: (*_INVOICE_EMAIL, "credited_invoice", "settlement", "amount_due_after"),
    RECEIPT_TEMPLATE: (*_INVOICE_EMAIL, "payment", "remittance", *_RECEIPT),
    REFUND_TEMPLATE: (*_INVOICE_EMAIL, "refund", *_RECEIPT),
    AUTHORIZATION_ALERT_TEMPLATE: (*_INVOICE_EMAIL, "authorization"),
    STATEMENT_TEMPLATE: ("statement", "seller", "recipient_name", "pdf_attached"),
    ACTIVITY_TEMPLATE: ("activity", "seller", "recipient_name", "pdf_attached"),
    AGING_TEMPLATE: ("report", "seller", "report_url"),
}


def received(name: str, declared: Iterable[str] = ()) -> list[str]:
    """The variables template ``name`` receives: its ``declared`` ones first, then the others
    the composer gives it (``RECEIVED``)."""
    first = list(dict.fromkeys(declared))
    return first + [v for v in RECEIVED.get(name, ()) if v not in first]


def described(names: Iterable[str]) -> list[tuple[str, str]]:
    """Each of ``names`` with its English description ("" for a variable of no description)."""
    return [(name, DESCRIPTIONS.get(name, "")) for name in names]
