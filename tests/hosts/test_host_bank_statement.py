"""Match Bank Statement in the reference shop: the payments of a CAMT.053 (or .054, .052), MT940, BAI2 or CSV statement, each
with the invoices its reference names, leading to Record Payment filled in."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from support.admins import admin_with
from support.days import after_seeded_invoices, days_ago, shown
from support.payloads import posted_for_seeded_customer

from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.bank_matching import MatchedPayment

PAGE = "/admin/invoices/bank-statement"
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
#: The day the statements written here were booked: after the seeded invoices they pay were posted.
DAY = after_seeded_invoices()
#: The last day the example statements were booked on (docs/examples/bank-statement*).
EXAMPLES_LAST_DAY = dt.date(2026, 12, 4)


def moved(day: dt.date) -> dt.date:
    """An example statement's ``day`` as ``example`` moves it: its last day is yesterday."""
    return day + (days_ago(1) - EXAMPLES_LAST_DAY)


def example(name: str) -> bytes:
    """The example statement ``name`` with its days ``moved``, so that its payments were received
    after the seeded invoices they pay, on days a payment may be recorded for: the ISO days, and
    MT940's and BAI2's YYMMDD (an MT940 entry date's MMDD with it)."""
    def yymmdd(text: bytes) -> bytes:
        return moved(dt.datetime.strptime(text.decode(), "%y%m%d").date()).strftime("%y%m%d").encode()

    data = re.sub(rb"\b2026-12-\d\d\b", lambda m: moved(dt.date.fromisoformat(m.group().decode())).isoformat()
                  .encode(), (EXAMPLES / name).read_bytes())
    data = re.sub(rb"(?m)^(:61:)(\d{6})\d{4}", lambda m: m.group(1) + yymmdd(m.group(2)) + yymmdd(m.group(2))[2:],
                  data)
    data = re.sub(rb"(?m)^(:6[02]F:[CD])(\d{6})", lambda m: m.group(1) + yymmdd(m.group(2)), data)
    return re.sub(rb"(?<=,)2612\d\d(?=,)", lambda m: yymmdd(m.group()), data)


def upload(admin: ShopClient, name: str, data: bytes):
    token = form_token(admin.get(PAGE).get_data(as_text=True))
    return admin.client.post(PAGE, data={"csrf_token": token, "statement": (io.BytesIO(data), name)},
                             content_type="multipart/form-data")


def payments(page: str) -> dict[str, tuple[str, str, str | None]]:
    """Each payment row: its outcome, its text and its Record Payment link."""
    rows = re.findall(r'<tr data-oi-entry="([^"]+)" data-oi-outcome="([a-z_]+)">(.*?)</tr>', page, re.S)
    out = {}
    for where, outcome, cells in rows:
        link = re.search(r'href="(/admin/invoices/selected/payment[^"]+)"', cells)
        out[where] = (outcome, text_of(cells), unescape(link.group(1)) if link else None)
    return out


def test_the_grid_offers_it_to_an_admin_who_records_payments(shop, admin):
    grid = admin.get("/admin/invoices").get_data(as_text=True)
    assert f'id="oi-match-bank-statement" href="{PAGE}"' in grid
    viewer = admin_with(shop)
    assert 'id="oi-match-bank-statement"' not in viewer.get("/admin/invoices").get_data(as_text=True)
    assert viewer.get(PAGE).status_code == 403


def test_a_camt_statement_is_matched_and_each_payment_recorded_from_its_filled_in_form(admin):
    partly, pending, branch = (admin.service.find_id(external_id=e)
                               for e in ("ERP-SO-1002-2", "ERP-SO-1003-3", "ERP-SO-1005-5"))
    due_partly = admin.service.get(partly).amount_due
    resp = upload(admin, "bank-statement-camt053.xml", example("bank-statement-camt053.xml"))
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert ("bank-statement-camt053.xml: 3 payments received. 1 other entry (a debit, a reversal, or not booked "
            "yet) is left out.") in text_of(page)
    rows = payments(page)
    assert [(where, outcome) for where, (outcome, _, _) in rows.items()] == [
        ("entry 1", "partly"), ("entry 2, transaction 1", "matched"), ("entry 2, transaction 2", "not_found")]
    first = rows["entry 1"]
    numbers = [admin.service.get(i).invoice_number for i in (partly, pending)]
    assert all(n in first[1] for n in numbers) and "Pays part of what they owe" in first[1]
    assert rows["entry 2, transaction 2"][2] is None and "No invoice found" in rows["entry 2, transaction 2"][1]
    assert admin.service.transactions(pending) == []                     # uploading records nothing

    form_page = admin.get(first[2]).get_data(as_text=True)
    fields = dict(re.findall(r'name="((?:amount-\d+)|request_key|received_on|reference)" value="([^"]*)"', form_page))
    assert (fields[f"amount-{partly}"], fields[f"amount-{pending}"]) == \
        (f"{due_partly:.2f}", f"{Decimal('300.00') - due_partly:.2f}")   # spread oldest due first
    assert fields["received_on"] == moved(dt.date(2026, 12, 3)).isoformat()
    assert unescape(fields["reference"]) == "Invoices ERP-SO-1002-2 and ERP-SO-1003-3, thank you"
    form = {**fields, "reference": unescape(fields["reference"]), "method": "bank_transfer",
            "invoice": [str(partly), str(pending)], "csrf_token": form_token(form_page)}
    assert admin.client.post("/admin/invoices/selected/payment", data=form).status_code == 200

    again = payments(upload(admin, "bank-statement-camt053.xml",
                            example("bank-statement-camt053.xml")).get_data(as_text=True))
    assert again["entry 1"][0] == "recorded" and again["entry 1"][2] is None        # said, not offered again
    assert "Recorded before" in again["entry 1"][1]
    assert again["entry 2, transaction 1"][0] == "matched" and branch


def test_a_csv_statement_naming_invoice_numbers_matches_only_the_organizations_invoices(admin):
    pending, foreign = (admin.service.find_id(external_id=e) for e in ("ERP-SO-1003-3", "ERP-SO-1011-11"))
    number, theirs = admin.service.get(pending).invoice_number, admin.service.get(foreign).invoice_number
    due = admin.service.get(pending).amount_due
    data = (f"date,amount,currency,reference,payer\n{DAY},{due},EUR,Payment {number},Acme\n"
            f"{DAY},10.00,JPY,{theirs},Tanaka\n{DAY},5.00,EUR,,Nobody\n").encode()
    page = upload(admin, "statement.csv", data).get_data(as_text=True)
    rows = payments(page)
    assert rows["line 2"][0] == "matched" and "Pays what they owe" in rows["line 2"][1]
    assert rows["line 3"][0] == "not_found"                 # another organization's number names nothing here
    assert f'href="/admin/invoices/{foreign}"' not in page and f'href="/admin/invoices/{pending}"' in page
    assert rows["line 4"][0] == "not_found"


