"""The JSON API's OpenAPI 3 document, built with apispec from the marshmallow schemas.

apispec (the ``api`` extra) is imported only when the document is built.

Also holds the API's own output schemas (list rows, payment transactions,
notes, errors); ``oro_invoices.web.api`` dumps with them, so what the document
says is what the API sends. Paths are relative to the server URL (the API's
``base_path``), exactly as ``api.ROUTES`` spells them.
"""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from oro_invoices import __version__
from oro_invoices.domain.events import CUSTOMER_CREDIT_UPDATED, PAYMENT_STATUS_UPDATED
from oro_invoices.domain.invoice import DocumentType, PaymentStatus
from oro_invoices.domain.limits import REASON_MAX
from oro_invoices.persistence.customer_credit import KINDS as CREDIT_KINDS
from oro_invoices.persistence.outgoing_events import STATUSES as EVENT_STATUSES
from oro_invoices.persistence.queries import MAX_LIMIT, SORT_KEYS
from oro_invoices.services.aging import SORTS as AGING_SORTS
from oro_invoices.services.event_log import LIST_ERROR_MAX
from oro_invoices.services.order_invoicing import OrderInvoiceRequest
from oro_invoices.services.schema_messages import text_length
from oro_invoices.services.schemas import (
    AddressOut,
    AddressSchema,
    BuyerSchema,
    CreditNoteInputSchema,
    DecimalString,
    InvoiceInputSchema,
    InvoiceOutputSchema,
    LineOut,
    LineSchema,
    NoteInputSchema,
    PaymentInputSchema,
    PdfOut,
    TaxOut,
)

PAYMENT_STATUSES = [s.value for s in PaymentStatus]
#: What ``payment_status`` says of a draft, which has no payment status until it is posted.
DRAFT_PAYMENT_STATUS = (
    "The payment status code. A draft has none until it is posted: it says pending (or what was forced) for "
    "compatibility, payment_status_label is null, and the payment_status filter does not find drafts.")
DOCUMENT_TYPES = [t.value for t in DocumentType]
DEFAULT_LIMIT = 25
EVENT_TYPES = [PAYMENT_STATUS_UPDATED, CUSTOMER_CREDIT_UPDATED]


# ---- the API's own output schemas ---------------------------------------------

#: What every payment's ``notes`` may hold (``payment_records.notes_problems``).
NOTES_RULE = ("At most 10,000 characters; no control character (but tab and line breaks) nor text-direction "
              "override or isolate (422 on `notes` naming it).")


class LinksOut(Schema):
    self = fields.String(metadata={"description": "This invoice's URL."})
    pdf = fields.String(allow_none=True, metadata={"description": "Its PDF (posted invoices only)."})


class DocumentRefOut(Schema):
    """Another document, as an invoice or credit note names it."""

    id = fields.Integer()
    number = fields.String(allow_none=True)
    date = fields.Date()
    document_type = fields.String(validate=validate.OneOf(DOCUMENT_TYPES))


class InvoiceOut(InvoiceOutputSchema):
    """The invoice as the API shows it (the computed fields typed for the document)."""

    status = fields.String(validate=validate.OneOf(["draft", "posted"]))  # type: ignore[assignment]  # typed for the document
    bill_to = fields.Nested(AddressOut, allow_none=True)  # type: ignore[assignment]  # typed for the document
    ship_to = fields.Nested(AddressOut, allow_none=True)  # type: ignore[assignment]  # typed for the document
    seller = fields.Dict(keys=fields.String(), values=fields.String())  # type: ignore[assignment]  # typed for the document
    payment_status = fields.String(validate=validate.OneOf(PAYMENT_STATUSES), metadata={  # type: ignore[assignment]  # typed for the document
        "description": DRAFT_PAYMENT_STATUS})
    payment_status_label = fields.String(allow_none=True, metadata={  # type: ignore[assignment]  # typed for the document
        "description": "The payment status in words (English); null for a draft, which is not payable yet."})
    document_type = fields.String(validate=validate.OneOf(DOCUMENT_TYPES), metadata={  # type: ignore[assignment]  # typed for the document
        "description": "invoice, or credit_note (a document that takes part of a posted invoice back)."})
    credited_invoice = fields.Nested(DocumentRefOut, allow_none=True, metadata={  # type: ignore[assignment]  # typed for the document
        "description": "A credit note: the invoice it credits."})
    reissued_from = fields.Nested(DocumentRefOut, allow_none=True, metadata={  # type: ignore[assignment]  # typed for the document
        "description": "A re-issued invoice: the voided invoice it replaces."})
    links = fields.Nested(LinksOut)


class InvoiceSummaryOut(Schema):
    """One row of ``GET /invoices``: no lines."""

    id = fields.Integer()
    status = fields.Function(lambda s: s.status.value,
                             metadata={"type": "string", "enum": ["draft", "posted"]})
    invoice_number = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    invoice_date = fields.Date()
    due_date = fields.Date(allow_none=True)
    currency = fields.String()
    organization_id = fields.Integer()
    website_id = fields.Integer(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    customer_user_id = fields.Integer(allow_none=True)
    customer_name = fields.String()
    order_id = fields.Integer(allow_none=True)
    total_amount = DecimalString()
    amount_paid = DecimalString()
    amount_due = DecimalString()
    payment_status = fields.Function(lambda s: s.payment_status.value,
                                     metadata={"type": "string", "enum": PAYMENT_STATUSES,
                                               "description": DRAFT_PAYMENT_STATUS})
    payment_method = fields.String()
    external_payment_url = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    document_type = fields.Function(lambda s: s.document_type.value,
                                    metadata={"type": "string", "enum": DOCUMENT_TYPES})
    credited_invoice_id = fields.Integer(allow_none=True, metadata={
        "description": "A credit note: the id of the invoice it credits."})
    amount_credited = DecimalString(metadata={"description": "What credit notes took off this invoice."})
    amount_held = DecimalString(metadata={"description": "What open authorizations hold of amount_due (the seller "
                                                         "collects it by capturing)."})
    overdue = fields.Boolean(metadata={"description": "Posted, unpaid and past its due date, and not held in full by "
                                                      "open authorizations (amount_held)."})
    days_overdue = fields.Integer(metadata={"description": "Days past the due date; 0 when not overdue."})
    links = fields.Nested(LinksOut)


class InvoicePageOut(Schema):
    data = fields.List(fields.Nested(InvoiceSummaryOut))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


class RemittanceOfOut(Schema):
    """One payment received for several invoices, of which a transaction is one share."""

    total = DecimalString(metadata={"description": "The amount received for all of them."})
    invoices = fields.List(fields.String(), metadata={"description": "The invoices' numbers."})
    invoice_ids = fields.List(fields.Integer(), metadata={"description": "The invoices' ids, in the same order."})


class TransactionOut(Schema):
    """A recorded payment transaction; ``invoice`` is the invoice after it."""

    id = fields.Integer()
    invoice_id = fields.Integer()
    method = fields.String()
    action = fields.String()
    amount = DecimalString()
    currency = fields.String()
    successful = fields.Boolean()
    provider_reference = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    notes = fields.String()
    actor = fields.String()
    created_at = fields.AwareDateTime()
    received_on = fields.Date(allow_none=True, metadata={
        "description": "A payment recorded by hand in the back-office (Record Payment): the day it was received."})
    reference = fields.String(metadata={
        "description": "A payment recorded by hand, or its reversal: the reference the admin typed."})
    reverses = fields.Integer(allow_none=True, metadata={
        "description": "A reversal (a refund undoing a payment recorded by hand in error): that payment's id."})
    remittance = fields.Nested(RemittanceOfOut, allow_none=True, metadata={
        "description": "A payment recorded by hand as this invoice's share of one payment received for several "
                       "invoices (Record Payment on the invoices ticked in the grid)."})
    over_refunded = DecimalString(allow_none=True, metadata={
        "description": "A refund its provider made beyond what remained to refund of what was paid for the invoice "
                       "(a refund made twice): by how much; null for any other transaction. Recorded because the "
                       "money left the account."})
    over_refund_covered = DecimalString(allow_none=True, metadata={
        "description": "A payment made while the invoice's refunds had given back more than was paid: what of it "
                       "covered that first (it did not lower the amount due); null for any other transaction."})


class RefundOut(Schema):
    successful = fields.Boolean()
    amount = DecimalString(allow_none=True)
    transaction_id = fields.Integer(allow_none=True, metadata={"description": "The refund transaction."})
    message = fields.String(metadata={"description": "Why the refund was not made, when it was not."})


class CreditNoteResultOut(InvoiceOut):
    """A posted credit note, the invoice after it, and how money paid back was settled."""

    invoice = fields.Nested(InvoiceOut)
    settlement = fields.String(allow_none=True, validate=validate.OneOf(["refund", "credit", "outside"]))
    refund = fields.Nested(RefundOut, allow_none=True, metadata={
        "description": "With settlement refund: how the refund through the payment method went (a "
                       "refused refund leaves the credit note posted; refund from the back-office)."})


class ReissueResultOut(CreditNoteResultOut):
    draft = fields.Nested(InvoiceOut, metadata={"description": "The corrected draft that replaces the invoice."})


class PaymentResultOut(TransactionOut):
    invoice = fields.Nested(InvoiceOut)


class RemittanceShareIn(Schema):
    """One invoice a payment for several invoices pays, and its share."""

    id = fields.Integer(metadata={"description": "The invoice's id (or give external_id)."})
    external_id = fields.String(metadata={"description": "The invoice's external id (or give id)."})
    amount = DecimalString(metadata={"description": "Its share, at most its amount due; leave it out of every "
                                                    "invoice to give the amount received instead."})


class RemittanceIn(Schema):
    """One payment received outside the payment methods for several invoices."""

    method = fields.String(required=True, metadata={
        "description": "How it was received: bank_transfer, check, cash, direct_debit or other."})
    received_on = fields.Date(required=True, metadata={
        "description": "The day it was received: not after today, nor more than three years back (3 × 366 days)."})
    reference = fields.String(metadata={"description": "The bank statement's line, the check number… (≤ 255)."})
    notes = fields.String()
    amount = DecimalString(metadata={"description": "The amount received, spread over the invoices oldest due "
                                                    "date first; at most their amount due unless keep_surplus."})
    keep_surplus = fields.Boolean(metadata={
        "description": "With amount: what is over the invoices' amount due is kept as their customer's credit "
                       "(the invoices are one customer's), recorded with the last share that pays its invoice "
                       "in full."})
    invoices = fields.List(fields.Nested(RemittanceShareIn), required=True, metadata={
        "description": "The invoices it pays (1 to 100), in one currency."})


class RemittanceRefusalOut(Schema):
    invoice_id = fields.Integer()
    message = fields.String()


class RemittanceOut(Schema):
    """The payments a payment for several invoices was recorded as, one per invoice."""

    currency = fields.String()
    total = DecimalString(metadata={"description": "The sum of the payments recorded: the amount received, with "
                                                   "what keep_surplus kept as the customer's credit."})
    kept_as_credit = DecimalString(metadata={"description": "What of it was kept as the customer's credit "
                                                            "(keep_surplus); 0.00 without."})
    payments = fields.List(fields.Nested(PaymentResultOut), metadata={
        "description": "One per invoice: the payment recorded by hand (its remittance names them all) and the "
                       "invoice after it."})
    not_recorded = fields.List(fields.Nested(RemittanceRefusalOut), metadata={
        "description": "An invoice paid by someone else between the check and its turn (rare): why it was not "
                       "recorded; the others were."})


class CreditBalanceOut(Schema):
    """What a customer has to spend in one currency."""

    currency = fields.String()
    amount = DecimalString()


class CreditEntryOut(Schema):
    """One change of a customer's credit."""

    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(CREDIT_KINDS), metadata={
        "description": "credit_note (a credit note's money kept as credit), surplus (what a payment recorded by "
                       "hand brought over the amount due), applied (used to pay an invoice), returned (an "
                       "application reversed), surplus_reversed (the payment a surplus came from reversed) or "
                       "paid_out (given back outside the add-on)."})
    currency = fields.String()
    amount = DecimalString(metadata={"description": "Positive: credit came in; negative: it went out."})
    balance_after = DecimalString(metadata={"description": "The balance in `currency` after it."})
    invoice_id = fields.Integer(allow_none=True, metadata={
        "description": "The invoice the credit came from (credit_note, surplus) or was applied to."})
    invoice_number = fields.String(allow_none=True)
    credit_note_id = fields.Integer(allow_none=True, metadata={"description": "The credit note that kept it."})
    credit_note_number = fields.String(allow_none=True)
    transaction_id = fields.Integer(allow_none=True, metadata={
        "description": "The payment that applied it, reversed an application, or carried the surplus "
                       "(`GET /invoices/{id}/payments`)."})
    reference = fields.String(metadata={"description": "Credit given back: the bank transfer's or check's reference."})
    notes = fields.String()
    actor = fields.String()
    created_at = fields.AwareDateTime()


