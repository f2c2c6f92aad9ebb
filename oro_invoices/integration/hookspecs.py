"""Hook specifications: every way a plugin can extend oro-invoices.

Plugins implement these with ``@oro_invoices.integration.plugins.hookimpl`` and are found
through the entry-point group ``oro_invoices``. The add-on always calls hooks
with keyword arguments, so an implementation may accept any subset of the
arguments, and new arguments may be added without breaking it.

Sections: lifecycle, numbering, documents, mail, UI, payments.
Each hook is documented in ``docs/hooks.md`` under a heading that is its signature, and
called somewhere in the package (``tests/integration/test_hooks.py`` checks both).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pluggy

from oro_invoices.domain.customer_credit import CreditEntry
from oro_invoices.domain.events import PaymentStatusUpdated
from oro_invoices.domain.invoice import InvoiceDocument, PaymentStatus

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.integration.payment_methods import PaymentMethod

PROJECT = "oro_invoices"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class ViewSection:
    """A block a plugin adds to an invoice view page; ``html`` must already be escaped."""

    key: str
    title: str
    html: str
    position: int = 100


# -- lifecycle ------------------------------------------------------------------------
# Past-tense events, called after the change is committed. Return values are ignored.
# An exception raised here is logged and does not undo the change.

@hookspec
def invoice_created(invoice: InvoiceDocument, actor: str) -> None:
    """An invoice was created (by the API, an import or from an order).

    :param invoice: the new invoice as stored (a draft unless imported as posted).
    :param actor: who did it: a user name, "api:<client>" or "system".
    """


@hookspec
def invoice_updated(invoice: InvoiceDocument, actor: str) -> None:
    """A draft invoice's document fields or lines changed.

    :param invoice: the invoice after the change.
    :param actor: who did it.
    """


@hookspec
def invoice_posted(invoice: InvoiceDocument, actor: str) -> None:
    """An invoice was posted: it now has its number (and PDF) and is frozen.

    :param invoice: the posted invoice, with ``invoice_number`` and ``posted_at`` set.
    :param actor: who did it.
    """


@hookspec
def invoice_deleted(invoice: InvoiceDocument, actor: str) -> None:
    """A draft invoice was deleted.

    :param invoice: the invoice as it was just before deletion.
    :param actor: who did it.
    """


@hookspec
def invoice_paid(invoice: InvoiceDocument, actor: str) -> None:
    """An invoice became paid in full.

    :param invoice: the invoice with its new payment status.
    :param actor: who or what recorded the payment ("stripe-webhook", a user name …).
    """


@hookspec
def invoice_payment_status_changed(invoice: InvoiceDocument, old_status: PaymentStatus,
                                   new_status: PaymentStatus, actor: str) -> None:
    """An invoice's payment status changed (recalculated or forced).

    :param invoice: the invoice with its new payment status.
    :param old_status: the status before the change.
    :param new_status: the status now (equal to ``invoice.payment_status``).
    :param actor: who or what changed it.
    """


@hookspec
def invoice_payment_status_updated(event: PaymentStatusUpdated) -> None:
    """The outgoing ``invoice.payment_status_updated`` event of a committed change of an
    invoice's payment status or amount due.

    Called once per transaction that changed an invoice's payment status or amounts (paid,
    credited; ``status == previous_status`` when only the amounts changed), with the event
    that the configured webhook endpoints receive (the same ``event.id``).

    :param event: a frozen ``oro_invoices.domain.events.PaymentStatusUpdated``: id, type,
        occurred_at, invoice id and number, organization id, status and previous status,
        amount paid, amount due and currency; ``event.as_json()`` is the webhook payload.
    """


@hookspec
def customer_credit_changed(entry: CreditEntry, actor: str) -> None:
    """A customer's credit changed: credit kept from a credit note or a payment's surplus,
    applied to an invoice, put back by a reversal, or given back outside the add-on.

    :param entry: a frozen ``oro_invoices.domain.customer_credit.CreditEntry``: organization
        and customer id, currency, ``kind`` (credit_note, surplus, applied, returned,
        surplus_reversed, paid_out), ``amount`` (negative when credit went out),
        ``balance_after``, the invoice, credit note and payment transaction it names.
    :param actor: who or what changed it.
    """


# -- numbering ------------------------------------------------------------------------

@hookspec(firstresult=True)
def invoice_number(invoice: InvoiceDocument, prefix: str, posted_at: dt.datetime,
                   sequence: int) -> str | None:
    """The number of an invoice being posted. Stops at the first non-None result.

    The default plugin returns ``INV-2026-11-00001`` (prefix, year, month, sequence).

    :param invoice: the invoice being posted (still without a number).
    :param prefix: the configured ``oro_invoices.number_prefix`` for its organization.
    :param posted_at: the posting time, in the invoice's time zone (``oro_invoices.timezone`` of
        its organization and website): its year and month are those of the counter.
    :param sequence: the next value of the gapless counter of the invoice's organization and
        month, allocated under a row lock; a generator that ignores it must ensure uniqueness
        itself. When the number returned is already taken, the hook is called again with the
        next value (the skip is recorded).
    :return: the number, or None to leave the choice to the next plugin.
    """


# -- documents ------------------------------------------------------------------------

@hookspec
def invoice_pdf_context(invoice: InvoiceDocument) -> dict[str, Any] | None:
    """Extra variables for the invoice PDF template.

    Results are merged (``plugins.merge_dicts``); when two plugins give the same key, the
    plugin registered last wins, so any plugin overrides a default plugin.

    :param invoice: the invoice being rendered (at posting).
    :return: a dict of template variables, or None.
    """


@hookspec
def invoice_template_dirs() -> list[str] | None:
    """Directories of Jinja2 templates that override the package's defaults.

    Lookup order: host overrides, then these directories (in call order), then the
    package's templates.

    :return: a list of directory paths, or None.
    """


# -- mail -----------------------------------------------------------------------------

@hookspec
def invoice_email_context(invoice: InvoiceDocument) -> dict[str, Any] | None:
    """Extra variables for every email about one invoice (notification, reminders, a credit
    note's notification, receipts, the expiring-authorization alert).

    Results are merged like ``invoice_pdf_context``'s; the variables the add-on gives
    (``invoice``, ``payment_url``, ``seller``, ``recipient_name``, ``pdf_attached`` and each
    template's own) cannot be replaced.

    :param invoice: the invoice being sent.
    :return: a dict of template variables, or None.
    """


# -- UI -------------------------------------------------------------------------------

@hookspec
def invoice_view_sections(invoice: InvoiceDocument, area: str) -> list[ViewSection] | None:
    """Extra sections on an invoice's view page, ordered by ``position``.

    :param invoice: the invoice shown.
    :param area: "backoffice" or "storefront".
    :return: a list of ``ViewSection``, or None.
    """


# -- payments -------------------------------------------------------------------------

@hookspec
def register_payment_methods() -> list[PaymentMethod] | None:
    """Payment methods this plugin provides (``integration.payment_methods.PaymentMethod``).

    Called when the add-on is built (possibly more than once: return fresh or stateless
    objects). Of two methods with the same name the one of the plugin registered last wins,
    so a plugin replaces a built-in method by returning its own under that name; blocking the
    built-in method's default plugin removes it. The registered names are the choices of the
    ``oro_invoices.payment_method`` setting.

    :return: a list of payment methods, or None.
    """
