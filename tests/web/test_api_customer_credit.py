"""Customers' credit through the JSON API: read it (``GET /api/receivables/credit``), pay an
invoice from it (``POST /api/invoices/{id}/apply-credit``), give it back outside
(``POST /api/receivables/credit/pay-outs``); each write once per Idempotency-Key, each refusal in
words under its field, and what the OpenAPI document says of them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import flask
import pytest
from support.api import CLIENTS, ApiHttp, assert_error_shape
from support.days import today

from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import verify
from oro_invoices.web.api import ApiClient, InvoiceApi
from oro_invoices.web.openapi import build_spec

#: Tokens acting for back-office users who may handle payments, or may not even read.
USERS = {
    "tok-cashier": ApiClient("cashier", 1, permissions=frozenset({"oro_invoices.view",
                                                                  "oro_invoices.manage_payments"})),
    "tok-blind": ApiClient("blind", 1, permissions=frozenset()),
}


def http_over(service: InvoiceService, settings, **options) -> ApiHttp:
    """The API over ``service`` (``options``: of ``InvoiceApi``), knowing ``USERS`` too."""
    api = InvoiceApi(service, authenticate={**CLIENTS, **USERS}.get, settings=settings, **options)
    app = flask.Flask(__name__)
    app.register_blueprint(make_api_blueprint(api))
    return ApiHttp(app, service, api)


@pytest.fixture
def service(db, settings):
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)


@pytest.fixture
def http(service, settings):
    return http_over(service, settings)


def posted(http, token: str = "tok-erp", **overrides) -> dict:
    """A posted invoice (231.86 USD for Acme Corp, customer 10, unless told otherwise)."""
    return http.create(token=token, status="posted", **overrides)


def credit_kept(http) -> dict:
    """A paid invoice whose second line (one hour, 107.00 USD) a credit note keeps as credit:
    the credit note as the API answered it."""
    inv = posted(http)
    paid = http.post(f"/api/invoices/{inv['id']}/payments",
                     {"method": "bank_transfer", "action": "charge", "amount": inv["total_amount"]})
    assert paid.status_code == 201, paid.get_data()
    resp = http.post(f"/api/invoices/{inv['id']}/credit-notes",
                     {"lines": [{"line": 2, "quantity": "1"}], "reason": "One hour less", "settlement": "credit"})
    assert resp.status_code == 201, resp.get_data()
    return resp.get_json()


def credit_of(http, query: str = "customer_id=10", token: str = "tok-erp") -> dict:
    resp = http.get(f"/api/receivables/credit?{query}", token=token)
    assert resp.status_code == 200, resp.get_data()
    return resp.get_json()


def balance(http, currency: str = "USD") -> str | None:
    return next((b["amount"] for b in credit_of(http)["balances"] if b["currency"] == currency), None)


def refused(resp, status: int) -> list[dict]:
    assert resp.status_code == status, resp.get_data()
    return assert_error_shape(resp)


def documented(name: str, instance: dict) -> list[str]:
    """What in ``instance`` the OpenAPI document's schema ``name`` does not allow."""
    from openapi_schema_validator import OAS30Validator
    components = build_spec()["components"]
    validator = OAS30Validator({"$ref": f"#/components/schemas/{name}", "components": components})
    return [e.message for e in validator.iter_errors(instance)]


# ---- GET /receivables/credit --------------------------------------------------------------

def test_a_credit_note_kept_as_credit_over_the_api_is_the_customers_credit(http, db):
    note = credit_kept(http)
    assert note["settlement"] == "credit" and note["refund"] is None
    assert (note["invoice"]["amount_due"], note["invoice"]["payment_status"]) == ("0.00", "paid_in_full")
    body = credit_of(http)
    [entry] = body["entries"]
    assert {k: v for k, v in body.items() if k != "entries"} == {
        "customer_id": 10, "organization_id": 1, "customer_name": "Acme Corp",
        "balances": [{"currency": "USD", "amount": "107.00"}], "next": None}
    created_at = entry.pop("created_at")
    assert entry == {"id": entry["id"], "kind": "credit_note", "currency": "USD", "amount": "107.00",
                     "balance_after": "107.00", "invoice_id": note["invoice"]["id"],
                     "invoice_number": note["invoice"]["invoice_number"], "credit_note_id": note["id"],
                     "credit_note_number": note["invoice_number"], "transaction_id": None, "reference": "",
                     "notes": "", "actor": "api:erp"}
    assert dt.datetime.fromisoformat(created_at).tzinfo is not None
    assert verify(db).ok