class CustomerCreditOut(Schema):
    """A customer's credit with the seller: the balance per currency and the newest ledger entries."""

    customer_id = fields.Integer()
    organization_id = fields.Integer()
    customer_name = fields.String()
    balances = fields.List(fields.Nested(CreditBalanceOut), metadata={
        "description": "Every currency the customer ever had credit in, by currency code (0 once spent)."})
    entries = fields.List(fields.Nested(CreditEntryOut), metadata={
        "description": "The newest 50 changes (of `currency`, older than `before`), newest first."})
    next = fields.String(allow_none=True, metadata={
        "description": "The URL of the older entries; null when there are none."})


class ApplyCreditIn(Schema):
    """The optional body of an application of credit to an invoice."""

    class Meta:
        unknown = RAISE

    amount = DecimalString(allow_none=True, metadata={
        "description": "How much; left out (or null): as much as the credit covers, at most the amount due."})


class CreditPayOutIn(Schema):
    """Credit given back to the customer outside the add-on (a bank transfer, a check)."""

    class Meta:
        unknown = RAISE

    currency = fields.String(required=True, metadata={
        "description": "The ISO 4217 code of the credit given back (upper case).", "pattern": "^[A-Z]{3}$"})
    amount = DecimalString(required=True, metadata={
        "description": "How much: more than 0, at most the customer's credit in `currency`."})
    reference = fields.String(metadata={
        "description": "The bank transfer's or check's reference (at most 255 characters, no control characters).",
        "maxLength": 255})
    notes = fields.String(metadata={"description": NOTES_RULE, "maxLength": 10_000})


class AgingAmountsOut(Schema):
    """Amounts due by bucket of days past the due date (``domain.aging.BUCKETS``)."""

    current = DecimalString(metadata={"description": "Not yet due (or due today)."})
    days_1_30 = DecimalString(metadata={"description": "1 to 30 days past due."})
    days_31_60 = DecimalString(metadata={"description": "31 to 60 days past due."})
    days_61_90 = DecimalString(metadata={"description": "61 to 90 days past due."})
    over_90 = DecimalString(metadata={"description": "More than 90 days past due."})


class AgingLineOut(Schema):
    """What one customer (or, in ``totals``, every customer) owes in one currency."""

    customer_id = fields.Integer(allow_none=True, metadata={
        "description": "Null in totals, and for invoices that name no customer."})
    customer_name = fields.String()
    currency = fields.String()
    invoices = fields.Integer(metadata={"description": "How many open invoices."})
    amounts = fields.Nested(AgingAmountsOut)
    total_due = DecimalString()
    credit = DecimalString(metadata={"description": "The customer's unapplied credit in `currency` (on a past "
                                                    "`as_of`, at the end of that day), negative: it offsets "
                                                    "`total_due`; \"0.00\" without credit."})
    net = DecimalString(metadata={"description": "`total_due` less the credit (negative when the credit is more)."})


class AgingReportOut(Schema):
    as_of = fields.Date(metadata={"description": "The day the report is judged on (UTC)."})
    customers = fields.List(fields.Nested(AgingLineOut), metadata={
        "description": "A line per customer and currency, by currency, then customer name."})
    totals = fields.List(fields.Nested(AgingLineOut), metadata={"description": "A line per currency."})


class StatementItemOut(Schema):
    """One open invoice of a statement."""

    id = fields.Integer()
    invoice_number = fields.String()
    invoice_date = fields.Date()
    due_date = fields.Date()
    days_overdue = fields.Integer(metadata={"description": "Days past its due date on `as_of` (0: not yet due, "
                                                          "or payment_authorized)."})
    bucket = fields.String(metadata={"description": "Its aging bucket by its due date: current, days_1_30, "
                                                    "days_31_60, days_61_90 or over_90."})
    payment_authorized = fields.Boolean(metadata={
        "description": "Its payment is authorized, or open authorizations hold all it owes: owed until the seller "
                       "captures it, but not overdue."})
    total_amount = DecimalString()
    amount_paid = DecimalString()
    amount_credited = DecimalString(metadata={"description": "What posted credit notes took off it."})
    amount_due = DecimalString()
    customer_name = fields.String(metadata={"description": "As the invoice names its customer."})


class StatementSectionOut(Schema):
    """What is open in one currency."""

    currency = fields.String()
    items = fields.List(fields.Nested(StatementItemOut), metadata={
        "description": "The open invoices, the oldest due first."})
    amounts = fields.Nested(AgingAmountsOut)
    total_due = DecimalString()
    credit = DecimalString(metadata={"description": "The customer's unapplied credit in `currency` (on a past "
                                                    "`as_of`, at the end of that day), negative: it offsets "
                                                    "`total_due`; \"0.00\" without credit."})
    net = DecimalString(metadata={"description": "`total_due` less the credit (negative when the credit is more)."})
    overdue = DecimalString(metadata={"description": "What of `total_due` is past its due date, less what open "
                                                    "payment authorizations hold of it."})
    to_pay = DecimalString(metadata={"description": "What the customer has to pay, as the statement PDF asks it: "
                                                   "`total_due` less what open payment authorizations hold, less "
                                                   "the credit; never below 0."})
    overdue_to_pay = DecimalString(metadata={"description": "What of `to_pay` is overdue: `overdue` less the "
                                                           "credit (taken off the overdue amount first); never "
                                                           "below 0."})


class StatementOut(Schema):
    as_of = fields.Date(metadata={"description": "The day the statement is judged on (UTC)."})
    customer_id = fields.Integer()
    customer_name = fields.String()
    invoices = fields.Integer(metadata={"description": "How many open invoices (listed or not)."})
    left_out = fields.Integer(metadata={
        "description": "Open invoices not listed (a statement lists at most 2,000); their amounts are in the "
                       "sections' totals."})
    sections = fields.List(fields.Nested(StatementSectionOut), metadata={
        "description": "A section per currency, by currency code; empty when nothing is owed."})
    credits = fields.List(fields.Nested(CreditBalanceOut), metadata={
        "description": "The customer's credit not yet applied to an invoice (at the end of `as_of`), per currency "
                       "it has any in; it is not taken off `sections`."})


class ActivityEntryOut(Schema):
    """One entry of an activity statement."""

    date = fields.Date(metadata={"description": "An invoice's or credit note's date; the day a payment was "
                                                "received (or recorded); the day a refund was recorded."})
    kind = fields.String(metadata={"description": "invoice, credit_note, payment, refund (up to what was paid), "
                                                "refunded_beyond (what a refund gave back beyond what was paid: said, "
                                                "in no balance), covered_beyond (what a payment covered of that "
                                                "first, its payment's entry counting the rest: said, in no "
                                                "balance; placed on the later of the payment's day and the day "
                                                "of the refund whose over-refund it covered, after both), "
                                                "credit_applied (only what the customer's credit applied to an "
                                                "over-refunded invoice covered of its over-refund: it left the credit "
                                                "and paid nothing owed), settled (an invoice "
                                                "whose payment status was set from outside to paid, void, canceled "
                                                "or credited, for what it still owed), given_back (what a credit "
                                                "note settled outside the add-on gave back) or paid_out (the "
                                                "customer's credit given back outside the add-on)."})
    invoice_id = fields.Integer(allow_none=True, metadata={
        "description": "The invoice (or credit note) it is, or was paid for; null for credit paid out."})
    number = fields.String()
    amount = DecimalString(metadata={"description": "What it adds to what is owed: negative for a credit note or "
                                                    "a payment."})
    balance = DecimalString(metadata={"description": "What the customer owes after it."})
    method = fields.String(metadata={"description": "A payment's or refund's method, as people read it."})
    reference = fields.String(metadata={"description": "The reference a payment recorded by hand was given."})
    status = fields.String(metadata={"description": "A settlement's payment status as set from outside; \"\" "
                                                   "for the others."})
    beyond = DecimalString(allow_none=True, metadata={
        "description": "Of a refunded_beyond entry: what its refund gave back beyond what was paid (an "
                       "over-refund), which is in no balance (its amount is 0, its refund's entry counts only up "
                       "to what was paid); of a covered_beyond entry, what its payment covered of an over-refund "
                       "(its payment's entry counts the rest), dated the later of the payment's day and the "
                       "over-refunded refund's day; null for the others."})


class ActivitySectionOut(Schema):
    """The period in one currency."""

    currency = fields.String()
    opening_balance = DecimalString(metadata={"description": "What was owed before the period."})
    charges = DecimalString(metadata={"description": "The sum of the period's invoices and refunds."})
    credits = DecimalString(metadata={"description": "The sum of the period's credit notes and payments."})
    closing_balance = DecimalString(metadata={"description": "What is owed at the period's end."})
    entries = fields.List(fields.Nested(ActivityEntryOut), metadata={"description": "In date order."})


