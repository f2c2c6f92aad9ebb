"""Statements by email: each customer who owes something gets their statement once per day, in
their language, with its PDF, through the outbox to a real SMTP server; ``oro-invoices
send-statements`` then ``deliver-mail``."""
from __future__ import annotations

import datetime as dt

import pytest
from support.mail import SELLER, deliver_mail_command, judge_on, make_mail, parse
from support.pdfs import pdf_text

from oro_invoices import cli
from oro_invoices.domain.errors import StorageError
from oro_invoices.services.statement_runs import NO_RECIPIENT, send_scheduled_statements, send_statements

DAY = dt.date(2026, 12, 9)          # the shared payload is due 2026-12-02: 7 days late


#: The moment these tests judge on: December 2026, when the shared payload (dated 2026-11-02, due
#: 2026-12-02) was owed, so that its days are days a report or statement may be of.
NOW = dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)


@pytest.fixture
def app(app, monkeypatch):
    return judge_on(app, monkeypatch, NOW)


def test_the_command_queues_each_owing_customer_once_then_deliver_mail_sends_it(app, smtp_server, capsys):
    invoice = app.invoices.post(app.create().id)
    nobody = app.host.add_customer("Walk-in Ltd")                    # a customer with no customer user
    app.invoices.post(app.create(customer_id=nobody.id, customer_user_id=None, customer_name="Walk-in Ltd",
                                 order_id=None).id)
    argv = ["send-statements", "--db", app.invoices.db.url, "--storage", str(app.storage.root),
            "--date", DAY.isoformat()]
    assert cli.main([*argv, "--dry-run"], host=app.host) == 1
    dry = capsys.readouterr().out
    assert (f"would queue: statement of Acme Corp (customer {invoice.customer_id}, organization 1), "
            f"1 open invoice(s), to {app.customer_user_email}") in dry
    assert f"FAIL statement of Walk-in Ltd (customer {nobody.id}, organization 1): {NO_RECIPIENT}" in dry
    assert dry.rstrip().endswith("2026-12-09: would queue 1 statement(s), 1 could not be sent")
    assert make_mail(app).statements.emails(1, invoice.customer_id) == []          # a dry run writes nothing
    assert cli.main(argv, host=app.host) == 1
    assert "2026-12-09: queued 1 statement(s), 1 could not be sent" in capsys.readouterr().out
    assert cli.main(argv, host=app.host) == 1                                        # the same day again
    assert "queued 0 statement(s), 1 already sent on this day, 1 could not be sent" in capsys.readouterr().out

    deliver_mail_command(app, smtp_server)
    [received] = smtp_server.handler.received
    message = parse(received.content)
    assert received.rcpt_tos == (app.customer_user_email,)
    assert message["Subject"] == f"Statement of account from {SELLER['company_name']} on Dec 9, 2026"
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Hello Bea Buyer,") and invoice.invoice_number in body
    assert "Due in USD: $231.86, of which $231.86 is overdue." in body
    # the seller's footer, as the invoice emails sign: its tax ID the last line of the text ...
    assert body.rstrip().endswith(f"{SELLER['website_url']}\nTax ID: {SELLER['tax_id']}")
    html = message.get_body(("html",)).get_content()     # ... and of the HTML's address
    assert f"Tax ID: {SELLER['tax_id']}\n</address>" in html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "statement-2026-12-09.pdf"
    text = pdf_text(attachment.get_content())
    assert "Statement of account" in text and invoice.invoice_number in text and SELLER["company_name"] in text
    assert [e.status for e in make_mail(app).statements.emails(1, invoice.customer_id)] == ["sent"]
    assert make_mail(app).emails(invoice.id) == []                   # not the invoice's own email


def test_overdue_only_leaves_customers_with_nothing_late(app):
    late = app.invoices.post(app.create().id)
    other = app.host.add_customer("Beta GmbH")
    user = app.host.add_customer_user(other.id, "ap@beta.test", "Ben Beta")
    app.invoices.post(app.create(customer_id=other.id, customer_user_id=user.id, customer_name="Beta GmbH",
                                 order_id=None, due_date="2027-01-31").id)
    mail = make_mail(app)
    report = send_statements(app.invoices, mail, today=DAY, overdue_only=True)
    assert [(s.customer_id, s.to) for s in report.queued] == [(late.customer_id, (app.customer_user_email,))]
    report = send_statements(app.invoices, mail, today=DAY)
    assert [s.customer_name for s in report.queued] == ["Beta GmbH"]
    assert [s.customer_name for s in report.already_sent] == ["Acme Corp"]