def test_an_mt940_statement_is_matched_as_the_camt_one(admin):
    data = example("bank-statement-mt940.sta").replace(b"C300,00N", b"C300,N")   # "300," is 300.00 too
    page = upload(admin, "bank-statement-mt940.sta", data).get_data(as_text=True)
    assert ("bank-statement-mt940.sta: 3 payments received. 1 other entry (a debit, a reversal, or not booked "
            "yet) is left out.") in text_of(page)
    rows = payments(page)
    assert [(where, outcome) for where, (outcome, _, _) in rows.items()] == [
        ("line 5", "partly"), ("line 9", "matched"), ("line 12", "not_found")]
    assert "received=300.00&" in rows["line 5"][2]          # filled in with the currency's decimals
    branch = admin.service.get(admin.service.find_id(external_id="ERP-SO-1005-5"))
    assert branch.invoice_number in rows["line 9"][1] and "Acme Industries - Berlin Branch" in rows["line 9"][1]
    form_page = admin.get(rows["line 9"][2]).get_data(as_text=True)
    assert f'name="received_on" value="{moved(EXAMPLES_LAST_DAY)}"' in form_page and 'value="ERP-SO-1005-5"' in form_page


def test_a_file_that_cannot_be_read_is_said(admin):
    for name, data, said in (
            ("empty.csv", b"", "empty.csv: The file is empty."),
            ("s.xml", b"<Document><Other/></Document>", "The XML is no CAMT bank statement"),
            ("s.csv", b"when,what\n", "The CSV file's first line must name the columns")):
        resp = upload(admin, name, data)
        assert resp.status_code == 422 and said in text_of(resp.get_data(as_text=True)), name
    token = form_token(admin.get(PAGE).get_data(as_text=True))
    nothing = admin.client.post(PAGE, data={"csrf_token": token}, content_type="multipart/form-data")
    assert nothing.status_code == 422
    assert "Choose the statement file (CAMT XML, MT940, BAI2 or CSV)." in text_of(nothing.get_data(as_text=True))
    bad_rows = upload(admin, "s.csv", b"date,amount,currency,reference\n2026-13-01,1,EUR,x\n")
    assert bad_rows.status_code == 422
    assert "line 2: date '2026-13-01' is not a date (YYYY-MM-DD)." in text_of(bad_rows.get_data(as_text=True))


ENGLISH = ("payments received", "left out", "Pays part of what they owe", "No invoice found", "Booked On", "Paid By",
           "Record Payment", "Match Payments", "Statement file", "due", "Not read", "line 4")


@pytest.mark.parametrize("language", ["de", "fr", "ja"])
def test_the_payments_page_speaks_the_admins_language(admin, language):
    token = form_token(admin.get(PAGE).get_data(as_text=True))
    data = example("bank-statement.csv") + f"{DAY},ten,EUR,x,\n".encode()
    resp = admin.client.post(PAGE, data={"csrf_token": token, "statement": (io.BytesIO(data), "s.csv")},
                             content_type="multipart/form-data", headers={"Accept-Language": language})
    assert resp.status_code == 200 and f'<html lang="{language}"' in resp.get_data(as_text=True)
    text = text_of(resp.get_data(as_text=True).split('id="oi-bank-statement"')[1])
    assert [phrase for phrase in ENGLISH if phrase in text] == []


def record_them(admin: ShopClient, page: str, values: list[str]):
    return admin.client.post(PAGE + "/record", data={"payment": values, "csrf_token": form_token(page)})


def test_a_credit_recorded_from_its_camt054_notification_is_recorded_before_in_the_days_statement(admin):
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    notified = upload(admin, "bank-statement-camt054.xml",
                      example("bank-statement-camt054.xml")).get_data(as_text=True)
    assert [(where, outcome) for where, (outcome, _, _) in payments(notified).items()] == [
        ("entry 1", "partly"), ("entry 2, transaction 1", "matched"), ("entry 2, transaction 2", "not_found")]
    ticked = [unescape(v) for v in re.findall(r'<input type="checkbox" name="payment" value="([^"]+)" '
                                              r'form="oi-bank-record-form" checked', notified)]
    assert "1 payment was recorded." in text_of(record_them(admin, notified, ticked).get_data(as_text=True))
    statement = upload(admin, "bank-statement-camt053.xml",
                       example("bank-statement-camt053.xml")).get_data(as_text=True)
    assert "Recorded before" in payments(statement)["entry 2, transaction 1"][1]
    again = record_them(admin, statement, ticked).get_data(as_text=True)
    assert "0 payments were recorded." in text_of(again) and len(admin.service.transactions(branch)) == 1


def test_the_payments_that_pay_exactly_what_they_owe_are_recorded_together_once(admin):
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    page = upload(admin, "bank-statement-camt053.xml",
                  example("bank-statement-camt053.xml")).get_data(as_text=True)
    ticked = [unescape(v) for v in re.findall(r'<input type="checkbox" name="payment" value="([^"]+)" '
                                              r'form="oi-bank-record-form" checked', page)]
    assert len(ticked) == 1 and "Record the 1 payment ticked below" in text_of(page)   # the exact match only
    done = record_them(admin, page, ticked)
    assert done.status_code == 200
    result = done.get_data(as_text=True)
    assert "1 payment was recorded." in text_of(result)
    assert re.findall(r'<tr data-oi-outcome="([a-z_]+)">', result.split('id="oi-bank-recorded"')[1]) == ["recorded"]
    [payment] = admin.service.transactions(branch)
    assert (payment.method, payment.received_on.isoformat(), payment.reference, payment.amount) == \
        ("bank_transfer", moved(EXAMPLES_LAST_DAY).isoformat(), "ERP-SO-1005-5", Decimal("1344.34"))
    assert admin.service.get(branch).amount_due == 0

    again = record_them(admin, page, ticked).get_data(as_text=True)      # the same list sent again
    assert "0 payments were recorded." in text_of(again) and "Recorded before" in text_of(again)
    assert len(admin.service.transactions(branch)) == 1


