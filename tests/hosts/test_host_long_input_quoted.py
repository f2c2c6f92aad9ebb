"""A value typed in the back-office that is refused is quoted in the error by at most its first 40
characters and an ellipsis: a 10,000-character value is never echoed back in full."""
from __future__ import annotations

import re

import pytest
from support.config_form import save

from oro_invoices.domain.limits import quoted
from oro_invoices.hosts.reference.testing import text_of

LONG = "Z" * 10_000
SHOWN = "'" + "Z" * 40 + "…'"


def _messages(html: str) -> str:
    """What the page says, without what its fields hold (a refused form keeps what was typed)."""
    return text_of(re.sub(r"<textarea.*?</textarea>", "", html, flags=re.S))


def _longest_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"Z+", text)), default=0)


def test_quoted_keeps_short_values_whole_and_cuts_long_ones_with_an_ellipsis():
    assert quoted("2026-02-31") == "'2026-02-31'"
    assert quoted("Z" * 40) == "'" + "Z" * 40 + "'"
    assert quoted(LONG) == SHOWN
    assert quoted(12345) == "'12345'"


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_a_long_recipient_in_the_email_dialog_is_quoted_by_its_start(admin, field):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}?dialog=email"
    data = {"to": "buyer@acme.example", "subject": "Your invoice", "body": "Hello", "form_token": f"t-{field}"}
    data[field] = LONG + "@acme.example"
    resp = admin.submit(page, f"/admin/invoices/{inv}/email", data)
    said = _messages(resp.get_data(as_text=True))
    assert resp.status_code == 422
    assert f"{SHOWN} is not a valid email address." in said
    assert _longest_run(said) == 40


def test_a_long_date_on_the_orders_create_invoice_form_is_quoted_by_its_start(admin):
    order_tab = "/admin/invoices/orders/1"
    resp = admin.submit(order_tab, "/admin/invoices/orders/1/invoices",
                        {"invoice_date": LONG, "due_date": "2026-02-01"})
    said = _messages(resp.get_data(as_text=True))
    assert f"{SHOWN} is not a date (YYYY-MM-DD)." in said
    assert _longest_run(said) == 40


@pytest.mark.parametrize("key,problem", [
    ("oro_invoices.locale", "is not a locale code"),
    ("oro_invoices.timezone", "Unknown time zone"),
    ("oro_invoices.seller.iban", "is not a valid IBAN"),
    ("oro_invoices.seller.country_code", "is not an ISO 3166-1 country code"),
    ("oro_invoices.reminders.schedule", "is not a whole number of days"),
    ("oro_invoices.authorization_alert_emails", "is not a valid email address"),
])
def test_a_long_setting_value_is_quoted_by_its_start(admin, key, problem):
    resp = save(admin, "/admin/config/oro_invoices?scope=organization&scope_id=1",
                {key: LONG, f"{key}.use_default": None})
    said = _messages(resp.get_data(as_text=True))
    assert resp.status_code == 422 and problem in said
    assert SHOWN in said and _longest_run(said) == 40
