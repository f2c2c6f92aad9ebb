"""The page routes and one dispatcher over them; framework adapters mount these.

Rules use the ``<int:name>`` / ``<name>`` syntax Flask, Werkzeug and Django
all understand, relative to each area's prefix. Endpoint names are the ones the
profile registers (``oro_invoices.admin.index`` …), so the host's ``url_for``
finds them.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from oro_invoices.web import form_text
from oro_invoices.web.aging_emails import AgingEmailPages
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.backoffice_actions import BackOfficeActions
from oro_invoices.web.backoffice_activity import ActivityPages
from oro_invoices.web.backoffice_aging import AgingPages
from oro_invoices.web.backoffice_bank import BankStatementPages
from oro_invoices.web.backoffice_credits import CreditActions
from oro_invoices.web.backoffice_customer_credit import CustomerCreditPages
from oro_invoices.web.backoffice_emails import EmailPages
from oro_invoices.web.backoffice_export import GridExport
from oro_invoices.web.backoffice_import import ImportPages
from oro_invoices.web.backoffice_notes import NoteActions
from oro_invoices.web.backoffice_orders import OrderInvoices
from oro_invoices.web.backoffice_payments import PaymentActions
from oro_invoices.web.backoffice_remittance import RemittancePages
from oro_invoices.web.backoffice_selection import SelectionPages
from oro_invoices.web.backoffice_statement import StatementPages
from oro_invoices.web.checkout_pages import CheckoutPages
from oro_invoices.web.checkout_several_pages import SeveralCheckoutPages
from oro_invoices.web.context import WebContext
from oro_invoices.web.guard import error_response
from oro_invoices.web.http import Request, Response
from oro_invoices.web.storefront import StorefrontPages
from oro_invoices.web.storefront_activity import StorefrontActivity

#: Where each area is mounted unless the adapter is told otherwise.
DEFAULT_PREFIXES = {"backoffice": "/admin/invoices", "storefront": "/customer/invoices",
                    "guest": "/invoices/pay"}
#: The layout each area's pages are wrapped in.
LAYOUT_AREA = {"backoffice": "backoffice", "storefront": "storefront", "guest": "storefront"}


@dataclass(frozen=True)
class Route:
    """One page: its endpoint name, URL rule (relative to the area prefix) and handler."""

    endpoint: str
    rule: str
    methods: tuple[str, ...]
    handler: str  # "backoffice.index": attribute path on ``InvoicePages``
    area: str

    @property
    def name(self) -> str:
        """The endpoint's last part (``index`` of ``oro_invoices.admin.index``)."""
        return self.endpoint.rsplit(".", 1)[-1]


def _r(endpoint: str, rule: str, handler: str, area: str, *methods: str) -> Route:
    return Route(endpoint, rule, tuple(methods or ("GET",)), handler, area)