def test_a_payment_that_no_longer_pays_exactly_is_left_for_the_admin(admin):
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    page = upload(admin, "bank-statement.csv", example("bank-statement.csv")).get_data(as_text=True)
    ticked = [unescape(v) for v in re.findall(r'name="payment" value="([^"]+)"', page)]
    admin.service.record_received_payment(branch, amount="10.00", method="cash", received_on=DAY,
                                          actor="test", request_key="meanwhile-0000000001")
    result = text_of(record_them(admin, page, ticked).get_data(as_text=True))
    assert "Not recorded: It no longer pays exactly what its invoices owe: record it from the list." in result
    assert len(admin.service.transactions(branch)) == 1                  # only the one recorded meanwhile


def test_recording_without_a_payment_or_with_a_damaged_one_is_said(admin):
    page = admin.get(PAGE).get_data(as_text=True)
    none = record_them(admin, page, [])
    assert none.status_code == 422 and "Tick the payments to record first." in text_of(none.get_data(as_text=True))
    for damaged in ('{"invoices": [1]}', "not json", '{"invoices": [], "amount": "1", "currency": "EUR", '
                                                    '"booked_on": "2026-12-01", "reference": ""}'):
        resp = record_them(admin, page, [damaged])
        assert resp.status_code == 422, damaged
        assert "The list of payments is damaged; upload the statement again." in text_of(resp.get_data(as_text=True))


def test_a_payment_naming_no_invoice_leads_to_the_payers_invoices_on_the_grid(admin):
    data = f"date,amount,currency,reference,payer\n{DAY},50.00,EUR,Thanks for everything,Acme Industries AG\n".encode()
    page = upload(admin, "s.csv", data).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" data-oi-find-payer>(.*?)</a>', page, re.S)
    assert text_of(link.group(2)) == "Find the invoices of customers named “Acme Industries AG…”"
    grid = admin.get(unescape(link.group(1))).get_data(as_text=True)
    assert "Customer: names starting with “Acme Industries AG”" in text_of(grid)
    numbers = set(re.findall(r"INV-\d{4}-\d{2}-\d{5}", text_of(grid.split("</thead>", 1)[1])))
    acme = {admin.service.get(admin.service.find_id(external_id=e)).invoice_number
            for e in ("ERP-SO-1002-2", "ERP-SO-1003-3")}
    assert acme <= numbers and admin.service.get(admin.service.find_id(external_id="ERP-SO-1007-7")) \
        .invoice_number not in numbers                                    # Globex's are not among them
    unnamed = upload(admin, "s.csv", f"date,amount,currency,reference\n{DAY},5.00,EUR,x\n".encode()) \
        .get_data(as_text=True)
    assert "data-oi-find-payer" not in unnamed                          # no payer, nothing to look for


def statement_csv(*rows: str) -> bytes:
    return ("date,amount,currency,reference,payer\n" + "".join(f"{row}\n" for row in rows)).encode()


def test_a_payment_naming_no_invoice_is_suggested_the_one_open_invoice_owing_exactly_its_amount(admin):
    pending = admin.service.get(admin.service.find_id(external_id="ERP-SO-1003-3"))
    sakura = admin.service.get(admin.service.find_id(external_id="ERP-SO-1011-11"))
    page = upload(admin, "s.csv", statement_csv(
        f"{DAY},{pending.amount_due},EUR,Thank you for the bolts,ACME INDUSTRIES",
        f"{DAY},{sakura.amount_due},JPY,Payment,Sakura",              # another organization's invoice
        f"{DAY},{pending.amount_due + 1},EUR,Payment,Acme")).get_data(as_text=True)
    rows = payments(page)
    assert [outcome for outcome, _, _ in rows.values()] == ["suggested", "not_found", "not_found"]
    outcome, text, record = rows["line 2"]
    assert pending.invoice_number in text and "Suggested by its amount" in text
    assert "Its reference names no invoice, but this one open invoice owes exactly its amount." in text
    assert sakura.invoice_number not in page
    assert 'name="payment"' not in page                                  # a suggestion is never ticked
    form_page = admin.get(record).get_data(as_text=True)
    assert f'name="amount-{pending.id}" value="{pending.amount_due:.2f}"' in form_page
    assert 'value="Thank you for the bolts"' in form_page

    form = dict(re.findall(r'name="((?:amount-\d+)|request_key|received_on|reference)" value="([^"]*)"', form_page))
    form.update({"method": "bank_transfer", "invoice": [str(pending.id)], "csrf_token": form_token(form_page)})
    assert admin.client.post("/admin/invoices/selected/payment", data=form).status_code == 200
    again = payments(upload(admin, "s.csv", statement_csv(
        f"{DAY},{pending.amount_due},EUR,Thank you for the bolts,ACME INDUSTRIES")).get_data(as_text=True))
    assert again["line 2"][0] == "recorded"                              # the suggestion recorded is said


def test_an_invoice_named_by_another_payment_or_suggested_before_is_not_suggested(admin):
    pending = admin.service.get(admin.service.find_id(external_id="ERP-SO-1003-3"))
    due = pending.amount_due
    named = payments(upload(admin, "s.csv", statement_csv(
        f"{DAY},{due},EUR,No reference,Acme", f"{DAY},{due},EUR,{pending.invoice_number},Acme"))
        .get_data(as_text=True))
    assert [o for o, _, _ in named.values()] == ["not_found", "matched"]
    twice = payments(upload(admin, "s.csv", statement_csv(
        f"{DAY},{due},EUR,First,Acme", f"{DAY},{due},EUR,Second,Acme")).get_data(as_text=True))
    assert [o for o, _, _ in twice.values()] == ["suggested", "not_found"]


def test_among_invoices_owing_the_same_amount_the_payers_is_suggested_and_else_none(admin):
    pending = admin.service.get(admin.service.find_id(external_id="ERP-SO-1003-3"))
    other = posted_for_seeded_customer(admin.service, currency="EUR", customer_name="Initech Kft.",
                                       lines=[{"description": "x", "quantity": "1",
                                               "unit_price": str(pending.amount_due)}])
    assert other.amount_due == pending.amount_due
    rows = payments(upload(admin, "s.csv", statement_csv(
        f"{DAY},{pending.amount_due},EUR,Payment,INITECH KFT",
        f"{DAY},{pending.amount_due},EUR,Payment,Someone Else Ltd")).get_data(as_text=True))
    assert rows["line 2"][0] == "suggested" and other.invoice_number in rows["line 2"][1]
    assert rows["line 3"][0] == "suggested" and pending.invoice_number in rows["line 3"][1]   # the one left
    unsure = payments(upload(admin, "s.csv", statement_csv(
        f"{DAY},{pending.amount_due},EUR,Payment,Someone Else Ltd")).get_data(as_text=True))
    assert unsure["line 2"][0] == "not_found"                            # two owe it, neither is the payer's


