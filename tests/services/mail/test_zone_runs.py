"""Scheduled and month-end runs judge each organization on its own today, in its time zone
(``oro_invoices.timezone``), not on the UTC date: at 23:30 UTC on November 30th it is already
December 1st in Tokyo, so a Tokyo organization's "on the 1st" statements and Aging Report go out
then, ``send-statements --activity`` sends it November's activity, ``send-statements`` its
statements of December 1st and ``remind`` its reminders under December 1st; an organization in UTC
still waits for December."""
from __future__ import annotations

import datetime as dt

import pytest
from support.mail import judge_on, make_mail

from oro_invoices import cli
from oro_invoices.domain.errors import ValidationError
from oro_invoices.services.aging_runs import send_aging_reports
from oro_invoices.services.reminders import send_due_reminders, send_todays_reminders, set_customer_reminders
from oro_invoices.services.statement_runs import send_scheduled_statements

#: 23:30 UTC on the last day of November: 08:30 on December 1st in Tokyo
EVE = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
NOVEMBER_END = dt.date(2026, 11, 30)


@pytest.fixture
def app(app, monkeypatch):
    return judge_on(app, monkeypatch, EVE)


def in_tokyo(app) -> None:
    app.settings.set("oro_invoices.timezone", "Asia/Tokyo", "organization", 1)


def test_the_monthly_statements_go_out_on_the_first_in_the_organizations_zone(app, capsys):
    invoice = app.invoices.post(app.create().id)                    # dated Nov 2, 2026
    app.settings.set("oro_invoices.statements.schedule", "open_items", "organization", 1)
    argv = ["send-statements", "--db", app.invoices.db.url, "--storage", str(app.storage.root), "--scheduled"]
    assert cli.main([*argv, "--dry-run"], host=app.host) == 0    # UTC: still November, so October's (none)
    assert "queued: statement" not in capsys.readouterr().out
    in_tokyo(app)
    assert cli.main(argv, host=app.host) == 0
    assert (f"queued: statement of Acme Corp (customer {invoice.customer_id}, organization 1) of 2026-11-30"
            in capsys.readouterr().out)
    [sent] = make_mail(app).statements.emails(1, invoice.customer_id)
    assert [a.filename for a in sent.attachments] == ["statement-2026-11-30.pdf"]
    app.settings.set("oro_invoices.statements.schedule", "activity", "organization", 1)
    [report] = send_scheduled_statements(app.invoices, make_mail(app), dry_run=True)
    assert report.today == NOVEMBER_END and [s.customer_id for s in report.queued] == [invoice.customer_id]


def test_statements_without_a_day_are_of_each_organizations_today(app, capsys):
    acme = app.invoices.post(app.create().id)                        # organization 1, soon in Tokyo
    globex = app.host.add_customer("Globex Inc", organization_id=2)
    buyer = app.host.add_customer_user(globex.id, "buyer@globex.test", "Gil Globex")
    app.invoices.post(app.create(organization_id=2, customer_id=globex.id, customer_user_id=buyer.id,
                                 customer_name="Globex Inc", order_id=None).id)
    in_tokyo(app)
    argv = ["send-statements", "--db", app.invoices.db.url, "--storage", str(app.storage.root)]
    assert cli.main(argv, host=app.host) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"queued: statement of Globex Inc (customer {globex.id}, organization 2)")
    assert out[1] == "2026-11-30: queued 1 statement(s)"
    assert out[2].startswith(f"queued: statement of Acme Corp (customer {acme.customer_id}, organization 1)")
    assert out[3:] == ["2026-12-01: queued 1 statement(s)"]
    mail = make_mail(app)
    [tokyo] = mail.statements.emails(1, acme.customer_id)
    [utc] = mail.statements.emails(2, globex.id)
    assert [a.filename for a in tokyo.attachments] == ["statement-2026-12-01.pdf"]
    assert [a.filename for a in utc.attachments] == ["statement-2026-11-30.pdf"]
    assert cli.main([*argv, "--organization", "1", "--dry-run"], host=app.host) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2026-12-01: would queue 0 statement(s), 1 already sent on this day"
    assert cli.main([*argv, "--organization", "3", "--dry-run"], host=app.host) == 0       # none there: the global day
    assert capsys.readouterr().out == "2026-11-30: would queue 0 statement(s)\n"


def test_the_monthly_aging_report_is_of_the_month_over_in_the_organizations_zone(app):
    app.invoices.post(app.create().id)
    app.settings.set("oro_invoices.aging.schedule", "monthly", "organization", 1)
    app.settings.set("oro_invoices.aging.recipients", "books@acme.test", "organization", 1)
    [utc] = send_aging_reports(app.invoices, make_mail(app), dry_run=True).queued
    assert utc.as_of == dt.date(2026, 10, 31)
    in_tokyo(app)
    run = send_aging_reports(app.invoices, make_mail(app), organization_id=1)
    assert [sent.as_of for sent in run.queued] == [NOVEMBER_END]
    assert run.summary() == "2026-12-01: queued 1 aging report(s)"


