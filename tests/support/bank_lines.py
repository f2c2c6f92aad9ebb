"""Invoices and statement lines of the bank-matching tests: one day, one-line invoices by number."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from oro_invoices.domain.messages import Message
from oro_invoices.services.bank_statement_entries import StatementEntry
from oro_invoices.services.facade import InvoiceService
from support.days import days_ago
from support.payloads import one_line_invoice

#: The statement's day: a past day, so that its payments may be recorded whichever day the tests run.
DAY = days_ago(5)


def invoice(service: InvoiceService, price: str, number: str, due_in: int = 19, **extra: Any) -> int:
    """A posted one-line invoice of ``price`` whose external id (the statement's reference) is
    ``number``, dated 11 days before ``DAY`` and due ``due_in`` days after it."""
    return one_line_invoice(service, due_date=(DAY + dt.timedelta(days=due_in)).isoformat(),
                            invoice_date=(DAY - dt.timedelta(days=11)).isoformat(), price=price,
                            external_id=number, **extra)


def entry(amount: str, reference: str, bank_reference: str = "", currency: str = "USD") -> StatementEntry:
    """A credit of ``amount`` on ``DAY`` from Acme, its remittance text ``reference``."""
    return StatementEntry(Message("line 2"), DAY, Decimal(amount), currency, reference, "Acme", bank_reference)