def zenith_invoices(admin: ShopClient, *amounts: str) -> list:
    """Posted EUR invoices of one more customer, Zenith Tools GmbH, due a day apart in the order given."""
    zenith = admin.app.extensions["oro_reference_host"].records.add_customer("Zenith Tools GmbH", organization_id=1)
    return [posted_for_seeded_customer(admin.service, currency="EUR", customer_id=zenith,
                                       customer_name="Zenith Tools GmbH",
                                       customer_user_id=None, customer_user_email="ap@zenith.example",
                                       due_date=f"2026-11-{10 + n:02d}", invoice_date="2026-10-01",
                                       lines=[{"description": "x", "quantity": "1", "unit_price": amount}])
            for n, amount in enumerate(amounts)]


def test_a_payment_naming_no_invoice_is_suggested_the_payers_invoices_adding_up_to_it(shop, admin):
    first, second, third = zenith_invoices(admin, "100.00", "250.00", "400.00")
    [api] = api_statement(shop, "matches", statement_csv(f"{DAY},350.00,EUR,October,Zenith Tools"),
                          "text/csv").get_json()["payments"]
    assert (api["outcome"], api["suggested"]) == ("suggested", None)       # not one invoice: see the list
    assert [(i["id"], i["amount_due"]) for i in api["suggested_invoices"]] == [(first.id, "100.00"),
                                                                                (second.id, "250.00")]
    page = upload(admin, "s.csv", statement_csv(
        f"{DAY},350.00,EUR,October invoices,ZENITH TOOLS",          # the oldest two
        f"{DAY},650.00,EUR,Payment,Zenith Tools GmbH")).get_data(as_text=True)   # the other two… none left
    rows = payments(page)
    outcome, text, record = rows["line 2"]
    assert outcome == "suggested" and first.invoice_number in text and second.invoice_number in text
    assert third.invoice_number not in text
    assert "these open invoices of Zenith Tools GmbH add up to exactly its amount" in text
    assert rows["line 3"][0] == "not_found"                              # the first two are taken by line 2
    form_page = admin.get(record).get_data(as_text=True)
    assert f'name="amount-{first.id}" value="100.00"' in form_page and f'name="amount-{second.id}" value="250.00"' \
        in form_page
    assert 'name="payment"' not in page                                  # never ticked for Record them

    alone = payments(upload(admin, "s.csv", statement_csv(f"{DAY},500.00,EUR,Payment,Zenith Tools"))
                     .get_data(as_text=True))
    assert alone["line 2"][0] == "suggested" and third.invoice_number in alone["line 2"][1]  # 100 + 400, the one set
    form_page = admin.get(alone["line 2"][2]).get_data(as_text=True)
    form = dict(re.findall(r'name="((?:amount-\d+)|request_key|received_on|reference)" value="([^"]*)"', form_page))
    form.update({"method": "bank_transfer", "invoice": [str(first.id), str(third.id)],
                 "csrf_token": form_token(form_page)})
    assert admin.client.post("/admin/invoices/selected/payment", data=form).status_code == 200
    again = payments(upload(admin, "s.csv", statement_csv(f"{DAY},500.00,EUR,Payment,Zenith Tools"))
                     .get_data(as_text=True))
    assert again["line 2"][0] == "recorded"                              # both shares found by the whole amount
    assert first.invoice_number in again["line 2"][1] and third.invoice_number in again["line 2"][1]


def test_no_set_is_suggested_when_several_add_up_or_the_payer_is_unsure(admin):
    zenith_invoices(admin, "100.00", "150.00", "250.00", "50.00", "60.00")
    logistics = admin.app.extensions["oro_reference_host"].records.add_customer("Zenith Logistics AG")
    posted_for_seeded_customer(admin.service, currency="EUR", customer_id=logistics, customer_name="Zenith Logistics AG",
                               customer_user_id=None, customer_user_email="ap@logistics.example",
                               lines=[{"description": "x", "quantity": "1", "unit_price": "5.00"}])
    rows = payments(upload(admin, "s.csv", statement_csv(
        f"{DAY},310.00,EUR,Payment,Zenith Tools",                    # 250 + 60, and 100 + 150 + 60
        f"{DAY},350.00,EUR,Payment,ZENITH",                          # Tools or Logistics?
        f"{DAY},350.00,EUR,Payment,Tools Zenith GmbH")).get_data(as_text=True))   # Tools: 100 + 250 alone
    assert [outcome for outcome, _, _ in rows.values()] == ["not_found", "not_found", "suggested"]


def api_statement(shop, path: str, data: bytes, content_type: str, organization: int = 0):
    token = shop[1]["organizations"][organization]["api_token"]
    return shop[0].test_client().post(f"/api/receivables/bank-statement/{path}", data=data, headers={
        "Authorization": f"Bearer {token}", "Content-Type": content_type})


def test_the_api_matches_a_statement_and_writes_nothing(shop, admin):
    resp = api_statement(shop, "matches", example("bank-statement-camt053.xml"), "application/xml")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["skipped"], body["problems"]) == (1, [])
    assert [(p["where"], p["outcome"]) for p in body["payments"]] == [
        ("entry 1", "partly"), ("entry 2, transaction 1", "matched"), ("entry 2, transaction 2", "not_found")]
    first = body["payments"][0]
    assert [i["external_id"] for i in first["invoices"]] == ["ERP-SO-1002-2", "ERP-SO-1003-3"]
    assert (first["amount"], first["booked_on"], first["payer"]) == \
        ("300.00", moved(dt.date(2026, 12, 3)).isoformat(), "Acme Industries AG")
    assert "recorded" not in body
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    assert admin.service.transactions(branch) == []
    theirs = api_statement(shop, "payments", example("bank-statement-camt053.xml"),
                           "application/xml", organization=1).get_json()
    assert {p["outcome"] for p in theirs["payments"]} == {"not_found"} and theirs["recorded"] == []
    assert admin.service.transactions(branch) == []          # another organization's client names none of ours


