"""Record Payment for the invoices ticked on the grid, in the reference shop: one bank transfer
shared among several invoices, oldest due first, recorded as one payment by hand on each."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from support.admins import admin_with
from support.api import shop_api_call
from support.days import after_seeded_invoices, days_ago, shown

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.persistence.read_models import RemittanceView

PAYMENT = "/admin/invoices/selected/payment"
#: Acme's: partly paid (due 3 days back), pending (due in 4 days), the Berlin branch's (in 9 days);
#: paid in full; a draft; Globex's in USD; Sakura's (the other organization).
PARTLY, PENDING, BRANCH, PAID, DRAFT, DOLLARS, FOREIGN = (
    "ERP-SO-1002-2", "ERP-SO-1003-3", "ERP-SO-1005-5", "ERP-SO-1001-1", "ERP-SO-1004-4", "ERP-SO-1007-7",
    "ERP-SO-1011-11")
#: The day the payments were received: after the seeded invoices were posted.
RECEIVED = after_seeded_invoices().isoformat()


def ids(admin: ShopClient, *external_ids: str) -> list[int]:
    return [admin.service.find_id(external_id=e) for e in external_ids]


def query(invoices: list[int], **params: str) -> str:
    return "?" + urlencode([("invoice", i) for i in invoices] + [("return", "?status=posted"), *params.items()])


def rows(page: str) -> list[tuple[int, str, str]]:
    """Each invoice row: its id, its outcome and its last cell in words."""
    found = re.findall(r'<tr data-invoice-id="(\d+)" data-oi-outcome="([a-z_]+)">(.*?)</tr>', page, re.S)
    return [(int(i), outcome, text_of(re.split(r"<td[^>]*>", cells)[-1])) for i, outcome, cells in found]


def form_of(page: str) -> dict[str, object]:
    """The Record Payment form as the page fills it in, ready to be sent."""
    form = page.split('id="oi-remittance-form"')[1]
    fields: dict[str, object] = dict(re.findall(r'name="((?:amount-\d+)|request_key|received_on|return)" '
                                                r'value="([^"]*)"', form))
    fields["invoice"] = re.findall(r'<input type="hidden" name="invoice" value="(\d+)">', form)
    fields["method"] = re.search(r'<option value="([a-z_]+)" selected>', form).group(1)
    fields["csrf_token"] = form_token(page)
    return fields


def test_the_grid_offers_record_payment_for_the_ticked_invoices(admin):
    grid = admin.get("/admin/invoices").get_data(as_text=True)
    bar = grid.split('id="oi-selection-form"')[1].split("</form>")[0]
    assert f'id="oi-selection-payment" formaction="{PAYMENT}"' in bar


def test_the_form_shares_the_amount_due_oldest_first_and_says_which_cannot_take_a_share(admin):
    partly, pending, branch, paid, draft, dollars, foreign = ids(admin, PARTLY, PENDING, BRANCH, PAID, DRAFT,
                                                                 DOLLARS, FOREIGN)
    paid_before = admin.service.transactions(partly)
    resp = admin.get(PAYMENT + query([branch, paid, pending, draft, dollars, foreign, partly]))
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert [(i, outcome) for i, outcome, _ in rows(page)] == [
        (partly, "share"), (pending, "share"), (branch, "share"),
        (paid, "not_recorded"), (dollars, "not_recorded"), (draft, "not_recorded"), (foreign, "not_recorded")]
    said = {i: cell for i, _, cell in rows(page)}
    assert said[paid] == "Not recorded: It has nothing to pay."
    assert said[draft] == "Not recorded: It is a draft: post it first."
    assert said[dollars] == "Not recorded: It is in USD, this payment in EUR: record it apart."
    assert said[foreign] == f"Not recorded: Invoice {foreign} does not exist."
    assert "SAK-" not in page                                      # nothing of the other organization's is shown
    form = form_of(page)
    dues = {i: admin.service.get(i).amount_due for i in (partly, pending, branch)}
    assert {k: v for k, v in form.items() if k.startswith("amount-")} == \
        {f"amount-{i}": f"{due:.2f}" for i, due in dues.items()}
    assert form["invoice"] == [str(i) for i in (partly, pending, branch, paid, dollars, draft)]
    assert form["method"] == "bank_transfer" and form["received_on"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert f"Amount due of these invoices €{sum(dues.values()):,.2f}" in text_of(page)
    assert admin.service.transactions(partly) == paid_before                 # showing it writes nothing


def test_a_transfer_spread_oldest_first_is_recorded_once_on_each_invoice(shop, admin):
    partly, pending, branch = ids(admin, PARTLY, PENDING, BRANCH)
    before = {i: admin.service.get(i) for i in (partly, pending, branch)}
    received = Decimal("300.00")
    page = admin.get(PAYMENT + query([pending, branch, partly], received="300")).get_data(as_text=True)
    form = form_of(page)
    first = before[partly].amount_due
    assert (form[f"amount-{partly}"], form[f"amount-{pending}"], form[f"amount-{branch}"]) == \
        (f"{first:.2f}", f"{received - first:.2f}", "")          # no share: left out
    done = admin.client.post(PAYMENT, data={**form, "reference": "STMT 2026-120 / 3", "notes": "Remittance advice"})
    assert done.status_code == 200
    result = done.get_data(as_text=True)
    today = dt.datetime.now(dt.UTC).date()
    assert (f"A payment of €300.00 received by Bank transfer on {today:%b} {today.day}, {today.year} was recorded "
            "across 2 invoices.") in text_of(result)
    assert [(i, outcome) for i, outcome, _ in rows(result)] == \
        [(partly, "recorded"), (pending, "recorded"), (branch, "skipped")]
    assert "Total recorded €300.00" in text_of(result)

    numbers = (before[partly].invoice_number, before[pending].invoice_number)
    for invoice_id, share in ((partly, first), (pending, received - first)):
        [payment] = [t for t in admin.service.transactions(invoice_id) if t.recorded_by_hand]
        assert (payment.amount, payment.method, payment.reference, payment.notes) == \
            (share, "bank_transfer", "STMT 2026-120 / 3", "Remittance advice")
        assert (payment.remittance.total, payment.remittance.invoices) == (received, numbers)
        view = admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True)
        row = text_of(re.search(rf'<tr data-transaction-id="{payment.id}">(.*?)</tr>', view, re.S).group(1))
        assert f"Share of €300.00 received for {numbers[0]}, {numbers[1]}" in row.replace(" ,", ",") and "Reverse" in row
        other = pending if invoice_id == partly else partly              # the other invoice is a link
        shared = re.search(r"data-oi-remittance>(.*?)</div>", view, re.S).group(1)
        assert re.findall(r'<a href="([^"]+)">', shared) == [f"/admin/invoices/{other}"]
    assert admin.service.get(partly).payment_status is PaymentStatus.PAID_IN_FULL
    assert admin.service.get(pending).payment_status is PaymentStatus.PAID_PARTIALLY
    assert admin.service.get(pending).amount_due == before[pending].amount_due - (received - first)
    assert admin.service.transactions(branch) == []

    # the API shows which remittance a payment belongs to
    api = shop_api_call(shop, "GET", f"/invoices/{pending}/payments").get_json()
    [shown] = [t for t in api["data"] if t["received_on"]]
    assert shown["remittance"] == {"total": "300.00", "invoices": list(numbers), "invoice_ids": [partly, pending]}

    # the same form sent again (a reload, Back) records nothing more
    again = admin.client.post(PAYMENT, data={**form, "reference": "STMT 2026-120 / 3"})
    assert again.status_code == 200
    assert "2 shares were recorded from this form before and not recorded again." in text_of(again.get_data(as_text=True))
    assert sum(1 for t in admin.service.transactions(pending) if t.recorded_by_hand) == 1
    assert sum(1 for t in admin.service.transactions(partly) if t.recorded_by_hand) == 1


def test_a_submission_cut_short_is_completed_with_the_whole_transfer_as_its_remittance(admin):
    partly, pending = ids(admin, PARTLY, PENDING)
    first = admin.service.get(partly).amount_due
    form = form_of(admin.get(PAYMENT + query([partly, pending], received="300")).get_data(as_text=True))
    numbers = tuple(admin.service.get(i).invoice_number for i in (partly, pending))
    # the first submission recorded its first share, then stopped (the process ended)
    admin.service.record_received_payment(
        partly, amount=first, method="bank_transfer", received_on=dt.date.fromisoformat(str(form["received_on"])),
        actor="admin", request_key=f"{form['request_key']}-{partly}",
        remittance=RemittanceView(Decimal("300.00"), numbers, (partly, pending)))
    done = admin.client.post(PAYMENT, data=form)
    assert done.status_code == 200
    assert [(i, outcome) for i, outcome, _ in rows(done.get_data(as_text=True))] == \
        [(partly, "already_recorded"), (pending, "recorded")]
    [rest] = [t for t in admin.service.transactions(pending) if t.recorded_by_hand]
    assert rest.amount == Decimal("300.00") - first
    assert (rest.remittance.total, rest.remittance.invoices) == (Decimal("300.00"), numbers)   # the whole transfer


def test_more_received_than_due_is_said_and_never_recorded(admin):
    partly, pending = ids(admin, PARTLY, PENDING)
    due = sum(admin.service.get(i).amount_due for i in (partly, pending))
    page = admin.get(PAYMENT + query([partly, pending], received=f"{due + 50:.2f}")).get_data(as_text=True)
    assert "€50.00 of the amount received is more than these invoices' amount due: it is not recorded here." \
        in text_of(page)
    form = form_of(page)
    assert Decimal(form[f"amount-{partly}"]) + Decimal(form[f"amount-{pending}"]) == due


def test_every_problem_is_said_beside_its_field_and_nothing_is_recorded(admin):
    partly, pending, branch = ids(admin, PARTLY, PENDING, BRANCH)
    page = admin.get(PAYMENT + query([partly, pending, branch])).get_data(as_text=True)
    form = form_of(page)
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    due = admin.service.get(pending).amount_due
    bad = {**form, f"amount-{partly}": "abc", f"amount-{pending}": f"{due + 1:.2f}", f"amount-{branch}": "-5",
           "received_on": tomorrow.isoformat(), "method": "barter"}
    resp = admin.client.post(PAYMENT, data=bad)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    errors = {name: text_of(message) for name, message in
              re.findall(r'data-oi-error="([a-z_0-9-]+)">(.*?)</span>', page, re.S)}
    assert errors[f"amount-{partly}"].startswith("'abc' is not a decimal number")
    assert errors[f"amount-{pending}"] == f"At most the amount due, €{due:,.2f}."
    assert errors[f"amount-{branch}"] == "Enter an amount above zero, or leave it empty."
    assert errors["received_on"].startswith("The payment cannot be received after today")
    assert errors["method"] == "Choose how the payment was received."
    assert "Nothing was recorded. Correct what is marked below." in text_of(page)
    assert 'value="abc"' in page and f'value="{due + 1:.2f}"' in page        # what was typed is kept
    for invoice_id in (partly, pending, branch):
        assert not any(t.recorded_by_hand for t in admin.service.transactions(invoice_id))

    empty = admin.client.post(PAYMENT, data={**form, **{k: "" for k in form if str(k).startswith("amount-")}})
    assert empty.status_code == 422
    assert "Enter the amount received for at least one invoice." in text_of(empty.get_data(as_text=True))

    spread = admin.get(PAYMENT + query([partly], received="lots"))
    assert spread.status_code == 422
    said = re.search(r'data-oi-error="received">(.*?)</span>', spread.get_data(as_text=True), re.S).group(1)
    assert text_of(said).startswith("'lots' is not a decimal number")
    for typed, message in (("0.005", "EUR amounts have at most 2 decimals."),      # as every amount field says it
                           ("5.999", "EUR amounts have at most 2 decimals."),
                           ("9" * 40, "is too large: a payment is less than 1,000,000,000,000.")):
        spread = admin.get(PAYMENT + query([partly], received=typed))       # never rounded into the shares
        page = spread.get_data(as_text=True)
        said = re.search(r'data-oi-error="received">(.*?)</span>', page, re.S).group(1)
        assert spread.status_code == 422 and message in text_of(said)
        assert form_of(page)[f"amount-{partly}"] == f"{admin.service.get(partly).amount_due:.2f}"


def test_amounts_are_read_in_the_pages_number_format(admin):
    branch, = ids(admin, BRANCH)
    german = {"Accept-Language": "de-DE"}
    page = admin.get(PAYMENT + query([branch], received="1.000,50"), headers=german).get_data(as_text=True)
    form = form_of(page)
    assert form[f"amount-{branch}"] == "1000,50"
    assert admin.client.post(PAYMENT, data=form, headers=german).status_code == 200
    [payment] = admin.service.transactions(branch)
    assert payment.amount == Decimal("1000.50")


@pytest.mark.parametrize(("language", "shown"), [("en-US", "10.50"), ("de-DE", "10,50")])
def test_spread_shares_are_shown_as_the_currency_writes_them_and_none_is_left_empty(admin, language, shown):
    partly, pending = ids(admin, PARTLY, PENDING)
    headers = {"Accept-Language": language}
    page = admin.get(PAYMENT + query([partly, pending], received="10.5" if language == "en-US" else "10,5"),
                     headers=headers).get_data(as_text=True)
    form = form_of(page)
    assert (form[f"amount-{partly}"], form[f"amount-{pending}"]) == (shown, "")
    assert f'name="amount-{pending}" value=""' in page
    # the page as shown is recorded: the share, and the invoice with none left out
    done = admin.client.post(PAYMENT, data=form, headers=headers)
    assert done.status_code == 200
    assert [(i, outcome) for i, outcome, _ in rows(done.get_data(as_text=True))] == \
        [(partly, "recorded"), (pending, "skipped")]
    [payment] = [t for t in admin.service.transactions(partly) if t.recorded_by_hand]
    assert payment.amount == Decimal("10.50") and admin.service.transactions(pending) == []


def payment_total(page: str) -> str:
    return text_of(re.search(r'<output id="oi-shares-total"[^>]*>(.*?)</output>', page, re.S).group(1))


@pytest.mark.parametrize("typed", ["1e1", "-1", "0.001", "1,5"])
def test_the_payment_total_counts_only_shares_the_form_takes(admin, typed):
    """A refused share (an exponent, below zero, more decimals than the currency has, not the
    page's number format) is not counted into the Payment total: it shows "—" beside the error."""
    partly, branch = ids(admin, PARTLY, BRANCH)
    form = form_of(admin.get(PAYMENT + query([partly, branch])).get_data(as_text=True))
    resp = admin.client.post(PAYMENT, data={**form, f"amount-{partly}": typed, f"amount-{branch}": "10"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and f'data-oi-error="amount-{partly}"' in page
    assert payment_total(page) == "—"
    assert 'data-oi-places="2"' in page                     # the script's total follows the same rule
    fine = admin.client.post(PAYMENT, data={**form, f"amount-{partly}": "-0", f"amount-{branch}": "99999999"})
    assert payment_total(fine.get_data(as_text=True)) == "€99,999,999.00"     # the share over its due is said apart


def test_amount_errors_speak_the_pages_number_format(admin):
    """A German page reads "1.000,50" and says so: not the API's "write it like "19.99"" and
    "no digit separators"."""
    partly, = ids(admin, PARTLY)
    german = {"Accept-Language": "de-DE"}
    form = form_of(admin.get(PAYMENT + query([partly]), headers=german).get_data(as_text=True))
    resp = admin.client.post(PAYMENT, data={**form, f"amount-{partly}": "1,000.50"}, headers=german)
    said = text_of(re.search(rf'data-oi-error="amount-{partly}">(.*?)</span>', resp.get_data(as_text=True),
                             re.S).group(1))
    assert resp.status_code == 422 and said.startswith("'1,000.50' ")
    assert said.endswith(" 1.234,50.") and "19.99" not in said and "ASCII" not in said


def test_record_payment_needs_the_manage_payments_permission(shop):
    viewer = admin_with(shop)
    pending, = ids(viewer, PENDING)
    grid = viewer.get("/admin/invoices").get_data(as_text=True)
    assert 'id="oi-selection-payment"' not in grid
    assert viewer.get(PAYMENT + query([pending])).status_code == 403
    refused = viewer.client.post(PAYMENT, data={"invoice": [pending], f"amount-{pending}": "1", "method": "cash",
                                                "received_on": RECEIVED, "request_key": "k" * 24,
                                                "csrf_token": form_token(grid)})
    assert refused.status_code == 403 and viewer.service.transactions(pending) == []


def test_nothing_ticked_goes_back_to_the_grid(admin):
    resp = admin.get(PAYMENT + "?return=%3Fstatus%3Dposted")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/admin/invoices?status=posted")


def test_the_customer_statement_records_a_payment_for_its_open_invoices(admin):
    partly, pending = ids(admin, PARTLY, PENDING)
    customer = admin.service.get(pending).customer_id
    statement = admin.get(f"/admin/invoices/statement?customer={customer}").get_data(as_text=True)
    listed = [int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)" data-bucket=', statement)]
    link = re.search(r'data-oi-record-payment="EUR" href="([^"]+)">Record a payment in EUR<', statement)
    assert link is not None and {partly, pending} <= set(listed)
    page = admin.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    shares = [i for i, outcome, _ in rows(page) if outcome == "share"]
    assert sorted(shares) == sorted(listed)                       # every open invoice of the customer
    assert f'href="/admin/invoices?customer={customer}&amp;status=posted"' in page     # Cancel: their invoices


def test_the_statement_offers_no_record_payment_without_the_permission(shop):
    viewer = admin_with(shop)
    pending, = ids(viewer, PENDING)
    customer = viewer.service.get(pending).customer_id
    statement = viewer.get(f"/admin/invoices/statement?customer={customer}").get_data(as_text=True)
    assert "data-oi-record-payment" not in statement


# ---- the API: POST /api/receivables/payments -------------------------------------------

def api_pay(shop, body, **kwargs):
    return shop_api_call(shop, "POST", "/receivables/payments", body, **kwargs)


def test_the_api_records_a_transfer_spread_over_invoices_named_by_id_or_external_id(shop, admin):
    partly, pending = ids(admin, PARTLY, PENDING)
    first = admin.service.get(partly).amount_due
    resp = api_pay(shop, {"method": "bank_transfer", "received_on": RECEIVED, "reference": "STMT 77",
                          "amount": "300.00", "invoices": [{"id": pending}, {"external_id": PARTLY}]})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["currency"], body["total"], body["not_recorded"]) == ("EUR", "300.00", [])
    numbers = [admin.service.get(i).invoice_number for i in (partly, pending)]
    assert [(p["invoice_id"], p["amount"]) for p in body["payments"]] == \
        [(partly, f"{first:.2f}"), (pending, f"{Decimal('300.00') - first:.2f}")]       # oldest due first
    for payment in body["payments"]:
        assert (payment["method"], payment["received_on"], payment["reference"]) == \
            ("bank_transfer", RECEIVED, "STMT 77")
        assert payment["remittance"] == {"total": "300.00", "invoices": numbers, "invoice_ids": [partly, pending]}
    assert body["payments"][0]["invoice"]["payment_status"] == "paid_in_full"
    assert body["payments"][1]["invoice"]["payment_status"] == "paid_partially"
    [recorded] = [t for t in admin.service.transactions(pending) if t.recorded_by_hand]
    assert admin.service.reversible(recorded)                         # reversed like any payment recorded by hand


def test_the_api_records_all_or_nothing_and_says_every_problem(shop, admin):
    branch, paid, draft, foreign = ids(admin, BRANCH, PAID, DRAFT, FOREIGN)
    due = admin.service.get(branch).amount_due
    refused = api_pay(shop, {"method": "bank_transfer", "received_on": RECEIVED, "invoices": [
        {"id": branch, "amount": "10.00"}, {"id": paid, "amount": "1.00"}, {"id": foreign, "amount": "1"},
        {"external_id": DRAFT, "amount": "1.00"}]})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {"field": "invoices[1]", "message": "It has nothing to pay."},
        {"field": "invoices[2]", "message": "No invoice of this organization has this id or external_id."},
        {"field": "invoices[3]", "message": "It is a draft: post it first."}]
    wrong = api_pay(shop, {"method": "wire", "received_on": "2999-01-01",
                           "invoices": [{"id": branch, "amount": f"{due + 1:.2f}"}]})
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.get_json()["errors"]] == ["method", "received_on", "invoices[0].amount"]
    assert wrong.get_json()["errors"][2]["message"] == f"At most the amount due, {due} EUR."
    together = api_pay(shop, {"method": "wire", "received_on": RECEIVED, "amount": "abc",
                              "invoices": [{"id": branch}, {"id": foreign}]})
    assert [e["field"] for e in together.get_json()["errors"]] == ["amount", "method", "invoices[1]"]
    beyond = api_pay(shop, {"method": "cash", "received_on": RECEIVED, "amount": f"{due + 5:.2f}",
                            "invoices": [{"id": branch}]})
    assert beyond.status_code == 422
    assert beyond.get_json()["errors"] == [
        {"field": "amount", "message": "5.00 EUR more than the invoices' amount due; record only what they owe, or "
                                       "keep the rest as the customer's credit with keep_surplus: true."}]
    both = api_pay(shop, {"method": "cash", "received_on": RECEIVED, "amount": "5.00",
                          "invoices": [{"id": branch, "amount": "5.00"}]})
    assert both.status_code == 422 and both.get_json()["errors"][0]["field"] == "amount"
    missing = api_pay(shop, {"method": "cash", "received_on": RECEIVED, "invoices": [{"id": branch}]})
    assert missing.get_json()["errors"] == [
        {"field": "invoices[0].amount", "message": "Required, or give the amount received as amount."}]
    negative = api_pay(shop, {"method": "cash", "received_on": RECEIVED, "invoices": [{"id": branch, "amount": "-5"}]})
    assert negative.get_json()["errors"] == [         # the body's words, as for its amount: no form field to leave empty
        {"field": "invoices[0].amount", "message": "An amount above zero."}]
    decimals = api_pay(shop, {"method": "cash", "received_on": RECEIVED,
                              "invoices": [{"id": branch, "amount": "1.001"}]})
    assert decimals.get_json()["errors"] == [{"field": "invoices[0].amount", "message": "EUR amounts have at most 2 decimals."}]
    for invoice_id in (branch, paid, draft):
        assert not any(t.recorded_by_hand for t in admin.service.transactions(invoice_id))


