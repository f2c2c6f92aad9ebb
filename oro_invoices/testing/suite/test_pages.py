"""The add-on's pages as mounted in the host, driven through the host's own HTTP stack.

What every host must get right around the pages: anonymous visitors are sent to the login
page; 403 and 404 follow the user's permissions, organization and invoice role (role
``none``: no entry and no access); forms without this session's CSRF token are refused;
an action's flash message is shown once after its redirect; a list query that cannot be
used is answered 422 saying why; the order tab; HEAD; the PDF download's headers; switching
invoices off removes every page; the Aging Report and the storefront's balance; a file uploaded as a
browser sends it (``multipart/form-data``). Needs the host's page client
(``host.page_client()`` or the ``oro_page_client`` fixture, see ``oro_invoices.testing.pages``).
"""
from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.identity import PERMISSIONS
from oro_invoices.domain.errors import NotFound
from oro_invoices.domain.invoice import Address
from oro_invoices.integration import profile
from oro_invoices.testing.pages import KIT_PDF, Browser, KitShop, header, kit_line, kit_today, location, next_of
from oro_invoices.testing.suite.base import HostSuite

VIEW_ONLY = ("oro_invoices.view",)
ADMIN_INDEX = "oro_invoices.admin.index"
ADMIN_VIEW = "oro_invoices.admin.view"
ADMIN_DOWNLOAD = "oro_invoices.admin.download"
ADD_NOTE = "oro_invoices.admin.add_note"
DELETE = "oro_invoices.admin.delete"
DELETE_CONFIRM = "oro_invoices.admin.delete_confirm"
ORDER_TAB = "oro_invoices.admin.order_invoices"
CREATE_FROM_ORDER = "oro_invoices.admin.create_from_order"
STORE_INDEX = "oro_invoices.storefront.index"
STORE_VIEW = "oro_invoices.storefront.view"
STORE_DOWNLOAD = "oro_invoices.storefront.download"
PAY = "oro_invoices.storefront.pay"
AGING = "oro_invoices.admin.aging"
AGING_CSV = "oro_invoices.admin.aging_csv"
AGING_PDF = "oro_invoices.admin.aging_pdf"
AGING_DETAIL = "oro_invoices.admin.aging_detail_csv"
STATEMENT = "oro_invoices.admin.statement"
STATEMENT_PDF = "oro_invoices.admin.statement_pdf"
STORE_STATEMENT = "oro_invoices.storefront.statement"
ACTIVITY = "oro_invoices.admin.statement_activity"
ACTIVITY_PDF = "oro_invoices.admin.statement_activity_pdf"
STORE_ACTIVITY = "oro_invoices.storefront.activity"
STORE_ACTIVITY_CSV = "oro_invoices.storefront.activity_csv"
SELECTION_DELETE_CONFIRM = "oro_invoices.admin.selection_delete_confirm"
SELECTION_DELETE = "oro_invoices.admin.selection_delete"
SELECTION_SEND_CONFIRM = "oro_invoices.admin.selection_send_confirm"
SELECTION_PDFS = "oro_invoices.admin.selection_pdfs"
SELECTION_PAYMENT_FORM = "oro_invoices.admin.selection_payment_form"
SELECTION_PAYMENT = "oro_invoices.admin.selection_payment"
RECORD_PAYMENT = "oro_invoices.admin.record_payment"
BANK_STATEMENT_FORM = "oro_invoices.admin.bank_statement_form"
BANK_STATEMENT = "oro_invoices.admin.bank_statement"
REVERSE_PAYMENT = "oro_invoices.admin.reverse_payment"


class PageSuite(HostSuite):
    """Installs the add-on, seeds ``KitShop`` and gives ``self.browser`` and ``self.shop``."""

    __requires__ = ("seeding",)

    client: Any
    browser: Browser
    shop: KitShop

    @pytest.fixture(autouse=True)
    def _oro_pages(self, _oro_setup: None, oro_page_client: Any) -> None:
        if oro_page_client is None:
            pytest.skip(f"host {getattr(self.host, 'name', self.host)!r} offers no page client "
                        "(host.page_client() or an oro_page_client fixture)")
        profile.install(self.host)
        self.client = oro_page_client
        self.browser = Browser(oro_page_client)
        self.shop = KitShop.build(self.seeder, oro_page_client.addon, oro_page_client.addon.settings)

    def url(self, endpoint: str, **params: Any) -> str:
        return str(self.host.urls.url_for(endpoint, **params))

    def today(self) -> dt.date:
        """Today as the add-on judges it for the shop's organization (``kit_today``)."""
        return kit_today(self.client.addon)

    def view_url(self, invoice: Any) -> str:
        return self.url(ADMIN_VIEW, invoice_id=invoice.id)

    def store_url(self, invoice: Any) -> str:
        return self.url(STORE_VIEW, invoice_id=invoice.id)

    def as_customer(self, who: str) -> None:
        self.client.login_customer_user(self.shop.users[who].id)


