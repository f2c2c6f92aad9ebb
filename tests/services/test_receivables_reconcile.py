"""The receivables figures reconcile as an accountant checks them, in a 3-decimal currency (BHD)
and a 0-decimal one (JPY): for a customer with partial payments, a credit note kept as credit, a
credit note within what was unpaid, a refund, credit applied and credit paid out, the Aging
Report's net, the statement's CSV (its ``due`` column, credit rows included), its PDF's amount to
pay and the account activity's closing balance are one figure, today and at a past month end."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from support.payloads import invoice_payload
from support.pdfs import pdf_text

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.statement import statement_csv_text

#: Per currency: three invoice prices (10% tax), the steps' amounts and how the PDF writes money.
CASES = {
    "BHD": {"prices": ("10.125", "3.333", "7.777"), "kept": "1.111", "within": "0.999", "refund": "1.000",
            "apply": "0.500", "pay_out": "0.100", "unit": Decimal("0.001"), "money": "BHD{:,}"},
    "JPY": {"prices": ("10001", "3333", "7777"), "kept": "1111", "within": "999", "refund": "1000",
            "apply": "500", "pay_out": "100", "unit": Decimal(1), "money": "¥{:,}"},
}


@pytest.fixture
def history(db, tmp_path):
    """A customer's year so far in one currency, step by step on its own day."""
    now = [dt.datetime(2027, 1, 5, 12, tzinfo=dt.UTC)]
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: now[0],
                             storage=LocalStorage(tmp_path / "pdfs"), renderer=PdfRenderer())

    def on(day: str) -> None:
        now[0] = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=dt.UTC)

    def run(currency: str) -> InvoiceService:
        case = CASES[currency]
        made = []
        for price, due in zip(case["prices"], ("2027-01-20", "2027-03-01", "2027-04-30"), strict=True):
            payload = invoice_payload(invoice_date="2027-01-05", due_date=due, currency=currency, order_id=None,
                                      order_identifier="", lines=[{"description": "x", "quantity": "1",
                                                                    "unit_price": price, "tax_rate": "0.1"}])
            made.append(service.post(service.create(payload).id))
        late, paid, open_ = made
        on("2027-02-10")
        service.record_payment(late.id, {"method": "bank", "action": "charge",
                                         "amount": str((late.total_amount / 3).quantize(case["unit"]))})
        service.record_payment(paid.id, {"method": "bank", "action": "charge", "amount": str(paid.total_amount)})
        on("2027-02-20")
        service.create_credit_note(paid.id, {"amounts": [{"tax_rate": "0.1", "amount": case["kept"]}],
                                             "settlement": "credit"})
        service.create_credit_note(open_.id, {"amounts": [{"tax_rate": "0.1", "amount": case["within"]}]})
        on("2027-03-05")
        service.record_payment(late.id, {"method": "bank", "action": "refund", "amount": case["refund"]})
        on("2027-03-10")
        service.apply_credit(open_.id, amount=case["apply"], actor="test")
        on("2027-03-15")
        service.pay_out_credit(10, organization_id=1, currency=currency, amount=case["pay_out"], actor="test")
        on("2027-03-31")
        return service
    return run


@pytest.mark.parametrize("currency", sorted(CASES))
@pytest.mark.parametrize("day", [dt.date(2027, 2, 28), dt.date(2027, 3, 31)])
def test_the_reports_agree_on_what_the_customer_owes(history, currency, day):
    service = history(currency)
    [line] = [line for line in service.receivables_aging({"organization_id": 1}, today=day).lines
              if line.customer_id == 10]
    statement = service.statement_of(10, organization_id=1, today=day)
    [section] = statement.sections
    assert (section.total, statement.credit(currency)) == (line.total, line.credit)
    assert statement.payable(currency).to_pay == line.net                    # nothing held: all of it is to pay
    rows = list(csv.DictReader(io.StringIO(statement_csv_text(statement))))
    assert sum(Decimal(row["due"]) for row in rows) == line.net
    assert all(Decimal(row["due"]) == Decimal(row["due"]).quantize(CASES[currency]["unit"]) for row in rows)
    activity = service.activity_statement(10, start=dt.date(2027, 1, 1), end=day, organization_id=1)
    [moves] = activity.sections
    assert moves.lines[-1].balance == line.net                               # the closing balance
    text = " ".join(pdf_text(service.statement_pdf(statement), layout=False).split())
    money = CASES[currency]["money"]
    pay = statement.payable(currency)
    assert (f"{money.format(pay.overdue)} of the {money.format(pay.to_pay)} to pay is overdue" in text)
    assert f"Total due less the credit: {money.format(line.net)}." in text


def test_the_figures_of_the_last_day_are_what_each_step_left(history):
    """BHD at the end of March: 24.459 charged (three invoices and the refund), 9.700 credited."""
    service = history("BHD")
    [line] = service.receivables_aging({"organization_id": 1}).lines
    assert (line.total, line.credit, line.net, line.overdue) == (
        Decimal("15.381"), Decimal("0.622"), Decimal("14.759"), Decimal("8.425"))
    pay = service.statement_of(10, organization_id=1).payable("BHD")
    assert (pay.overdue, pay.to_pay) == (Decimal("7.803"), Decimal("14.759"))
