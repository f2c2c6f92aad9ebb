"""The Aging Report's Customer suggestions for a past day name the customers its report lists
then: who owed something at the end of that day in the chosen currency (or held credit), not
everyone invoiced by then; and a day is judged past, and its end, in the organization's time
zone, by the page and the service alike, whatever website the invoices are narrowed to."""
from __future__ import annotations

import datetime as dt
import re

from support.payloads import posted_for_seeded_customer

from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.persistence.customer_credit import EntryKind, Owner, change, lock
from oro_invoices.persistence.queries import InvoiceFilter

#: Noon UTC on January 15th: already the 16th on Kiritimati (UTC+14), still the 15th in Pago Pago (UTC-11).
NOON = dt.datetime(2031, 1, 15, 12, 0, tzinfo=dt.UTC)


def invoiced(service, customer, currency: str, *, website_id=None, tag: str):
    """A posted invoice of ``customer`` dated January 2nd, due February 1st."""
    return posted_for_seeded_customer(service, customer_id=customer.id, customer_user_id=None,
                                      customer_name=customer.name, customer_user_email=None, currency=currency,
                                      external_id=f"DAY-{tag}", website_id=website_id,
                                      invoice_date="2031-01-02", due_date="2031-02-01")


def suggested(admin, query: str) -> list[str]:
    resp = admin.get("/admin/invoices/aging/customer-names?" + query)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["names"]


def listed(admin, query: str) -> list[str]:
    """The customer names the Aging Report of ``query`` lists."""
    page = admin.get("/admin/invoices/aging?" + query).get_data(as_text=True)
    names = []
    for currency in re.findall(r'data-currency="(\w+)"', page):
        table = re.search(rf'<table[^>]*data-currency="{currency}".*?</table>', page, re.S).group(0)
        for row in re.findall(r"<tr\b.*?</tr>", table, re.S):
            first = re.search(r"<t[hd]\b.*?</t[hd]>", re.sub(r'<a class="oi-statement-link".*?</a>', "", row), re.S)
            name = text_of(first.group(0))
            if name not in ("Customer", "Total") and name not in names:
                names.append(name)
    return sorted(names)


def test_a_past_days_suggestions_name_only_who_owed_then_in_the_currency(shop, admin, monkeypatch):
    service = admin.service
    monkeypatch.setattr(service.context, "clock", lambda: NOON)
    host = shop[0].extensions["oro_reference_host"]
    tools, paints = host.add_customer("Marlowe Tools", organization_id=1), host.add_customer("Marlowe Paints",
                                                                                           organization_id=1)
    for customer, tag in ((tools, "T"), (paints, "P")):     # EUR invoices paid in full on January 5th
        paid = invoiced(service, customer, "EUR", tag=f"{tag}-EUR")
        service.record_received_payment(paid.id, amount=paid.amount_due, method="bank_transfer",
                                        received_on=dt.date(2031, 1, 5), actor="admin", request_key=f"aging-day-paid-{tag}-0001")
    invoiced(service, tools, "USD", tag="T-USD")               # still owed

    for query, owed in [("as_of=2031-01-10&currency=EUR", []),
                        ("as_of=2031-01-10&currency=USD", ["Marlowe Tools"]),
                        ("as_of=2031-01-10", ["Marlowe Tools"]),
                        ("as_of=2031-01-04&currency=EUR", ["Marlowe Paints", "Marlowe Tools"]),
                        ("as_of=2031-01-01", [])]:               # nothing invoiced yet
        assert suggested(admin, "q=marlowe&" + query) == owed, query
        assert listed(admin, "customer=marlowe&" + query) == owed, query


def test_a_day_past_in_the_organizations_zone_is_past_for_the_service_too(shop, admin, monkeypatch):
    """On January 15th in Pago Pago, the website's zone, it is already the 16th in the
    organization's (Kiritimati): the 15th is a past day, ended at midnight there, before a
    payment recorded at noon UTC, for the page and for the service given that website alike."""
    app, info = shop
    service = admin.service
    monkeypatch.setattr(service.context, "clock", lambda: NOON)
    settings = app.extensions["oro_invoices"].settings
    website = next(o["websites"] for o in info["organizations"] if o["id"] == 1)[0]
    settings.set("oro_invoices.timezone", "Pacific/Kiritimati", "organization", 1)
    settings.set("oro_invoices.timezone", "Pacific/Pago_Pago", "website", website)
    on_website = InvoiceFilter(organization_id=1, website_id=website)
    day = dt.date(2031, 1, 15)
    assert service.today(on_website) == day and service.books_today(on_website) == day + dt.timedelta(days=1)

    customer = shop[0].extensions["oro_reference_host"].add_customer("Ottoline Bolts", organization_id=1)
    invoice = invoiced(service, customer, "EUR", website_id=website, tag="ZONE")
    service.record_payment(invoice.id, {"method": "bank", "action": "charge", "amount": f"{invoice.amount_due}"})

    assert service.aging_customer_names(on_website, "otto", today=day) == ["Ottoline Bolts"]    # owed then
    assert "Ottoline Bolts" in [line.customer_name for line in service.receivables_aging(on_website, today=day).lines]
    assert service.aging_customer_names(on_website, "otto") == []                              # paid now
    assert suggested(admin, "q=otto&as_of=2031-01-15") == listed(admin, "customer=otto&as_of=2031-01-15") \
        == ["Ottoline Bolts"]
    # the last day ahead the report takes is a year after the organization's today, here as on the page
    last = (day + dt.timedelta(days=1 + 366)).isoformat()
    assert service.aging_customer_names(on_website, "otto", today=dt.date.fromisoformat(last)) == []
    page = admin.get(f"/admin/invoices/aging?as_of={last}")
    assert page.status_code == 200, text_of(page.get_data(as_text=True))[:300]


def test_a_past_days_suggestions_count_credit_held_at_the_end_of_the_organizations_day(shop, admin, monkeypatch):
    """Credit kept at 05:00 UTC on January 15th is kept at 18:00 on the 14th in Pago Pago, the
    organization's zone: a customer who owes nothing and holds it is suggested for the 14th, the
    organization's day it was held at the end of (by the UTC day it would be the 15th's), and not
    for the 13th. No public call keeps credit at a chosen moment: the entry is written as a kept
    surplus is."""
    app, _info = shop
    service = admin.service
    monkeypatch.setattr(service.context, "clock", lambda: NOON)        # 01:00 on the 15th in Pago Pago
    app.extensions["oro_invoices"].settings.set("oro_invoices.timezone", "Pacific/Pago_Pago", "organization", 1)
    customer = shop[0].extensions["oro_reference_host"].add_customer("Quillon Credit", organization_id=1)
    kept = dt.datetime(2031, 1, 15, 5, 0, tzinfo=dt.UTC)
    with service.db.transaction() as s:
        change(s, lock(s, Owner(1, customer.id, "EUR"), kept), 5000, EntryKind.SURPLUS, actor="test", now=kept)
    everyone = InvoiceFilter(organization_id=1)
    assert service.aging_customer_names(everyone, "quil", today=dt.date(2031, 1, 14)) == ["Quillon Credit"]
    assert suggested(admin, "q=quil&as_of=2031-01-14") == ["Quillon Credit"]
    assert service.aging_customer_names(everyone, "quil", today=dt.date(2031, 1, 13)) == []
    assert suggested(admin, "q=quil&as_of=2031-01-13") == []
