"""Every word of the add-on's pages is in the reader's language, whatever wrote it (a template, a
Python message, the host's layout).

Each page and dialog of the reference shop, with invoices that have notes, emails, payments, a
credit note and activity, is read in English, German, French and Japanese (``Accept-Language``,
the shop's choice of language). On a page in German, French or Japanese:

- no piece of text is an English message of the catalog whose translation differs (a string that
  should have been translated and was shown in English), whole or as a sentence in a longer text;
- no English sentence or raw code ("bank_transfer") is shown the same as on the English page,
  the shop's own data (names, products, addresses, notes typed by people) aside.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import update
from support.config_form import form_values
from support.days import after_seeded_invoices, days_ago, today
from support.page_text import (
    Catalog,
    PageText,
    literals_of,
    looks_english,
    parts_of,
    strip_values,
    visible_text,
    without_data,
)

from oro_invoices.hosts.reference import seed as seed_module
from oro_invoices.hosts.reference.testing import ShopClient, form_token, make_shop
from oro_invoices.integration.config import Settings
from oro_invoices.integration.hosted_page import method as oropay
from oro_invoices.integration.hosted_page.signing import sign_response
from oro_invoices.persistence.models import PaymentTransaction
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail.service import MailService
from oro_invoices.services.reminders import send_due_reminders
from oro_invoices.web import backoffice_aging

LANGUAGES = ("de", "fr", "ja")
SECRET = "hpp-shared-secret"
#: What the test itself types into the shop (data, in the language of whoever typed it).
TYPED = ("Please check the delivery address", "Returned goods", "Sent twice",
         "Damaged in transit", "Late widget", "Val Viewer")
#: Names, the same in every language: the shop's, the payment method's.
NAMES = ("Reference Commerce", "OroPay")
#: Content in the language of the document, not of the page: the sent email's text.
DOCUMENT_CONTENT = ("oi-email-text-body",)


@dataclass(frozen=True)
class Page:
    """One page as a given person opens it: a GET, or a form sent to show its answer."""

    who: str
    url: str
    status: int = 200
    post: dict[str, str] | None = None   # submitted to ``url`` from the form of ``form_page``
    form_page: str = ""
    whole_form: bool = False             # ``post`` changes the configuration form as it is shown


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def _pay_through_the_hosted_page(client: ShopClient, page_url: str, *, declined: bool = False) -> str:
    """Pay in full through the hosted page (answer signed as approved, or as declined); the
    result page's URL."""
    page = client.get(page_url).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', page).group(1)
    handover = client.client.post(action, data=_hidden(page)).get_data(as_text=True)
    request = {k.replace("&amp;", "&"): v for k, v in _hidden(handover).items()}
    answer = {"TIMESTAMP": "20261130120500", "MERCHANT_ID": request["MERCHANT_ID"],
              "ACCOUNT": request["ACCOUNT"], "ORDER_ID": request["ORDER_ID"], "RESULT": "101" if declined else "00",
              "MESSAGE": "[ test system ] Declined" if declined else "[ test system ] Authorised",
              "PASREF": f"PAS-{request['ORDER_ID']}", "AUTHCODE": "" if declined else "12345",
              "AMOUNT": request["AMOUNT"]}
    path = request["MERCHANT_RESPONSE_URL"].replace("http://localhost", "")
    reply = client.client.post(path, data=sign_response(answer, SECRET)).get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="oi-payment-continue"', reply) or \
        re.search(r'id="oi-payment-continue" href="([^"]+)"', reply)
    return link.group(1).replace("http://localhost", "").replace("&amp;", "&")


def _overdue_with_a_reminder(service: InvoiceService, mail: MailService, source_id: int) -> int:
    """A posted invoice of the customer of ``source_id``, a week past due, sent its reminder."""
    source = service.get(source_id)
    today = service.today()
    created = service.create({
        "invoice_date": (today - dt.timedelta(days=37)).isoformat(),
        "due_date": (today - dt.timedelta(days=7)).isoformat(), "currency": source.currency,
        "organization_id": source.organization_id, "customer_id": source.customer_id,
        "customer_user_id": source.customer_user_id, "external_id": "LATE-7",
        "bill_to": source.bill_to.as_dict(),
        "lines": [{"description": TYPED[4], "quantity": "1", "unit_price": "80.00"}]}, actor="test")
    late = service.post(created.id, actor="test").id
    report = send_due_reminders(service, mail)
    assert late in {r.invoice_id for r in report.queued}
    return late