def test_activity_by_default_sends_the_month_over_in_each_organizations_zone(app, capsys):
    invoice = app.invoices.post(app.create().id)                    # dated Nov 2, 2026
    argv = ["send-statements", "--db", app.invoices.db.url, "--storage", str(app.storage.root), "--activity",
            "--dry-run"]
    assert cli.main(argv, host=app.host) == 0                       # UTC: October's, which has no entry
    out = capsys.readouterr().out
    assert "would queue: account activity" not in out
    in_tokyo(app)
    assert cli.main(argv, host=app.host) == 0
    out = capsys.readouterr().out
    assert (f"would queue: account activity of Acme Corp (customer {invoice.customer_id}, organization 1), "
            f"1 entries from 2026-11-01 to 2026-11-30") in out
    assert "2026-11-30: would queue 1 account activity statement(s)" in out


def test_a_statement_from_a_day_runs_to_the_organizations_today(app, capsys):
    invoice = app.invoices.post(app.create().id)                    # dated Nov 2, 2026
    in_tokyo(app)
    argv = ["statement", "--db", app.invoices.db.url, "--customer", str(invoice.customer_id), "--from", "2026-11-01"]
    assert cli.main(argv, host=app.host) == 0
    assert capsys.readouterr().out.startswith("Activity of Acme Corp from 2026-11-01 to 2026-12-01")


def test_the_service_refuses_a_period_after_the_organizations_today(app, capsys):
    invoice = app.invoices.post(app.create().id)
    in_tokyo(app)
    customer = invoice.customer_id
    found = app.invoices.activity_statement(customer, start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 1))
    assert found.end == dt.date(2026, 12, 1)                        # Tokyo's today
    for organization in (None, 1):
        with pytest.raises(ValidationError) as refused:
            app.invoices.activity_statement(customer, start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 2),
                                            organization_id=organization)
        assert [(field, str(message)) for field, message in refused.value.errors] == [
            ("to", "Choose a day up to today (2026-12-01): the period cannot end in the future.")]
    argv = ["statement", "--db", app.invoices.db.url, "--customer", str(customer), "--from", "2026-12-02"]
    assert cli.main(argv, host=app.host) == 2                      # to Tokyo's today, before it starts
    assert capsys.readouterr().err == ("error: --from: Choose a day up to today (2026-12-01): the period cannot "
                                       "start in the future.; --to: The period ends before it starts.\n")


def test_a_reminder_run_judges_each_organization_on_its_own_today(app, capsys):
    app.settings.set("oro_invoices.reminders.enabled", True)                # steps -3, 0, 7, 14
    acme = app.invoices.post(app.create(due_date="2026-11-24").id)          # organization 1, soon in Tokyo
    globex = app.host.add_customer("Globex Inc", organization_id=2)
    buyer = app.host.add_customer_user(globex.id, "buyer@globex.test", "Gil Globex")
    other = app.invoices.post(app.create(organization_id=2, customer_id=globex.id, customer_user_id=buyer.id,
                                         customer_name="Globex Inc", order_id=None, due_date="2026-11-24").id)
    in_tokyo(app)
    argv = ["remind", "--db", app.invoices.db.url]
    assert cli.main([*argv, "--dry-run"], host=app.host) == 0
    assert capsys.readouterr().out.splitlines() == [   # UTC's November 30th: 6 days overdue, step 0
        f"would queue: invoice {other.invoice_number} (id {other.id}): Payment reminder (due today) to "
        "buyer@globex.test",
        "2026-11-30: would queue 1 payment reminder(s)",   # Tokyo's December 1st: 7 days overdue
        f"would queue: invoice {acme.invoice_number} (id {acme.id}): Payment reminder (7 days overdue) to "
        "buyer@acme.test",
        "2026-12-01: would queue 1 payment reminder(s)"]
    assert cli.main(argv, host=app.host) == 0
    assert capsys.readouterr().out.splitlines()[1::2] == ["2026-11-30: queued 1 payment reminder(s)",
                                                         "2026-12-01: queued 1 payment reminder(s)"]
    mail = make_mail(app)
    assert [[e.subject for e in mail.emails(invoice.id)] for invoice in (acme, other)] == [
        [f"Payment reminder: invoice {acme.invoice_number} is 7 days overdue"],
        [f"Payment reminder: invoice {other.invoice_number} is 6 days overdue"]]
    assert cli.main([*argv, "--organization", "1", "--dry-run"], host=app.host) == 0
    assert capsys.readouterr().out == "2026-12-01: would queue 0 payment reminder(s)\n"
    assert cli.main([*argv, "--organization", "3", "--dry-run"], host=app.host) == 0   # none there: the global day
    assert capsys.readouterr().out == "2026-11-30: would queue 0 payment reminder(s)\n"