class TestPageLogin(PageSuite):
    """Anonymous visitors of a page that needs a login are sent to the host's login page."""

    @pytest.mark.parametrize("endpoint", [ADMIN_INDEX, STORE_INDEX])
    def test_anonymous_visitor_is_redirected_with_next(self, endpoint: str) -> None:
        target = self.url(endpoint)
        resp = self.browser.get(target)
        assert resp.status in (302, 303), f"{target} answered {resp.status}, not a login redirect"
        assert (next_of(resp) or "").endswith(target), location(resp)
        assert not location(resp).split("?")[0].endswith(target)

    def test_redirect_keeps_the_query(self) -> None:
        target = self.url(ADMIN_INDEX, status="posted")
        resp = self.browser.get(target)
        assert (next_of(resp) or "").endswith(target), location(resp)

    def test_customer_user_is_no_admin(self) -> None:
        self.as_customer("own")
        resp = self.browser.get(self.url(ADMIN_INDEX))
        assert resp.status in (302, 303) and next_of(resp) is not None

    def test_guest_payment_page_needs_no_login(self) -> None:
        resp = self.browser.get(self.url(PAY, token=self.shop.posted.payment_token))
        assert resp.status == 200
        assert self.shop.posted.display_number in resp.text()


class TestPageAccess(PageSuite):
    """403 for a missing permission or invoice role; 404 for what the user may not know of."""

    def test_admin_without_view_permission_gets_403(self) -> None:
        self.client.login_admin([p for p in PERMISSIONS if p != "oro_invoices.view"])
        assert self.browser.get(self.url(ADMIN_INDEX)).status == 403
        assert self.browser.get(self.view_url(self.shop.posted)).status == 403

    def test_admin_with_view_sees_the_grid_and_the_invoice(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        grid = self.browser.get(self.url(ADMIN_INDEX))
        assert grid.status == 200 and self.shop.posted.display_number in grid.text()
        view = self.browser.get(self.view_url(self.shop.posted))
        assert view.status == 200 and self.shop.posted.display_number in view.text()

    def test_delete_needs_its_permission(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        draft = self.shop.draft
        assert self.browser.get(self.url(DELETE_CONFIRM, invoice_id=draft.id)).status == 403
        # a view-only admin's view page has no form to take the token from: the grid's columns form has it
        resp = self.browser.submit(self.url(ADMIN_INDEX), self.url(DELETE, invoice_id=draft.id), {})
        assert resp.status == 403
        assert self.client.addon.invoices.get(draft.id).id == draft.id

    def test_admin_of_another_organization_gets_404(self) -> None:
        self.client.login_admin(PERMISSIONS, organization_id=2)
        assert self.browser.get(self.view_url(self.shop.posted)).status == 404
        assert self.browser.get(self.url(ORDER_TAB, order_id=self.shop.order.id)).status == 404
        grid = self.browser.get(self.url(ADMIN_INDEX))
        assert grid.status == 200 and self.shop.posted.display_number not in grid.text()

    @pytest.mark.oro_requires("storefront")
    def test_role_none_has_no_access(self) -> None:
        self.as_customer("nobody")
        assert self.browser.get(self.url(STORE_INDEX)).status == 403
        assert self.browser.get(self.store_url(self.shop.posted)).status in (403, 404)
        assert self.browser.get(self.url(STORE_DOWNLOAD, invoice_id=self.shop.posted.id)).status \
            in (403, 404)

    @pytest.mark.oro_requires("storefront")
    def test_role_none_has_no_account_entry(self) -> None:
        scope = ScopeContext(organization_id=1)
        self.seeder.login_customer_user(self.shop.users["nobody"].id)
        keys = {e.key for e in self.host.storefront.visible_account_entries(scope)}
        assert "oro_invoices.account_invoices" not in keys
        self.seeder.login_customer_user(self.shop.users["own"].id)
        keys = {e.key for e in self.host.storefront.visible_account_entries(scope)}
        assert "oro_invoices.account_invoices" in keys

    @pytest.mark.oro_requires("storefront")
    def test_own_role_sees_only_their_posted_invoices(self) -> None:
        self.as_customer("own")
        listing = self.browser.get(self.url(STORE_INDEX))
        assert listing.status == 200 and self.shop.posted.display_number in listing.text()
        assert self.shop.colleague_invoice.display_number not in listing.text()
        assert self.browser.get(self.store_url(self.shop.posted)).status == 200
        for hidden in (self.shop.colleague_invoice, self.shop.draft, self.shop.foreign):
            assert self.browser.get(self.store_url(hidden)).status == 404, hidden.display_number

    @pytest.mark.oro_requires("storefront")
    def test_department_role_sees_the_customers_invoices(self) -> None:
        self.as_customer("department")
        assert self.browser.get(self.store_url(self.shop.colleague_invoice)).status == 200
        assert self.browser.get(self.store_url(self.shop.foreign)).status == 404


class TestPageAging(PageSuite):
    """The Aging Report and the storefront's balance: what the host's customers owe, each user
    seeing what their organization or role lets them see."""

    def test_the_report_shows_what_each_customer_owes(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        page = self.browser.get(self.url(AGING))
        acme = self.shop.posted.amount_due + self.shop.colleague_invoice.amount_due
        assert page.status == 200 and acme > 0
        text = html.unescape(page.text())
        assert "ACME Corp" in text and "Globex Inc" in text and f"{acme:,.2f}" in text
        export = self.browser.get(self.url(AGING_CSV))
        assert export.status == 200 and (header(export, "Content-Type") or "").startswith("text/csv")
        rows = export.text().splitlines()
        assert rows[0].startswith("customer_id,customer_name,currency,invoices,")
        assert any(row.startswith(f"{self.shop.posted.customer_id},ACME Corp,USD,2,") and row.endswith(f",{acme}")
                   for row in rows), rows

    def test_a_past_day_and_the_reports_downloads(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        yesterday = (self.today() - dt.timedelta(days=1)).isoformat()
        before = self.browser.get(self.url(AGING) + "?" + urlencode({"as_of": yesterday}))
        assert before.status == 200 and "ACME Corp" not in html.unescape(before.text())   # dated today: not owed then
        detail = self.browser.get(self.url(AGING_DETAIL))
        assert detail.status == 200 and (header(detail, "Content-Type") or "").startswith("text/csv")
        rows = detail.text().splitlines()
        assert rows[0].startswith("customer_id,customer_name,currency,invoice_number,")
        assert any(f",{self.shop.posted.invoice_number}," in row for row in rows), rows
        pdf = self.browser.get(self.url(AGING_PDF))
        if self.client.addon.renderer is None:
            assert pdf.status == 404 and "no PDF renderer" in html.unescape(pdf.text())
        else:
            assert pdf.status == 200 and isinstance(pdf.body, bytes) and pdf.body.startswith(b"%PDF-")
            assert "aging-" in (header(pdf, "Content-Disposition") or "")

    def test_another_organizations_admin_sees_none_of_it(self) -> None:
        self.client.login_admin(PERMISSIONS, organization_id=2)
        page = self.browser.get(self.url(AGING))
        assert page.status == 200 and "ACME Corp" not in page.text()
        self.client.login_admin([p for p in PERMISSIONS if p != "oro_invoices.view"])
        assert self.browser.get(self.url(AGING)).status == 403

    @pytest.mark.oro_requires("storefront")
    def test_the_storefront_states_what_the_users_invoices_still_owe(self) -> None:
        self.as_customer("own")
        own = html.unescape(self.browser.get(self.url(STORE_INDEX)).text())
        self.as_customer("department")
        department = html.unescape(self.browser.get(self.url(STORE_INDEX)).text())
        mine, ours = self.shop.posted.amount_due, self.shop.posted.amount_due + self.shop.colleague_invoice.amount_due
        assert 'id="oi-balance"' in own and f"{mine:,.2f}" in own.split('id="oi-balance"')[1].split("</section>")[0]
        assert f"{ours:,.2f}" in department.split('id="oi-balance"')[1].split("</section>")[0]


class TestPageStatement(PageSuite):
    """A customer's statement of account: their open invoices with what each still owes, as a
    page and a PDF in the back-office and as a PDF under the storefront's balance; and their
    account activity of a period (opening balance, entries, closing balance) in both."""

    def test_the_statement_lists_the_customers_open_invoices(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        customer_id = self.shop.posted.customer_id
        aging = html.unescape(self.browser.get(self.url(AGING)).text())
        assert f'class="oi-statement-link" href="{self.url(STATEMENT, customer=customer_id)}"' in aging
        page = self.browser.get(self.url(STATEMENT, customer=customer_id))
        text = html.unescape(page.text())
        acme = self.shop.posted.amount_due + self.shop.colleague_invoice.amount_due
        assert page.status == 200 and "ACME Corp" in text and f"{acme:,.2f}" in text
        for invoice in (self.shop.posted, self.shop.colleague_invoice):
            assert invoice.display_number in text
        self.assert_statement_pdf(self.browser.get(self.url(STATEMENT_PDF, customer=customer_id)),
                                  f"statement-{customer_id}-")

    def assert_statement_pdf(self, pdf: Any, file_name: str) -> None:
        """A statement PDF, where the add-on renders PDFs; else a 404 saying none can be made."""
        if self.client.addon.renderer is None:
            assert pdf.status == 404 and "no PDF renderer" in html.unescape(pdf.text())
            return
        assert pdf.status == 200 and (header(pdf, "Content-Type") or "").startswith("application/pdf")
        assert bytes(pdf.body).startswith(b"%PDF-")
        assert file_name in (header(pdf, "Content-Disposition") or "")

    def test_only_an_admin_of_the_customers_organization_sees_it(self) -> None:
        url = self.url(STATEMENT, customer=self.shop.posted.customer_id)
        self.client.login_admin(PERMISSIONS, organization_id=2)
        refused = self.browser.get(url)
        assert refused.status == 404 and self.shop.posted.display_number not in refused.text()
        self.client.login_admin([p for p in PERMISSIONS if p != "oro_invoices.view"])
        assert self.browser.get(url).status == 403

    @pytest.mark.oro_requires("storefront")
    def test_the_storefront_offers_the_statement_of_what_the_user_sees(self) -> None:
        self.as_customer("department")
        listing = html.unescape(self.browser.get(self.url(STORE_INDEX)).text())
        assert 'id="oi-statement"' in listing and self.url(STORE_STATEMENT) in listing
        self.assert_statement_pdf(self.browser.get(self.url(STORE_STATEMENT)),
                                  f"statement-{self.shop.posted.customer_id}-")

    def test_the_account_activity_runs_to_what_the_customer_owes(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        customer_id = self.shop.posted.customer_id
        statement = html.unescape(self.browser.get(self.url(STATEMENT, customer=customer_id)).text())
        assert f'id="oi-statement-activity" href="{self.url(ACTIVITY)}?customer={customer_id}"' in statement
        page = self.browser.get(self.url(ACTIVITY) + "?" + urlencode({"customer": customer_id, "from": "2000-01-01",
                                                                      "to": "2002-12-31"}))
        assert page.status == 200 and 'id="oi-activity-empty"' in page.text()   # nothing then: said so
        today = self.today()
        query = urlencode({"customer": customer_id, "from": (today - dt.timedelta(days=700)).isoformat(),
                           "to": today.isoformat()})
        text = html.unescape(self.browser.get(self.url(ACTIVITY) + "?" + query).text())
        acme = self.shop.posted.amount_due + self.shop.colleague_invoice.amount_due
        for invoice in (self.shop.posted, self.shop.colleague_invoice):
            assert f'data-oi-line="invoice" data-invoice-id="{invoice.id}"' in text
        assert f"{acme:,.2f}</td></tr></tfoot>" in text                   # the closing balance
        self.assert_statement_pdf(self.browser.get(self.url(ACTIVITY_PDF) + "?" + query), f"activity-{customer_id}-")
        bad = self.browser.get(self.url(ACTIVITY) + "?" + urlencode({"customer": customer_id, "from": "2026-12-01",
                                                                     "to": "2026-11-01"}))
        assert bad.status == 422 and "The period ends before it starts." in html.unescape(bad.text())
        self.client.login_admin(PERMISSIONS, organization_id=2)
        assert self.browser.get(self.url(ACTIVITY) + "?" + query).status == 404

    @pytest.mark.oro_requires("storefront")
    def test_the_storefront_offers_the_activity_of_what_the_user_sees(self) -> None:
        self.as_customer("department")
        listing = html.unescape(self.browser.get(self.url(STORE_INDEX)).text())
        assert f'id="oi-account-activity" href="{self.url(STORE_ACTIVITY)}"' in listing
        today = self.today()
        page = self.browser.get(self.url(STORE_ACTIVITY) + "?" + urlencode(
            {"from": (today - dt.timedelta(days=700)).isoformat(), "to": today.isoformat()}))
        text = html.unescape(page.text())
        assert page.status == 200 and f'data-oi-line="invoice" data-invoice-id="{self.shop.posted.id}"' in text
        assert self.shop.foreign.display_number not in text                 # Globex's is not theirs
        query = urlencode({"from": (today - dt.timedelta(days=700)).isoformat(), "to": today.isoformat()})
        assert f'id="oi-activity-csv" href="{self.url(STORE_ACTIVITY_CSV)}?{query}"' in text
        export = self.browser.get(self.url(STORE_ACTIVITY_CSV) + "?" + query)
        assert export.status == 200 and header(export, "Content-Type") == "text/csv; charset=utf-8"
        rows = export.text().splitlines()
        assert rows[0] == "currency,date,kind,entry,number,reference,charges,credits,balance"
        assert any(f",invoice,Invoice {self.shop.posted.display_number}," in row for row in rows), rows
        assert self.shop.foreign.display_number not in export.text()
        bad = self.browser.get(self.url(STORE_ACTIVITY_CSV) + "?from=2026-12-01&to=2026-11-01")
        assert bad.status == 422 and "The period ends before it starts." in html.unescape(bad.text())


class TestPageSelection(PageSuite):
    """The grid's actions on ticked invoices: a page saying what happens to each, then the
    action (Delete: drafts only; Record Payment: one payment shared among them), and the ZIP of
    their stored PDFs; each needs its permission, and another organization's invoices are "not
    found"."""

    def selected(self, endpoint: str, *invoices: Any) -> str:
        return self.url(endpoint) + "?" + urlencode([("invoice", i.id) for i in invoices])

    @staticmethod
    def archive_of(resp: Any) -> zipfile.ZipFile:
        body = resp.body if isinstance(resp.body, bytes) else b"".join(resp.body)
        return zipfile.ZipFile(io.BytesIO(body))

    def test_the_grid_has_a_checkbox_per_invoice(self) -> None:
        self.client.login_admin(PERMISSIONS)
        grid = self.browser.get(self.url(ADMIN_INDEX)).text()
        for invoice in (self.shop.posted, self.shop.draft):
            assert f'name="invoice" value="{invoice.id}" form="oi-selection-form"' in grid
        assert f'action="{self.url(SELECTION_PDFS)}"' in grid

    def test_ticked_drafts_are_deleted_after_confirmation(self) -> None:
        self.client.login_admin(PERMISSIONS)
        page_url = self.selected(SELECTION_DELETE_CONFIRM, self.shop.draft, self.shop.posted)
        page = self.browser.get(page_url)
        text = html.unescape(page.text())
        assert page.status == 200 and "It is posted: only drafts are deleted." in text
        resp = self.browser.submit(page_url, self.url(SELECTION_DELETE), {"invoice": str(self.shop.draft.id)})
        assert resp.status == 303 and location(resp).endswith(self.url(ADMIN_INDEX))
        assert self.client.addon.invoices.get(self.shop.posted.id).is_posted
        with pytest.raises(NotFound):
            self.client.addon.invoices.get(self.shop.draft.id)
        assert "1 draft was deleted." in html.unescape(self.browser.get(location(resp)).text())

    def test_the_pdfs_of_ticked_invoices_come_as_one_archive(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        resp = self.browser.get(self.selected(SELECTION_PDFS, self.shop.posted, self.shop.foreign))
        assert resp.status == 200 and (header(resp, "Content-Type") or "").startswith("application/zip")
        archive = self.archive_of(resp)
        assert sorted(archive.namelist()) == sorted(f"invoice-{invoice.display_number}.pdf"
                                                    for invoice in (self.shop.posted, self.shop.foreign))
        assert archive.read(f"invoice-{self.shop.posted.display_number}.pdf") == KIT_PDF

    def test_one_payment_is_recorded_for_the_ticked_invoices_once(self) -> None:
        self.client.login_admin(PERMISSIONS)
        invoices, posted = self.client.addon.invoices, self.shop.posted
        page_url = self.selected(SELECTION_PAYMENT_FORM, self.shop.draft, posted)
        page = self.browser.get(page_url)
        text = html.unescape(page.text())
        assert page.status == 200 and "Not recorded: It is a draft: post it first." in text
        assert f'name="amount-{posted.id}"' in page.text() and f'name="amount-{self.shop.draft.id}"' not in page.text()
        form = {"invoice": str(posted.id), f"amount-{posted.id}": "5.00", "method": "bank_transfer",
                "received_on": self.today().isoformat(), "reference": "STMT 9",
                "request_key": "kit-remittance-0001"}
        for _ in range(2):   # the same form twice: one payment
            resp = self.browser.submit(page_url, self.url(SELECTION_PAYMENT), form)
            assert resp.status == 200 and 'data-oi-mode="result"' in resp.text()
        [payment] = invoices.transactions(posted.id)
        assert (payment.amount, payment.method, payment.reference) == (Decimal("5.00"), "bank_transfer", "STMT 9")
        assert payment.remittance is not None and payment.remittance.total == Decimal("5.00")
        assert invoices.get(posted.id).amount_due == posted.amount_due - Decimal("5.00")

    def test_each_action_needs_its_permission_and_the_admins_organization(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        for endpoint in (SELECTION_DELETE_CONFIRM, SELECTION_SEND_CONFIRM, SELECTION_PAYMENT_FORM):
            assert self.browser.get(self.selected(endpoint, self.shop.draft)).status == 403
        self.client.login_admin(PERMISSIONS, organization_id=2)
        page = self.browser.get(self.selected(SELECTION_DELETE_CONFIRM, self.shop.draft))
        assert page.status == 200 and f"Invoice {self.shop.draft.id} does not exist." in html.unescape(page.text())
        archive = self.browser.get(self.selected(SELECTION_PDFS, self.shop.posted))
        assert archive.status == 200 and self.archive_of(archive).namelist() == []


class TestPageRecordPayment(PageSuite):
    """Record Payment on the view page: a payment received outside the payment methods (a bank
    transfer), recorded once however often its form is sent, and Reverse when recorded in error;
    both need ``oro_invoices.manage_payments``."""

    def record_url(self) -> str:
        return self.url(RECORD_PAYMENT, invoice_id=self.shop.posted.id)

    def form(self, key: str) -> dict[str, str]:
        return {"amount": "5.00", "method": "bank_transfer", "received_on": self.today().isoformat(),
                "reference": "STMT 1", "notes": "", "request_key": key}

    def test_a_bank_transfer_is_recorded_once_and_reversed(self) -> None:
        self.client.login_admin(PERMISSIONS)
        invoices, posted = self.client.addon.invoices, self.shop.posted
        dialog = self.browser.get(self.view_url(posted) + "?dialog=record-payment")
        assert dialog.status == 200 and 'id="oi-record-payment-dialog"' in dialog.text()
        for _ in range(2):   # the same form twice: one payment
            resp = self.browser.submit(self.view_url(posted), self.record_url(), self.form("kit-record-payment-0001"))
            assert resp.status == 303 and location(resp).endswith("#payments")
        [payment] = invoices.transactions(posted.id)
        assert (payment.amount, payment.method, payment.reference) == (Decimal("5.00"), "bank_transfer", "STMT 1")
        assert invoices.get(posted.id).amount_due == posted.amount_due - Decimal("5.00")
        reverse = self.url(REVERSE_PAYMENT, invoice_id=posted.id, transaction_id=payment.id)
        resp = self.browser.submit(self.view_url(posted), reverse, {"reason": "Recorded on the wrong invoice"})
        assert resp.status == 303
        assert invoices.get(posted.id).amount_due == posted.amount_due

    def test_it_needs_the_manage_payments_permission(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        resp = self.browser.submit(self.url(ADMIN_INDEX), self.record_url(),    # no form on the view page
                                   self.form("kit-record-payment-0002"))
        assert resp.status == 403 and list(self.client.addon.invoices.transactions(self.shop.posted.id)) == []


class TestPageUploads(PageSuite):
    """A file uploaded through the host's stack as a browser sends it (``multipart/form-data``,
    beside the form's other fields): Match Bank Statement reads the file, says when none came,
    and refuses an upload without the form's token."""

    def statement(self) -> bytes:
        posted = self.shop.posted
        return (f"date,amount,currency,reference,payer\n{posted.invoice_date},{posted.amount_due},{posted.currency},"
                f"Invoice {posted.invoice_number} thank you,ACME Corp\n").encode()

    def test_an_uploaded_bank_statement_is_read_and_matched(self) -> None:
        self.client.login_admin(PERMISSIONS)
        resp = self.browser.upload(self.url(BANK_STATEMENT_FORM), self.url(BANK_STATEMENT),
                                   {"statement": ("statement.csv", self.statement())})
        text = html.unescape(resp.text())
        assert resp.status == 200 and "statement.csv: 1 payment received." in text
        assert 'data-oi-outcome="matched"' in text and self.shop.posted.display_number in text
        assert self.client.addon.invoices.transactions(self.shop.posted.id) == []    # uploading writes nothing

    def test_a_form_without_its_file_is_said(self) -> None:
        self.client.login_admin(PERMISSIONS)
        resp = self.browser.submit(self.url(BANK_STATEMENT_FORM), self.url(BANK_STATEMENT), {})
        assert resp.status == 422 and "Choose the statement file" in html.unescape(resp.text())

    def test_an_upload_without_the_forms_token_is_refused(self) -> None:
        self.client.login_admin(PERMISSIONS)
        self.browser.token(self.url(BANK_STATEMENT_FORM))   # this session has a token now
        resp = self.client.request("POST", self.url(BANK_STATEMENT), data={"csrf_token": "x" * 43},
                                   files={"statement": ("statement.csv", self.statement())})
        assert resp.status == 400 and "payment received" not in resp.text()


class TestPageForms(PageSuite):
    """CSRF refusals, and the flash message of an action shown once after its redirect."""

    def note_url(self) -> str:
        return self.url(ADD_NOTE, invoice_id=self.shop.posted.id)

    def notes(self) -> list[Any]:
        return list(self.client.addon.invoices.notes(self.shop.posted.id))

    def test_post_without_token_is_refused(self) -> None:
        self.client.login_admin(PERMISSIONS)
        resp = self.browser.post(self.note_url(), {"body": "no token"})
        assert resp.status == 400 and self.notes() == []

    def test_post_with_a_foreign_token_is_refused(self) -> None:
        self.client.login_admin(PERMISSIONS)
        self.browser.token(self.view_url(self.shop.posted))  # this session has a token now
        resp = self.browser.post(self.note_url(), {"body": "forged", "csrf_token": "x" * 43})
        assert resp.status == 400 and self.notes() == []

    def test_action_redirects_and_its_flash_is_shown_once(self) -> None:
        self.client.login_admin(PERMISSIONS)
        resp = self.browser.submit(self.view_url(self.shop.posted), self.note_url(),
                                   {"body": "Called the buyer"})
        assert resp.status in (302, 303)
        first = self.browser.get(location(resp))
        assert first.status == 200 and "Note added." in first.text()
        assert "Called the buyer" in first.text()
        again = self.browser.get(location(resp))
        assert "Note added." not in again.text()


class TestPageOrderTab(PageSuite):
    """The order view's Invoices tab lists the order's invoices."""

    def test_tab_lists_the_orders_invoices(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        resp = self.browser.get(self.url(ORDER_TAB, order_id=self.shop.order.id))
        assert resp.status == 200 and self.shop.posted.display_number in resp.text()
        assert self.shop.colleague_invoice.display_number not in resp.text()

    def test_tab_is_registered_for_admins_with_view(self) -> None:
        self.seeder.login_admin(VIEW_ONLY)
        tabs = self.host.order_view.visible_tabs(ScopeContext(organization_id=1))
        tab = next((t for t in tabs if t.key == "oro_invoices.order_invoices"), None)
        assert tab is not None and tab.endpoint == ORDER_TAB

    def test_tab_needs_the_view_permission(self) -> None:
        self.client.login_admin([])
        assert self.browser.get(self.url(ORDER_TAB, order_id=self.shop.order.id)).status == 403

    def test_an_orders_po_number_is_its_invoices(self) -> None:
        """An order seeded with the buyer's PO number (``OrderSnapshot.purchase_order``, BT-13): the
        tab's Create Invoice form offers it, and the invoice made from the order states it as its
        PO Number on its view page and in its UBL e-invoice."""
        own = self.shop.users["own"]
        order = self.seeder.add_order(identifier="SO-KIT-PO", currency="USD", organization_id=1,
                                      customer_id=own.customer_id, customer_user_id=own.id,
                                      lines=[kit_line()], purchase_order="PO-88231",
                                      bill_to=Address(name="Kit Buyer", street="1 Kit Street", city="Springfield",
                                                      postal_code="12345", country="US"))
        assert self.host.orders.get(order.id).purchase_order == "PO-88231"
        self.client.login_admin(PERMISSIONS)
        tab_url = self.url(ORDER_TAB, order_id=order.id)
        tab = self.browser.get(tab_url)
        assert tab.status == 200
        assert re.search(r'id="oi-order-purchase-order" name="purchase_order" value="PO-88231"', tab.text())
        today = self.today()
        resp = self.browser.submit(tab_url, self.url(CREATE_FROM_ORDER, order_id=order.id), {
            "invoice_date": today.isoformat(), "due_date": (today + dt.timedelta(days=30)).isoformat(),
            "purchase_order": "PO-88231"})
        assert resp.status in (302, 303), resp.text()
        view = self.browser.get(location(resp))
        assert view.status == 200
        assert re.search(r"<dt>\s*PO Number\s*</dt>\s*<dd[^>]*>\s*PO-88231\s*</dd>", view.text()), \
            "the invoice's view page shows no PO Number PO-88231"
        drafts = self.client.addon.invoices.list_invoices({"order_id": order.id, "organization_id": 1}).items
        assert len(drafts) == 1
        pytest.importorskip("lxml", reason="the UBL e-invoice needs the einvoice extra")
        from oro_invoices.documents.einvoice import ubl
        posted = self.client.addon.invoices.post(drafts[0].id, actor="kit", pdf=KIT_PDF)
        assert ubl.element_texts(ubl.build_xml(posted), "/*/cac:OrderReference/cbc:ID") == ["PO-88231"]


#: What a list says at its pager about a paging link it did not make.
DAMAGED_CURSOR = "This page link is damaged or out of date; here is the first page."
#: List queries no list can use, and what the answer says about each.
BAD_LIST_QUERIES = [
    pytest.param({"number": "INV\x00"}, "Must not contain NUL", id="nul-in-number"),
    pytest.param({"sort": "bogus"}, "Cannot sort by 'bogus'", id="unknown-sort"),
    pytest.param({"sort": "--invoice_date"}, "Cannot sort by '--invoice_date'", id="malformed-sort"),
    pytest.param({"page": "abc"}, "'abc' is not a page number", id="page-not-a-number"),
    pytest.param({"page": "0"}, "'0' is not a page number", id="page-zero"),
    pytest.param({"date_from": "2026-02-31"}, "'2026-02-31' is not a date", id="impossible-date"),
    pytest.param({"after": "not-a-cursor"}, DAMAGED_CURSOR, id="damaged-cursor"),
    pytest.param({"before": "WyJjdXN0b21lcl9uYW1lIiwiQWNtZSIsNV0"},  # made for another sort
                 DAMAGED_CURSOR, id="cursor-of-another-sort"),
]


class TestPageListQuery(PageSuite):
    """A list query that cannot be used is answered 422 with what is wrong with it, on every
    database (a NUL reaching PostgreSQL fails the statement): never a 5xx, never a silent
    default."""

    def check(self, resp: Any, message: str) -> None:
        assert resp.status == 422, f"answered {resp.status}, not 422 naming the problem"
        assert message in html.unescape(resp.text()), f"{message!r} is not on the page"

    @pytest.mark.parametrize(("query", "message"), BAD_LIST_QUERIES)
    def test_backoffice_grid(self, query: dict[str, str], message: str) -> None:
        self.client.login_admin(VIEW_ONLY)
        self.check(self.browser.get(self.url(ADMIN_INDEX) + "?" + urlencode(query)), message)

    @pytest.mark.oro_requires("storefront")
    @pytest.mark.parametrize(("query", "message"), BAD_LIST_QUERIES)
    def test_storefront_list(self, query: dict[str, str], message: str) -> None:
        self.as_customer("own")
        self.check(self.browser.get(self.url(STORE_INDEX) + "?" + urlencode(query)), message)

    def test_a_damaged_cursor_shows_the_grids_first_page(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        resp = self.browser.get(self.url(ADMIN_INDEX) + "?after=not-a-cursor&page=7")
        self.check(resp, DAMAGED_CURSOR)
        assert self.shop.posted.display_number in resp.text()

    @pytest.mark.oro_requires("storefront")
    def test_a_damaged_cursor_shows_the_storefront_lists_first_page(self) -> None:
        self.as_customer("own")
        resp = self.browser.get(self.url(STORE_INDEX) + "?before=not-a-cursor&page=3")
        self.check(resp, DAMAGED_CURSOR)
        assert self.shop.posted.display_number in resp.text()


class TestPageHead(PageSuite):
    """HEAD answers with a GET's status and headers and no body."""

    def test_head_of_a_page(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        resp = self.browser.head(self.url(ADMIN_INDEX))
        assert resp.status == 200 and resp.body == b""
        assert (header(resp, "content-type") or "").startswith("text/html")

    def test_head_of_a_download(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        resp = self.browser.head(self.url(ADMIN_DOWNLOAD, invoice_id=self.shop.posted.id))
        assert resp.status == 200 and resp.body == b""
        assert header(resp, "content-type") == "application/pdf"
        assert header(resp, "content-length") == str(len(KIT_PDF))


class TestPageDownloads(PageSuite):
    """The stored PDF as an attachment, cached privately and revalidated by its ETag."""

    def check_pdf(self, resp: Any) -> None:
        assert resp.status == 200 and resp.body == KIT_PDF
        assert header(resp, "content-type") == "application/pdf"
        disposition = header(resp, "content-disposition") or ""
        assert disposition.startswith("attachment;") and ".pdf" in disposition
        assert header(resp, "cache-control") == "private, no-cache"
        assert header(resp, "content-length") == str(len(KIT_PDF))

    def test_backoffice_download(self) -> None:
        self.client.login_admin(VIEW_ONLY)
        url = self.url(ADMIN_DOWNLOAD, invoice_id=self.shop.posted.id)
        resp = self.browser.get(url)
        self.check_pdf(resp)
        etag = header(resp, "etag")
        assert etag
        again = self.client.request("GET", url, headers={"If-None-Match": etag})
        assert again.status == 304 and again.body == b""

    @pytest.mark.oro_requires("storefront")
    def test_storefront_download_follows_its_toggle(self) -> None:
        self.as_customer("own")
        url = self.url(STORE_DOWNLOAD, invoice_id=self.shop.posted.id)
        self.check_pdf(self.browser.get(url))
        self.shop.settings.set("oro_invoices.storefront_pdf_download", False)
        assert self.browser.get(url).status == 404


class TestPageToggle(PageSuite):
    """Switching invoices off removes every page, entry and tab at once."""

    def pages(self) -> list[str]:
        shop = self.shop
        return [self.url(ADMIN_INDEX), self.view_url(shop.posted),
                self.url(ADMIN_DOWNLOAD, invoice_id=shop.posted.id),
                self.url(ORDER_TAB, order_id=shop.order.id)]

    def test_invoices_off_removes_the_backoffice(self) -> None:
        self.client.login_admin(PERMISSIONS)
        assert all(self.browser.get(url).status == 200 for url in self.pages())
        self.shop.settings.set("oro_invoices.enabled", False)
        for url in self.pages():
            assert self.browser.get(url).status == 404, url
        self.seeder.login_admin(PERMISSIONS)
        scope = ScopeContext(organization_id=1)
        assert "oro_invoices.invoices" not in {e.key for e in self.host.menu.visible(scope)}
        assert "oro_invoices.order_invoices" not in {
            t.key for t in self.host.order_view.visible_tabs(scope)}

    @pytest.mark.oro_requires("storefront")
    def test_invoices_off_removes_the_storefront(self) -> None:
        self.as_customer("own")
        pay = self.url(PAY, token=self.shop.posted.payment_token)
        assert self.browser.get(self.url(STORE_INDEX)).status == 200
        self.shop.settings.set("oro_invoices.enabled", False)
        for url in (self.url(STORE_INDEX), self.store_url(self.shop.posted), pay):
            assert self.browser.get(url).status == 404, url
        self.seeder.login_customer_user(self.shop.users["own"].id)
        assert "oro_invoices.account_invoices" not in {
            e.key for e in self.host.storefront.visible_account_entries(ScopeContext(organization_id=1))}

    @pytest.mark.oro_requires("storefront")
    def test_storefront_off_keeps_the_backoffice(self) -> None:
        self.shop.settings.set("oro_invoices.storefront_enabled", False)
        self.as_customer("own")
        assert self.browser.get(self.url(STORE_INDEX)).status == 404
        assert self.browser.get(self.url(PAY, token=self.shop.posted.payment_token)).status == 404
        self.client.login_admin(VIEW_ONLY)
        assert self.browser.get(self.url(ADMIN_INDEX)).status == 200