class ActivityOut(Schema):
    customer_id = fields.Integer()
    customer_name = fields.String()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    sections = fields.List(fields.Nested(ActivitySectionOut), metadata={
        "description": "A section per currency with a balance or an entry, by currency code."})


class BankInvoiceOut(Schema):
    """An invoice a bank statement's payment names (or, naming none, is suggested by its amount)."""

    id = fields.Integer()
    invoice_number = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    customer_name = fields.String()
    currency = fields.String()
    amount_due = DecimalString()
    payment_status = fields.String()


class BankPaymentOut(Schema):
    """A payment received, as the statement books it, and how it matches."""

    where = fields.String(metadata={"description": "Where it is in the file: `entry 3`, `line 7`."})
    booked_on = fields.Date()
    amount = DecimalString()
    currency = fields.String()
    reference = fields.String(metadata={"description": "The remittance information the payer gave."})
    payer = fields.String()
    outcome = fields.String(metadata={"description": "matched (pays what its invoices owe), partly, more, "
                                                     "not_found, suggested (names none; one open invoice owes "
                                                     "exactly its amount, or several of the payer's add up to it) or "
                                                     "recorded (recorded by hand before)."})
    due = DecimalString(allow_none=True, metadata={"description": "What the invoices it would pay owe."})
    invoices = fields.List(fields.Nested(BankInvoiceOut), metadata={"description": "The invoices its reference "
                                                                                   "names."})
    suggested = fields.Nested(BankInvoiceOut, allow_none=True, metadata={
        "description": "Naming none, the one invoice suggested by its amount (or recorded for it before); null "
                       "when none is, or several are."})
    suggested_invoices = fields.List(fields.Nested(BankInvoiceOut), metadata={
        "description": "Naming none, every invoice suggested by its amount: the one owing it, or several of the "
                       "payer's adding up to it (or those it was recorded for before)."})


class BankRecordedOut(Schema):
    """What recording one exactly matched payment (or, with ``keep_surplus``, one paying more) did."""

    where = fields.String()
    outcome = fields.String(metadata={"description": "recorded, before (from this statement line before: nothing "
                                                     "more) or not_recorded."})
    problem = fields.String(allow_none=True)
    transactions = fields.List(fields.Integer(), metadata={"description": "The payments recorded, one per invoice."})
    kept_as_credit = DecimalString(allow_none=True, metadata={
        "description": "With `?keep_surplus=true`: what the payment brought over its invoices' amount due, kept as "
                       "their customer's credit (recorded now); null when nothing was."})


class BankStatementOut(Schema):
    skipped = fields.Integer(metadata={"description": "Bookings left out: debits, reversals, not booked yet."})
    problems = fields.List(fields.String(), metadata={"description": "What could not be read, each naming where."})
    payments = fields.List(fields.Nested(BankPaymentOut))
    recorded = fields.List(fields.Nested(BankRecordedOut), metadata={
        "description": "`…/payments` only: each payment that paid exactly what its invoices owe (with "
                       "`?keep_surplus=true`, also each that paid more)."})


class InvoicesSendIn(Schema):
    invoices = fields.List(fields.Dict(), required=True, metadata={
        "description": "1 to 100 items, each {\"id\": …} or {\"external_id\": …} of the organization's invoices."})
    post = fields.Boolean(metadata={"description": "Post the drafts among them first (default false: a draft is "
                                                   "not sent)."})


class InvoiceSentOut(Schema):
    id = fields.Integer()
    invoice_number = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "sent, already_sent (this Idempotency-Key sent it before) or "
                                                     "not_sent."})
    posted = fields.Boolean(metadata={"description": "It was a draft, posted to be sent."})
    to = fields.String(metadata={"description": "The recipients, comma-separated."})
    problem = fields.String(allow_none=True, metadata={"description": "Why it was not sent."})


class InvoicesSentOut(Schema):
    sent = fields.Integer()
    results = fields.List(fields.Nested(InvoiceSentOut), metadata={"description": "One per invoice, in order."})


class StatementEmailIn(Schema):
    """The optional body of a statement email: what is left out comes from the customer's
    ``customer_statement_template`` draft (to a customer user who may see the whole account)."""

    to = fields.List(fields.String(), metadata={"description": "Recipients (addresses, or Name <address>)."})
    cc = fields.List(fields.String())
    bcc = fields.List(fields.String())
    subject = fields.String(validate=text_length(500))
    text = fields.String(metadata={"description": "The plain-text body; given, it is sent as text and simple HTML. At most 100,000 characters (422)."})


class AgingEmailIn(Schema):
    """The optional body of an Aging Report email: what is left out comes from the organization's
    ``aging_report_template`` draft (to Aging Report Recipients)."""

    to = fields.List(fields.String(), metadata={"description": "Recipients (addresses, or Name <address>); "
                                                               "required when Aging Report Recipients is empty."})
    cc = fields.List(fields.String())
    bcc = fields.List(fields.String())
    subject = fields.String(validate=text_length(500))
    text = fields.String(metadata={"description": "The plain-text body; given, it is sent as text and simple HTML. At most 100,000 characters (422)."})


class EmailAttachmentOut(Schema):
    filename = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class QueuedEmailOut(Schema):
    """An email queued in the outbox (``deliver-mail`` or the worker sends it)."""

    id = fields.Integer()
    status = fields.String(metadata={"description": "queued, sending, retry, sent, failed or unknown."})
    to = fields.List(fields.String())
    cc = fields.List(fields.String())
    subject = fields.String()
    created_at = fields.AwareDateTime()


class StatementEmailOut(QueuedEmailOut):
    """A statement email queued in the outbox."""

    customer_id = fields.Integer()
    attachments = fields.List(fields.Nested(EmailAttachmentOut), metadata={
        "description": "The statement PDF as it stood when the email was queued."})


class AgingEmailOut(QueuedEmailOut):
    """An Aging Report email queued in the outbox."""

    attachments = fields.List(fields.Nested(EmailAttachmentOut), metadata={
        "description": "The report as PDF and as CSV as they stood when the email was queued."})


class PaymentReverseIn(Schema):
    """Why a payment recorded in error is reversed."""

    reason = fields.String(required=True, validate=text_length(REASON_MAX), metadata={
        "description": "Kept as the reversal's notes."})


class InvoiceEmailIn(Schema):
    """What may replace the template's email when an invoice is sent (every field optional)."""

    to = fields.List(fields.String(), metadata={"description": "Recipients instead of the invoice's customer user."})
    cc = fields.List(fields.String())
    bcc = fields.List(fields.String())
    subject = fields.String(metadata={"description": "Instead of the template's subject."})
    text = fields.String(metadata={"description": "A plain text body instead of the template's, at most 100,000 characters (422)."})
    template = fields.String(metadata={"description": "An email template instead of invoice_notification_template "
                                                     "(credit_note_notification_template for a credit note)."})
    post = fields.Boolean(metadata={"description": "true: a draft is posted first (else a draft is refused, 409)."})


class InvoiceEmailOut(QueuedEmailOut):
    """An invoice email queued in the outbox."""

    invoice_id = fields.Integer()
    invoice_number = fields.String()
    attachments = fields.List(fields.Nested(EmailAttachmentOut), metadata={
        "description": "The invoice's stored PDF (pending while it is being made: the email waits for it)."})


class UnansweredOut(Schema):
    """A request on a transaction whose provider's answer was lost: its amount stays reserved until
    the provider reports it, it is asked again, or it is confirmed."""

    attempt_id = fields.String(metadata={"description": "The request's reference (for `confirm-unanswered`)."})
    kind = fields.String(metadata={"description": "`refund`, `capture`, `cancel` or `reauthorize`."})
    amount = DecimalString(metadata={"description": "What it reserves."})
    currency = fields.String()
    asked_at = fields.AwareDateTime(metadata={"description": "When it was asked."})
    resendable = fields.Boolean(metadata={
        "description": "Whether asking again (the same `refund` with this amount, `capture`, `cancel` or "
                       "`reauthorize`) sends the same request, which the provider carries out at most once; "
                       "else say what the provider did with `confirm-unanswered`."})
    confirmable = fields.Boolean(metadata={
        "description": "Whether it may be confirmed as made (a refund or cancellation); a capture or "
                       "re-authorization is recorded only as its provider reports it."})


class ListedTransactionOut(TransactionOut):
    """A transaction as listed: with what may still be done with it through its provider."""

    refundable = DecimalString(metadata={"description": "What remains to refund (a charge or capture)."})
    capturable = DecimalString(metadata={
        "description": "What remains to capture (an authorization, when its method captures)."})
    captures_part = fields.Boolean(metadata={
        "description": "Whether less than `capturable` may be captured (its method's provider then releases "
                       "the rest)."})
    cancelable = DecimalString(metadata={"description": "What remains to cancel (an authorization)."})
    reauthorizable = DecimalString(metadata={
        "description": "What a re-authorization would renew (an authorization whose card its method kept)."})
    capture_before = fields.AwareDateTime(allow_none=True, metadata={
        "description": "Until when the provider holds an open authorization, when it said so; else null."})
    receipt = fields.String(allow_none=True, metadata={
        "description": "The path of its receipt PDF (a successful charge, capture or refund of a posted "
                       "invoice); else null."})
    unanswered = fields.List(fields.Nested(UnansweredOut), metadata={
        "description": "Its requests whose provider's answer was lost, oldest first."})


class ConfirmUnansweredIn(Schema):
    """What the provider did with a request whose answer was lost, as checked there."""

    attempt_id = fields.String(required=True, metadata={"description": "The request (`unanswered[].attempt_id`)."})
    made = fields.Boolean(required=True, metadata={
        "description": "true: the provider made it (recorded); false: it did not (its amount is released)."})
    reference = fields.String(validate=validate.Length(max=255), metadata={
        "description": "The provider's reference of it, when it was made."})


class TransactionListOut(Schema):
    data = fields.List(fields.Nested(ListedTransactionOut))


class RefundIn(Schema):
    """The optional body of a refund."""

    amount = DecimalString(metadata={"description": "How much; left out: all that remains of the payment."})
    notes = fields.String(validate=text_length(10_000), metadata={
        "description": f"Why; kept with the refund and in the invoice's activity. {NOTES_RULE}"})


class CaptureIn(Schema):
    """The optional body of a capture."""

    amount = DecimalString(metadata={
        "description": "How much; left out: all that remains of the authorization. Less only when the "
                       "transaction's `captures_part` is true; the provider releases the rest."})
    notes = fields.String(validate=text_length(10_000), metadata={
        "description": f"Why; kept with the capture and in the invoice's activity. {NOTES_RULE}"})


