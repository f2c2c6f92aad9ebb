"""The account activity email says each currency's balances as the customer reads them: what they
owed, or the credit they had, at the start and at the end of the period, never a negative amount
"owed"."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from support.days import today

from oro_invoices.services.activity_statement import ActivityLine, ActivitySection
from oro_invoices.services.mail.checking import render_sample, sample_context
from oro_invoices.services.mail.render import load_default

NAME = "customer_activity_template"


def rendered(sections: list[ActivitySection], locale: str = "en_US") -> tuple[str, str]:
    context = sample_context(today=today(), timezone="UTC")
    context["activity"] = replace(context["activity"], sections=sections)
    source = load_default(NAME)
    assert source is not None
    email = render_sample(NAME, source.subject, source.text, source.html, locale=locale, context=context,
                          timezone="UTC")
    return " ".join(email.text.split()), " ".join(email.html.split())


def section(currency: str, opening: str, *amounts: str) -> ActivitySection:
    balance, lines = Decimal(opening), []
    for amount in amounts:
        balance += Decimal(amount)
        lines.append(ActivityLine(today(), "invoice", 1, "INV-0001", Decimal(amount), balance))
    return ActivitySection(currency, Decimal(opening), lines)


def shown(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def test_a_credit_at_either_end_is_said_as_a_credit_not_as_a_negative_amount_owed():
    start = sample_context(today=today(), timezone="UTC")["activity"].start
    for body in rendered([section("JPY", "0", "123456", "-200000"), section("EUR", "-20.00", "20.00")]):
        assert "owed on" not in body and "-¥" not in body and "-€" not in body
        assert f"On {shown(start)} you owe nothing in JPY." in body
        assert f"On {shown(today())} you have a credit of ¥76,544." in body
        assert f"On {shown(start)} you have a credit of €20.00." in body
        assert f"On {shown(today())} you owe nothing in EUR." in body


def test_balances_owed_at_both_ends_are_said_in_one_sentence_as_before():
    start = sample_context(today=today(), timezone="UTC")["activity"].start
    for body in rendered([section("USD", "120.00", "60.00")]):
        assert f"In USD: $120.00 owed on {shown(start)}, $180.00 owed on {shown(today())}." in body


@pytest.mark.parametrize(("locale", "said"), [("de_DE", "haben Sie ein Guthaben von"),
                                              ("fr_FR", "vous disposez d’un crédit de"),
                                              ("ja_JP", "のクレジットがあります")])
def test_the_credit_is_said_in_the_customers_language(locale, said):
    for body in rendered([section("EUR", "0", "-30.00")], locale):
        assert said in body and "-30" not in body