def test_a_customer_holding_credit_and_owing_nothing_gets_no_statement(app):
    paid = app.invoices.post(app.create().id)
    app.invoices.record_payment(paid.id, {"method": "bank_transfer", "action": "charge",
                                          "amount": str(paid.total_amount)})
    app.invoices.create_credit_note(paid.id, {"lines": [{"line": 1, "quantity": "1"}], "settlement": "credit"})
    assert app.invoices.available_credit(app.invoices.get(paid.id)) > 0
    report = send_statements(app.invoices, make_mail(app))                  # today's: it was paid today
    assert report.queued == [] and report.problems == []


def test_without_a_pdf_storage_a_statement_is_not_sent(app):
    app.invoices.post(app.create().id)
    mail = make_mail(app)
    statement = app.invoices.statement_of(app.payload["customer_id"], organization_id=1, today=DAY)
    app.invoices.context.storage = None
    with pytest.raises(StorageError, match="the statement cannot be attached"):
        mail.statements.send(statement, to="a@b.test", subject="S", text="T", actor="test")
    assert mail.statements.emails(1, app.payload["customer_id"]) == []


def test_activity_sends_each_customer_their_period_once_then_deliver_mail_sends_it(app, smtp_server, capsys):
    invoice = app.invoices.post(app.create().id)                    # dated Nov 2, 2026
    app.host.add_customer("Quiet GmbH")                               # no invoice: no activity
    argv = ["send-statements", "--db", app.invoices.db.url, "--storage", str(app.storage.root), "--activity",
            "--from", "2026-11-01", "--to", "2026-11-30"]
    assert cli.main([*argv, "--dry-run"], host=app.host) == 0
    dry = capsys.readouterr().out
    assert dry.splitlines()[0] == (f"would queue: account activity of Acme Corp (customer {invoice.customer_id}, "
                                   f"organization 1), 1 entries from 2026-11-01 to 2026-11-30, to "
                                   f"{app.customer_user_email}")
    assert make_mail(app).statements.emails(1, invoice.customer_id) == []          # a dry run writes nothing
    assert cli.main(argv, host=app.host) == 0
    assert "2026-11-30: queued 1 account activity statement(s)" in capsys.readouterr().out
    assert cli.main(argv, host=app.host) == 0                                        # the same period again
    assert "queued 0 account activity statement(s), 1 already sent for this period" in capsys.readouterr().out
    assert cli.main([*argv, "--date", "2026-11-30"], host=app.host) == 2              # the open-item statements' option
    assert "--date and --overdue-only are for the open-item statements" in capsys.readouterr().err

    deliver_mail_command(app, smtp_server)
    [received] = smtp_server.handler.received
    message = parse(received.content)
    assert message["Subject"] == f"Account activity from {SELLER['company_name']}, Nov 1, 2026 – Nov 30, 2026"
    body = message.get_body(("plain",)).get_content()
    assert "In USD: $0.00 owed on Nov 1, 2026, $231.86 owed on Nov 30, 2026." in body
    assert body.rstrip().endswith(f"Tax ID: {SELLER['tax_id']}")
    assert f"Tax ID: {SELLER['tax_id']}\n</address>" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "activity-2026-11-01-2026-11-30.pdf"
    assert invoice.invoice_number in pdf_text(attachment.get_content())