def test_the_api_records_the_exact_payments_once(shop, admin):
    """... and emails no receipt, as for every payment recorded over the API (Email Payment
    Receipts says so), where the back-office's page would."""
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.mail.payment_receipts", True)
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    data = example("bank-statement-mt940.sta")
    body = api_statement(shop, "payments", data, "text/plain").get_json()
    [done] = body["recorded"]
    [payment] = admin.service.transactions(branch)
    assert done == {"where": "line 9", "outcome": "recorded", "problem": None, "transactions": [payment.id],
                    "kept_as_credit": None}
    assert (payment.method, payment.received_on, payment.amount) == ("bank_transfer", moved(EXAMPLES_LAST_DAY),
                                                                      Decimal("1344.34"))
    assert shop[0].extensions["oro_invoices"].mail.emails(branch) == []
    again = api_statement(shop, "payments", data, "text/plain").get_json()
    assert [p["outcome"] for p in again["payments"]][1] == "recorded"     # said as recorded before, not again
    assert again["recorded"] == [{"where": "line 9", "outcome": "before", "problem": None,
                                  "transactions": [payment.id], "kept_as_credit": None}]
    assert len(admin.service.transactions(branch)) == 1


@pytest.mark.parametrize("data, content_type, status, said", [
    (b"<Document><Other/></Document>", "application/xml", 422, "The XML is no CAMT bank statement"),
    (b"", "text/csv", 422, "The file is empty."),
    (b"date,amount\n", "application/json", 400, "Content-Type"),
])
def test_the_api_says_what_is_wrong_with_a_statement(shop, data, content_type, status, said):
    resp = api_statement(shop, "matches", data, content_type)
    assert resp.status_code == status and said in str(resp.get_json())


def test_a_csv_with_old_mac_line_endings_is_read_as_any_other(shop, admin):
    data = example("bank-statement.csv").replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    assert b"\n" not in data
    resp = upload(admin, "statement.csv", data)
    assert resp.status_code == 200
    assert [(where, outcome) for where, (outcome, _, _) in payments(resp.get_data(as_text=True)).items()] == [
        ("line 2", "partly"), ("line 3", "matched"), ("line 4", "not_found")]
    api = api_statement(shop, "matches", data, "text/csv")
    assert api.status_code == 200 and api.get_json()["problems"] == []
    assert [(p["where"], p["reference"]) for p in api.get_json()["payments"]] == [
        ("line 2", "Invoices ERP-SO-1002-2 and ERP-SO-1003-3, thank you"), ("line 3", "ERP-SO-1005-5"),
        ("line 4", "Order 4471 deposit")]


@pytest.mark.parametrize("row, said", [
    ('2026-12-03,158.03,EUR,"' + "x" * 200_000 + '",Acme',
     "line 2: a value is longer than 131072 characters (a reference or a payer has at most 255); the file is "
     "not read beyond it."),
    ("2026-12-03,158.03,EUR," + "x" * 256 + ",Acme", "line 2: reference is longer than 255 characters."),
    ("2026-12-03,158.03,EUR,ERP-SO-1002-2," + "A" * 256, "line 2: payer is longer than 255 characters."),
])
def test_a_csv_value_longer_than_its_column_holds_is_refused_naming_its_line(shop, admin, row, said):
    data = statement_csv(row)
    page = upload(admin, "statement.csv", data)
    assert page.status_code == 422 and said in text_of(page.get_data(as_text=True))
    api = api_statement(shop, "matches", data, "text/csv")
    assert api.status_code == 422 and api.get_json()["errors"] == [{"field": "body", "message": said}]


def test_a_csv_row_after_a_value_too_long_to_read_is_not_read(shop):
    data = statement_csv('2026-12-03,1.00,EUR,"' + "x" * 200_000 + '\nmore",Acme', "2026-12-04,2.00,EUR,x,Acme")
    body = api_statement(shop, "matches", data, "text/csv").get_json()
    assert body["errors"][0]["message"].startswith("line 2: a value is longer than 131072 characters")


SUPERSCRIPT_TWO = "\u00b2".encode("latin-1")           # "²": str.isdigit() says yes, int() says no


@pytest.mark.parametrize("record, said", [
    (b"16," + SUPERSCRIPT_TWO + b",134434,Z,B61204-007,ERP-SO-1005-5,/",
     "line 10: the transaction detail (16) cannot be read."),                          # the type code
    (b"16,195," + SUPERSCRIPT_TWO * 3 + b",Z,B61204-007,ERP-SO-1005-5,/",
     "line 10: its date or amount cannot be read."),                                   # the amount
    (b"16,195,134434,D," + SUPERSCRIPT_TWO + b",B61204-007,ERP-SO-1005-5,/",
     "line 10: the transaction detail (16) cannot be read."),                          # the funds type's count
])
def test_a_bai2_record_with_other_than_ascii_digits_is_named_by_its_line(shop, admin, record, said):
    original = example("bank-statement-bai2.bai")
    data = original.replace(b"16,195,134434,Z,B61204-007,ERP-SO-1005-5,/", record)
    body = api_statement(shop, "matches", data, "text/plain").get_json()
    assert body["problems"] == [said] and [p["where"] for p in body["payments"]] == ["line 4", "line 11"]
    alone = b"\n".join(b"" if line.startswith(b"16,") and line != record else line   # its line number kept
                        for line in data.split(b"\n"))
    resp = api_statement(shop, "matches", alone, "text/plain")
    assert resp.status_code == 422 and resp.get_json()["errors"] == [{"field": "body", "message": said}]
    page = upload(admin, "statement.bai", alone)
    assert page.status_code == 422 and said in text_of(page.get_data(as_text=True))


def test_an_mt940_sub_field_not_numbered_in_ascii_digits_is_left_out(shop, admin):
    original = example("bank-statement-mt940.sta")
    data = original.replace(b"?20SVWZ+ERP-SO-1005-5", b"?20SVWZ+ERP-SO-1005-5?" + SUPERSCRIPT_TWO * 2 + b"x")
    resp = api_statement(shop, "matches", data, "text/plain")
    assert resp.status_code == 200 and resp.get_json()["problems"] == []
    assert [(p["where"], p["reference"], p["outcome"]) for p in resp.get_json()["payments"]][1] == \
        ("line 9", "ERP-SO-1005-5", "matched")
    page = upload(admin, "statement.sta", data)
    assert page.status_code == 200 and payments(page.get_data(as_text=True))["line 9"][0] == "matched"


NINES = "9" * 60
TOO_LARGE = "amount '" + "9" * 40 + "…' is too large: a payment is less than 1,000,000,000,000."


