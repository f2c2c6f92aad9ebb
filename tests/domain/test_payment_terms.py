"""The seller's payment terms: Days to Pay and the placeholders of the printed terms."""
from __future__ import annotations

import datetime as dt

import pytest

from oro_invoices.domain.payment_terms import (
    days_problem,
    default_due_date,
    due_date_differs,
    fill_terms,
    invoice_terms,
    terms_problem,
)

TERMS = "Payable within {days} days without deduction.\nDue by {due_date}.\nThank you."


def test_an_invoice_keeps_its_own_days_and_due_date_in_its_terms():
    kept = invoice_terms(TERMS, invoice_date=dt.date(2027, 2, 14), due_date=dt.date(2027, 3, 16),
                         write_date=lambda day: day.strftime("%d.%m.%Y"))
    assert kept == "Payable within 30 days without deduction.\nDue by 16.03.2027.\nThank you."


def test_a_statement_leaves_out_the_line_that_names_one_due_date():
    assert fill_terms(TERMS, days=14, due_date=None) == "Payable within 14 days without deduction.\nThank you."
    assert fill_terms(TERMS, days=None, due_date=None) == "Thank you."
    assert fill_terms("No placeholder {here", days=None, due_date=None) == "No placeholder {here"


@pytest.mark.parametrize(("text", "problem"), [
    ("", None), ("0", None), ("30", None), ("3650", None),
    ("-1", "from 0"), ("3651", "3650"), ("30 days", "whole number"), ("2.5", "whole number"), ("３０", "whole number"),
])
def test_days_to_pay_is_a_whole_number_of_days_or_nothing(text, problem):
    found = days_problem(text)
    assert (found is None) if problem is None else (problem in str(found))


def test_terms_may_name_only_the_days_and_the_due_date():
    assert terms_problem(TERMS) is None
    assert terms_problem("Pay {amount} now") is not None
    assert "{amount}" in str(terms_problem("Pay {amount} now"))
    assert "{days}" in str(terms_problem("{Days}"))      # says what to write instead


def test_the_due_date_by_days_to_pay_and_the_warning_when_it_differs():
    issued = dt.date(2027, 12, 20)
    assert default_due_date(issued, 14) == dt.date(2028, 1, 3)
    assert default_due_date(issued, None) is None
    assert due_date_differs(issued, dt.date(2028, 1, 3), 14) is None
    warning = due_date_differs(issued, dt.date(2027, 12, 21), 14)
    assert warning is not None and str(warning).startswith("The due date gives 1 day to pay") and "give 14" in str(warning)
    assert due_date_differs(issued, dt.date(2027, 12, 21), None) is None