class ActionNotesIn(Schema):
    """The optional body of a cancellation or re-authorization."""

    notes = fields.String(validate=text_length(10_000), metadata={
        "description": f"Why; kept with the transaction and in the invoice's activity. {NOTES_RULE}"})


class PaymentActionOut(Schema):
    """How the provider answered a refund, capture, cancellation or re-authorization, and the
    invoice after it."""

    successful = fields.Boolean()
    amount = DecimalString()
    currency = fields.String()
    transaction_id = fields.Integer(allow_none=True, metadata={"description": "The transaction recorded."})
    message = fields.String(metadata={"description": "Why it was not done, when it was not."})
    invoice = fields.Nested(InvoiceOut)


class NoteOut(Schema):
    id = fields.Integer()
    invoice_id = fields.Integer()
    body = fields.String()
    author = fields.String()
    created_at = fields.AwareDateTime()


class ReasonIn(Schema):
    """The optional body of a void or re-issue."""

    reason = fields.String(validate=text_length(REASON_MAX), metadata={
        "description": "Why; kept in the invoice's activity."})


class NoteListOut(Schema):
    data = fields.List(fields.Nested(NoteOut))


class EventLinksOut(Schema):
    self = fields.String(metadata={"description": "This event's URL."})
    redeliver = fields.String(metadata={"description": "Where to POST to send it again."})


class EventOut(Schema):
    """One outgoing webhook event to one endpoint, and how its delivery went."""

    id = fields.Integer(metadata={"description": "This row's id: one per event and endpoint."})
    event_id = fields.String(metadata={
        "description": "The event's id (a UUID), as sent in `Oro-Invoices-Event-Id` and the body's `id`: the same "
                       "for every endpoint and every attempt, and when the event is resent."})
    type = fields.String(validate=validate.OneOf(EVENT_TYPES))
    invoice_id = fields.Integer(allow_none=True, metadata={
        "description": "The invoice it is about; null for credit given back outside the add-on."})
    endpoint = fields.String(metadata={"description": "The endpoint's URL."})
    status = fields.String(validate=validate.OneOf(EVENT_STATUSES), metadata={
        "description": "pending (due), sending, retry (waits for `next_attempt_at`), delivered, failed (for good)."})
    attempts = fields.Integer(metadata={
        "description": "Attempts so far (0 again once resent; those before are `previous_attempts`)."})
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_http_status = fields.Integer(allow_none=True, metadata={
        "description": "The endpoint's last answer; null when it gave none or none was asked yet."})
    last_error = fields.String(metadata={
        "description": "Why the last attempt did not deliver it (\"\" when none failed): in a list at most "
                       f"{LIST_ERROR_MAX} characters, in full (at most 2,000) from `GET /events/{{id}}`."})
    occurred_at = fields.AwareDateTime(metadata={"description": "When its change was committed."})
    delivered_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime()
    redeliveries = fields.Integer(metadata={
        "description": "How many times it was resent (0: never); `GET /events/{id}` lists each resend in "
                       "`redelivery_history`."})
    redelivered_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When it was last resent; null when never."})
    redelivered_by = fields.String(allow_none=True, metadata={
        "description": "Who last resent it: `api:` and the API client's name, or `cli` "
                       "(`deliver-events --redeliver-failed`); null when never."})
    previous_attempts = fields.Integer(allow_none=True, metadata={
        "description": "The attempts it had when last resent (the newest `redelivery_history` entry's); null when "
                       "never resent."})
    previous_http_status = fields.Integer(allow_none=True, metadata={
        "description": "The endpoint's last answer before it was last resent; null when it gave none or the "
                       "event was never resent."})
    previous_error = fields.String(metadata={
        "description": "Why the last attempt before it was last resent did not deliver it (\"\" when none failed "
                       f"or it was never resent): in a list at most {LIST_ERROR_MAX} characters, in full from "
                       "`GET /events/{id}`."})
    links = fields.Nested(EventLinksOut)


class EventResendOut(Schema):
    """One resend of an event: who asked, when, and what its delivery had come to before it."""

    redelivered_at = fields.AwareDateTime(metadata={"description": "When it was resent."})
    redelivered_by = fields.String(metadata={
        "description": "Who asked: `api:` and the API client's name, or `cli` (`deliver-events --redeliver-failed`)."})
    previous_status = fields.String(validate=validate.OneOf(("delivered", "failed")), metadata={
        "description": "What the event was before this resend."})
    previous_attempts = fields.Integer(metadata={"description": "The attempts it had before this resend."})
    previous_http_status = fields.Integer(allow_none=True, metadata={
        "description": "The endpoint's last answer before this resend; null when it gave none."})
    previous_error = fields.String(metadata={
        "description": "Why the last attempt before this resend did not deliver it (\"\" when it was delivered), "
                       "in full (at most 2,000 characters)."})


class EventDetailOut(EventOut):
    body = fields.String(metadata={"description": "The exact request body sent (compact ASCII JSON)."})
    redelivery_history = fields.List(fields.Nested(EventResendOut), metadata={
        "description": "Every resend, newest first ([] when never resent). An event resent before the history was "
                       "kept (revision 0042) has only its last resend here, though `redeliveries` counts them all."})


class EventPageOut(Schema):
    data = fields.List(fields.Nested(EventOut))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


class ErrorItem(Schema):
    field = fields.String(metadata={"description": 'Path of the offending field ("lines[0].quantity"); '
                                                   '"" for the request as a whole.'})
    message = fields.String()
    code = fields.String(metadata={"description": 'Only on errors a client handles itself: "pdf_pending" '
                                                  "(the PDF is being made in the background; ask again "
                                                  'after Retry-After seconds), "order_invoiced" (the '
                                                  "order's invoices already come to its total; send "
                                                  '`invoice_again: true` if another one is intended).'})


class ErrorOut(Schema):
    errors = fields.List(fields.Nested(ErrorItem))


# ---- the document ---------------------------------------------------------------

def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": ref}}


#: The body of an endpoint that takes none: nothing, or an empty JSON object.
_NO_BODY: dict[str, Any] = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "maxProperties": 0, "additionalProperties": False}}}}