ROUTES: tuple[Route, ...] = (
    _r("oro_invoices.admin.index", "", "backoffice.index", "backoffice"),
    _r("oro_invoices.admin.grid_columns", "/columns", "backoffice.save_columns", "backoffice", "POST"),
    _r("oro_invoices.admin.customer_names", "/customer-names", "backoffice.customer_names", "backoffice"),
    _r("oro_invoices.admin.view", "/<int:invoice_id>", "backoffice.view", "backoffice"),
    _r("oro_invoices.admin.add_note", "/<int:invoice_id>/notes", "notes.add_note", "backoffice",
       "POST"),
    _r("oro_invoices.admin.edit_note", "/<int:invoice_id>/notes/<int:note_id>", "notes.edit_note",
       "backoffice", "POST"),
    _r("oro_invoices.admin.delete_note", "/<int:invoice_id>/notes/<int:note_id>/delete",
       "notes.delete_note", "backoffice", "POST"),
    _r("oro_invoices.admin.email", "/<int:invoice_id>/emails/<int:email_id>", "emails.email",
       "backoffice"),
    _r("oro_invoices.admin.email_attachment",
       "/<int:invoice_id>/emails/<int:email_id>/attachments/<int:index>", "emails.attachment",
       "backoffice"),
    _r("oro_invoices.admin.delete_confirm", "/<int:invoice_id>/delete", "actions.delete_confirm",
       "backoffice"),
    _r("oro_invoices.admin.delete", "/<int:invoice_id>/delete", "actions.delete", "backoffice",
       "POST"),
    _r("oro_invoices.admin.send_to_customer", "/<int:invoice_id>/send-to-customer",
       "actions.send_to_customer", "backoffice", "POST"),
    _r("oro_invoices.admin.send_email", "/<int:invoice_id>/email", "actions.send_email",
       "backoffice", "POST"),
    _r("oro_invoices.admin.email_decision", "/<int:invoice_id>/emails/<int:email_id>",
       "actions.email_decision", "backoffice", "POST"),
    _r("oro_invoices.admin.download", "/<int:invoice_id>/download", "actions.download",
       "backoffice"),
    _r("oro_invoices.admin.download_xml", "/<int:invoice_id>/download/xml", "actions.download_xml",
       "backoffice"),
    _r("oro_invoices.admin.receipt", "/<int:invoice_id>/transactions/<int:transaction_id>/receipt",
       "actions.receipt", "backoffice"),
    _r("oro_invoices.admin.order_invoices", "/orders/<int:order_id>", "orders.tab", "backoffice"),
    _r("oro_invoices.admin.create_from_order", "/orders/<int:order_id>/invoices", "orders.create_invoice",
       "backoffice", "POST"),
    _r("oro_invoices.admin.import_form", "/import", "imports.import_form", "backoffice"),
    _r("oro_invoices.admin.import_files", "/import", "imports.import_files", "backoffice", "POST"),
    _r("oro_invoices.admin.export_csv", "/export.csv", "export.export_csv", "backoffice"),
    _r("oro_invoices.admin.export_totals_csv", "/export-totals.csv", "export.export_totals_csv", "backoffice"),
    _r("oro_invoices.admin.export_pdfs", "/export-pdfs.zip", "export.export_pdfs", "backoffice"),
    _r("oro_invoices.admin.selection_send_confirm", "/selected/send", "selection.send_confirm", "backoffice"),
    _r("oro_invoices.admin.selection_send", "/selected/send", "selection.send", "backoffice", "POST"),
    _r("oro_invoices.admin.selection_delete_confirm", "/selected/delete", "selection.delete_confirm", "backoffice"),
    _r("oro_invoices.admin.selection_delete", "/selected/delete", "selection.delete", "backoffice", "POST"),
    _r("oro_invoices.admin.selection_payment_form", "/selected/payment", "remittance.form", "backoffice"),
    _r("oro_invoices.admin.selection_payment", "/selected/payment", "remittance.record", "backoffice", "POST"),
    _r("oro_invoices.admin.bank_statement_form", "/bank-statement", "bank.form", "backoffice"),
    _r("oro_invoices.admin.bank_statement", "/bank-statement", "bank.upload", "backoffice", "POST"),
    _r("oro_invoices.admin.bank_statement_record", "/bank-statement/record", "bank.record_matched", "backoffice",
       "POST"),
    _r("oro_invoices.admin.selection_pdfs", "/selected/pdfs.zip", "selection.pdfs", "backoffice"),
    _r("oro_invoices.admin.aging", "/aging", "aging.report", "backoffice"),
    _r("oro_invoices.admin.aging_customer_names", "/aging/customer-names", "aging.customer_names", "backoffice"),
    _r("oro_invoices.admin.aging_csv", "/aging.csv", "aging.report_csv", "backoffice"),
    _r("oro_invoices.admin.aging_pdf", "/aging.pdf", "aging.report_pdf", "backoffice"),
    _r("oro_invoices.admin.aging_detail_csv", "/aging-detail.csv", "aging.report_detail_csv", "backoffice"),
    _r("oro_invoices.admin.aging_email", "/aging/email", "aging_emails.send_email", "backoffice", "POST"),
    _r("oro_invoices.admin.aging_email_view", "/aging/emails/<int:email_id>", "aging_emails.email_view", "backoffice"),
    _r("oro_invoices.admin.aging_email_attachment", "/aging/emails/<int:email_id>/attachments/<int:index>",
       "aging_emails.email_attachment", "backoffice"),
    _r("oro_invoices.admin.aging_email_decision", "/aging/emails/<int:email_id>", "aging_emails.email_decision",
       "backoffice", "POST"),
    _r("oro_invoices.admin.statement", "/statement", "statements.page", "backoffice"),
    _r("oro_invoices.admin.statement_pdf", "/statement.pdf", "statements.pdf", "backoffice"),
    _r("oro_invoices.admin.statement_csv", "/statement.csv", "statements.csv", "backoffice"),
    _r("oro_invoices.admin.statement_activity", "/statement/activity", "activity.page", "backoffice"),
    _r("oro_invoices.admin.statement_activity_csv", "/statement/activity.csv", "activity.csv", "backoffice"),
    _r("oro_invoices.admin.statement_activity_pdf", "/statement/activity.pdf", "activity.pdf", "backoffice"),
    _r("oro_invoices.admin.statement_activity_email", "/statement/activity/email", "activity.send_email",
       "backoffice", "POST"),
    _r("oro_invoices.admin.statement_email", "/statement/email", "statements.send_email", "backoffice", "POST"),
    _r("oro_invoices.admin.statement_reminders", "/statement/reminders", "statements.reminders", "backoffice", "POST"),
    _r("oro_invoices.admin.statement_email_view", "/statement/emails/<int:email_id>", "statements.email_view",
       "backoffice"),
    _r("oro_invoices.admin.statement_email_attachment", "/statement/emails/<int:email_id>/attachments/<int:index>",
       "statements.email_attachment", "backoffice"),
    _r("oro_invoices.admin.statement_email_decision", "/statement/emails/<int:email_id>",
       "statements.email_decision", "backoffice", "POST"),
    _r("oro_invoices.admin.customer_credit", "/customer-credit", "customer_credit.page", "backoffice"),
    _r("oro_invoices.admin.customer_credit_pay_out", "/customer-credit/pay-out", "customer_credit.pay_out",
       "backoffice", "POST"),
    _r("oro_invoices.admin.credit_note_form", "/<int:invoice_id>/credit-notes/new", "credits.credit_form",
       "backoffice"),
    _r("oro_invoices.admin.create_credit_note", "/<int:invoice_id>/credit-notes", "credits.create_credit",
       "backoffice", "POST"),
    _r("oro_invoices.admin.void_confirm", "/<int:invoice_id>/void", "credits.void_confirm", "backoffice"),
    _r("oro_invoices.admin.void", "/<int:invoice_id>/void", "credits.void", "backoffice", "POST"),
    _r("oro_invoices.admin.reissue_confirm", "/<int:invoice_id>/reissue", "credits.reissue_confirm",
       "backoffice"),
    _r("oro_invoices.admin.reissue", "/<int:invoice_id>/reissue", "credits.reissue", "backoffice", "POST"),
    _r("oro_invoices.storefront.index", "", "storefront.index", "storefront"),
    _r("oro_invoices.storefront.view", "/<int:invoice_id>", "storefront.view", "storefront"),
    _r("oro_invoices.storefront.download_all", "/download-pdfs.zip", "storefront.download_all", "storefront"),
    _r("oro_invoices.storefront.statement", "/statement.pdf", "storefront.statement", "storefront"),
    _r("oro_invoices.storefront.activity", "/activity", "storefront_activity.page", "storefront"),
    _r("oro_invoices.storefront.activity_csv", "/activity.csv", "storefront_activity.csv", "storefront"),
    _r("oro_invoices.storefront.activity_pdf", "/activity.pdf", "storefront_activity.pdf", "storefront"),
    _r("oro_invoices.storefront.download", "/<int:invoice_id>/download", "storefront.download",
       "storefront"),
    _r("oro_invoices.storefront.download_xml", "/<int:invoice_id>/download/xml",
       "storefront.download_xml", "storefront"),
    _r("oro_invoices.storefront.receipt", "/<int:invoice_id>/payments/<int:transaction_id>/receipt",
       "storefront.receipt", "storefront"),
    _r("oro_invoices.admin.refund", "/<int:invoice_id>/transactions/<int:transaction_id>/refund",
       "payments.refund", "backoffice", "POST"),
    _r("oro_invoices.admin.record_payment", "/<int:invoice_id>/payments", "payments.record", "backoffice", "POST"),
    _r("oro_invoices.admin.reverse_payment", "/<int:invoice_id>/transactions/<int:transaction_id>/reverse",
       "payments.reverse", "backoffice", "POST"),
    _r("oro_invoices.admin.apply_credit", "/<int:invoice_id>/apply-credit", "payments.apply_credit", "backoffice",
       "POST"),
    _r("oro_invoices.admin.capture",
       "/<int:invoice_id>/transactions/<int:transaction_id>/capture", "payments.capture", "backoffice",
       "POST"),
    _r("oro_invoices.admin.cancel_authorization",
       "/<int:invoice_id>/transactions/<int:transaction_id>/cancel", "payments.cancel", "backoffice",
       "POST"),
    _r("oro_invoices.admin.reauthorize",
       "/<int:invoice_id>/transactions/<int:transaction_id>/reauthorize", "payments.reauthorize",
       "backoffice", "POST"),
    _r("oro_invoices.admin.confirm_unanswered",
       "/<int:invoice_id>/transactions/<int:transaction_id>/unanswered", "payments.confirm_unanswered",
       "backoffice", "POST"),
    _r("oro_invoices.storefront.pay_several", "/payment", "checkout_several.page", "storefront"),
    _r("oro_invoices.storefront.start_several_payment", "/payment", "checkout_several.start", "storefront",
       "POST"),
    _r("oro_invoices.storefront.several_payment_result", "/payments/<attempt>", "checkout_several.result",
       "storefront"),
    _r("oro_invoices.storefront.payment", "/<int:invoice_id>/payment", "checkout.payment", "storefront"),
    _r("oro_invoices.storefront.apply_credit", "/<int:invoice_id>/apply-credit", "checkout.apply_credit",
       "storefront", "POST"),
    _r("oro_invoices.storefront.start_payment", "/<int:invoice_id>/payment", "checkout.start",
       "storefront", "POST"),
    _r("oro_invoices.storefront.payment_result", "/<int:invoice_id>/payment/<attempt>",
       "checkout.result", "storefront"),
    _r("oro_invoices.storefront.pay", "/<token>", "checkout.guest", "guest"),
    _r("oro_invoices.storefront.guest_start_payment", "/<token>", "checkout.guest_start", "guest",
       "POST"),
    _r("oro_invoices.storefront.guest_payment_result", "/<token>/result/<attempt>",
       "checkout.guest_result", "guest"),
    _r("oro_invoices.storefront.guest_receipt", "/<token>/result/<attempt>/receipt",
       "checkout.guest_receipt", "guest"),
    _r("oro_invoices.storefront.payment_notify", "/notify/<method>", "checkout.notify", "guest",
       "GET", "POST"),
)