def test_the_monthly_schedule_sends_each_customer_last_months_statement_once(app, capsys, monkeypatch):
    invoice = app.invoices.post(app.create().id)                    # dated Nov 2, due Dec 2, 2026
    argv = ["send-statements", "--db", app.invoices.db.url, "--storage", str(app.storage.root), "--scheduled",
            "--date", "2026-12-03"]
    assert cli.main(argv, host=app.host) == 0                         # "Never" by default
    assert capsys.readouterr().out.strip() == "no organization has statements due by Email Statements To Customers"
    app.settings.set("oro_invoices.statements.schedule", "open_items", "organization", 1)
    assert cli.main([*argv, "--dry-run"], host=app.host) == 0
    assert make_mail(app).statements.emails(1, invoice.customer_id) == []          # a dry run writes nothing
    assert cli.main(argv, host=app.host) == 0
    out = capsys.readouterr().out
    assert (f"queued: statement of Acme Corp (customer {invoice.customer_id}, organization 1) of 2026-11-30, "
            f"to {app.customer_user_email}") in out
    assert out.rstrip().endswith("queued 1 statement(s) by the schedules, 0 already sent, 0 could not be sent")
    [sent] = make_mail(app).statements.emails(1, invoice.customer_id)
    assert [a.filename for a in sent.attachments] == ["statement-2026-11-30.pdf"]   # the month-end's open items
    assert cli.main([*argv[:-1], "2026-12-28"], host=app.host) == 0     # later that month: nothing again
    assert capsys.readouterr().out.rstrip().endswith("queued 0 statement(s) by the schedules, 1 already sent, "
                                                     "0 could not be sent")

    app.settings.set("oro_invoices.statements.schedule", "activity", "organization", 1)
    judge_on(app, monkeypatch, dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC))   # December is over: its activity
    [report] = send_scheduled_statements(app.invoices, make_mail(app), today=dt.date(2027, 1, 1))
    assert (report.today, [s.customer_id for s in report.queued]) == (dt.date(2026, 12, 31), [invoice.customer_id])
    assert make_mail(app).statements.emails(1, invoice.customer_id)[0].attachments[0].filename == \
        "activity-2026-12-01-2026-12-31.pdf"
    [again] = send_scheduled_statements(app.invoices, make_mail(app), today=dt.date(2027, 1, 2))
    assert (again.queued, [s.customer_id for s in again.already_sent]) == ([], [invoice.customer_id])


def test_a_statement_email_says_the_customers_credit_in_a_paragraph_of_its_own(app, smtp_server):
    paid = app.invoices.post(app.create().id)
    app.invoices.record_payment(paid.id, {"method": "bank_transfer", "action": "charge",
                                          "amount": str(paid.total_amount)})
    app.invoices.create_credit_note(paid.id, {"lines": [{"line": 1, "quantity": "1"}], "settlement": "credit"})
    owed = app.invoices.post(app.create().id)
    credit = app.invoices.available_credit(owed)
    assert credit > 0
    argv = ["send-statements", "--db", app.invoices.db.url, "--storage", str(app.storage.root)]   # today's
    assert cli.main(argv, host=app.host) == 0
    deliver_mail_command(app, smtp_server)
    [received] = smtp_server.handler.received
    message = parse(received.content)
    body = message.get_body(("plain",)).get_content()
    # as the attached PDF and the back-office statement say it: the total due less the credit
    net = app.invoices.get(owed.id).amount_due - credit
    assert (f"Your credit with us: ${credit:,.2f} (not yet applied to an invoice). Total due less the credit: "
            f"${net:,.2f}.\n\nIf you have questions about this statement") in body
    html = message.get_body(("html",)).get_content()
    assert (f"<p>Your credit with us: ${credit:,.2f} (not yet applied to an invoice). Total due less the credit: "
            f"${net:,.2f}.</p>") in html


@pytest.mark.parametrize("extra", [["--date", DAY.isoformat()], ["--scheduled", "--date", DAY.isoformat()],
                                   ["--activity", "--from", "2026-11-01", "--to", "2026-11-30"]])
def test_a_storage_folder_that_is_not_there_beside_stored_pdfs_is_a_typo_not_a_new_storage(app, capsys, tmp_path,
                                                                                         extra):
    """Statements stored in a mistyped folder would be missing when deliver-mail attaches them
    from the real storage: once invoice PDFs are stored, a storage folder that does not exist is
    refused before anything is queued."""
    invoice = app.invoices.post(app.create().id)
    assert app.invoices.get(invoice.id).pdf is not None
    typo = tmp_path / "pdfs-typo"
    argv = ["send-statements", "--db", app.invoices.db.url, "--storage", str(typo), *extra]
    assert cli.main(argv, host=app.host) == 2
    assert capsys.readouterr() == ("", f"error: Cannot reach the PDF storage {typo}: the folder does not exist "
                                       "(create it, or correct the storage URL)\n")
    assert not typo.exists() and make_mail(app).statements.emails(1, invoice.customer_id) == []