def _ok(description: str, ref: str | None = None, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if ref:
        out["content"] = _json(ref)
    if headers:
        out["headers"] = headers
    return out


_ERRORS = {
    "400": "Malformed request: the body is not UTF-8, not valid JSON or not a JSON object (`field` is `body`), "
           "or the Content-Type is wrong (`field` is `content-type`).",
    "401": "No or an unknown bearer token.",
    "403": "The client lacks the scope.",
    "404": "No such invoice, or invoices are switched off for the client's organization.",
    "409": "The invoice's state does not allow this (posted, not posted, duplicate).",
    "413": "The body is too large (the error names `body`).",
    "422": "Invalid data; every error names its field.",
    "502": "The payment provider refused the request or could not be reached; nothing was recorded.",
    "503": "The database could not record the change just now (busy with another, or it refused it); nothing "
           "was written. Ask again after `Retry-After` seconds.",
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/Error{code}"} for code in ("401", "404", *codes)}


#: What each filter's description says of an empty value (``web.api_query``): refused, not ignored.
EMPTY_FILTER = "Given empty (or only whitespace): 422 naming it; leave it out not to filter by it."
#: The same of a required parameter.
EMPTY_REQUIRED = "Given empty (or only whitespace): 422 naming it."
_EMPTY_AS_OF = "Given empty (or only whitespace): 422 naming it; leave it out for today."

_AGING_PARAMS = [
    {"in": "query", "name": "customer_id", "required": False,
     "schema": {"type": "integer", "format": "int64", "minimum": 1},
     "description": "Only this customer's lines (and totals). " + EMPTY_FILTER},
    {"in": "query", "name": "currency", "required": False, "schema": {"type": "string", "minLength": 1},
     "description": "Only amounts in this ISO 4217 currency. " + EMPTY_FILTER},
    {"in": "query", "name": "sort", "required": False, "schema": {
        "type": "string", "default": "customer",
        "enum": list(AGING_SORTS)},
     "description": "The customers of each currency by name, or by that amount, the largest first (given "
                    "empty: by name)."},
    {"in": "query", "name": "as_of", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "The day the report is judged on (default: today, UTC). A past day gives what was owed at "
                    "its end: payments received and credit notes dated later are not counted. " + _EMPTY_AS_OF}]
_STATEMENT_PARAMS = [
    {"in": "query", "name": "customer_id", "required": True,
     "schema": {"type": "integer", "format": "int64", "minimum": 1},
     "description": "One of the organization's customers (404 for any other). " + EMPTY_REQUIRED},
    {"in": "query", "name": "currency", "required": False, "schema": {"type": "string", "minLength": 1},
     "description": "Only invoices in this ISO 4217 currency. " + EMPTY_FILTER},
    {"in": "query", "name": "as_of", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "The day the statement is of (default: today, UTC). A past day (a month-end) gives the "
                    "invoices open at its end, for what each owed then. " + _EMPTY_AS_OF}]
_CREDIT_PARAMS = [
    _STATEMENT_PARAMS[0],
    {"in": "query", "name": "currency", "required": False, "schema": {"type": "string", "pattern": "^[A-Z]{3}$"},
     "description": "Only the entries in this ISO 4217 currency (the balances are always every currency's). "
                    + EMPTY_FILTER},
    {"in": "query", "name": "before", "required": False,
     "schema": {"type": "integer", "format": "int64", "minimum": 1},
     "description": "Only entries older than this entry id (`next` gives it); given empty: the first page."}]
_ID = {"in": "path", "name": "id", "required": True,
       "schema": {"type": "integer", "format": "int64", "minimum": 1}}
_TX = {"in": "path", "name": "transaction_id", "required": True,
       "schema": {"type": "integer", "format": "int64", "minimum": 1},
       "description": "One of the invoice's payment transactions (`GET /invoices/{id}/payments`)."}
_PAYMENT_ACTION = ("Through the payment method that took the payment, never for more than remains (409 when "
                   "nothing does). The provider's answer is 200 with `successful`; 502 when it refused the "
                   "request or could not be reached (nothing was recorded; retrying is safe).")
_ORDER_ID = {"in": "path", "name": "id", "required": True,
             "schema": {"type": "integer", "format": "int64", "minimum": 1},
             "description": "The host's order id (as invoices carry it in `order_id`)."}
_EXT = {"in": "path", "name": "external_id", "required": True, "schema": {"type": "string"},
        "description": "The importing system's own id of the invoice."}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"in": "query", "name": name, "required": False, "schema": schema, "description": description}


def _filter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An optional filter, refused given empty (a string one has ``minLength`` 1)."""
    if schema.get("type") == "string" and "enum" not in schema:
        schema = {**schema, "minLength": 1}
    return _query(name, schema, f"{description} {EMPTY_FILTER}")


_LIST_PARAMS = [
    _filter("status", {"type": "string", "enum": ["draft", "posted"]}, "Internal status."),
    _filter("payment_status", {"type": "string", "enum": PAYMENT_STATUSES},
           "Payment status: posted invoices only, a draft having none (with status=draft: 422)."),
    _filter("customer_id", {"type": "integer", "format": "int64", "minimum": 1}, "Host customer id."),
    _filter("customer_name", {"type": "string", "maxLength": 255},
           "The customer name starts with this, in any case (ASCII letters on SQLite)."),
    _filter("order_id", {"type": "integer", "format": "int64", "minimum": 1}, "Host order id."),
    _filter("external_id", {"type": "string"}, "Exact external id."),
    _filter("customer_user_id", {"type": "integer", "format": "int64", "minimum": 1},
           "Host customer user id (the buyer)."),
    _filter("website_id", {"type": "integer", "format": "int64", "minimum": 1}, "Host website id."),
    _filter("currency", {"type": "string", "pattern": "^[A-Z]{3}$"},
           "ISO 4217 currency code (upper case)."),
    _filter("total_min", {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
           "Total amount at least this much, in `currency` (required with it): totals only compare "
           "within one currency. A decimal string such as \"100.00\", less than 1,000,000,000,000,000 "
           "either way (an invoice total is)."),
    _filter("total_max", {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
           "Total amount at most this much, in `currency` (required with it)."),
    _filter("invoice_number", {"type": "string"}, "Exact invoice number."),
    _filter("date_from", {"type": "string", "format": "date"}, "Invoice date on or after."),
    _filter("date_to", {"type": "string", "format": "date"}, "Invoice date on or before."),
    _filter("document_type", {"type": "string", "enum": DOCUMENT_TYPES},
           "Only invoices or only credit notes."),
    _filter("overdue", {"type": "string", "enum": ["true", "false"]},
           "Only overdue invoices (true) or only those that are not (false): posted, payable and "
           "past the due date, as of today (UTC)."),
    _query("sort", {"type": "string", "default": "-invoice_date",
                    "enum": [p + k for k in SORT_KEYS for p in ("", "-")]},
           "Sort key; a leading '-' sorts descending. Ties are broken by id. `total_amount` "
           "compares amounts, so it orders meaningfully only together with `currency`; "
           "`customer_user` sorts by the buyer's email, `website` by website id. Given empty: the default."),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
           "Page size (given empty: the default)."),
    _query("cursor", {"type": "string"}, "`next_cursor` of the previous page (given empty: the first page)."),
]

_EVENT_PARAMS = [
    _filter("status", {"type": "string", "enum": list(EVENT_STATUSES)}, "Only events in this delivery status."),
    _filter("type", {"type": "string", "enum": EVENT_TYPES}, "Only events of this type."),
    _filter("invoice_id", {"type": "integer", "format": "int64", "minimum": 1}, "Only events about this invoice."),
    _filter("endpoint", {"type": "string", "minLength": 1}, "Only events to this endpoint URL (exactly as configured)."),
    _filter("occurred_from", {"type": "string", "minLength": 1},
           "Occurred at or after: a day (YYYY-MM-DD, from its start in UTC) or a time with its offset "
           "(2026-12-01T09:30:00Z), within the years 0001 to 9999 in UTC."),
    _filter("occurred_to", {"type": "string", "minLength": 1},
           "Occurred at or before: a day (to its end, UTC) or a time with its offset, within the years 0001 to 9999 "
           "in UTC."),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
           "Page size (given empty: the default)."),
    _query("cursor", {"type": "string"}, "`next_cursor` of the previous page (given empty: the first page)."),
]

_PDF_HEADERS = {
    "ETag": {"description": "The PDF's SHA-256, quoted.", "schema": {"type": "string"}},
    "Content-Disposition": {"description": 'attachment; filename="invoice-<number>.pdf" (a credit note: "credit-note-<number>.pdf"), as its email attachment is named',
                            "schema": {"type": "string"}},
}
_LOCATION = {"Location": {"description": "The invoice's URL.", "schema": {"type": "string"}}}
_CREDIT_NOTE_LOCATION = {"Location": {"description": "The credit note's URL (`/credit-notes/{id}`).",
                                      "schema": {"type": "string"}}}
_WRITE_RESULT = {"Invoice-Write-Result": {"description": "created, updated or unchanged.",
                                          "schema": {"type": "string",
                                                     "enum": ["created", "updated", "unchanged"]}}}
_WRITE_WARNING = {"Invoice-Write-Warning": {
    "description": "Only when something that follows the commit failed (a plugin's hook, handing the PDF to "
                   "the background jobs): what did not follow and what to do. The invoice is written all the "
                   "same; sending the e-invoice again gives 200 `unchanged`.",
    "schema": {"type": "string"}}}
_POSTING_WARNING = {"Invoice-Write-Warning": {
    "description": "Only when something that follows the posting's commit failed (a plugin's invoice_posted "
                   "hook, handing a job to the background jobs): what did not follow and what to do. The "
                   "invoice is posted all the same.",
    "schema": {"type": "string"}}}
_SAVED_WARNING = {"Invoice-Write-Warning": {
    "description": "Only when something that follows the commit failed (a plugin's hook, handing a job such "
                   "as the delivery of the events or of an email to the background jobs): what did not follow "
                   "and what to do. The write is done all the same; do not repeat it.",
    "schema": {"type": "string"}}}
_PUT_WARNING = {"Invoice-Write-Warning": {
    "description": "Only when something that follows the commit failed (a plugin's hook, handing the PDF of a "
                   "posted invoice or another job to the background jobs): what did not follow and what to do. "
                   "The invoice is written all the same; sending it again gives 200 `unchanged`.",
    "schema": {"type": "string"}}}
_QUEUED_WARNING = {"Invoice-Write-Warning": {
    "description": "Only when something that follows the queueing failed (handing the email's delivery to the "
                   "background jobs): what did not follow and what to do. The email is queued all the same and "
                   "the mail sweep sends it; do not send it again.",
    "schema": {"type": "string"}}}
_SENDING_WARNING = {"Invoice-Write-Warning": {
    "description": "Only when something that follows the posting of a draft or the queueing of an email "
                   "failed (a plugin's hook, handing the PDF or the email's delivery to the background jobs): "
                   "what did not follow and what to do, of each invoice it concerns. The invoices are posted "
                   "and their emails queued all the same: the periodic sweeps do the jobs' work.",
    "schema": {"type": "string"}}}
_IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "description": "Makes the write safe to retry: the same key with the same request returns the "
                   "first response (with `Idempotent-Replayed: true`) without doing the work again; "
                   "with another request: 422; while the first is still running: 409. A request "
                   "refused before its write started (400, 403, 404, 413, 422: a retry that mends it "
                   "runs) or failing with a 5xx keeps no key. Keys are kept "
                   "24 hours per API client."}

#: Every operation: (path, method) → the operation object.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/invoices", "get"): {
        "summary": "List the client's organization's invoices (cursor paging)",
        "parameters": _LIST_PARAMS,
        "responses": {"200": _ok("One page of invoices.", "InvoicePage"), **_errors("422")}},
    ("/invoices", "post"): {
        "summary": "Create an invoice (a draft, or posted at once with status=posted)",
        "requestBody": {"required": True, "content": _json("InvoiceCreate")},
        "responses": {"201": _ok("The invoice.", "Invoice", {**_LOCATION, **_POSTING_WARNING}),
                      **_errors("400", "403", "409", "413", "422")}},
    ("/invoices/by-external-id/{external_id}", "get"): {
        "summary": "Get an invoice by the importing system's external id",
        "parameters": [_EXT], "responses": {"200": _ok("The invoice.", "Invoice"), **_errors()}},
    ("/invoices/by-external-id/{external_id}", "put"): {
        "summary": "Create or update the invoice with this external id (safe to re-send)",
        "description": "Creates the invoice (201) when none of the organization has the external id; "
                       "else changes the draft (200), or answers 200 with the stored invoice when "
                       "nothing differs. A posted invoice whose document fields differ: 409. The "
                       "`Invoice-Write-Result` header says which happened.",
        "parameters": [_EXT], "requestBody": {"required": True, "content": _json("InvoiceCreate")},
        "responses": {"201": _ok("Created.", "Invoice", {**_LOCATION, **_WRITE_RESULT, **_PUT_WARNING}),
                      "200": _ok("Updated, or unchanged.", "Invoice", {**_WRITE_RESULT, **_PUT_WARNING}),
                      **_errors("400", "403", "409", "413", "422")}},
    ("/invoices/pdfs.zip", "get"): {
        "summary": "Download the stored PDFs of the invoices the filters select, as one ZIP archive",
        "description": "Every posted invoice and credit note the filters select (drafts have no PDF), each "
                       "PDF byte for byte as stored, checked against its recorded SHA-256, named "
                       "`invoice-<number>.pdf` or `credit-note-<number>.pdf`. A PDF still being made, "
                       "missing or altered is named in `missing.txt` inside the archive, with the reason. "
                       "The archive is streamed: memory holds one PDF whatever the number of invoices.",
        "parameters": [p for p in _LIST_PARAMS if p["name"] not in ("sort", "limit", "cursor")],
        "responses": {"200": {"description": "The ZIP archive.",
                              "headers": {"Content-Disposition": {
                                  "description": 'attachment; filename="invoice-pdfs-YYYY-MM-DD.zip"',
                                  "schema": {"type": "string"}}},
                              "content": {"application/zip": {"schema": {"type": "string",
                                                                         "format": "binary"}}}},
                      **_errors("422")}},
    ("/invoices/{id}", "get"): {
        "summary": "Get an invoice", "parameters": [_ID],
        "responses": {"200": _ok("The invoice.", "Invoice"), **_errors("403")}},
    ("/invoices/{id}", "patch"): {
        "summary": "Change a draft; on a posted invoice only payment_status may be set",
        "parameters": [_ID], "requestBody": {"required": True, "content": _json("InvoiceUpdate")},
        "responses": {"200": _ok("The invoice.", "Invoice"),
                      **_errors("400", "403", "409", "413", "422")}},
    ("/invoices/{id}", "delete"): {
        "summary": "Delete a draft (a posted invoice is kept: 409)", "parameters": [_ID],
        "requestBody": _NO_BODY,
        "responses": {"204": _ok("Deleted."), **_errors("400", "403", "409", "422")}},
    ("/invoices/{id}/post", "post"): {
        "summary": "Post the invoice: number it, freeze it, make its PDF (idempotent)",
        "description": "Posts the draft as it is: change its due date or anything else with PATCH first. "
                       "The body, if any, is `{}`: a field in it is refused (422), as is a body that is not "
                       "a JSON object (400).",
        "parameters": [_ID], "requestBody": _NO_BODY,
        "responses": {"200": _ok("The posted invoice.", "Invoice", _POSTING_WARNING),
                      **_errors("400", "403", "409", "422")}},
    ("/invoices/{id}/pdf", "get"): {
        "summary": "Download the stored PDF", "parameters": [_ID, {
            "in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The PDF.", "headers": _PDF_HEADERS,
                              "content": {"application/pdf": {"schema": {"type": "string",
                                                                         "format": "binary"}}}},
                      "304": {"description": "Not modified: the ETag matched."},
                      **_errors("403", "409"),
                      "409": {"description": "A draft's PDF; or, with the code pdf_pending, a PDF still "
                                              "being made in the background: ask again after Retry-After.",
                              "headers": {"Retry-After": {"description": "Seconds to wait before asking again.",
                                                          "schema": {"type": "integer"}}},
                              "content": _json("Error")}}},
    ("/invoices/{id}/xml", "get"): {
        "summary": "Download the e-invoice XML: the one the invoice keeps (imported from, or issued as "
                   "UBL), else the one (factur-x.xml) attached to the stored PDF",
        "parameters": [_ID],
        "responses": {"200": {"description": "The EN 16931 XML: CII, or UBL for an invoice issued or imported as UBL.",
                              "content": {"application/xml": {"schema": {"type": "string"}}}},
                      **_errors("403", "409")}},
    ("/invoices/{id}/pdf", "put"): {
        "summary": "Upload the PDF of a posted invoice (when generation at posting is off)",
        "parameters": [_ID],
        "requestBody": {"required": True, "content": {"application/pdf": {
            "schema": {"type": "string", "format": "binary"}}}},
        "responses": {"201": _ok("The invoice with its PDF.", "Invoice"),
                      **_errors("400", "403", "409", "413", "422")}},
    ("/invoices/{id}/payments", "get"): {
        "summary": "List the invoice's payment transactions", "parameters": [_ID],
        "responses": {"200": _ok("The transactions, oldest first.", "TransactionList"),
                      **_errors("403")}},
    ("/invoices/{id}/payments", "post"): {
        "summary": "Record a payment transaction (a repeated provider_reference is recorded once)",
        "parameters": [_ID], "requestBody": {"required": True, "content": _json("PaymentCreate")},
        "responses": {"201": _ok("Recorded.", "PaymentResult", _SAVED_WARNING),
                      "200": _ok("Already recorded: the earlier transaction.", "PaymentResult"),
                      **_errors("400", "403", "409", "413", "422")}},
    ("/invoices/{id}/payments/{transaction_id}/receipt", "get"): {
        "summary": "Download the receipt of a payment, capture or refund",
        "description": "A PDF made on request from what was recorded (the posted invoice's seller, the "
                       "payment's date, method and amount), in the invoice's language; the same bytes each "
                       "time. Only a successful charge, capture or refund has one.",
        "parameters": [_ID, _TX],
        "responses": {"200": {"description": "The receipt.",
                              "headers": {"Content-Disposition": {
                                  "description": 'attachment; filename="receipt-<invoice number>-R<transaction '
                                                 'id>.pdf"', "schema": {"type": "string"}}},
                              "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                      **_errors("403")}},
    ("/invoices/{id}/payments/{transaction_id}/refund", "post"): {
        "summary": "Refund (part of) a charge or capture", "description": _PAYMENT_ACTION,
        "parameters": [_ID, _TX], "requestBody": {"required": False, "content": _json("RefundCreate")},
        "responses": {"200": _ok("How the provider answered.", "PaymentAction", _SAVED_WARNING),
                      **_errors("403", "409", "502")}},
    ("/invoices/{id}/payments/{transaction_id}/capture", "post"): {
        "summary": "Capture (part of) an authorization", "description": _PAYMENT_ACTION,
        "parameters": [_ID, _TX], "requestBody": {"required": False, "content": _json("CaptureCreate")},
        "responses": {"200": _ok("How the provider answered.", "PaymentAction", _SAVED_WARNING),
                      **_errors("403", "409", "502")}},
    ("/invoices/{id}/payments/{transaction_id}/reverse", "post"): {
        "summary": "Reverse a payment recorded outside the payment methods in error",
        "description": "For a successful charge recorded over this API or with the back-office's Record Payment "
                       "(a bank transfer reported in error): records its reversal, a refund of the whole payment "
                       "with `reverses` naming it, after which the invoice is due as if the payment had never "
                       "been recorded (not Refunded). Once: a second call answers 200 with the same reversal. "
                       "404 for any other transaction (a payment method's payment is refunded through it).",
        "parameters": [_ID, _TX], "requestBody": {"required": True, "content": _json("PaymentReverse")},
        "responses": {"201": _ok("Reversed.", "PaymentResult", _SAVED_WARNING),
                      "200": _ok("Reversed before: that reversal.", "PaymentResult"),
                      **_errors("400", "403", "409", "422")}},
    ("/invoices/{id}/payments/{transaction_id}/cancel", "post"): {
        "summary": "Cancel what remains of an authorization", "description": _PAYMENT_ACTION,
        "parameters": [_ID, _TX], "requestBody": {"required": False, "content": _json("ActionNotes")},
        "responses": {"200": _ok("How the provider answered.", "PaymentAction", _SAVED_WARNING),
                      **_errors("403", "409", "502")}},
    ("/invoices/{id}/payments/{transaction_id}/reauthorize", "post"): {
        "summary": "Renew what remains of an authorization before its provider releases it",
        "description": _PAYMENT_ACTION + " The answer's `transaction_id` is the new authorization; the old "
                       "one is released. 409 when its method cannot renew it (its card was not kept).",
        "parameters": [_ID, _TX], "requestBody": {"required": False, "content": _json("ActionNotes")},
        "responses": {"200": _ok("How the provider answered.", "PaymentAction", _SAVED_WARNING),
                      **_errors("403", "409", "502")}},
    ("/invoices/{id}/payments/{transaction_id}/confirm-unanswered", "post"): {
        "summary": "Say what the provider did with a request whose answer was lost",
        "description": "For a request listed in the transaction's `unanswered` that is not `resendable` (a "
                       "provider without idempotency keys, such as OroPay, or a Stripe request older than the 24 "
                       "hours Stripe keeps its key): `made: true` records the refund or cancellation (under "
                       "`reference`), `made: false` ends the request and releases what it reserved. 409 when the "
                       "request no longer waits, is to be asked again instead, or is a capture or re-authorization "
                       "confirmed as made.",
        "parameters": [_ID, _TX], "requestBody": {"required": True, "content": _json("ConfirmUnanswered")},
        "responses": {"200": _ok("Recorded or released.", "PaymentAction", _SAVED_WARNING),
                      **_errors("400", "403", "409", "422")}},
    ("/invoices/{id}/apply-credit", "post"): {
        "summary": "Pay (part of) the invoice from its customer's credit in its currency",
        "description": "Records a payment of the method `customer_credit` that takes the credit "
                       "(`GET /receivables/credit`): the amount due and the payment status follow as for any "
                       "payment, and `…/payments/{transaction_id}/reverse` puts the credit back. Without `amount`, "
                       "as much as the credit covers, at most the amount due. 409 for a draft, an invoice with "
                       "nothing to pay or without a customer, and a customer without credit in its currency; 422 "
                       "on `amount` for more than the credit or the amount due.",
        "parameters": [_ID], "requestBody": {"required": False, "content": _json("ApplyCredit")},
        "responses": {"201": _ok("Applied: the payment and the invoice after it.", "PaymentResult", _SAVED_WARNING),
                      "200": _ok("Applied before under this Idempotency-Key: that payment.", "PaymentResult"),
                      **_errors("400", "403", "409", "413", "422")}},
    ("/invoices/{id}/notes", "get"): {
        "summary": "List the invoice's notes", "parameters": [_ID],
        "responses": {"200": _ok("The notes, newest first.", "NoteList"), **_errors("403")}},
    ("/invoices/{id}/notes", "post"): {
        "summary": "Add a note (posted invoices too)", "parameters": [_ID],
        "requestBody": {"required": True, "content": _json("NoteCreate")},
        "responses": {"201": _ok("The note.", "Note"), **_errors("400", "403", "413", "422")}},
    ("/invoices/{id}/credit-notes", "get"): {
        "summary": "List the invoice's credit notes (cursor paging)", "parameters": [_ID, *_LIST_PARAMS],
        "responses": {"200": _ok("One page of credit notes.", "InvoicePage"), **_errors("403", "422")}},
    ("/invoices/{id}/credit-notes", "post"): {
        "summary": "Post a credit note against a posted invoice (full, lines, or amounts per tax rate)",
        "description": "Give `full: true`, or `lines` (the invoice's line `position`s with the quantity "
                       "to credit) and/or `amounts` (a net amount at one of the invoice's tax rates). "
                       "Never more than remains creditable per line, per tax rate and in total: 422 "
                       "naming the line or rate and its limit. When the credit gives back money "
                       "already paid, `settlement` says how: `refund` (through the payment method "
                       "that took it, after the credit note is posted), `credit` (kept as the customer's "
                       "credit: `GET /receivables/credit`) or `outside`.",
        "parameters": [_ID], "requestBody": {"required": True, "content": _json("CreditNoteCreate")},
        "responses": {"201": _ok("The credit note, the invoice after it, the refund.", "CreditNoteResult",
                                 _CREDIT_NOTE_LOCATION),
                      **_errors("400", "403", "409", "413", "422")}},
    ("/invoices/{id}/void", "post"): {
        "summary": "Void an invoice nothing was paid for: a full credit note, status voided",
        "parameters": [_ID], "requestBody": {"required": False, "content": _json("Reason")},
        "responses": {"201": _ok("The credit note and the voided invoice.", "CreditNoteResult",
                                 _CREDIT_NOTE_LOCATION),
                      **_errors("400", "403", "409", "422")}},
    ("/invoices/{id}/reissue", "post"): {
        "summary": "Void the invoice and create a corrected draft copied from it (one transaction)",
        "parameters": [_ID], "requestBody": {"required": False, "content": _json("Reason")},
        "responses": {"201": _ok("The credit note, the voided invoice and the new draft.", "ReissueResult",
                                 _LOCATION),
                      **_errors("400", "403", "409", "422")}},
    ("/orders/{id}/invoices", "post"): {
        "summary": "Create a draft invoice of one of the host's orders",
        "description": "The draft carries the order's lines (description, SKU, unit, quantity, unit price, tax "
                       "rate and category), customer, customer user, website, currency, billing and shipping "
                       "addresses and the link to the order, checked as `POST /invoices` checks a payload. The "
                       "body is optional: `invoice_date` (default today, UTC), `due_date` (a posted invoice needs "
                       "one), `lines` to invoice only some lines of the order at some quantity (at most what was "
                       "ordered), `invoice_again`. 404 for an order that does not exist or is another "
                       "organization's; 422 for an order without lines or without a customer (`order_id`) and "
                       "for `lines` the order does not have (`lines`); 409 with code `order_invoiced` when the "
                       "order's invoices (drafts included, net of their credit notes) already come to its total, "
                       "naming them, unless `invoice_again` is true.",
        "parameters": [_ORDER_ID], "requestBody": {"required": False, "content": _json("OrderInvoiceCreate")},
        "responses": {"201": _ok("The draft invoice.", "Invoice", {**_LOCATION, **_SAVED_WARNING}),
                      **_errors("400", "403", "404", "409", "413", "422")}},
    ("/e-invoices", "post"): {
        "summary": "Import an e-invoice (Factur-X / ZUGFeRD PDF, or CII or UBL XML) as a posted invoice or credit "
                   "note",
        "description": "The body is the e-invoice's bytes: a PDF carrying its XML (`application/pdf`), kept "
                       "byte for byte as the invoice's PDF, or EN 16931 XML (`application/xml`) in CII "
                       "syntax, kept too and carried byte for byte by the PDF made for the invoice, or in "
                       "UBL syntax (XRechnung UBL, Peppol BIS Billing 3.0: an `Invoice` or a `CreditNote`), "
                       "kept as sent and given back by the XML download (the PDF made for it carries no XML). "
                       "Its number (BT-1) is the invoice's number and external "
                       "id; type code 381 makes a credit note of the invoice BT-25 names. It is checked as "
                       "the bulk import checks a record: the totals it states against its lines, its "
                       "seller's VAT id against the organization's, the posting requirements; the buyer "
                       "goes to the customer with its VAT id where the host can look customers up by it. "
                       "Every problem is listed, named by its business term (`BT-112`) or the invoice's "
                       "field (`lines[0].quantity`). Sent again: 200 with the invoice it made (409 when "
                       "its document fields differ). The `Invoice-Write-Result` header says which happened.",
        "requestBody": {"required": True, "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "application/xml": {"schema": {"type": "string"}}}},
        "responses": {"201": _ok("Created and posted.", "Invoice",
                                 {**_LOCATION, **_WRITE_RESULT, **_WRITE_WARNING}),
                      "200": _ok("Sent before: the invoice it made (or its payment status updated).", "Invoice",
                                 {**_WRITE_RESULT, **_WRITE_WARNING}),
                      **_errors("400", "403", "409", "413", "422")}},
    ("/credit-notes", "get"): {
        "summary": "List the client's organization's credit notes (cursor paging)",
        "parameters": _LIST_PARAMS,
        "responses": {"200": _ok("One page of credit notes.", "InvoicePage"), **_errors("422")}},
    ("/credit-notes/{id}", "get"): {
        "summary": "Get a credit note", "parameters": [_ID],
        "responses": {"200": _ok("The credit note.", "Invoice"), **_errors("403")}},
    ("/credit-notes/{id}/pdf", "get"): {
        "summary": "Download a credit note's stored PDF", "parameters": [_ID, {
            "in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The PDF.", "headers": _PDF_HEADERS,
                              "content": {"application/pdf": {"schema": {"type": "string",
                                                                         "format": "binary"}}}},
                      "304": {"description": "Not modified: the ETag matched."},
                      **_errors("403", "409")}},
    ("/credit-notes/{id}/xml", "get"): {
        "summary": "Download a credit note's e-invoice XML (type 381): the one attached to its stored PDF, "
                   "or the UBL it was issued as",
        "parameters": [_ID],
        "responses": {"200": {"description": "The EN 16931 XML of the credit note.",
                              "content": {"application/xml": {"schema": {"type": "string"}}}},
                      **_errors("403", "409")}},
    ("/receivables/aging", "get"): {
        "summary": "The receivables aging: what each customer owes on posted invoices, by days past due",
        "parameters": _AGING_PARAMS,
        "responses": {"200": _ok("The report.", "AgingReport"), **_errors("422")}},
    ("/receivables/aging.pdf", "get"): {
        "summary": "The receivables aging as PDF, to file or hand to an accountant",
        "description": "The same report, headed by the organization's seller as configured now, in its document "
                       "language; made on request.",
        "parameters": _AGING_PARAMS,
        "responses": {"200": {"description": "The report.",
                              "headers": {"Content-Disposition": {
                                  "description": 'attachment; filename="aging-YYYY-MM-DD.pdf"',
                                  "schema": {"type": "string"}}},
                              "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                      **_errors("404", "422")}},
    ("/receivables/aging/email", "post"): {
        "summary": "Email the receivables aging to the seller's staff, its PDF and CSV attached",
        "description": "Queues the report (as `GET /receivables/aging` gives it for the same query) to Aging Report "
                       "Recipients, from the aging_report_template in the organization's language; a body "
                       "overrides the recipients, subject or text. 404 where email or a PDF storage is not "
                       "configured; 422 without a recipient.",
        "parameters": _AGING_PARAMS,
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/AgingEmailCreate"}}}},
        "responses": {"201": _ok("The queued email.", "AgingEmail", _QUEUED_WARNING), **_errors("404", "422")}},
    ("/receivables/statement", "get"): {
        "summary": "A customer's statement: their open invoices, what each still owes and how late it is",
        "description": "The posted invoices the customer can still pay, per currency with the aging of them "
                       "all: the customer's line of `GET /receivables/aging`.",
        "parameters": _STATEMENT_PARAMS,
        "responses": {"200": _ok("The statement.", "Statement"), **_errors("422")}},
    ("/receivables/credit", "get"): {
        "summary": "A customer's credit: the balance per currency and the ledger, newest first",
        "description": "Money the customer has with the seller that no invoice owes: kept from a credit note "
                       "(settlement `credit`) or a payment's surplus, spent by applying it to an invoice "
                       "(`POST /invoices/{id}/apply-credit`) or giving it back (`POST /receivables/credit/pay-outs`). "
                       "50 entries a page; `next` pages on.",
        "parameters": _CREDIT_PARAMS,
        "responses": {"200": _ok("The customer's credit.", "CustomerCredit"), **_errors("403", "422")}},
    ("/receivables/credit/pay-outs", "post"): {
        "summary": "Give (part of) a customer's credit back outside the add-on (a bank transfer, a check)",
        "description": "Records that the seller gave `amount` of the customer's credit in `currency` back: a "
                       "`paid_out` entry of the ledger; no money moves through the add-on. 422 naming the field "
                       "for an amount that is not more than 0 or more than the credit, a currency that is no ISO "
                       "4217 code, a reference with control characters, an unknown field.",
        "parameters": [_STATEMENT_PARAMS[0]], "requestBody": {"required": True, "content": _json("CreditPayOut")},
        "responses": {"201": _ok("Given back: the ledger entry.", "CreditEntry", _SAVED_WARNING),
                      "200": _ok("Given back before under this Idempotency-Key: that entry.", "CreditEntry"),
                      **_errors("400", "403", "413", "422")}},
    ("/receivables/activity", "get"): {
        "summary": "A customer's activity statement (balance forward) of a period",
        "description": "Per currency: what the customer owed before the period, every posted invoice, credit "
                       "note, payment and refund dated in it with the balance after each, and what they owe at its "
                       "end. A payment recorded in error and reversed is left out. 422 for a period that ends "
                       "before it starts, is longer than three years, or starts or ends after today.",
        "parameters": [_STATEMENT_PARAMS[0],
                       {"in": "query", "name": "from", "required": True, "schema": {"type": "string", "format": "date"},
                        "description": "The period's first day. " + EMPTY_REQUIRED},
                       {"in": "query", "name": "to", "required": True, "schema": {"type": "string", "format": "date"},
                        "description": "The period's last day. " + EMPTY_REQUIRED},
                       _STATEMENT_PARAMS[1]],
        "responses": {"200": _ok("The activity.", "Activity"), **_errors("422")}},
    ("/receivables/bank-statement/matches", "post"): {
        "summary": "Match the payments of a bank statement to invoices (nothing is written)",
        "description": "The body is the statement as the bank gave it: CAMT.053, .054 or .052 XML (`application/xml`), MT940 "
                       "(`text/plain`) or CSV with `date,amount,currency,reference,payer` (`text/csv`), at most 5 "
                       "MiB and 2,000 payments. Each payment received comes with the organization's invoices its "
                       "reference names (numbers, external ids) or, naming none, the one open invoice owing exactly "
                       "its amount, and how it compares. A file that is no statement, or one of which no payment "
                       "could be read but some line could not, is a 422 on `body` (each problem naming its line).",
        "requestBody": {"required": True, "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                                      for media in ("application/xml", "text/plain", "text/csv")}},
        "responses": {"200": _ok("The payments and their matches.", "BankStatement"), **_errors("422")}},
    ("/receivables/bank-statement/payments", "post"): {
        "summary": "Match a bank statement and record the payments that pay exactly what their invoices owe",
        "description": "As `…/matches`, then each payment that pays exactly what its invoices owe is recorded "
                       "as Record Payment for them would (by bank transfer, the day booked, its reference), once "
                       "per statement line however often the statement is sent; `recorded` says what became of "
                       "each. With `?keep_surplus=true`, each payment that brings more than its invoices owe is "
                       "recorded too, what is over their amount due kept as their customer's credit "
                       "(`kept_as_credit`); one whose invoices are not all one customer's is not recorded, "
                       "`problem` saying why. The others are left for an admin.",
        "parameters": [{"in": "query", "name": "keep_surplus", "required": False,
                        "schema": {"type": "string", "enum": ["true", "false"], "default": "false"},
                        "description": "true: also record the payments that bring more than their invoices of one "
                                       "customer owe, keeping what is over as that customer's credit. Given empty "
                                       "(or only whitespace): 422 naming it; leave it out to record only the "
                                       "payments that pay exactly what their invoices owe."}],
        "requestBody": {"required": True, "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                                      for media in ("application/xml", "text/plain", "text/csv")}},
        "responses": {"200": _ok("The payments, their matches and what was recorded.", "BankStatement",
                                 _SAVED_WARNING),
                      **_errors("422")}},
    ("/receivables/activity.pdf", "get"): {
        "summary": "A customer's activity statement as PDF, to send them",
        "description": "The same query as `GET /receivables/activity`; made on request in the customer's language.",
        "parameters": [_STATEMENT_PARAMS[0],
                       {"in": "query", "name": "from", "required": True, "schema": {"type": "string", "format": "date"},
                        "description": "The period's first day. " + EMPTY_REQUIRED},
                       {"in": "query", "name": "to", "required": True, "schema": {"type": "string", "format": "date"},
                        "description": "The period's last day. " + EMPTY_REQUIRED},
                       _STATEMENT_PARAMS[1]],
        "responses": {"200": {"description": "The activity statement.",
                              "headers": {"Content-Disposition": {
                                  "description": 'attachment; filename="activity-<customer id>-<from>-<to>.pdf"',
                                  "schema": {"type": "string"}}},
                              "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                      **_errors("422")}},
    ("/receivables/statement.pdf", "get"): {
        "summary": "A customer's statement as PDF, to send them",
        "description": "Made on request in the customer's language, headed by the seller as configured now.",
        "parameters": _STATEMENT_PARAMS,
        "responses": {"200": {"description": "The statement.",
                              "headers": {"Content-Disposition": {
                                  "description": 'attachment; filename="statement-<customer id>-YYYY-MM-DD.pdf"',
                                  "schema": {"type": "string"}}},
                              "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                      **_errors("422")}},
    ("/invoices/send", "post"): {
        "summary": "Send to Customer for several invoices at once",
        "description": "Each invoice is emailed to its customer user from its template, in the customer's "
                       "language, with its PDF, as `POST /invoices/{id}/send` does without a body; a draft is "
                       "posted first only with \"post\": true. One that cannot be sent (no address, a draft "
                       "left as it is) does not stop the others: the answer says what became of each. An invoice "
                       "that is not the organization's is a 422 under its place, and nothing is sent. 404 where "
                       "email is not configured.",
        "requestBody": {"required": True, "content": _json("InvoicesSend")},
        "responses": {"200": _ok("What became of each.", "InvoicesSent", _SENDING_WARNING), **_errors("422")}},
    ("/invoices/{id}/send", "post"): {
        "summary": "Send to Customer: email the invoice, its PDF attached",
        "description": "Queues the invoice's email from invoice_notification_template (a credit note's from "
                       "credit_note_notification_template) in the customer's language, with the stored PDF, to "
                       "its customer user; a body overrides the recipients, subject, text or template. A draft "
                       "is posted first only with \"post\": true (else 409); a draft without a recipient is "
                       "refused (422) before it is posted. 404 where email is not configured.",
        "parameters": [_ID],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/InvoiceEmailCreate"}}}},
        "responses": {"201": _ok("The queued email.", "InvoiceEmail", _SENDING_WARNING), **_errors("403")}},
    ("/receivables/statement/email", "post"): {
        "summary": "Email a customer their statement, its PDF attached",
        "description": "Queues the statement of account (as `GET /receivables/statement` gives it, its PDF as it "
                       "stands now) to the customer user of the customer's latest open invoice, from the "
                       "customer_statement_template in their language; a body overrides the recipients, subject "
                       "or text. 404 where email or a PDF storage is not configured.",
        "parameters": _STATEMENT_PARAMS,
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/StatementEmailCreate"}}}},
        "responses": {"201": _ok("The queued email.", "StatementEmail", _QUEUED_WARNING)}},
    ("/receivables/payments", "post"): {
        "summary": "Record one payment received for several invoices (a bank transfer settling a list of them)",
        "description": "Each invoice's share (its amount, or the amount received spread over them oldest due date "
                       "first) is recorded as a payment received outside the payment methods, as the back-office's "
                       "Record Payment does: reversible, with its receipt, each naming the remittance. All or "
                       "nothing: an invoice that cannot be paid (a draft, a credit note, nothing due, another "
                       "currency), a share above its amount due or an amount received beyond their amount due is a "
                       "422 naming its field, and nothing is recorded.",
        "requestBody": {"required": True, "content": _json("RemittanceCreate")},
        "responses": {"201": _ok("The payments recorded.", "Remittance", _SAVED_WARNING)}},
    ("/events", "get"): {
        "summary": "List the organization's outgoing webhook events, newest first (cursor paging)",
        "description": "One row per event and endpoint, as `oro-invoices deliver-events` sends them "
                       "(docs/events.md). Needs the `oro_invoices.configure` permission of a client acting for a "
                       "user. Only the client's organization's events. A filter given empty (`status=`) is 422 "
                       "naming it; an empty `limit` or `cursor` is the default (the first page).",
        "parameters": _EVENT_PARAMS,
        "responses": {"200": _ok("One page of events.", "EventPage"), **_errors("403", "422")}},
    ("/events/{id}", "get"): {
        "summary": "One outgoing event, with the exact body it is sent with and every resend",
        "description": "`redelivery_history` lists every resend, newest first. 404 for an id no event of the "
                       "organization has (another organization's too).",
        "parameters": [_ID],
        "responses": {"200": _ok("The event.", "EventDetail"), **_errors("403")}},
    ("/events/{id}/redeliver", "post"): {
        "summary": "Send a delivered or failed event again, with the same event id and body",
        "description": "Puts the event back as pending, its attempts at 0, due at once: the next "
                       "`deliver-events` run sends it. The resend is added to `redelivery_history` (newest first) "
                       "with who asked, when, and the status, attempts, last HTTP status and last error the event "
                       "had; `redeliveries` counts the resends, and `redelivered_at`, `redelivered_by` and "
                       "`previous_*` repeat the newest. 409 for an event still waiting to be sent (pending, "
                       "sending, retry; one a resend put back says it is already being resent, as the second of "
                       "two resends at once is told) and for one whose endpoint is no longer configured for the "
                       "organization. 503 (with `Retry-After`) when the database could not record the resend: "
                       "nothing was changed.",
        "parameters": [_ID], "requestBody": _NO_BODY,
        "responses": {"200": _ok("The event, pending again.", "EventDetail", _SAVED_WARNING),
                      **_errors("403", "503")}},
    ("/openapi.json", "get"): {
        "summary": "This document (no authentication)", "security": [],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}},
}

for (_path, _method), _operation in OPERATIONS.items():
    if _method in ("post", "patch", "put"):
        _operation["parameters"] = [*_operation.get("parameters", []), _IDEMPOTENCY_KEY]
        _operation["responses"].update(_errors("400", "409", "422"))

_COMPONENTS = [
    ("Address", AddressSchema), ("Buyer", BuyerSchema), ("Line", LineSchema), ("Links", LinksOut),
    ("AddressOut", AddressOut), ("LineOut", LineOut), ("TaxOut", TaxOut), ("PdfOut", PdfOut),
    ("InvoiceCreate", InvoiceInputSchema()),
    ("InvoiceUpdate", InvoiceInputSchema(partial=tuple(InvoiceInputSchema().fields))),
    ("Invoice", InvoiceOut), ("InvoiceSummary", InvoiceSummaryOut), ("InvoicePage", InvoicePageOut),
    ("PaymentCreate", PaymentInputSchema), ("Transaction", TransactionOut),
    ("PaymentResult", PaymentResultOut), ("TransactionList", TransactionListOut),
    ("ListedTransaction", ListedTransactionOut), ("RefundCreate", RefundIn), ("CaptureCreate", CaptureIn), ("ActionNotes", ActionNotesIn),
    ("ConfirmUnanswered", ConfirmUnansweredIn), ("Unanswered", UnansweredOut),
    ("PaymentAction", PaymentActionOut),
    ("NoteCreate", NoteInputSchema), ("Note", NoteOut), ("NoteList", NoteListOut),
    ("ErrorItem", ErrorItem), ("Error", ErrorOut),
    ("DocumentRef", DocumentRefOut), ("CreditNoteCreate", CreditNoteInputSchema),
    ("CreditNoteResult", CreditNoteResultOut), ("ReissueResult", ReissueResultOut), ("Reason", ReasonIn),
    ("AgingReport", AgingReportOut), ("Statement", StatementOut), ("Activity", ActivityOut),
    ("InvoicesSend", InvoicesSendIn), ("InvoicesSent", InvoicesSentOut),
    ("BankStatement", BankStatementOut), ("StatementEmailCreate", StatementEmailIn),
    ("AgingEmailCreate", AgingEmailIn), ("AgingEmail", AgingEmailOut),
    ("StatementEmail", StatementEmailOut), ("InvoiceEmailCreate", InvoiceEmailIn), ("PaymentReverse", PaymentReverseIn), ("InvoiceEmail", InvoiceEmailOut),
    ("RemittanceCreate", RemittanceIn), ("Remittance", RemittanceOut),
    ("CustomerCredit", CustomerCreditOut), ("CreditEntry", CreditEntryOut), ("ApplyCredit", ApplyCreditIn),
    ("CreditPayOut", CreditPayOutIn), ("OrderInvoiceCreate", OrderInvoiceRequest),
    ("Event", EventOut), ("EventDetail", EventDetailOut), ("EventResend", EventResendOut), ("EventPage", EventPageOut),
]

DESCRIPTION = """\
Create, change, post and read invoices from an external system (ERP, import jobs).
Authenticate with `Authorization: Bearer <token>`; a client sees only its own
organization's invoices. Amounts are decimal strings ("19.99"), never numbers.
Errors are `{"errors": [{"field": ..., "message": ...}]}`. A query parameter given empty
(or only whitespace) is refused, 422 naming it, rather than read as no filter: leave a
filter out not to filter by it (`sort`, `limit`, `cursor` and `before` given empty are
their default). A query string that is not UTF-8 after percent-decoding (`?external_id=%FF`)
is refused on every endpoint, 422 naming each parameter whose value cannot be read (`field`
`query` for a name that cannot be read), before anything is looked up; a U+FFFD sent as
`%EF%BF%BD` is text like any other."""


def _resolver(schema: Any) -> str:
    """Nested schemas not registered by name are inlined (apispec reads a falsy name so)."""
    return ""


def build_spec(base_path: str = "/api") -> dict[str, Any]:
    """The OpenAPI 3 document as a dict (needs the ``api`` extra: apispec)."""
    from apispec import APISpec  # here, so the rest of the API works without the api extra
    from apispec.ext.marshmallow import MarshmallowPlugin
    plugin = MarshmallowPlugin(schema_name_resolver=_resolver)
    spec = APISpec(title="oro-invoices API", version=__version__, openapi_version="3.0.3",
                   plugins=[plugin], info={"description": DESCRIPTION},
                   servers=[{"url": base_path or "/"}], security=[{"bearerAuth": []}])
    plugin.map_to_openapi_type(DecimalString, "string", "decimal")  # type: ignore[no-untyped-call]  # untyped in apispec
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for name, schema in _COMPONENTS:
        spec.components.schema(name, schema=schema)
    for code, text in _ERRORS.items():
        spec.components.response(f"Error{code}", {"description": text, "content": _json("Error")})
    paths: dict[str, dict[str, Any]] = {}
    for (path, method), operation in OPERATIONS.items():
        # every endpoint refuses a query that is not UTF-8, every authenticated one unknown query parameters
        operation = {**operation, "responses": {**operation["responses"],
                                                "422": {"$ref": "#/components/responses/Error422"}}}
        paths.setdefault(path, {})[method] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