#: The pages a payment provider posts to (or sends back to), whose bodies and query strings it signs
#: as sent (its own encoding): not forms a person fills in, so not refused for text that is not
#: UTF-8 (``form_text``).
RAW_FORMS = frozenset({"oro_invoices.storefront.payment_notify"})
#: The areas whose every page runs ``guard.check`` first (login, permission): a form or query
#: there that cannot be read as text is refused by it, once the user may use the page.
CHECKED_AREAS = frozenset({"backoffice", "storefront"})


class InvoicePages:
    """Every page handler, reachable by endpoint name."""

    def __init__(self, ctx: WebContext):
        self.ctx = ctx
        self.backoffice = BackOffice(ctx)
        self.export = GridExport(self.backoffice)
        self.aging = AgingPages(self.backoffice)
        self.aging_emails = AgingEmailPages(self.aging)
        self.statements = StatementPages(self.backoffice)
        self.customer_credit = CustomerCreditPages(self.backoffice)
        self.activity = ActivityPages(self.backoffice)
        self.selection = SelectionPages(self.backoffice)
        self.remittance = RemittancePages(self.selection)
        self.bank = BankStatementPages(self.backoffice)
        self.imports = ImportPages(self.backoffice)
        self.actions = BackOfficeActions(self.backoffice)
        self.storefront = StorefrontPages(ctx)
        self.storefront_activity = StorefrontActivity(ctx)
        self.checkout = CheckoutPages(ctx, self.storefront)
        self.checkout_several = SeveralCheckoutPages(ctx, self.storefront, self.checkout)
        self.payments = PaymentActions(self.backoffice)
        self.credits = CreditActions(self.backoffice)
        self.notes = NoteActions(self.backoffice)
        self.orders = OrderInvoices(self.backoffice)
        self.emails = EmailPages(self.backoffice)
        self.routes = {r.endpoint: r for r in ROUTES}
        #: The forms that label some fields by their records (``form_text.FieldLabels``, given the request).
        self.field_labels: dict[str, Callable[[Request, Sequence[str]], Mapping[str, str]]] = {
            "oro_invoices.admin.selection_payment": self.remittance.field_labels,
            "oro_invoices.admin.create_from_order": self.orders.field_labels}

    def handler(self, endpoint: str) -> Callable[[Request], Response]:
        route = self.routes[endpoint]
        owner, method = route.handler.split(".")
        handler: Callable[[Request], Response] = getattr(getattr(self, owner), method)
        return handler

    def dispatch(self, endpoint: str, req: Request) -> Response:
        """Run the endpoint's handler; any error becomes a page saying what to do."""
        route = self.routes[endpoint]
        try:
            if endpoint not in RAW_FORMS:
                own = self.field_labels.get(endpoint)
                judge = functools.partial(form_text.input_refusal, req, endpoint,
                                          None if own is None else functools.partial(own, req))
                if route.area in CHECKED_AREAS:
                    req = replace(req, refusal=judge)     # asked by ``guard.check``, after login and permission
                elif (refused := judge()) is not None:    # nobody logs in there: refused before the page runs
                    raise refused
            return self.handler(endpoint)(req)
        except Exception as exc:  # errors.* are mapped; anything else is a generic 500
            return error_response(self.ctx, req, exc, area=LAYOUT_AREA[route.area])