def test_the_credit_reads_with_the_read_scope_and_the_view_permission(http):
    credit_kept(http)
    for token in ("tok-reader", "tok-viewer", "tok-cashier"):
        assert credit_of(http, token=token)["balances"] == [{"currency": "USD", "amount": "107.00"}]
    [error] = refused(http.get("/api/receivables/credit?customer_id=10", token="tok-blind"), 403)
    assert error["message"] == ("The API client 'blind' acts for a user without the 'oro_invoices.view' "
                                "permission, which this needs.")
    assert http.get("/api/receivables/credit?customer_id=10", token=None).status_code == 401


def test_a_customer_without_credit_has_none_and_anothers_customer_is_not_found(http):
    posted(http, customer_id=11, customer_name="Globex Ltd")
    assert credit_of(http, "customer_id=11") == {"customer_id": 11, "organization_id": 1,
                                                 "customer_name": "Globex Ltd", "balances": [], "entries": [],
                                                 "next": None}
    posted(http, token="tok-other", customer_id=77, customer_name="Initech")
    [error] = refused(http.get("/api/receivables/credit?customer_id=77"), 404)
    assert error == {"field": "", "message": "Customer 77 does not exist."}
    assert credit_of(http, "customer_id=77", token="tok-other")["customer_name"] == "Initech"


def test_another_organizations_credit_of_the_same_customer_id_is_not_shown(http):
    credit_kept(http)                                       # customer 10 of organization 1
    posted(http, token="tok-other")                         # customer 10 of organization 2 too
    assert credit_of(http, token="tok-other")["balances"] == []
    assert credit_of(http, token="tok-other")["entries"] == []


@pytest.mark.parametrize("query, field, message", [
    ("", "customer_id", "Required: the id of one of the organization's customers."),
    ("customer_id=abc", "customer_id", "Required: the id of one of the organization's customers."),
    ("customer_id=10&customer_id=11", "customer_id", "Give this parameter once."),
    ("customer_id=10&currency=usd", "currency", "Must be an ISO 4217 currency code such as EUR (upper case)."),
    ("customer_id=10&currency=EURO", "currency", "Must be an ISO 4217 currency code such as EUR (upper case)."),
    ("customer_id=10&before=abc", "before", "The id of an entry (`next` gives it): a positive integer."),
    ("customer_id=10&before=0", "before", "The id of an entry (`next` gives it): a positive integer."),
    ("customer_id=10&limit=5", "limit", "Unknown query parameter; use customer_id, currency, before."),
])
def test_a_bad_query_is_refused_on_its_parameter(http, query, field, message):
    credit_kept(http)
    assert {"field": field, "message": message} in refused(http.get(f"/api/receivables/credit?{query}"), 422)


def test_the_ledger_pages_newest_first_and_keeps_to_a_currency(http, service):
    credit_kept(http)                                                            # 107.00 USD
    for _ in range(51):
        service.pay_out_credit(10, organization_id=1, currency="USD", amount="1", actor="admin")
    first = credit_of(http)
    assert len(first["entries"]) == 50 and first["balances"] == [{"currency": "USD", "amount": "56.00"}]
    assert [e["balance_after"] for e in first["entries"][:2]] == ["56.00", "57.00"]
    oldest_shown = first["entries"][-1]["id"]
    assert first["next"] == f"/api/receivables/credit?customer_id=10&before={oldest_shown}"
    rest = http.get(first["next"]).get_json()
    assert [(e["kind"], e["balance_after"]) for e in rest["entries"]] == [("paid_out", "106.00"),
                                                                         ("credit_note", "107.00")]
    assert rest["next"] is None and rest["balances"] == first["balances"]
    in_usd = credit_of(http, "customer_id=10&currency=USD")
    assert in_usd["next"] == f"/api/receivables/credit?customer_id=10&currency=USD&before={oldest_shown}"
    in_eur = credit_of(http, "customer_id=10&currency=EUR")
    assert in_eur["entries"] == [] and in_eur["next"] is None and in_eur["balances"] == first["balances"]