def _prepare(app) -> tuple[dict[str, ShopClient], list[Page], set[str]]:
    """Invoices in every state the pages show; the clients, the pages, the shop's data."""
    host = app.extensions["oro_reference_host"]
    settings = Settings(host.config)
    for key, value in {"oro_invoices.payments_enabled": True, "oro_invoices.payment_method": "oropay",
                       "oro_invoices.storefront_base_url": "http://localhost",
                       oropay.MERCHANT_ID: "NorthwindTest", oropay.SHARED_SECRET: SECRET,
                       oropay.HPP_URL: "http://hpp.test/pay", oropay.REBATE_PASSWORD: "rebate",
                       "oro_invoices.reminders.enabled": True}.items():
        settings.set(key, value)
    host.records.add_admin("viewer", "viewer1234", name="Val Viewer", email="val@northwind.example",
                           organization_id=1, permissions={"oro_invoices.view"})
    clients = {"guest": ShopClient(app)}
    clients["admin"] = ShopClient(app)
    clients["admin"].login_admin()
    clients["viewer"] = ShopClient(app)
    clients["viewer"].login_admin("viewer", "viewer1234")
    for who, email in {"corporate": "amanda.cole@acme.example", "department": "ben.ortiz@acme.example",
                       "own": "carla.nguyen@acme.example", "none": "no.access@acme.example",
                       "globex": "gina.park@globex.example"}.items():
        clients[who] = ShopClient(app)
        clients[who].login_customer(email)
    admin = clients["admin"]
    service = admin.service
    find = {e: service.find_id(external_id=e) for e in (
        "ERP-SO-1001-1", "ERP-SO-1002-2", "ERP-SO-1003-3", "ERP-SO-1004-4", "ERP-SO-1005-5",
        "ERP-SO-1007-7", "ERP-SO-1008-8", "ERP-SO-1010-10", "ERP-SO-1006-6")}
    paid, partial, draft = find["ERP-SO-1003-3"], find["ERP-SO-1002-2"], find["ERP-SO-1004-4"]
    authorized, credited, voided = find["ERP-SO-1005-5"], find["ERP-SO-1001-1"], find["ERP-SO-1008-8"]

    # paid through the shop (refundable), a note, an email sent from the dialog
    result_url = _pay_through_the_hosted_page(clients["department"], f"/customer/invoices/{paid}/payment")
    view = f"/admin/invoices/{paid}"
    admin.submit(view, f"{view}/notes", {"body": TYPED[0]})
    dialog = admin.get(f"{view}?dialog=email&to_customer=1").get_data(as_text=True)
    fields = dict(re.findall(r'<input type="(?:text|hidden)" (?:id="[^"]*" )?name="([a-z_]+)" value="([^"]*)"',
                             dialog))
    body = re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>', dialog, re.S).group(1)
    sent = admin.client.post(f"{view}/email", data={**fields, "body": body, "attach_pdf": "1"})
    assert sent.status_code == 303, sent.get_data(as_text=True)[:400]
    mail = app.extensions["oro_invoices"].mail
    [email] = mail.emails(paid)

    # an authorization to cancel, held until a time that has passed: a second shop payment,
    # recorded as an authorization
    _pay_through_the_hosted_page(clients["corporate"], f"/customer/invoices/{authorized}/payment")
    [auth] = service.transactions(authorized)
    with service.db.engine.begin() as conn:
        conn.execute(update(PaymentTransaction).where(PaymentTransaction.id == auth.id).values(
            action="authorize", data={"capture_before": "2026-01-05T10:00:00+00:00"}))

    # a credit note of a posted invoice, and a voided invoice
    cv = f"/admin/invoices/{credited}"
    made = admin.submit(f"{cv}/credit-notes/new", f"{cv}/credit-notes",
                        {"mode": "partial", "qty_1": "1", "settlement": "outside", "reason": TYPED[1]})
    assert made.status_code == 303, made.get_data(as_text=True)[:400]
    [note] = service.credit_notes_of(credited)
    vv = f"/admin/invoices/{voided}"
    voiding = admin.submit(f"{vv}/void", f"{vv}/void", {"reason": TYPED[2]})
    assert voiding.status_code == 303, voiding.get_data(as_text=True)[:400]
    [charge] = service.transactions(paid)
    late = _overdue_with_a_reminder(service, mail, credited)
    token = service.get(partial).payment_token
    declined = _pay_through_the_hosted_page(clients["department"], f"/customer/invoices/{partial}/payment",
                                            declined=True)
    guest_declined = _pay_through_the_hosted_page(clients["guest"], f"/invoices/pay/{token}", declined=True)
    admin.get("/admin/invoices")   # shows (and so clears) the English messages of the actions above
    order = service.get(paid).order_id
    org_scope = "scope=organization&scope_id=1"
    paid_token = service.get(paid).payment_token

    # two bank transfers recorded by hand on the partly paid invoice, the first reversed
    kept_key, reversed_key = "k" * 24, "r" * 24
    wrong = service.record_received_payment(partial, amount="1.00", method="bank_transfer",
                                            received_on=days_ago(6), reference="STMT 7",
                                            actor="test", request_key=reversed_key).transaction
    service.reverse_received_payment(partial, wrong.id, reason=TYPED[0], actor="test")
    by_hand = service.record_received_payment(partial, amount="1.00", method="check", received_on=after_seeded_invoices(),
                                              actor="test", request_key=kept_key).transaction
    # a customer's statement, sent to them once (the page lists it)
    customer_id = service.get(late).customer_id
    statement = f"/admin/invoices/statement?customer={customer_id}"
    statement_email = f"/admin/invoices/statement/email?customer={customer_id}"
    statement_sent = mail.statements.send(service.statement_of(customer_id, organization_id=1), to="ap@acme.example",
                                          subject="Your statement", text="Attached.", actor="test")
    pages = [
        # the back-office grid, with filters, and with bad filter values shown next to their fields
        Page("admin", "/admin/invoices"),
        Page("admin", "/admin/invoices?status=posted&document_type=credit_note&overdue=no"),
        Page("admin", "/admin/invoices?invoice_date_from=31.02.2026&total_min=ten&per_page=7", 422),
        Page("admin", "/admin/invoices?total_min=10&overdue=1", 422),
        Page("admin", "/admin/invoices/aging"),
        Page("admin", "/admin/invoices/aging?currency=euro", 422),
        Page("admin", "/admin/invoices/aging?customer=zzzz-nobody"),
        Page("admin", "/admin/invoices/aging?page=2"),
        Page("admin", "/admin/invoices/aging?page=abc", 422),
        Page("admin", statement),
        Page("admin", f"/admin/invoices/statement/emails/{statement_sent.id}?customer={customer_id}"),
        Page("admin", f"{statement}&dialog=email"),
        Page("admin", f"/admin/invoices/statement/activity?customer={customer_id}&from={days_ago(365)}"),
        Page("admin", f"/admin/invoices/statement/activity?customer={customer_id}&from=2026-12-01&to=2026-11-01", 422),
        Page("department", f"/customer/invoices/activity?from={days_ago(365)}"),
        Page("admin", statement_email, 422, {"to": "not an address", "subject": "", "body": ""},
             f"{statement}&dialog=email"),
        Page("admin", "/admin/invoices/statement?customer=999999", 404),
        # the grid's actions on ticked invoices: what will happen, what happened, a bad selection
        Page("admin", f"/admin/invoices/selected/send?invoice={draft}&invoice={paid}&invoice=999999"),
        Page("admin", f"/admin/invoices/selected/delete?invoice={find['ERP-SO-1006-6']}&invoice={paid}"),
        Page("admin", "/admin/invoices/selected/send", 200, {"invoice": str(paid), "form_token": "languages"},
             f"/admin/invoices/selected/send?invoice={paid}"),
        Page("admin", "/admin/invoices/selected/pdfs.zip?invoice=abc", 422),
        Page("admin", "/admin/invoices/bank-statement"),
        # Record Payment for ticked invoices: the form (spread beyond the amount due), a refused share, the result
        Page("admin", f"/admin/invoices/selected/payment?invoice={partial}&invoice={late}&invoice={draft}"
                      "&invoice=999999&received=99999"),
        Page("admin", "/admin/invoices/selected/payment", 422,
             {"invoice": str(partial), f"amount-{partial}": "99999999", "method": "cash",
              "received_on": today().isoformat(), "request_key": "r" * 24},
             f"/admin/invoices/selected/payment?invoice={partial}"),
        Page("admin", "/admin/invoices/selected/payment", 200,
             {"invoice": str(late), f"amount-{late}": "1", "method": "cash",
              "received_on": today().isoformat(), "request_key": "languages-remittance"},
             f"/admin/invoices/selected/payment?invoice={late}"),
        # the view page: draft, posted with notes, email, payment and activity, a credit note, voided
        Page("admin", f"/admin/invoices/{draft}"),
        Page("admin", view),
        Page("admin", f"/admin/invoices/{partial}"),
        Page("admin", f"/admin/invoices/{partial}?dialog=record-payment"),
        Page("admin", f"/admin/invoices/{partial}/payments", 422,
             {"amount": "99999999", "method": "cash", "received_on": after_seeded_invoices().isoformat(), "request_key": "x" * 24},
             f"/admin/invoices/{partial}?dialog=record-payment"),
        Page("admin", f"/admin/invoices/{partial}?dialog=reverse-payment&transaction={by_hand.id}"),
        Page("admin", f"/admin/invoices/{partial}?dialog=reverse-payment&transaction={wrong.id}"),
        Page("admin", f"{view}?dialog=record-payment"),
        Page("admin", f"/admin/invoices/{credited}"),
        Page("admin", f"/admin/invoices/{note.id}"),
        Page("admin", vv),
        Page("admin", f"/admin/invoices/{authorized}"),
        Page("admin", f"/admin/invoices/{late}"),
        Page("admin", f"{view}?edit_note={service.notes(paid)[0].id}"),
        # each dialog of the view page
        Page("admin", f"/admin/invoices/{draft}?dialog=send-to-customer"),
        Page("admin", f"/admin/invoices/{draft}?dialog=delete"),
        Page("admin", f"{view}?dialog=email"),
        Page("admin", f"{view}?dialog=email&to_customer=1"),
        Page("admin", f"/admin/invoices/{note.id}?dialog=email&to_customer=1"),
        Page("admin", f"{view}?dialog=refund&transaction={charge.id}"),
        Page("admin", f"/admin/invoices/{authorized}?dialog=cancel-authorization&transaction={auth.id}"),
        # a dialog the invoice no longer offers: the page says why
        Page("admin", f"{view}?dialog=delete"),
        Page("viewer", f"{view}?dialog=refund&transaction={charge.id}"),
        Page("admin", f"/admin/invoices/{authorized}?dialog=capture&transaction={auth.id}"),  # OroPay's
        Page("admin", f"/admin/invoices/{authorized}?dialog=reauthorize&transaction={auth.id}"),  # OroPay's
        Page("viewer", f"{view}?dialog=email"),
        # forms sent with bad input: the page again with the reason
        Page("admin", f"{view}/email", 422, {"to": "not an address", "subject": "", "body": "",
                                               "template": ""}, f"{view}?dialog=email"),
        Page("admin", f"{view}/transactions/{charge.id}/refund", 422,
             {"amount": "999999", "notes": "", "request_key": "languages-refund-0001"}, view),
        Page("admin", f"{view}/notes", 422, {"body": " "}, view),
        Page("admin", f"{cv}/credit-notes", 422, {"mode": "partial", "qty_1": "99", "settlement": "outside", "reason": TYPED[3],
                                                 "request_key": "languages-credit-note-0001"},
             f"{cv}/credit-notes/new"),
        # the sent email, credit note, void and re-issue pages
        Page("admin", f"{view}/emails/{email.id}"),
        Page("admin", f"{cv}/credit-notes/new"),
        Page("admin", f"/admin/invoices/{find['ERP-SO-1010-10']}/void"),
        Page("admin", f"/admin/invoices/{find['ERP-SO-1010-10']}/reissue"),
        Page("admin", f"/admin/invoices/{find['ERP-SO-1006-6']}/delete"),
        # the system configuration of invoices, the order's Invoices tab
        Page("admin", "/admin/config/oro_invoices?scope=global"),
        Page("admin", f"/admin/config/oro_invoices?{org_scope}"),
        Page("admin", f"/admin/config/oro_invoices?{org_scope}", 422,
             {"oro_invoices.seller.iban": "DE00 1234", "oro_invoices.seller.country_code": "XX",
              "oro_invoices.seller.vat_id": "DE1", "oro_invoices.number_prefix": "INV/2026/" * 10},
             f"/admin/config/oro_invoices?{org_scope}", whole_form=True),
        Page("admin", f"/admin/orders/{order}"),
        Page("admin", f"/admin/orders/{order}?tab=oro_invoices.order_invoices"),
        Page("admin", f"/admin/invoices/orders/{order}"),
        # the storefront of each invoice role
        *[Page(who, "/customer/invoices") for who in ("corporate", "department", "own", "globex")],
        Page("corporate", "/customer/invoices?status=paid&invoice_date_from=nope"),
        Page("department", f"/customer/invoices/{paid}"),
        Page("department", f"/customer/invoices/{partial}"),
        Page("department", f"/customer/invoices/{partial}/payment"),
        Page("department", result_url),
        Page("department", declined),
        Page("corporate", f"/customer/invoices/{late}"),
        Page("corporate", "/customer/invoices?overdue=yes"),
        Page("corporate", f"/customer/invoices/{credited}"),
        Page("corporate", f"/customer/invoices/{note.id}"),
        Page("own", f"/customer/invoices/{paid}"),
        Page("globex", f"/customer/invoices/{voided}"),
        Page("department", f"/customer/invoices/{partial}/payment", 200, {"request_key": "languages-handover-0001"},
             f"/customer/invoices/{partial}/payment"),
        Page("globex", f"/customer/invoices/{find['ERP-SO-1007-7']}/payment"),
        # the guest payment link: payable (and its hand-over page), and paid already
        Page("guest", f"/invoices/pay/{token}"),
        Page("guest", f"/invoices/pay/{token}", 200, {"request_key": "languages-handover-0002"},
             f"/invoices/pay/{token}"),
        Page("guest", f"/invoices/pay/{paid_token}"),
        Page("guest", guest_declined),
        # the shop's own pages around the add-on's: its layout, menus, profile and orders
        Page("admin", "/admin/"), Page("admin", "/admin/orders"), Page("admin", "/admin/customers"),
        Page("department", "/"), Page("department", "/customer/account"), Page("department", "/customer/orders"),
        Page("department", f"/customer/orders/{order}"), Page("guest", "/admin/login"),
        Page("guest", "/customer/login"),
        # errors
        Page("admin", "/admin/invoices/999999", 404),
        Page("admin", "/admin/invoices?document_type=receipt", 422),
        Page("viewer", f"{cv}/credit-notes/new", 403),
        Page("department", "/customer/invoices/999999", 404),
        Page("none", "/customer/invoices", 403),
        Page("guest", "/invoices/pay/not-a-real-token-at-all", 404),
    ]
    units = {product[2] for products in seed_module.PRODUCTS.values() for product in products}
    data = (literals_of(Path(seed_module.__file__)) - units) | set(TYPED) | set(NAMES)
    data |= {e.subject for inv in service.list_invoices({}, limit=500).items for e in mail.emails(inv.id)}
    data |= {email.actor, "[ test system ] Authorised", "[ test system ] Declined", statement_sent.subject}
    return clients, pages, data