def test_the_api_with_an_idempotency_key_records_a_retry_once(shop, admin):
    branch, = ids(admin, BRANCH)
    body = {"method": "cash", "received_on": RECEIVED, "invoices": [{"id": branch, "amount": "5.00"}]}
    first = api_pay(shop, body, headers={"Idempotency-Key": "remit-42"})
    again = api_pay(shop, body, headers={"Idempotency-Key": "remit-42"})
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert len(admin.service.transactions(branch)) == 1
    # the other organization's client cannot name this organization's invoices
    theirs = api_pay(shop, body, organization=1)
    assert theirs.status_code == 422 and theirs.get_json()["errors"][0]["field"] == "invoices[0]"
    assert len(admin.service.transactions(branch)) == 1


def test_the_shares_recorded_in_the_back_office_get_one_receipt_per_customer_user_and_none_over_the_api(shop, admin):
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.mail.payment_receipts", True)
    mail = shop[0].extensions["oro_invoices"].mail
    partly, pending, branch, dollars, more_dollars = ids(admin, PARTLY, PENDING, BRANCH, DOLLARS, "ERP-SO-1008-8")
    # Globex's two invoices, both its one customer user's: one email for the transfer
    page = admin.get(PAYMENT + query([more_dollars, dollars])).get_data(as_text=True)
    assert admin.client.post(PAYMENT, data=form_of(page)).status_code == 200
    [lead, other] = sorted((dollars, more_dollars), key=lambda i: admin.service.get(i).due_date)
    [receipt] = mail.emails(lead)
    numbers = ", ".join(admin.service.get(i).invoice_number for i in (lead, other))
    assert (receipt.template, receipt.subject) == ("payment_receipt_template", f"Payment received for invoices {numbers}")
    assert receipt.to == ("gina.park@globex.example",) and mail.emails(other) == []
    view = text_of(admin.get(f"/admin/invoices/{other}").get_data(as_text=True))
    assert f"queued: Payment received for invoices {numbers}" in view        # its activity names the email
    # Acme's two, of two of its customer users: each gets the receipt of their own invoice
    page = admin.get(PAYMENT + query([partly, pending])).get_data(as_text=True)
    assert admin.client.post(PAYMENT, data=form_of(page)).status_code == 200
    for invoice_id in (partly, pending):
        [own] = mail.emails(invoice_id)
        doc = admin.service.get(invoice_id)
        assert (own.to, own.subject) == ((doc.customer_user_email,), f"Payment received for invoice {doc.invoice_number}")
    assert api_pay(shop, {"method": "bank_transfer", "received_on": RECEIVED,
                          "invoices": [{"id": branch, "amount": "10.00"}]}).status_code == 201
    assert mail.emails(branch) == []                # as for every payment recorded over the API


