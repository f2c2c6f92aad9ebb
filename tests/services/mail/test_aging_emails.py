"""The Aging Report by email: on the schedule of each organization (every Monday, or on the 1st),
to Aging Report Recipients, once per report day, with its PDF and CSV, through the outbox to a
real SMTP server; ``oro-invoices send-aging-reports`` then ``deliver-mail``."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from support.mail import SELLER, deliver_mail_command, judge_on, make_mail, parse
from support.pdfs import pdf_text

from oro_invoices import cli
from oro_invoices.domain.errors import NotFound, StorageError
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.aging_runs import NO_RECIPIENT, report_day, send_aging_reports

WEDNESDAY = dt.date(2026, 12, 9)    # the shared payload is due 2026-12-02
SUNDAY = dt.date(2026, 12, 6)        # the report day of that week: 4 days late then


#: The moment these tests judge on: December 2026, when the shared payload (dated 2026-11-02, due
#: 2026-12-02) was owed, so that its days are days a report or statement may be of.
NOW = dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)


@pytest.fixture
def app(app, monkeypatch):
    return judge_on(app, monkeypatch, NOW)


@pytest.mark.parametrize("schedule,today,day", [
    ("weekly", dt.date(2026, 12, 7), dt.date(2026, 12, 6)),      # a Monday: the Sunday just over
    ("weekly", dt.date(2026, 12, 9), dt.date(2026, 12, 6)),      # later that week: the same report
    ("weekly", dt.date(2026, 12, 6), dt.date(2026, 11, 29)),     # a Sunday is not over yet
    ("monthly", dt.date(2026, 12, 1), dt.date(2026, 11, 30)),
    ("monthly", dt.date(2027, 3, 15), dt.date(2027, 2, 28)),
    ("", dt.date(2026, 12, 7), None),
])
def test_each_schedule_has_the_latest_report_day_that_is_over(schedule, today, day):
    assert report_day(schedule, today) == day


def test_the_command_queues_the_weekly_report_once_then_deliver_mail_sends_it(app, smtp_server, capsys):
    invoice = app.invoices.post(app.create().id)
    app.settings.set("oro_invoices.aging.schedule", "weekly", "organization", 1)
    app.settings.set("oro_invoices.aging.recipients", "books@acme.test, cfo@acme.test", "organization", 1)
    argv = ["send-aging-reports", "--db", app.invoices.db.url, "--storage", str(app.storage.root),
            "--date", WEDNESDAY.isoformat()]
    assert cli.main([*argv, "--dry-run"], host=app.host) == 0
    dry = capsys.readouterr().out
    assert dry.splitlines() == ["would queue: Aging Report of organization 1 on 2026-12-06, to books@acme.test, "
                                "cfo@acme.test", "2026-12-09: would queue 1 aging report(s)"]
    assert make_mail(app).aging.emails(1) == []                          # a dry run writes nothing
    assert cli.main(argv, host=app.host) == 0
    assert capsys.readouterr().out.endswith("2026-12-09: queued 1 aging report(s)\n")
    assert cli.main([*argv[:-1], "2026-12-10"], host=app.host) == 0      # the same week again
    assert "queued 0 aging report(s), 1 already sent" in capsys.readouterr().out

    deliver_mail_command(app, smtp_server)
    [received] = smtp_server.handler.received
    message = parse(received.content)
    assert received.rcpt_tos == ("books@acme.test", "cfo@acme.test")
    assert message["Subject"] == f"Aging Report of {SELLER['company_name']} on Dec 6, 2026"
    body = message.get_body(("plain",)).get_content()
    assert "Due in USD: $231.86, of which $231.86 is overdue." in body
    assert "1–30 Days: $231.86" in body and "1 customer owes it, on 1 invoice." in body
    assert "Customer Credit: $0.00" in body and "Net: $231.86" in body
    assert "/admin/aging?as_of=2026-12-06" in body           # the report's page on its day
    pdf, table = list(message.iter_attachments())
    assert (pdf.get_filename(), table.get_filename()) == ("aging-2026-12-06.pdf", "aging-2026-12-06.csv")
    text = pdf_text(pdf.get_content())
    assert SELLER["company_name"] in text and "Acme Corp" in text and "231.86" in text
    rows = list(csv.reader(io.StringIO(table.get_content())))
    assert rows[1] == [str(invoice.customer_id), "Acme Corp", "USD", "1", "0.00", "231.86", "0.00", "0.00", "0.00",
                       "231.86", "0.00", "231.86"]
    [sent] = make_mail(app).aging.emails(1)
    assert (sent.status, sent.invoice_id, sent.customer_id) == ("sent", None, None)
    assert make_mail(app).emails(invoice.id) == []                      # not the invoice's own email


def test_a_schedule_without_recipients_is_reported_and_no_schedule_sends_nothing(app):
    app.invoices.post(app.create().id)
    mail = make_mail(app)
    assert send_aging_reports(app.invoices, mail, today=WEDNESDAY).queued == []        # "Never" by default
    app.settings.set("oro_invoices.aging.schedule", "monthly", "organization", 1)
    run = send_aging_reports(app.invoices, mail, today=WEDNESDAY)
    assert (run.queued, run.problems) == ([], [(1, NO_RECIPIENT)])
    assert run.summary() == "2026-12-09: queued 0 aging report(s), 1 could not be sent"
    app.settings.set("oro_invoices.aging.recipients", "books@acme.test", "organization", 1)
    [sent] = send_aging_reports(app.invoices, mail, today=WEDNESDAY).queued
    assert (sent.as_of, sent.to) == (dt.date(2026, 11, 30), ("books@acme.test",))
    app.settings.set("oro_invoices.enabled", False, "organization", 1)
    assert send_aging_reports(app.invoices, mail, today=dt.date(2027, 1, 4)).queued == []   # invoices off


def test_an_admin_sends_the_report_of_any_day_with_what_was_owed_then(app):
    app.invoices.post(app.create().id)
    mail = make_mail(app)
    report = mail.aging.report(InvoiceFilter(organization_id=1), today=dt.date(2026, 11, 30))
    draft = mail.aging.prepare(report, 1)
    assert draft.to == () and "Due in USD: $231.86, none of it overdue." in draft.text
    sent = mail.aging.send(report, 1, to="books@acme.test", subject=draft.subject, text=draft.text,
                           actor="admin", once="form-1")
    assert [a.filename for a in sent.attachments] == ["aging-2026-11-30.pdf", "aging-2026-11-30.csv"]
    assert [a.content_type for a in sent.attachments] == ["application/pdf", "text/csv"]
    with pytest.raises(NotFound, match="one organization"):
        mail.aging.report(InvoiceFilter())


def test_the_attached_csv_says_it_is_utf_8_so_names_read_as_written(app, smtp_server):
    """A mail program reads a text attachment without a charset as ASCII: the customer's name
    would show as mojibake in the CSV the recipients open."""
    customer = app.host.add_customer("Müller & Söhne – Werkzeuge")      # the report names the host's customer
    app.invoices.post(app.create(customer_id=customer.id, customer_user_id=None, order_id=None, order_identifier="",
                                 customer_name="Müller & Söhne – Werkzeuge").id)
    mail = make_mail(app, smtp_server)
    report = mail.aging.report(InvoiceFilter(organization_id=1))
    mail.aging.send(report, 1, to="books@acme.test", subject="Aging", text="Attached.", actor="admin")
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    _pdf, table = parse(received.content).iter_attachments()
    assert table.get_content_type() == "text/csv" and table.get_content_charset() == "utf-8"
    assert "Müller & Söhne – Werkzeuge" in table.get_content()


def test_without_a_pdf_storage_the_report_is_not_sent(app):
    mail = make_mail(app)
    report = mail.aging.report(InvoiceFilter(organization_id=1), today=WEDNESDAY)
    app.invoices.context.storage = None
    with pytest.raises(StorageError, match="the Aging Report cannot be attached"):
        mail.aging.send(report, 1, to="a@b.test", subject="S", text="T", actor="test")
    assert mail.aging.emails(1) == []


def test_a_currency_in_which_customers_only_hold_credit_says_the_credit_and_who_holds_it(app):
    """No "0 customers owe it, on 0 invoices": nothing is owed in EUR, one customer holds credit in it."""
    app.invoices.post(app.create().id)                                              # owed in USD
    paid = app.invoices.post(app.create(currency="EUR", order_id=None).id)
    app.invoices.record_payment(paid.id, {"method": "bank_transfer", "action": "charge",
                                          "amount": str(paid.total_amount)})
    app.invoices.create_credit_note(paid.id, {"lines": [{"line": 1, "quantity": "1"}], "settlement": "credit"})
    credit = app.invoices.available_credit(app.invoices.get(paid.id))
    mail = make_mail(app)
    draft = mail.aging.prepare(mail.aging.report(InvoiceFilter(organization_id=1)), 1)
    assert "1 customer owes it, on 1 invoice." in draft.text                          # USD, as before
    assert (f"Nothing is due in EUR: 1 customer holds €{credit:,} of credit not applied to an invoice."
            in draft.text)
    assert "0 customers" not in draft.text and "0 invoices" not in draft.text
    html = " ".join(draft.html.split())
    assert "Nothing is due in EUR: 1 customer holds" in html and "0 customers" not in html


def test_the_command_says_a_report_queued_whose_delivery_job_was_refused(app, capsys, monkeypatch):
    """The host's job queue raises once the report is queued: it is queued all the same, and a
    ``warning:`` line says the mail sweep sends it."""
    from support.held_jobs import BrokenJobs

    from oro_invoices import composition
    jobs = BrokenJobs()
    monkeypatch.setattr(composition, "build_jobs", lambda config: jobs)
    app.invoices.post(app.create().id)
    app.settings.set("oro_invoices.aging.schedule", "weekly", "organization", 1)
    app.settings.set("oro_invoices.aging.recipients", "books@acme.test", "organization", 1)
    argv = ["send-aging-reports", "--db", app.invoices.db.url, "--storage", str(app.storage.root),
            "--date", WEDNESDAY.isoformat()]
    assert cli.main(argv, host=app.host) == 0

    said = capsys.readouterr()
    assert said.out.endswith("2026-12-09: queued 1 aging report(s)\n")
    assert said.err.splitlines()[-1] == (
        "warning: The email is queued, but a background job that followed (oro_invoices.deliver_email) could not "
        "be handed to the job queue; the periodic mail sweep sends it, so there is nothing to do.")
    assert jobs.tried == ["oro_invoices.deliver_email"]
    assert len(make_mail(app).aging.emails(1)) == 1