@dataclass
class Site:
    read: Callable[[Page, str], PageText]
    pages: list[Page]
    data: set[str]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app, _info = make_shop(tmp_path_factory.mktemp("speak") / "shop")
    clients, pages, data = _prepare(app)
    cache: dict[tuple[str, str], PageText] = {}

    def read(page: Page, language: str) -> PageText:
        key = (repr(page), language)
        if key not in cache:
            client = clients[page.who]
            headers = {"Accept-Language": language}
            if page.post is None:
                resp = client.get(page.url, headers=headers)
            else:
                form = client.get(page.form_page, headers=headers).get_data(as_text=True)
                shown = form_values(form) if page.whole_form else {}
                resp = client.client.post(page.url, data={**shown, **page.post, "csrf_token": form_token(form)},
                                          headers=headers, follow_redirects=True)
            html = resp.get_data(as_text=True)
            assert resp.status_code == page.status, f"{page.url} ({language}): {resp.status_code}\n{html[:600]}"
            assert f'<html lang="{language}"' in html, f"{page.url} is not marked as {language}"
            cache[key] = visible_text(html, language, skip_ids=DOCUMENT_CONTENT)
        return cache[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backoffice_aging, "PAGE_SIZE", 2)    # the Aging Report's pages, with their pager
        yield Site(read, pages, data)
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].service.db.dispose()