@pytest.mark.parametrize("name, data, content_type, status, said", [
    ("statement.csv", statement_csv(f"2026-12-03,{NINES},EUR,ERP-SO-1002-2,Acme"), "text/csv", 422,
     f"line 2: {TOO_LARGE}"),
    ("statement.csv", statement_csv("2026-12-03,1000000000000.00,EUR,ERP-SO-1002-2,Acme"), "text/csv", 422,
     "line 2: amount '1000000000000.00' is too large: a payment is less than 1,000,000,000,000."),
    ("statement.bai", b"01,N,B,261204,2300,1,80,,2/\n02,N,B,1,261203,2300,EUR,2/\n03,1,EUR,/\n"
                      b"16,195," + NINES.encode() + b",Z,B-1,ERP-SO-1002-2,/\n49,0,2/\n98,0,1,4/\n99,0,1,6/\n",
     "text/plain", 422, f"line 4: {TOO_LARGE}"),
    ("statement.sta", b":20:S\n:25:X\n:28C:1\n:60F:C261202EUR0,\n:61:2612041204C999999999999999,NTRFNONREF\n"
                      b":86:ERP-SO-1005-5\n-\n", "text/plain", 422,
     "line 5: amount '999999999999999,' is too large: a payment is less than 1,000,000,000,000."),
    ("statement.xml", example("bank-statement-camt053.xml").replace(
        b'<Amt Ccy="EUR">300.00</Amt>', f'<Amt Ccy="EUR">{NINES}</Amt>'.encode()), "application/xml", 200,
     f"entry 1: {TOO_LARGE}"),                                  # its other payments are read
])
def test_an_amount_beyond_what_money_holds_is_refused_naming_its_line(shop, admin, name, data, content_type,
                                                                      status, said):
    page = upload(admin, name, data)
    assert page.status_code == status and said in text_of(page.get_data(as_text=True))
    api = api_statement(shop, "matches", data, content_type)
    assert api.status_code == status
    if status == 200:
        assert api.get_json()["problems"] == [said]
    else:
        assert api.get_json()["errors"] == [{"field": "body", "message": said}]


def camt_utf16(dtd: str, reference: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-16"?>' + dtd
            + '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Ntry>'
              '<Amt Ccy="EUR">158.03</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-03</Dt></BookgDt>'
              f"<NtryDtls><TxDtls><RmtInf><Ustrd>{reference}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt>"
              "</BkToCstmrStmt></Document>").encode("utf-16")


def test_a_utf16_camt_is_read_and_one_declaring_a_doctype_refused_as_in_utf8(shop, admin):
    plain = api_statement(shop, "matches", camt_utf16("", "ERP-SO-1002-2"), "application/xml")
    assert plain.status_code == 200
    assert [(p["reference"], p["amount"]) for p in plain.get_json()["payments"]] == [("ERP-SO-1002-2", "158.03")]
    said = "The XML declares a DOCTYPE; a CAMT bank file has none."
    for dtd, reference in (('<!DOCTYPE Document [<!ENTITY ref "ERP-SO-1002-2">]>', "&ref;"),
                           ('<!DOCTYPE Document [<!ENTITY e "' + "A" * 100_000 + '">]>', "&e;" * 60)):
        data = camt_utf16(dtd, reference)
        resp = api_statement(shop, "matches", data, "application/xml")
        assert resp.status_code == 422 and resp.get_json()["errors"] == [{"field": "body", "message": said}]
        page = upload(admin, "statement.xml", data)
        assert page.status_code == 422 and said in text_of(page.get_data(as_text=True))


@pytest.mark.parametrize("day", ["20261203", "2026W491", "2026-W49-1", "2026-12-3"])
def test_a_csv_date_is_read_only_as_yyyy_mm_dd(shop, admin, day):
    data = statement_csv(f"{day},158.03,EUR,ERP-SO-1002-2,Acme")
    said = f"line 2: date '{day}' is not a date (YYYY-MM-DD)."
    page = upload(admin, "statement.csv", data)
    assert page.status_code == 422 and said in text_of(page.get_data(as_text=True))
    api = api_statement(shop, "matches", data, "text/csv")
    assert api.status_code == 422 and api.get_json()["errors"] == [{"field": "body", "message": said}]


def test_a_statement_line_received_before_the_days_a_payment_may_be_is_not_recorded(shop, admin):
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=3 * 366)
    said = (f"A payment received more than three years ago cannot be recorded: choose a day from {first.isoformat()} "
            f"to {today.isoformat()}.")
    on_page = said.replace(first.isoformat(), shown(first)).replace(today.isoformat(), shown(today))
    body = api_statement(shop, "payments", statement_csv("0001-01-01,1344.34,EUR,ERP-SO-1005-5,Acme"),
                         "text/csv").get_json()
    assert body["recorded"] == [{"where": "line 2", "outcome": "not_recorded", "problem": said, "transactions": [],
                                 "kept_as_credit": None}]
    page = admin.get(PAGE).get_data(as_text=True)
    ticked = json.dumps({"invoices": [branch], "amount": "1344.34", "currency": "EUR", "booked_on": "0001-01-01",
                         "reference": "ERP-SO-1005-5"})
    result = text_of(record_them(admin, page, [ticked]).get_data(as_text=True))
    assert f"Not recorded: {on_page}" in result                       # the days as the page writes days
    assert admin.service.transactions(branch) == []


def test_a_statement_line_booked_after_today_is_not_recorded_saying_why_in_words(shop, admin):
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    today = dt.datetime.now(dt.UTC).date()
    said = f"The payment cannot be received after today ({today.isoformat()})."
    page = admin.get(PAGE).get_data(as_text=True)
    ticked = json.dumps({"invoices": [branch], "amount": "1344.34", "currency": "EUR", "booked_on": "2099-01-01",
                         "reference": "x"})
    result = text_of(record_them(admin, page, [ticked]).get_data(as_text=True))
    assert f"Not recorded: {said.replace(today.isoformat(), shown(today))}" in result and "Invalid input" not in result and "received_on" not in result
    body = api_statement(shop, "payments", statement_csv("2099-01-01,1344.34,EUR,ERP-SO-1005-5,Acme"),
                         "text/csv").get_json()
    assert body["recorded"] == [{"where": "line 2", "outcome": "not_recorded", "problem": said, "transactions": [],
                                 "kept_as_credit": None}]
    assert admin.service.transactions(branch) == []