def test_the_record_payment_dialog_offers_the_customers_other_open_invoices(admin):
    partly, pending, initech = ids(admin, PARTLY, PENDING, "ERP-SO-1010-10")
    dialog = admin.get(f"/admin/invoices/{pending}?dialog=record-payment").get_data(as_text=True)
    offer = re.search(r'id="oi-record-several">(.*?)</p>', dialog, re.S).group(1)
    customer = admin.service.get(pending).customer_id
    statement = admin.get(f"/admin/invoices/statement?customer={customer}").get_data(as_text=True)
    listed = [int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)" data-bucket=', statement)]
    assert f"Record it for the customer's {len(listed)} open invoices in EUR" in text_of(offer)
    page = admin.get(re.search(r'href="([^"]+)"', offer).group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert sorted(i for i, outcome, _ in rows(page) if outcome == "share") == sorted(listed)
    assert {partly, pending} <= set(listed)
    alone = admin.get(f"/admin/invoices/{initech}?dialog=record-payment").get_data(as_text=True)
    assert 'id="oi-record-payment-dialog"' in alone and 'id="oi-record-several"' not in alone   # its only one


def test_spreading_again_keeps_the_day_and_reference_it_was_opened_with(admin):
    partly, pending = ids(admin, PARTLY, PENDING)
    day = days_ago(3).isoformat()
    page = admin.get(PAYMENT + query([partly, pending], received="300", received_on=day,
                                     reference="STMT 5", method="check")).get_data(as_text=True)
    spread = page.split('id="oi-remittance-spread"')[1].split("</form>")[0]
    assert f'<input type="hidden" name="received_on" value="{day}">' in spread
    assert '<input type="hidden" name="reference" value="STMT 5">' in spread
    form = form_of(page)
    assert (form["received_on"], form["method"]) == (day, "check")


def test_a_day_that_is_no_date_is_said_with_the_other_problems(admin):
    partly, = ids(admin, PARTLY)
    form = form_of(admin.get(PAYMENT + query([partly])).get_data(as_text=True))
    resp = admin.client.post(PAYMENT, data={**form, "received_on": "31.12.2026", f"amount-{partly}": "-1"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    errors = dict(re.findall(r'data-oi-error="([a-z_0-9-]+)">(.*?)</span>', page, re.S))
    assert text_of(errors["received_on"]) == "'31.12.2026' is not a date (use YYYY-MM-DD)."
    assert text_of(errors[f"amount-{partly}"]) == "Enter an amount above zero, or leave it empty."


def test_the_api_says_a_bad_day_with_the_other_problems(shop, admin):
    paid, = ids(admin, PAID)
    resp = api_pay(shop, {"method": 5, "received_on": "1.12.2026", "invoices": [{"id": paid, "amount": "1.00"}]})
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [
        {"field": "method", "message": "A text."},
        {"field": "received_on", "message": "'1.12.2026' is not a date (use YYYY-MM-DD)."},
        {"field": "invoices[0]", "message": "It has nothing to pay."}]


def test_the_api_and_the_grids_form_refuse_a_day_more_than_three_years_back(shop, admin):
    branch, pending = ids(admin, BRANCH, PENDING)
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=3 * 366)
    said = (f"A payment received more than three years ago cannot be recorded: choose a day from {first.isoformat()} "
            f"to {today.isoformat()}.")
    resp = api_pay(shop, {"method": "bank_transfer", "received_on": "0001-01-01",
                          "invoices": [{"id": branch, "amount": "1.00"}]})
    assert resp.status_code == 422 and resp.get_json()["errors"] == [{"field": "received_on", "message": said}]
    page = admin.get(PAYMENT + query([pending])).get_data(as_text=True)
    assert f'min="{first.isoformat()}" max="{today.isoformat()}"' in page
    before = (first - dt.timedelta(days=1)).isoformat()
    refused = admin.client.post(PAYMENT, data={**form_of(page), "received_on": before})
    on_page = said.replace(first.isoformat(), shown(first)).replace(today.isoformat(), shown(today))
    assert refused.status_code == 422 and on_page in text_of(refused.get_data(as_text=True))
    assert not any(t.recorded_by_hand for i in (branch, pending) for t in admin.service.transactions(i))


def test_what_a_transfer_brings_over_the_amount_due_may_be_kept_as_the_customers_credit(shop, admin):
    partly, pending, branch = ids(admin, PARTLY, PENDING, BRANCH)
    dues = {i: admin.service.get(i).amount_due for i in (partly, pending)}
    received = sum(dues.values()) + Decimal("25.00")
    # invoices of two customers: no one customer to keep it for, so it is not offered
    two = admin.get(PAYMENT + query([branch, partly], received="99999")).get_data(as_text=True)
    assert "is more than these invoices' amount due" in text_of(two) and "as the customer's credit" not in text_of(two)
    page = admin.get(PAYMENT + query([pending, partly], received=f"{received:.2f}")).get_data(as_text=True)
    assert "Keep the €25.00 over their amount due as the customer's credit" in text_of(page)
    form = {**form_of(page), "received": f"{received:.2f}", "surplus": "25.00", "keep_surplus": "1"}
    done = admin.client.post(PAYMENT, data=form)
    assert done.status_code == 200
    said = text_of(done.get_data(as_text=True))
    assert f"A payment of €{received:,.2f} received by Bank transfer" in said and "across 2 invoices" in said
    assert "€25.00 over their amount due is kept as the customer's credit." in said
    [carrier] = [t for t in admin.service.transactions(pending) if t.recorded_by_hand]   # the latest due
    assert (carrier.amount, carrier.surplus, carrier.remittance.total) == (dues[pending] + 25, 25, received)
    assert admin.service.get(pending).payment_status is PaymentStatus.PAID_IN_FULL
    assert admin.service.available_credit(admin.service.get(pending)) == Decimal("25.00")


def test_the_api_keeps_what_is_over_the_amount_due_when_asked(shop, admin):
    pending = ids(admin, PENDING)[0]
    due = admin.service.get(pending).amount_due
    body = {"method": "bank_transfer", "received_on": RECEIVED, "amount": f"{due + 10:.2f}",
            "invoices": [{"id": pending}]}
    wrong = api_pay(shop, {**body, "keep_surplus": "yes"})
    assert wrong.status_code == 422 and wrong.get_json()["errors"] == [{"field": "keep_surplus",
                                                                        "message": "true or false."}]
    done = api_pay(shop, {**body, "keep_surplus": True})
    assert done.status_code == 201, done.get_json()
    assert admin.service.get(pending).payment_status is PaymentStatus.PAID_IN_FULL
    assert admin.service.available_credit(admin.service.get(pending)) == Decimal("10.00")


def test_a_transfer_whose_jobs_cannot_be_queued_is_recorded_and_the_page_says_so(shop, admin, monkeypatch):
    """The host's job queue raises once the shares committed: they are recorded, and a warning
    above the result says which job was not queued and that the sweeps do its work."""
    from support.held_jobs import BrokenJobs
    Settings(shop[0].extensions["oro_reference_host"].config).set(   # each payment's events are delivered
        "oro_invoices.webhooks.endpoints", [{"url": "https://erp.example/hooks", "secret": "s" * 24}])
    jobs = BrokenJobs()
    monkeypatch.setattr(admin.service.context, "jobs", jobs)
    [pending] = ids(admin, PENDING)
    form = form_of(admin.get(PAYMENT + query([pending], received="10")).get_data(as_text=True))
    done = admin.client.post(PAYMENT, data={**form, "reference": "STMT 9"})

    assert done.status_code == 200
    result = text_of(done.get_data(as_text=True))
    assert "was recorded for 1 invoice." in result
    assert ("The change is saved, but a background job that followed (oro_invoices.deliver_events) could not be "
            "handed to the job queue; the periodic sweeps do its work, so there is nothing to do.") in result
    assert "oro_invoices.deliver_events" in jobs.tried
    assert [t.amount for t in admin.service.transactions(pending) if t.recorded_by_hand] == [Decimal("10.00")]