def _label(page: Page) -> str:
    return f"{page.url} ({page.who}{', sent' if page.post is not None else ''})"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_shows_english_in_another_language(site, language):
    catalog = Catalog.load(language)
    found: list[str] = []
    for page in site.pages:
        english = site.read(page, "en").pieces
        english |= {part for piece in english for part in parts_of(piece)}
        for piece in sorted(site.read(page, language).pieces):
            if piece in site.data:
                continue
            msgid = catalog.english_in(without_data(piece, site.data))
            if msgid is not None:
                found.append(f"{_label(page)} → {piece!r} (untranslated {msgid!r})")
                continue
            for part in [piece, *parts_of(piece)]:
                if part in english and part not in site.data and (
                        looks_english(part, site.data) or catalog.english_words_only(strip_values(part, site.data))):
                    found.append(f"{_label(page)} → {part!r} (the same as on the English page)")
    assert not found, f"{len(found)} English text(s) on pages in {language}:\n" + "\n".join(found)


def test_the_check_sees_english_where_a_translation_exists(site):
    """The check itself: English messages, whole or inside a sentence, in text and attributes;
    the German words, the shop's data and names pass."""
    catalog = Catalog.load("de")
    html = ('<html lang="de"><body><h1>Payment Status</h1><p>Zahlungsstatus</p>'
            '<p>Note: <strong>Once posted, the invoice can no longer be modified.</strong> Sorry</p>'
            '<input type="submit" value="Send"><a href="#" title="Download">x</a>'
            '<p lang="en">Invoice Number</p><textarea>Invoice Number</textarea>'
            '<p>Cordless drill 18 V</p><p>Northwind Supply GmbH</p></body></html>')
    pieces = visible_text(html, "de").pieces
    assert {p for p in pieces if catalog.english_in(p)} == {
        "Payment Status", "Note: Once posted, the invoice can no longer be modified. Sorry",
        "Once posted, the invoice can no longer be modified.", "Send", "Download"}
    assert looks_english("PDF generated (15653 bytes)", site.data)
    assert looks_english("paid by bank_transfer", site.data)
    assert not looks_english("Northwind Supply GmbH", site.data)
    assert not looks_english("Cordless drill 18 V", site.data)
    assert not looks_english("Zahlung per Überweisung erhalten", site.data)
    # English labels outside the catalog's messages: words the German translations never use
    assert catalog.english_words_only("Customer Group")
    assert not catalog.english_words_only("Status") and not catalog.english_words_only("Alex Admin")
