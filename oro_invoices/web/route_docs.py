"""The route tables of docs/web.md, made from the code (``web.pages.ROUTES``, ``web.api.ROUTES``).

    python -m oro_invoices.web.route_docs        # prints both tables

``docs/generate.py`` writes them into the docs; a test fails when the docs differ.
"""
from __future__ import annotations

from collections.abc import Mapping

from oro_invoices.web import api
from oro_invoices.web.mounting import check_prefixes, mounted_routes
from oro_invoices.web.pages import DEFAULT_PREFIXES, ROUTES

#: What the user sees at each page (a test holds every page to a summary here).
PAGE_SUMMARIES = {
    "oro_invoices.admin.index": "**Sales > Invoices** grid",
    "oro_invoices.admin.grid_columns": "**Save columns** / **Default columns** in the grid's column chooser",
    "oro_invoices.admin.customer_names": "the grid's Customer filter suggestions: up to 20 customer names of the admin's organization starting with `?q=` (JSON)",
    "oro_invoices.admin.view": "the invoice view page; `?dialog=send-to-customer`, `?dialog=email`, `?dialog=delete`, `?dialog=refund&transaction=<id>`, `?dialog=capture&transaction=<id>`, `?dialog=cancel-authorization&transaction=<id>`, `?dialog=reauthorize&transaction=<id>`, `?dialog=unanswered&transaction=<id>` (Confirm Outcome of a request whose answer was lost; beside a lost refund, `?dialog=refund&transaction=<id>&another=1` is a new refund of what is not reserved), `?dialog=record-payment`, `?dialog=reverse-payment&transaction=<id>` or `?dialog=apply-credit` opens a dialog over it",
    "oro_invoices.admin.add_note": "**Add note** (the `oro_invoices.note` permission)",
    "oro_invoices.admin.edit_note": "**Save** in a note's edit form (`?edit_note=<id>`; its author only, with the `oro_invoices.note` permission)",
    "oro_invoices.admin.delete_note": "**Delete** on a note (its author only, with the `oro_invoices.note` permission; with scripts the browser asks first)",
    "oro_invoices.admin.email": "one email of the Emails section: headers, the message (HTML sandboxed, and text), attachments",
    "oro_invoices.admin.email_attachment": "an attachment of that email, as sent",
    "oro_invoices.admin.delete_confirm": "**Delete**: the confirmation as a page of its own (drafts only; the pages open it as `?dialog=delete`)",
    "oro_invoices.admin.delete": "**Delete**: confirmed",
    "oro_invoices.admin.send_to_customer": "**Proceed** in the Send to Customer confirmation",
    "oro_invoices.admin.send_email": "**Send** in the email dialog",
    "oro_invoices.admin.email_decision": "**Send again** / **Mark as delivered** on an email of the Emails section",
    "oro_invoices.admin.download": "**Download** (the stored PDF; a posted invoice's PDF not made yet is made "
                                   "first, once, as by the API; a draft's: 404)",
    "oro_invoices.admin.download_xml": "**Download XML** (where the invoice keeps an e-invoice XML or its stored PDF carries one): the XML it was imported from or issued as UBL, else the one attached to the stored PDF, read out of it",
    "oro_invoices.admin.credit_note_form": "**Create Credit Note** on a posted invoice: the form (all that remains, quantities of lines or net amounts per tax rate; a reason; when money was paid, refunded, kept as the customer's credit or settled outside)",
    "oro_invoices.admin.create_credit_note": "**Create Credit Note** in that form: the credit note, posted and numbered the moment it is made",
    "oro_invoices.admin.void_confirm": "**Void**: the confirmation (a posted invoice nothing was paid for)",
    "oro_invoices.admin.void": "**Yes, Void**: a credit note for all that remains, the invoice Voided",
    "oro_invoices.admin.reissue_confirm": "**Re-issue**: the confirmation",
    "oro_invoices.admin.reissue": "**Yes, Re-issue**: the invoice voided and a corrected draft copied from it, in one transaction",
    "oro_invoices.admin.receipt": "**Receipt (PDF)** under a payment, capture or refund of the Payments section: its receipt, made the first time and then kept",
    "oro_invoices.admin.order_invoices": "the order view page's **Invoices** tab: the order's invoices and, for admins who create invoices (`oro_invoices.import`), the **Create Invoice** form (the order's lines, each with what was ordered, what is invoiced already and the quantity to invoice, at first what remains; invoice date, due date)",
    "oro_invoices.admin.create_from_order": "**Create Invoice** on the order's Invoices tab: a draft of the quantities given (a line at 0 left out; sent without quantities, of the whole order), opened (refused: the tab again, keeping what was typed and saying why, a quantity's problem beside it; an order invoiced in full already names its invoices and offers **Create Another Invoice**)",
    "oro_invoices.admin.export_csv": "**Export CSV** on the grid: every invoice its filters select, oldest first, in the layout of `oro-invoices export`",
    "oro_invoices.admin.export_totals_csv": "**Export Totals (CSV)** on the grid: every invoice its filters select in its order, one row each: number, type, status, dates, customer, currency, total, credited, paid, due, payment status and method",
    "oro_invoices.admin.import_form": "**Import E-Invoices** (on the grid, with the `oro_invoices.import` permission, for an admin of an organization): upload Factur-X / ZUGFeRD PDFs or CII or UBL XML files",
    "oro_invoices.admin.import_files": "**Import**: each uploaded e-invoice becomes a posted invoice or credit note (or names the one it made before); the page lists what became of each file and every problem of those refused",
    "oro_invoices.admin.export_pdfs": "**Download PDFs (ZIP)** on the grid (offered while the grid lists something other than drafts only): the stored PDFs of the posted invoices and credit notes its filters select, in its order, one ZIP archive; `missing.txt` in it names those without a readable PDF",
    "oro_invoices.admin.selection_send_confirm": "**Send to Customer** for the invoices ticked on the grid (`?invoice=<id>&invoice=…`, at most 100): what will happen to each (a draft posted first, the address it goes to, which cannot be sent and why) and the button that does it; needs `oro_invoices.send`",
    "oro_invoices.admin.selection_send": "Posts the drafts among the ticked invoices, then emails each to its customer user from its template with its PDF; the page says what became of each (the same form sent again sends nothing more)",
    "oro_invoices.admin.selection_delete_confirm": "**Delete** for the invoices ticked on the grid: which drafts will be deleted and which posted invoices are kept; needs `oro_invoices.delete`",
    "oro_invoices.admin.selection_delete": "Deletes the ticked drafts, then back to the grid saying how many, and naming any that were not",
    "oro_invoices.admin.selection_payment_form": "**Record Payment** for the invoices ticked on the grid: one payment received for several invoices (a bank transfer), each payable invoice's share (its amount due, or `?received=` spread oldest due first), the ones that cannot take a share and why, and how it was received; needs `oro_invoices.manage_payments`",
    "oro_invoices.admin.selection_payment": "Records each share as a payment by hand on its invoice (all checked first: a problem shows the form again beside its field, 422, and nothing is recorded); the page says what became of each (the same form sent again records nothing more)",
    "oro_invoices.admin.bank_statement_form": "**Match Bank Statement** (on the grid): the form taking a statement file of the seller's bank account (CAMT.053, .054 or .052 XML, MT940, BAI2 or CSV); needs `oro_invoices.manage_payments` and an admin of an organization",
    "oro_invoices.admin.bank_statement": "Reads the statement and lists each payment received with the invoices its reference names and how its amount compares with what they owe, each leading to Record Payment filled in; writes nothing (422 for a file it cannot read)",
    "oro_invoices.admin.bank_statement_record": "**Record them**: records the ticked payments of the statement that pay exactly what their invoices owe (and those ticked that bring more than their invoices of one customer owe, what is over kept as that customer's credit), each as Record Payment for its invoices would (by bank transfer, the day booked, its reference), once however often it is sent; the page says what became of each",
    "oro_invoices.admin.selection_pdfs": "**Download PDFs** for the invoices ticked on the grid: their stored PDFs as one ZIP archive (`invoice-pdfs-YYYY-MM-DD.zip`), in the grid's sort (oldest first when `return` has none); drafts have none (drafts only: back to the grid saying so)",
    "oro_invoices.admin.record_payment": "**Record Payment** on the view page's Payments (with `oro_invoices.manage_payments`, while the invoice is owed): a payment received outside the payment methods (bank transfer, check, cash, direct debit, other), of at most the amount due unless what is over it is kept as the customer's credit, with the day received and a reference",
    "oro_invoices.admin.apply_credit": "**Apply Credit** on the view page's Payments (with `oro_invoices.manage_payments`, while the invoice is owed and its customer has credit in its currency): pays at most the credit and the amount due from the customer's credit, recorded as a payment by Customer credit (Reverse puts the credit back); the same form sent again applies nothing more",
    "oro_invoices.admin.customer_credit": "A customer's **Customer Credit** (`?customer=<id>`, linked from the view page's Payments and the customer's statement): the balance per currency and the ledger of every change, newest first, 50 at a time (`&before=<id>`: **Older entries**)",
    "oro_invoices.admin.customer_credit_pay_out": "**Give Back Credit** on that page (`?customer=<id>`, with `oro_invoices.manage_payments`): credit given back outside the add-on (a bank transfer, a check), at most the balance in its currency; a problem shows the page again (422); the same form sent again gives back nothing more",
    "oro_invoices.admin.reverse_payment": "**Reverse** a payment recorded by hand in error (with a reason): the invoice is due again as if it had never been recorded",
    "oro_invoices.admin.aging": "**Aging Report** (a button on the grid): what each customer still owes on posted invoices, by days past the due date (not yet due, 1–30, 31–60, 61–90, over 90), with the credit each customer holds (negative) and the net, one table per currency with its total; `?customer=` keeps one customer or the names starting with it, `?currency=` shows one, `?sort=` orders the customers by an amount, `?as_of=` gives the aging at the end of a past day (a month-end), `?page=` shows the next 100 customers",
    "oro_invoices.admin.aging_pdf": "The Aging Report's **Download PDF**: the report as the page orders it, headed by the admin's organization, to file or hand to an accountant (`aging-YYYY-MM-DD.pdf`; an admin of no organization: 404)",
    "oro_invoices.admin.aging_detail_csv": "The Aging Report's **Export Detail (CSV)**: every invoice the report counts on its day, with its customer, dates, days overdue, bucket and amounts, by currency, customer and due date (`aging-detail-YYYY-MM-DD.csv`, streamed)",
    "oro_invoices.admin.aging_customer_names": "the Aging Report's Customer field suggestions: up to 20 names of the customers the report of `?currency=` on `?as_of=` lists (the host's names, as it shows and filters them; on a past day, those who owed something at its end in the organization's time zone, or held credit) starting with `?q=`, read without making the report (JSON, as `customer-names`)",
    "oro_invoices.admin.aging_csv": "The Aging Report's **Export CSV**: a row per customer and currency (its buckets, total due, credit and net), then a total row per currency (`aging-YYYY-MM-DD.csv`, the day it is judged on)",
    "oro_invoices.admin.statement": "A customer's **Statement** (`?customer=<id>`, linked from the Aging Report): their open invoices with what each still owes and its days overdue, per currency with the aging of them all",
    "oro_invoices.admin.statement_pdf": "The statement's **Download PDF** (`?customer=<id>`): the statement of account to send the customer, made now in their language (`statement-<id>-YYYY-MM-DD.pdf`)",
    "oro_invoices.storefront.activity": "**Account activity** (linked under the list's balance): the activity statement (balance forward) of the invoices the customer user's role shows, for `?from=YYYY-MM-DD&to=YYYY-MM-DD` (by default from the first day of the month two months back to today); 422 for a bad period, among them one with a day after today (the date pickers stop at today)",
    "oro_invoices.storefront.activity_csv": "The activity's **Download CSV**: the rows of the page in the back-office's Export CSV layout, in the page's language (`activity-<customer id>-<from>-<to>.csv`); a bad period shows the form again saying why (422)",
    "oro_invoices.storefront.activity_pdf": "The activity's **Download PDF** where PDF download is on (`activity-<customer id>-<from>-<to>.pdf`); a bad period shows the form again saying why (422)",
    "oro_invoices.admin.statement_activity": "The statement's **Activity** (`?customer=<id>&from=YYYY-MM-DD&to=YYYY-MM-DD`, by default from the first day of the month two months back to today): the activity statement (balance forward) per currency: the opening balance, each invoice, credit note, payment and refund dated in the period with the balance after it, and the closing balance (422 for a bad period)",
    "oro_invoices.admin.statement_activity_email": "**Send to Customer** of the activity (`?customer=<id>&from=…&to=…`, with `oro_invoices.send`): queues the dialog's message to the customer with the activity PDF attached; a bad address or an empty subject shows the dialog again (422); the same form sent twice sends once",
    "oro_invoices.admin.statement_activity_pdf": "The activity's **Download PDF**: the activity statement to send the customer, made now in their language (`activity-<id>-<from>-<to>.pdf`); a bad period shows the page's form again saying why (422)",
    "oro_invoices.admin.statement_activity_csv": "The activity's **Export CSV**: an opening row, a row per entry with the balance after it and a closing row per currency, each with its kind's code and the entry as the page writes it, in its language (`activity-<id>-<from>-<to>.csv`); a bad period shows the page's form again saying why (422)",
    "oro_invoices.admin.statement_csv": "The statement's **Export CSV** (`?customer=<id>`): a row per open invoice, then a `credit` row per currency the customer holds credit in (`statement-<id>-YYYY-MM-DD.csv`)",
    "oro_invoices.admin.aging_email": "The Aging Report's **Email** dialog (`?dialog=email` on the report): queues the report of the page's filters, order and day to the recipients typed, its PDF and CSV attached (`oro_invoices.send`; an admin of one organization)",
    "oro_invoices.admin.aging_email_view": "One Aging Report email of the admin's organization (sent from **Email** or on the schedule): its headers, bodies and attachments, opened from **Aging Reports Sent**",
    "oro_invoices.admin.aging_email_attachment": "An attachment of an Aging Report email: the report's PDF or CSV it carried, checked against the SHA-256 it recorded",
    "oro_invoices.admin.aging_email_decision": "**Send again** (or **Mark as delivered**) on an undelivered Aging Report email (`oro_invoices.send`)",
    "oro_invoices.admin.statement_reminders": "**Stop Payment Reminders** / **Resume Payment Reminders** on the statement (`?customer=<id>`, form `reminders=off|on`): the customer's own Send Payment Reminders setting off (the reminder runs skip them), or forgotten so that the customer group's, website's or organization's applies (`oro_invoices.configure`; 422 for any other value)",
    "oro_invoices.admin.statement_email": "The statement's **Send to Customer** dialog (`?customer=<id>`): queues the email with the statement PDF attached (`oro_invoices.send`)",
    "oro_invoices.admin.statement_email_view": "One statement email of the customer (`?customer=<id>`): its headers, bodies and attachments, opened from **Statements Sent**",
    "oro_invoices.admin.statement_email_attachment": "An attachment of a statement email (`?customer=<id>`): the statement PDF it carried, checked against the SHA-256 it recorded",
    "oro_invoices.admin.statement_email_decision": "**Send again** (or **Mark as delivered**) on an undelivered statement email of the customer (`?customer=<id>`; `oro_invoices.send`)",
    "oro_invoices.storefront.download_all": "**Download PDFs (ZIP)** on My Account > Invoices (offered while the list finds something): the stored PDFs of the invoices and credit notes its filters select that the customer user may see and download, in its order (by Total only while they are all in one currency, as the list sorts: 422 otherwise)",
    "oro_invoices.storefront.statement": "**Download statement (PDF)** under the Balance: the open invoices the user's role shows, each with what it still owes and its days overdue, per currency with their aging (`statement-<customer id>-YYYY-MM-DD.pdf`)",
    "oro_invoices.storefront.index": "My Account > **Invoices**",
    "oro_invoices.storefront.view": "the storefront invoice page",
    "oro_invoices.storefront.download": "**Download** in the storefront (as the back-office's)",
    "oro_invoices.storefront.download_xml": "**Download XML** in the storefront (where the invoice keeps an e-invoice XML or its stored PDF carries one, and PDF download is on)",
    "oro_invoices.storefront.receipt": "**Receipt (PDF)** under a payment or refund of the storefront invoice page's Payments section (where PDF download is on)",
    "oro_invoices.storefront.pay": "the guest payment page (no login): the payment page of exactly that invoice",
    "oro_invoices.admin.refund": "**Yes, Refund Payment** in the Refund Payment dialog of a charge",
    "oro_invoices.admin.capture": "**Yes, Capture Payment** in the dialog of an authorization",
    "oro_invoices.admin.reauthorize": "**Yes, Re-authorize** in the dialog of an authorization whose card the method kept",
    "oro_invoices.admin.confirm_unanswered": "**It Was Made** / **It Was Not Made** in the dialog of a refund or cancellation whose provider's answer was lost (`?dialog=unanswered&transaction=<id>`): recorded, or released",
    "oro_invoices.admin.cancel_authorization": "**Yes, Cancel Authorization** in the dialog of an authorization",
    "oro_invoices.storefront.pay_several": "**Pay Selected**: \"Pay Invoices\", the ticked invoices with what each owes and the total, **Proceed with Payment**",
    "oro_invoices.storefront.start_several_payment": "**Proceed with Payment** for the ticked invoices: one payment, on to the payment provider",
    "oro_invoices.storefront.several_payment_result": "the result of a payment of several invoices: what became of it and of each invoice",
    "oro_invoices.storefront.apply_credit": "**Apply Credit** on the payment page: the customer's credit pays what it covers of the invoice",
    "oro_invoices.storefront.payment": "**Pay**: \"Payment - Invoice #…\", the amount due and to pay, **Proceed with Payment**",
    "oro_invoices.storefront.start_payment": "**Proceed with Payment**: on to the payment provider",
    "oro_invoices.storefront.payment_result": "\"Payment Successful\" or \"Payment Error\" of one payment",
    "oro_invoices.storefront.guest_start_payment": "**Proceed with Payment** on the guest payment page",
    "oro_invoices.storefront.guest_payment_result": "the guest payment's result (no Back to Invoice Page)",
    "oro_invoices.storefront.guest_receipt": "**Receipt (PDF)** on the guest payment's \"Payment Successful\" page: the receipt of that payment (where PDF download is on)",
    "oro_invoices.storefront.payment_notify": "the payment provider's signed answer or the customer coming back from it (no login, no CSRF: the method verifies the signature)",
}