@pytest.mark.parametrize("changed", [
    {"invoices": [10**30]}, {"invoices": [2**63]}, {"invoices": [True]}, {"amount": "9" * 40},
    {"amount": "1000000000000"}, {"amount": "1e400"}, {"amount": "NaN"}, {"amount": 1344.34}, {"amount": 1344},
    {"currency": "eur"}, {"currency": ["EUR"]}, {"booked_on": "20261204"}, {"reference": "x" * 256},
    {"reference": "\ud800"}, {"reference": {"a": 1}}, {"extra": 1},
])
def test_a_ticked_payment_altered_in_the_page_is_refused_as_damaged(admin, changed):
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    good = {"invoices": [branch], "amount": "1344.34", "currency": "EUR", "booked_on": "2026-12-04",
            "reference": "ERP-SO-1005-5"}
    resp = record_them(admin, admin.get(PAGE).get_data(as_text=True), [json.dumps({**good, **changed})])
    assert resp.status_code == 422, changed
    assert "The list of payments is damaged; upload the statement again." in text_of(resp.get_data(as_text=True))
    assert admin.service.transactions(branch) == []


@pytest.mark.parametrize("depth", [4_000, 100_000])
def test_a_ticked_payment_nested_deeply_is_refused_as_damaged(admin, depth):
    resp = record_them(admin, admin.get(PAGE).get_data(as_text=True), ["[" * depth + "]" * depth])
    assert resp.status_code == 422
    assert "The list of payments is damaged; upload the statement again." in text_of(resp.get_data(as_text=True))


def overpaying(admin: ShopClient, *external_ids: str, over: str = "25.00") -> tuple[bytes, list[int], Decimal]:
    """A CSV statement of one payment naming ``external_ids`` for ``over`` more than they owe."""
    ids = [admin.service.find_id(external_id=e) for e in external_ids]
    owed = sum((admin.service.get(i).amount_due for i in ids), Decimal(0))
    data = (f"date,amount,currency,reference,payer\n{DAY},{owed + Decimal(over):.2f},EUR,"
            f"Invoices {' '.join(external_ids)},Acme Industries AG\n").encode()
    return data, ids, owed


def kept_boxes(page: str) -> list[str]:
    return [unescape(v) for v in re.findall(r'<input type="checkbox" name="keep_surplus" value="([^"]+)"', page)]


def test_a_payment_bringing_more_than_one_customers_invoices_owe_is_recorded_keeping_the_rest_as_credit(admin):
    data, (partly, pending), owed = overpaying(admin, "ERP-SO-1002-2", "ERP-SO-1003-3")
    page = upload(admin, "more.csv", data).get_data(as_text=True)
    [(outcome, said, link)] = payments(page).values()
    assert outcome == "more" and "More than they owe" in said
    assert "Ticked, it is recorded and the €25.00 over what they owe is kept as the customer's credit." in said
    assert "Record the payments ticked below" in text_of(page)
    [box] = kept_boxes(page)
    assert not re.search(r'name="keep_surplus" value="[^"]+" form="oi-bank-record-form" checked', page)  # asked
    form = admin.get(link).get_data(as_text=True)              # its Record Payment offers the same
    assert "Keep the €25.00 over their amount due as the customer's credit" in text_of(form)

    done = admin.client.post(PAGE + "/record", data={"keep_surplus": [box], "csrf_token": form_token(page)})
    result = text_of(done.get_data(as_text=True))
    assert done.status_code == 200 and "1 payment was recorded." in result
    assert "Recorded €25.00 over their amount due is kept as the customer's credit." in result
    assert [admin.service.get(i).amount_due for i in (partly, pending)] == [0, 0]
    assert admin.service.available_credit(admin.service.get(pending)) == Decimal("25.00")
    [carrier] = admin.service.transactions(pending)                          # the latest due carries it
    assert (carrier.surplus, carrier.remittance.total) == (Decimal("25.00"), owed + 25)

    again = admin.client.post(PAGE + "/record", data={"keep_surplus": [box], "csrf_token": form_token(page)})
    assert "0 payments were recorded." in text_of(again.get_data(as_text=True))
    assert admin.service.available_credit(admin.service.get(pending)) == Decimal("25.00")
    assert payments(upload(admin, "more.csv", data).get_data(as_text=True))["line 2"][0] == "recorded"


def test_what_a_payment_brings_over_invoices_of_several_customers_is_not_kept_and_nothing_is_written(admin):
    data, (partly, branch), _owed = overpaying(admin, "ERP-SO-1002-2", "ERP-SO-1005-5")
    page = upload(admin, "more.csv", data).get_data(as_text=True)
    assert payments(page)["line 2"][0] == "more" and kept_boxes(page) == []      # not offered
    # a form altered to ask for it all the same
    payment = MatchedPayment((partly, branch), Decimal(data.decode().splitlines()[1].split(",")[1]), "EUR",
                             DAY, "Invoices ERP-SO-1002-2 ERP-SO-1005-5", surplus=Decimal("25.00"))
    sent = admin.client.post(PAGE + "/record", data={"keep_surplus": [payment.to_text()],
                                                     "csrf_token": form_token(page)})
    result = text_of(sent.get_data(as_text=True))
    assert "0 payments were recorded." in result
    assert ("Not recorded: Its invoices are not all of one customer, so what it brings over their amount due "
            "cannot be kept as a customer's credit: record it from the list.") in result
    assert [t for i in (partly, branch) for t in admin.service.transactions(i) if t.recorded_by_hand] == []


def test_a_payment_whose_invoices_were_paid_meanwhile_keeps_nothing(admin):
    data, [pending], _owed = overpaying(admin, "ERP-SO-1003-3")
    page = upload(admin, "more.csv", data).get_data(as_text=True)
    [box] = kept_boxes(page)
    due = admin.service.get(pending).amount_due
    admin.service.record_received_payment(pending, amount=due, method="cash", received_on=DAY,
                                          actor="test", request_key="meanwhile-0000000002")
    result = text_of(admin.client.post(PAGE + "/record", data={"keep_surplus": [box], "csrf_token": form_token(page)})
                     .get_data(as_text=True))
    assert ("Not recorded: None of its invoices can be paid any more, so there is no customer to keep what it "
            "brings as credit for: record it from the list.") in result
    assert admin.service.available_credit(admin.service.get(pending)) == 0


