"""What each variable of the add-on's email templates is (``EmailTemplate.variables``), for a
host's template editor to list beside the template; docs/email.md has them in full."""
from __future__ import annotations

from collections.abc import Iterable

from oro_invoices.i18n import N_

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
    "payment": N_("The payment: amount, currency, method, received_at, payer."),
    "remittance": N_("A payment for several invoices: total, currency, numbers, shares (each invoice's "
                     "part), paid_in_full; empty for a payment of one invoice."),
    "refund": N_("The refund: amount, currency, method, received_at."),
    "authorization": N_("The authorization about to expire: amount, currency, method, held_until, "
                        "renewal_problem, invoice_url."),
    "statement": N_("The statement of account: as_of, customer_name, is_empty, sections (per currency: "
                    "currency, total, overdue, items), credits."),
    "recipient_name": N_("The name of the customer user the email is addressed to; empty when there is none."),
    "activity": N_("The account activity: start, end, customer_name, is_empty, sections (per currency: "
                   "currency, opening, closing, lines)."),
    "report": N_("The Aging Report: as_of, lines (per customer and currency: customer_name, currency, "
                 "amounts by bucket, total, overdue, credit, net) and totals."),
    "report_url": N_("The report's page in the back-office on its day; empty when there is none."),
}


def described(names: Iterable[str]) -> list[tuple[str, str]]:
    """Each of ``names`` with its English description ("" for a variable of no description)."""
    return [(name, DESCRIPTIONS.get(name, "")) for name in names]