def _summary(endpoint: str, handler: str) -> str:
    return PAGE_SUMMARIES.get(endpoint) or f"handler `{handler}`"


def page_table(prefixes: Mapping[str, str] = DEFAULT_PREFIXES) -> str:
    """Every page: endpoint, method, path under ``prefixes``, area, what the user sees."""
    handlers = {r.endpoint: r.handler for r in ROUTES}
    rows = ["| Endpoint | Method | Default path | Area | What the user sees |",
            "|---|---|---|---|---|"]
    for route in mounted_routes(check_prefixes(prefixes)):
        rows.append(f"| `{route.endpoint}` | {', '.join(route.methods)} | `{route.rule}` | "
                    f"{route.area} | {_summary(route.endpoint, handlers[route.endpoint])} |")
    return "\n".join(rows)


def api_table(base_path: str = "/api") -> str:
    """Every API route: method, path under ``base_path``, the scope it needs, the handler."""
    rows = ["| Method | Path | Scope | Handler |", "|---|---|---|---|"]
    for route in api.ROUTES:
        scope = f"`{route.scope}`" if route.scope else "none (no token)"
        rows.append(f"| {route.method} | `{base_path.rstrip('/')}{route.path}` | {scope} | "
                    f"`InvoiceApi.{route.handler}` |")
    return "\n".join(rows)


def main() -> None:
    print("Pages\n\n" + page_table() + "\n\nJSON API\n\n" + api_table())


if __name__ == "__main__":
    main()