def test_the_api_keeps_what_a_payment_brings_over_its_invoices_when_asked(shop, admin):
    data, [pending], _owed = overpaying(admin, "ERP-SO-1003-3", over="10.00")
    plain = api_statement(shop, "payments", data, "text/csv").get_json()
    assert [p["outcome"] for p in plain["payments"]] == ["more"] and plain["recorded"] == []   # not asked
    for query, field in (("?keep_surplus=yes", "keep_surplus"), ("?keep=true", "keep")):
        wrong = api_statement(shop, "payments" + query, data, "text/csv")
        assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == field
    assert admin.service.transactions(pending) == []
    body = api_statement(shop, "payments?keep_surplus=true", data, "text/csv").get_json()
    [done] = body["recorded"]
    [payment] = admin.service.transactions(pending)
    assert done == {"where": "line 2", "outcome": "recorded", "problem": None, "transactions": [payment.id],
                    "kept_as_credit": "10.00"}
    assert admin.service.available_credit(admin.service.get(pending)) == Decimal("10.00")
    assert api_statement(shop, "payments?keep_surplus=true", data, "text/csv").get_json()["recorded"] == [
        {"where": "line 2", "outcome": "before", "problem": None, "transactions": [payment.id],
         "kept_as_credit": None}]                                      # sent again: said, nothing recorded
    assert len(admin.service.transactions(pending)) == 1

    several, (partly, branch), _ = overpaying(admin, "ERP-SO-1002-2", "ERP-SO-1005-5")
    [refused] = api_statement(shop, "payments?keep_surplus=true", several, "text/csv").get_json()["recorded"]
    assert (refused["outcome"], refused["transactions"], refused["kept_as_credit"]) == ("not_recorded", [], None)
    assert refused["problem"].startswith("Its invoices are not all of one customer")
    assert [t for i in (partly, branch) for t in admin.service.transactions(i) if t.recorded_by_hand] == []


def test_a_payment_naming_two_customers_invoices_keeps_nothing_once_one_was_paid(shop, admin):
    data, (partly, branch), _owed = overpaying(admin, "ERP-SO-1002-2", "ERP-SO-1005-5")
    admin.service.record_received_payment(partly, amount=admin.service.get(partly).amount_due, method="cash",
                                          received_on=DAY, actor="test",
                                          request_key="meanwhile-0000000003")
    page = upload(admin, "more.csv", data).get_data(as_text=True)
    [(outcome, said, _link)] = payments(page).values()
    assert outcome == "more" and kept_boxes(page) == []
    assert ("Its invoices are not all of one customer, so what it brings over their amount due cannot be kept as a "
            "customer's credit: record it from the list.") in said
    assert "It has nothing to pay." in said                                  # beside the one paid
    [refused] = api_statement(shop, "payments?keep_surplus=true", data, "text/csv").get_json()["recorded"]
    assert (refused["outcome"], refused["kept_as_credit"]) == ("not_recorded", None)
    assert refused["problem"].startswith("Its invoices are not all of one customer")
    assert [t for t in admin.service.transactions(branch) if t.recorded_by_hand] == []


def test_a_ticked_surplus_that_grew_meanwhile_is_not_recorded(admin):
    data, [pending], _owed = overpaying(admin, "ERP-SO-1003-3")
    page = upload(admin, "more.csv", data).get_data(as_text=True)
    [box] = kept_boxes(page)
    admin.service.record_received_payment(pending, amount="10.00", method="cash", received_on=DAY,
                                          actor="test", request_key="meanwhile-0000000004")
    result = text_of(admin.client.post(PAGE + "/record", data={"keep_surplus": [box], "csrf_token": form_token(page)})
                     .get_data(as_text=True))
    assert ("Not recorded: What it brings over their amount due is now €35.00, not the €25.00 ticked to keep as "
            "credit (an invoice was paid or changed meanwhile): record it from the list.") in result
    assert len(admin.service.transactions(pending)) == 1 and admin.service.available_credit(
        admin.service.get(pending)) == 0
    unconfirmed = json.dumps({k: v for k, v in json.loads(box).items() if k != "surplus"})
    damaged = admin.client.post(PAGE + "/record", data={"keep_surplus": [unconfirmed], "csrf_token": form_token(page)})
    assert damaged.status_code == 422 and len(admin.service.transactions(pending)) == 1


def test_another_transfer_under_the_reference_of_a_recorded_one_is_not_recorded_before(shop, admin):
    branch = admin.service.find_id(external_id="ERP-SO-1005-5")
    due = admin.service.get(branch).amount_due
    line = f"{DAY},{due},EUR,ERP-SO-1005-5,Acme Industries - Berlin Branch\n"
    twice = f"date,amount,currency,reference,payer\n{line}{line}".encode()
    body = api_statement(shop, "payments", twice, "text/csv").get_json()
    assert [r["outcome"] for r in body["recorded"]] == ["recorded", "not_recorded"]     # the second is no repeat
    assert body["recorded"][1]["problem"] == "It no longer pays exactly what its invoices owe: record it from the list."
    assert len(admin.service.transactions(branch)) == 1
    again = api_statement(shop, "matches", twice, "text/csv").get_json()
    assert [p["outcome"] for p in again["payments"]] == ["recorded", "not_found"]
    other = f"date,amount,currency,reference,payer\n{line}{DAY},500.00,EUR,ERP-SO-1005-5,Acme\n".encode()
    rows = payments(upload(admin, "s.csv", other).get_data(as_text=True))
    assert rows["line 2"][0] == "recorded" and rows["line 3"][0] == "not_found"
    assert "None of the invoices it names can be paid" in rows["line 3"][1] and "No invoice found" not in rows["line 3"][1]
    assert "It has nothing to pay." in rows["line 3"][1]


def test_a_statement_uploaded_again_lists_each_invoice_once_and_the_help_agrees(admin):
    data, (partly, pending), _owed = overpaying(admin, "ERP-SO-1002-2", "ERP-SO-1003-3")
    page = upload(admin, "more.csv", data).get_data(as_text=True)
    help_text = text_of(page.split('id="oi-bank-record"')[1].split("</p>")[0])
    assert "Only a payment" not in help_text and "too" not in help_text
    assert "so can one that brings more than its invoices of one customer owe" in help_text
    admin.client.post(PAGE + "/record", data={"keep_surplus": kept_boxes(page), "csrf_token": form_token(page)})
    again = upload(admin, "more.csv", data).get_data(as_text=True)
    [(outcome, said, _)] = payments(again).values()
    assert outcome == "recorded"
    for invoice_id in (partly, pending):
        assert again.count(f'href="/admin/invoices/{invoice_id}"') == 1