# ---- POST /invoices/{id}/apply-credit ------------------------------------------------------

def test_credit_pays_another_invoice_once_per_idempotency_key(http, db):
    credit_kept(http)
    other = posted(http)                                                         # 231.86 USD
    key = {"Idempotency-Key": "erp-apply-2026-12-0001"}
    resp = http.post(f"/api/invoices/{other['id']}/apply-credit", {}, headers=key)
    assert resp.status_code == 201, resp.get_data()
    body = resp.get_json()
    assert (body["invoice_id"], body["method"], body["action"], body["amount"], body["currency"],
            body["successful"], body["actor"]) == (other["id"], "customer_credit", "charge", "107.00", "USD", True,
                                                   "api:erp")
    assert (body["invoice"]["amount_paid"], body["invoice"]["amount_due"], body["invoice"]["payment_status"]) == (
        "107.00", "124.86", "paid_partially")
    again = http.post(f"/api/invoices/{other['id']}/apply-credit", {}, headers=key)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    assert again.get_json() == body
    [listed] = http.get(f"/api/invoices/{other['id']}/payments").get_json()["data"]
    assert (listed["id"], listed["method"], listed["amount"]) == (body["id"], "customer_credit", "107.00")
    # no money moved: no receipt (the list names none, and the path of one answers 404)
    assert listed["receipt"] is None
    assert http.get(f"/api/invoices/{other['id']}/payments/{body['id']}/receipt").status_code == 404
    credit = credit_of(http)
    assert credit["balances"] == [{"currency": "USD", "amount": "0.00"}]
    applied = credit["entries"][0]
    assert (applied["kind"], applied["amount"], applied["balance_after"], applied["invoice_id"],
            applied["invoice_number"], applied["transaction_id"]) == (
        "applied", "-107.00", "0.00", other["id"], other["invoice_number"], body["id"])
    assert documented("PaymentResult", body) == []
    assert verify(db).ok


def test_part_of_the_credit_is_applied_and_the_rest_stays(http):
    credit_kept(http)
    other = posted(http)
    resp = http.post(f"/api/invoices/{other['id']}/apply-credit", {"amount": "10.00"})
    assert resp.status_code == 201, resp.get_data()
    assert (resp.get_json()["amount"], resp.get_json()["invoice"]["amount_due"]) == ("10.00", "221.86")
    assert balance(http) == "97.00"
    # without a body at all: as much as the credit covers, never more than the amount due
    small = posted(http, lines=[{"description": "Cable", "quantity": "1", "unit_price": "40.00"}])
    whole = http.post(f"/api/invoices/{small['id']}/apply-credit")
    assert whole.status_code == 201, whole.get_data()
    assert (whole.get_json()["amount"], whole.get_json()["invoice"]["payment_status"]) == ("40.00", "paid_in_full")
    assert balance(http) == "57.00"