def test_a_reminder_run_of_a_day_given_has_one_summary_line(app, capsys):
    app.settings.set("oro_invoices.reminders.enabled", True)
    in_tokyo(app)
    argv = ["remind", "--db", app.invoices.db.url, "--date", "2026-12-05", "--dry-run"]
    assert cli.main(argv, host=app.host) == 0
    assert capsys.readouterr().out == "2026-12-05: would queue 0 payment reminder(s)\n"


def test_a_reminder_run_reports_a_website_in_its_own_zone_under_the_day_it_judged(app, capsys):
    """A website in Tokyo, of an organization in UTC: its invoice is judged on December 1st, so its
    reminder is in the report of December 1st, not of the organization's November 30th."""
    app.settings.set("oro_invoices.reminders.enabled", True)                # steps -3, 0, 7, 14
    shop = app.host.add_website("Tokyo Store")
    app.settings.set("oro_invoices.timezone", "Asia/Tokyo", "website", shop.id)
    plain = app.invoices.post(app.create(due_date="2026-11-24").id)
    tokyo = app.invoices.post(app.create(due_date="2026-11-24", website_id=shop.id, order_id=None).id)
    argv = ["remind", "--db", app.invoices.db.url, "--dry-run"]
    for extra in ([], ["--organization", "1"]):
        assert cli.main([*argv, *extra], host=app.host) == 0
        assert capsys.readouterr().out.splitlines() == [
            f"would queue: invoice {plain.invoice_number} (id {plain.id}): Payment reminder (due today) to "
            "buyer@acme.test",
            "2026-11-30: would queue 1 payment reminder(s)",
            f"would queue: invoice {tokyo.invoice_number} (id {tokyo.id}): Payment reminder (7 days overdue) to "
            "buyer@acme.test",
            "2026-12-01: would queue 1 payment reminder(s)"]
    first, second = send_todays_reminders(app.invoices, make_mail(app), organization_id=1)
    assert [(r.today, r.judged, [q.invoice_id for q in r.queued]) for r in (first, second)] == [
        (NOVEMBER_END, {(1, None)}, [plain.id]), (dt.date(2026, 12, 1), {(1, shop.id)}, [tokyo.id])]
    mail = make_mail(app)
    assert [[e.subject for e in mail.emails(invoice.id)] for invoice in (plain, tokyo)] == [
        [f"Payment reminder: invoice {plain.invoice_number} is 6 days overdue"],
        [f"Payment reminder: invoice {tokyo.invoice_number} is 7 days overdue"]]


def test_one_reminder_report_without_a_day_is_of_the_day_its_invoices_were_judged_on(app):
    app.settings.set("oro_invoices.reminders.enabled", True)
    shop = app.host.add_website("Tokyo Store")
    app.settings.set("oro_invoices.timezone", "Asia/Tokyo", "website", shop.id)
    app.invoices.post(app.create(due_date="2026-11-24", website_id=shop.id, order_id=None).id)
    report = send_due_reminders(app.invoices, make_mail(app), dry_run=True)
    assert (report.today, report.judged, [q.step for q in report.queued]) == (dt.date(2026, 12, 1), {(1, shop.id)}, [7])
    assert report.summary() == "2026-12-01: would queue 1 payment reminder(s)"


def test_a_customer_opted_out_on_websites_of_two_days_is_counted_once(app, capsys):
    """A customer with reminders off whose invoices are of a UTC website and of one in Tokyo is
    met on November 30th and on December 1st: the per-day reports count it once, in the earliest
    day's report, with both its skipped invoices; the later day's says nothing of it."""
    app.settings.set("oro_invoices.reminders.enabled", True)                # steps -3, 0, 7, 14
    shop = app.host.add_website("Tokyo Store")
    app.settings.set("oro_invoices.timezone", "Asia/Tokyo", "website", shop.id)
    plain = app.invoices.post(app.create(due_date="2026-11-24").id)
    app.invoices.post(app.create(due_date="2026-11-24", website_id=shop.id, order_id=None).id)
    set_customer_reminders(app.settings, plain.customer_id, on=False)
    first, second = send_todays_reminders(app.invoices, make_mail(app), dry_run=True)
    assert [(r.today, r.opted_out, r.opted_out_invoices) for r in (first, second)] == [
        (NOVEMBER_END, {(1, plain.customer_id)}, 2), (dt.date(2026, 12, 1), set(), 0)]
    assert cli.main(["remind", "--db", app.invoices.db.url, "--dry-run"], host=app.host) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-11-30: would queue 0 payment reminder(s), skipped 1 customer(s) with reminders off for them "
        "(2 invoice(s))",
        "2026-12-01: would queue 0 payment reminder(s)"]