def test_an_application_is_not_made_twice_after_the_key_store_forgot_the_key(service, settings):
    forgetful = http_over(service, settings, idempotency_ttl=dt.timedelta(0))   # every key expires at once
    credit_kept(forgetful)
    other = posted(forgetful)
    key = {"Idempotency-Key": "erp-apply-2026-12-0002"}
    first = forgetful.post(f"/api/invoices/{other['id']}/apply-credit", {"amount": "20.00"}, headers=key)
    again = forgetful.post(f"/api/invoices/{other['id']}/apply-credit", {"amount": "20.00"}, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers.get("Idempotent-Replayed") is None                     # the service answered
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["invoice"]["amount_due"] == "211.86"
    assert balance(forgetful) == "87.00"
    # the same key of another client of the organization is another application
    theirs = forgetful.post(f"/api/invoices/{other['id']}/apply-credit", {"amount": "20.00"}, headers=key,
                            token="tok-cashier")
    assert theirs.status_code == 201 and theirs.get_json()["id"] != first.get_json()["id"]
    assert balance(forgetful) == "67.00"


@pytest.mark.parametrize("body, message", [
    ({"amount": "ten"}, 'Not a valid decimal number: write it like "19.99": ASCII digits with an optional leading '
                        "minus and decimal point, no spaces, digit separators or exponent."),
    ({"amount": "1e3"}, 'Not a valid decimal number: write it like "19.99": ASCII digits with an optional leading '
                        "minus and decimal point, no spaces, digit separators or exponent."),
    ({"amount": 10.5}, 'Give this number as a decimal string such as "19.99", not a float.'),
    ({"amount": "0"}, "Must be greater than 0."),
    ({"amount": "-5.00"}, "Must be greater than 0."),
    ({"amount": "1.234"}, "USD amounts have at most 2 decimals."),
    ({"amount": "120.00"}, "Acme Corp has 107.00 USD of credit, less than 120.00 USD."),
])
def test_a_bad_amount_or_more_than_the_credit_is_refused_on_amount(http, body, message):
    credit_kept(http)
    other = posted(http)
    assert refused(http.post(f"/api/invoices/{other['id']}/apply-credit", body), 422) == [
        {"field": "amount", "message": message}]
    assert balance(http) == "107.00"
    assert http.get(f"/api/invoices/{other['id']}").get_json()["amount_due"] == "231.86"


def test_more_than_the_amount_due_and_an_unknown_field_are_refused(http):
    credit_kept(http)
    small = posted(http, lines=[{"description": "Cable", "quantity": "1", "unit_price": "40.00"}])
    assert refused(http.post(f"/api/invoices/{small['id']}/apply-credit", {"amount": "50.00"}), 422) == [
        {"field": "amount", "message": "Exceeds the amount due (40.00 USD)."}]
    assert refused(http.post(f"/api/invoices/{small['id']}/apply-credit", {"amount": "5.00", "notes": "x"}), 422) == [
        {"field": "notes", "message": "Unknown field; only amount may be given."}]
    assert refused(http.post(f"/api/invoices/{small['id']}/apply-credit", ["5.00"]), 400)
    assert balance(http) == "107.00"


def test_no_credit_nothing_to_pay_or_a_draft_is_a_conflict(http):
    note = credit_kept(http)
    globex = posted(http, customer_id=11, customer_name="Globex Ltd")
    in_euro = posted(http, currency="EUR")
    nobodys = posted(http, customer_id=None, customer_user_id=None, order_id=None)
    draft = http.create()

    def conflict(invoice_id: int) -> str:
        [error] = refused(http.post(f"/api/invoices/{invoice_id}/apply-credit", {}), 409)
        return error["message"]
    assert conflict(globex["id"]) == "Globex Ltd has no credit in USD to apply."
    assert conflict(in_euro["id"]) == "Acme Corp has no credit in EUR to apply."
    assert conflict(nobodys["id"]) == f"Invoice {nobodys['invoice_number']} has no customer, so no customer's " \
                                      "credit can pay it."
    paid = note["invoice"]
    assert conflict(paid["id"]) == f"Invoice {paid['invoice_number']} has nothing to pay, so no credit can be " \
                                   "applied to it."
    assert conflict(note["id"]) == f"Invoice {note['invoice_number']} has nothing to pay, so no credit can be " \
                                   "applied to it."
    assert conflict(draft["id"]) == f"Invoice Draft #{draft['id']} is a draft: credit is applied to posted " \
                                    "invoices only."
    assert balance(http) == "107.00"


def test_another_organizations_invoice_and_a_missing_permission_are_refused(http):
    credit_kept(http)
    other = posted(http)
    [error] = refused(http.post(f"/api/invoices/{other['id']}/apply-credit", {}, token="tok-other"), 404)
    assert error["message"] == f"Invoice {other['id']} does not exist."
    assert refused(http.post("/api/invoices/999999/apply-credit", {}), 404)
    assert refused(http.post("/api/invoices/abc/apply-credit", {}), 404)
    [error] = refused(http.post(f"/api/invoices/{other['id']}/apply-credit", {}, token="tok-clerk"), 403)
    assert error["message"] == ("The API client 'clerk' acts for a user without the 'oro_invoices.manage_payments' "
                                "permission, which this needs.")
    [error] = refused(http.post(f"/api/invoices/{other['id']}/apply-credit", {}, token="tok-reader"), 403)
    assert error["message"] == "The API client 'reader' lacks the 'invoices:write' scope."
    assert balance(http) == "107.00"
    assert http.post(f"/api/invoices/{other['id']}/apply-credit", {"amount": "7.00"},
                     token="tok-cashier").status_code == 201


def test_reversing_an_application_over_the_api_puts_the_credit_back(http):
    credit_kept(http)
    other = posted(http)
    applied = http.post(f"/api/invoices/{other['id']}/apply-credit", {"amount": "100.00"}).get_json()
    resp = http.post(f"/api/invoices/{other['id']}/payments/{applied['id']}/reverse",
                     {"reason": "Applied to the wrong invoice"})
    assert resp.status_code == 201, resp.get_data()
    assert (resp.get_json()["reverses"], resp.get_json()["invoice"]["amount_due"]) == (applied["id"], "231.86")
    returned = credit_of(http)["entries"][0]
    assert (returned["kind"], returned["amount"], returned["balance_after"], returned["transaction_id"]) == (
        "returned", "100.00", "107.00", resp.get_json()["id"])


# ---- POST /receivables/credit/pay-outs -----------------------------------------------------

def pay_out(http, body: dict, *, query: str = "customer_id=10", **kw):
    return http.post(f"/api/receivables/credit/pay-outs?{query}", body, **kw)


def test_credit_is_given_back_once_per_idempotency_key(http, db):
    credit_kept(http)
    key = {"Idempotency-Key": "erp-payout-2026-12-0001"}
    body = {"currency": "USD", "amount": "7.00", "reference": "TRF 2026-12-07/118", "notes": "Customer asked"}
    resp = pay_out(http, body, headers=key)
    assert resp.status_code == 201, resp.get_data()
    entry = resp.get_json()
    assert {k: v for k, v in entry.items() if k not in ("id", "created_at")} == {
        "kind": "paid_out", "currency": "USD", "amount": "-7.00", "balance_after": "100.00", "invoice_id": None,
        "invoice_number": None, "credit_note_id": None, "credit_note_number": None, "transaction_id": None,
        "reference": "TRF 2026-12-07/118", "notes": "Customer asked", "actor": "api:erp"}
    again = pay_out(http, body, headers=key)
    assert (again.status_code, again.headers.get("Idempotent-Replayed"), again.get_json()) == (201, "true", entry)
    credit = credit_of(http)
    assert credit["balances"] == [{"currency": "USD", "amount": "100.00"}]
    assert credit["entries"][0] == entry
    assert documented("CreditEntry", entry) == [] and documented("CustomerCredit", credit) == []
    assert verify(db).ok


def test_a_pay_out_is_not_made_twice_after_the_key_store_forgot_the_key(service, settings):
    forgetful = http_over(service, settings, idempotency_ttl=dt.timedelta(0))
    credit_kept(forgetful)
    key = {"Idempotency-Key": "payout-0002"}            # not a form's key: made into one for the client
    first = pay_out(forgetful, {"currency": "USD", "amount": "7.00"}, headers=key)
    again = pay_out(forgetful, {"currency": "USD", "amount": "7.00"}, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert balance(forgetful) == "100.00"


@pytest.mark.parametrize("body, errors", [
    ({"currency": "USD", "amount": "ten"}, [("amount", 'Not a valid decimal number: write it like "19.99": ASCII '
                                                      "digits with an optional leading minus and decimal point, no "
                                                      "spaces, digit separators or exponent.")]),
    ({"currency": "USD", "amount": 7.5}, [("amount", 'Give this number as a decimal string such as "19.99", not a '
                                                     "float.")]),
    ({"currency": "USD", "amount": "0"}, [("amount", "Must be greater than 0.")]),
    ({"currency": "USD", "amount": "1.234"}, [("amount", "USD amounts have at most 2 decimals.")]),
    ({"currency": "USD", "amount": "200.00"},
     [("amount", "The customer has 107.00 USD of credit: at most that can be given back.")]),
    ({"currency": "EUR", "amount": "5.00"},
     [("amount", "The customer has 0.00 EUR of credit: at most that can be given back.")]),
    ({"currency": "usd", "amount": "5.00"}, [("currency", "Must be an ISO 4217 currency code such as EUR (upper "
                                                          "case).")]),
    ({"currency": "DOLLARS", "amount": "ten"}, [("currency", "Must be an ISO 4217 currency code such as EUR (upper "
                                                             "case)."),
                                                ("amount", 'Not a valid decimal number: write it like "19.99": ASCII '
                                                           "digits with an optional leading minus and decimal point, "
                                                           "no spaces, digit separators or exponent.")]),
    ({"amount": "5.00"}, [("currency", "Missing data for required field.")]),
    ({"currency": "USD"}, [("amount", "Missing data for required field.")]),
    ({"currency": "USD", "amount": "5.00", "reference": "TRF\x07"},
     [("reference", "Must not contain control characters.")]),
    ({"currency": "USD", "amount": "5.00", "reference": "R" * 256}, [("reference", "At most 255 characters.")]),
    ({"currency": "USD", "amount": "5.00", "notes": 5}, [("notes", "Not a valid string.")]),
    ({"currency": "USD", "amount": "5.00", "customer_id": 10},
     [("customer_id", "Unknown field; only currency, amount, reference, notes may be given.")]),
])
def test_a_bad_pay_out_is_refused_on_its_field(http, body, errors):
    credit_kept(http)
    assert [(e["field"], e["message"]) for e in refused(pay_out(http, body), 422)] == errors
    assert balance(http) == "107.00"


def test_a_pay_out_needs_one_of_the_organizations_customers_and_the_payments_permission(http):
    credit_kept(http)
    body = {"currency": "USD", "amount": "5.00"}
    posted(http, token="tok-other", customer_id=77, customer_name="Initech")
    assert refused(pay_out(http, body, query="customer_id=77"), 404) == [
        {"field": "", "message": "Customer 77 does not exist."}]
    assert refused(pay_out(http, body, query=""), 422) == [
        {"field": "customer_id", "message": "Required: the id of one of the organization's customers."}]
    assert refused(pay_out(http, body, query="customer_id=10&currency=USD"), 422) == [
        {"field": "currency", "message": "Unknown query parameter; use customer_id."}]
    [error] = refused(pay_out(http, body, token="tok-clerk"), 403)
    assert "'oro_invoices.manage_payments' permission" in error["message"]
    assert refused(pay_out(http, body, token="tok-reader"), 403)
    assert refused(pay_out(http, body, token="tok-other"), 404) == [      # no customer 10 of theirs
        {"field": "", "message": "Customer 10 does not exist."}]
    assert balance(http) == "107.00"
    assert pay_out(http, body, token="tok-cashier").status_code == 201
    assert balance(http) == "102.00"


# ---- where credit comes from -----------------------------------------------------------------

def test_a_payments_surplus_kept_by_hand_is_in_the_credit_and_an_api_payment_cannot_make_any(http, service):
    inv = posted(http)                                                           # 231.86 USD
    # Record Payment in the back-office, the surplus kept (services.manual_payments)
    recorded = service.record_received_payment(inv["id"], amount="250.00", method="bank_transfer",
                                               received_on=today(), actor="admin", request_key="s" * 24,
                                               keep_surplus=True)
    [surplus] = credit_of(http)["entries"]
    assert (surplus["kind"], surplus["amount"], surplus["invoice_number"], surplus["transaction_id"]) == (
        "surplus", "18.14", inv["invoice_number"], recorded.transaction.id)
    # a payment recorded over the API keeps no surplus: its data cannot say so, nor can a flag
    other = posted(http)
    resp = http.post(f"/api/invoices/{other['id']}/payments", {"method": "bank_transfer", "action": "charge",
                                                               "amount": "10.00", "data": {"surplus": "5000.00"}})
    assert resp.status_code == 201, resp.get_data()
    flagged = http.post(f"/api/invoices/{other['id']}/payments", {"method": "bank_transfer", "action": "charge",
                                                                  "amount": "250.00", "keep_surplus": True})
    assert {"field": "keep_surplus", "message": "Unknown field."} in refused(flagged, 422)
    assert balance(http) == "18.14"
    assert Decimal(http.get(f"/api/invoices/{other['id']}").get_json()["amount_paid"]) == Decimal("10.00")


def test_a_credit_note_of_an_invoice_without_customer_cannot_keep_credit(http):
    inv = posted(http, customer_id=None, customer_user_id=None, order_id=None)
    http.post(f"/api/invoices/{inv['id']}/payments", {"method": "bank_transfer", "action": "charge",
                                                      "amount": inv["total_amount"]})
    resp = http.post(f"/api/invoices/{inv['id']}/credit-notes", {"full": True, "settlement": "credit"})
    assert refused(resp, 422) == [{"field": "settlement", "message": (
        f"Invoice {inv['invoice_number']} has no customer to keep the credit for: choose \"refund\" or "
        "\"outside\".")}]


# ---- the OpenAPI document ----------------------------------------------------------------------

def test_the_credit_endpoints_are_in_the_openapi_document():
    spec = build_spec()
    read = spec["paths"]["/receivables/credit"]["get"]
    assert read["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CustomerCredit"}
    assert {p["name"] for p in read["parameters"]} == {"customer_id", "currency", "before"}
    apply = spec["paths"]["/invoices/{id}/apply-credit"]["post"]
    assert apply["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaymentResult"}
    assert {"Idempotency-Key", "id"} <= {p["name"] for p in apply["parameters"]}
    assert {"403", "409", "422"} <= set(apply["responses"])
    out = spec["paths"]["/receivables/credit/pay-outs"]["post"]
    assert out["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CreditPayOut"}
    schemas = spec["components"]["schemas"]
    assert schemas["CreditPayOut"]["required"] == ["amount", "currency"]
    assert schemas["CreditPayOut"]["additionalProperties"] is False
    assert schemas["CreditEntry"]["properties"]["kind"]["enum"] == [
        "credit_note", "surplus", "applied", "returned", "surplus_reversed", "paid_out"]
    settlement = schemas["CreditNoteCreate"]["properties"]["settlement"]
    assert "credit" in settlement["enum"]


def test_a_payment_recorded_in_error_and_its_reversal_have_no_receipt(http):
    """A bank transfer recorded on the wrong invoice and reversed moved no money on it: neither the
    payment nor its reversal lists a receipt; a payment that stands does."""
    other = posted(http)
    recorded = http.post("/api/receivables/payments", {
        "method": "bank_transfer", "received_on": today().isoformat(), "reference": "STMT 7",
        "amount": "50.00", "invoices": [{"id": other["id"]}]}, headers={"Idempotency-Key": "erp-bank-0007"})
    assert recorded.status_code == 201, recorded.get_data()
    stands = http.post("/api/receivables/payments", {
        "method": "bank_transfer", "received_on": today().isoformat(), "reference": "STMT 8",
        "amount": "20.00", "invoices": [{"id": other["id"]}]}, headers={"Idempotency-Key": "erp-bank-0008"})
    assert stands.status_code == 201, stands.get_data()
    rows = http.get(f"/api/invoices/{other['id']}/payments").get_json()["data"]
    wrong = next(r for r in rows if r["reference"] == "STMT 7")
    reversal = http.post(f"/api/invoices/{other['id']}/payments/{wrong['id']}/reverse", {"reason": "Wrong invoice"})
    assert reversal.status_code == 201, reversal.get_data()
    listed = http.get(f"/api/invoices/{other['id']}/payments").get_json()["data"]
    [undone] = [r for r in listed if r["id"] == wrong["id"]]
    [undoing] = [r for r in listed if r["reverses"] == wrong["id"]]
    [standing] = [r for r in listed if r["reference"] == "STMT 8"]
    assert (undone["receipt"], undoing["receipt"]) == (None, None)
    assert standing["receipt"] == f"/api/invoices/{other['id']}/payments/{standing['id']}/receipt"
