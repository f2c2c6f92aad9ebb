"""Payment reminders: the schedule's steps, each once per invoice even when runs overlap or crash,
only for invoices that can be paid, through the outbox to a real SMTP server."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest
from sqlalchemy import event, func, select
from support.mail import SELLER, deliver_mail_command, make_app, make_mail, parse, sha256
from support.statements import statements_on

from oro_invoices import cli
from oro_invoices.integration.config import InvalidSetting
from oro_invoices.integration.profile import REMINDER_TEMPLATE, reminder_template
from oro_invoices.persistence import reminders
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.outbox import OutboxEmail
from oro_invoices.persistence.reminders import ReminderRow
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.reminders import (
    CustomerReminders,
    PaymentReminders,
    Reach,
    customer_reminders,
    send_due_reminders,
    set_customer_reminders,
)

DUE = dt.date(2026, 12, 2)  # the due date of the shared payload


def on(offset: int) -> dt.date:
    return DUE + dt.timedelta(days=offset)


@pytest.fixture
def rapp(db, tmp_path):
    """The mail test host (no PDFs) with payment reminders switched on at the default schedule."""
    app = make_app(db, tmp_path, generate_pdf=False)
    app.settings.set("oro_invoices.reminders.enabled", True)
    return app


def posted(app, **overrides) -> int:
    return app.invoices.post(app.create(**overrides).id).id


def number(app, invoice_id: int) -> str:
    """The invoice's number, taken from the day it was posted."""
    return app.invoices.get(invoice_id).invoice_number


def subjects(mail, invoice_id: int) -> list[str]:
    return [e.subject for e in reversed(mail.emails(invoice_id))]


def count(db: Database, table) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


def test_each_step_goes_out_on_its_day_once(rapp):
    mail = make_mail(rapp)
    invoice = posted(rapp)
    for offset in (-4, -3, -3, -1, 0, 0, 6, 7, 14, 14, 60):
        send_due_reminders(rapp.invoices, mail, today=on(offset))
    numbered = number(rapp, invoice)
    assert subjects(mail, invoice) == [
        f"Payment reminder: invoice {numbered} is due {DUE:%b} {DUE.day}, {DUE.year}",
        f"Payment reminder: invoice {numbered} is due today",
        f"Payment reminder: invoice {numbered} is 7 days overdue",
        f"Payment reminder: invoice {numbered} is 14 days overdue"]
    assert [r.step for r in PaymentReminders(rapp.invoices, mail).sent(invoice)] == [-3, 0, 7, 14]
    activity = [a.summary for a in rapp.invoices.activities(invoice) if a.kind == "reminder"]
    assert activity == ["Payment reminder (14 days overdue) queued",
                        "Payment reminder (7 days overdue) queued",
                        "Payment reminder (due today) queued",
                        "Payment reminder (due in 3 days) queued"]
    [latest] = mail.emails(invoice)[:1]
    assert latest.to == (rapp.customer_user_email,) and latest.template == REMINDER_TEMPLATE
    assert latest.status == "queued"


def test_a_run_reports_exactly_what_it_queued(rapp):
    mail = make_mail(rapp)
    posted(rapp)
    queued = [[r.step for r in send_due_reminders(rapp.invoices, mail, today=on(offset)).queued]
              for offset in (-4, -3, -3, 0, 0, 7, 14, 14)]
    assert queued == [[], [-3], [], [0], [], [7], [14], []]


def test_a_late_run_sends_only_the_latest_step(rapp):
    mail = make_mail(rapp)
    invoice = posted(rapp)
    report = send_due_reminders(rapp.invoices, mail, today=on(21))
    assert [(r.step, r.label) for r in report.queued] == [(14, "Payment reminder (14 days overdue)")]
    assert subjects(mail, invoice) == [
        f"Payment reminder: invoice {number(rapp, invoice)} is 21 days overdue"]
    assert send_due_reminders(rapp.invoices, mail, today=on(40)).queued == []


def test_only_invoices_that_can_be_paid_are_reminded(rapp):
    mail = make_mail(rapp)
    unpaid = posted(rapp)
    partly = posted(rapp)
    rapp.invoices.record_payment(partly, {"method": "bank", "action": "charge", "amount": "50.00"})
    paid = posted(rapp)
    rapp.invoices.record_payment(paid, {"method": "bank", "action": "charge", "amount": "231.86"})
    forced = posted(rapp)
    rapp.invoices.force_payment_status(forced, "paid_in_full")
    # paid in part by bank transfer, the rest authorized: the seller collects it by capturing
    held = posted(rapp)
    rapp.invoices.record_payment(held, {"method": "bank", "action": "charge", "amount": "100.00"})
    rapp.invoices.record_payment(held, {"method": "stripe", "action": "authorize", "amount": "131.86",
                                        "provider_reference": "pi_rest"})
    draft = rapp.create().id
    report = send_due_reminders(rapp.invoices, mail, today=on(7))
    assert sorted(r.invoice_id for r in report.queued) == sorted([unpaid, partly])
    for skipped in (paid, forced, held, draft):
        assert mail.emails(skipped) == []
    assert report.problems == []


def test_a_payment_arriving_during_the_run_stops_its_reminder(rapp, monkeypatch):
    mail = make_mail(rapp)
    invoice = posted(rapp)
    prepare = mail.prepare

    def paid_meanwhile(invoice_id, *args, **kwargs):
        draft = prepare(invoice_id, *args, **kwargs)
        rapp.invoices.record_payment(invoice_id, {"method": "bank", "action": "charge",
                                                  "amount": "231.86"})
        return draft

    monkeypatch.setattr(mail, "prepare", paid_meanwhile)
    assert send_due_reminders(rapp.invoices, mail, today=on(7)).queued == []
    assert mail.emails(invoice) == [] and count(rapp.invoices.db, ReminderRow) == 0


def test_a_dry_run_lists_and_writes_nothing(rapp):
    mail = make_mail(rapp)
    invoice = posted(rapp)
    report = send_due_reminders(rapp.invoices, mail, today=on(7), dry_run=True)
    assert [(r.invoice_id, r.step, r.to) for r in report.queued] == [
        (invoice, 7, (rapp.customer_user_email,))]
    assert "would queue 1 payment reminder(s)" in report.summary()
    assert mail.emails(invoice) == [] and count(rapp.invoices.db, ReminderRow) == 0
    assert [r.step for r in send_due_reminders(rapp.invoices, mail, today=on(7)).queued] == [7]


def test_schedule_and_switch_follow_the_scopes(rapp):
    mail = make_mail(rapp)
    host, s = rapp.host, rapp.settings
    monthly, silent = host.add_website("Monthly").id, host.add_website("Silent").id
    s.set("oro_invoices.reminders.enabled", False)
    s.set("oro_invoices.reminders.enabled", True, "organization", 1)
    s.set("oro_invoices.reminders.schedule", "30", "website", monthly)
    s.set("oro_invoices.reminders.enabled", False, "website", silent)
    plain = posted(rapp)
    monthly_invoice = posted(rapp, website_id=monthly)
    silent_invoice = posted(rapp, website_id=silent)
    other = host.add_customer("Other Org Ltd", organization_id=2)
    other_user = host.add_customer_user(other.id, "ap@other.test")
    other_org = posted(rapp, organization_id=2, customer_id=other.id, customer_user_id=other_user.id,
                       order_id=None, order_identifier="")
    first = send_due_reminders(rapp.invoices, mail, today=on(14))
    assert [(r.invoice_id, r.step) for r in first.queued] == [(plain, 14)]
    later = send_due_reminders(rapp.invoices, mail, today=on(30))
    assert [(r.invoice_id, r.step) for r in later.queued] == [(monthly_invoice, 30)]
    assert mail.emails(silent_invoice) == [] and mail.emails(other_org) == []
    s.set("oro_invoices.reminders.enabled", False, "organization", 1)
    assert send_due_reminders(rapp.invoices, mail, today=on(60)).queued == []


def test_a_bad_schedule_is_refused_on_save_with_a_clear_message(rapp):
    with pytest.raises(InvalidSetting) as refused:
        rapp.settings.set("oro_invoices.reminders.schedule", "-3, 0, soon", "website", 7)
    assert refused.value.message == (
        "Setting 'oro_invoices.reminders.schedule' at website scope (id 7): invalid value "
        "'-3, 0, soon': 'soon' is not a whole number of days; write day offsets relative to the "
        "due date, such as -3, 0, 7, 14.")
    assert rapp.settings.set("oro_invoices.reminders.schedule", "14, 7,-3") == "-3, 7, 14"


def test_the_template_an_admin_edited_is_used(rapp):
    rapp.host.email_templates.register(reminder_template())
    rapp.host.customise_template(
        REMINDER_TEMPLATE, subject="Nudge: {{ invoice.display_number }} ({{ reminder.label }})",
        text="{{ reminder.days_overdue }} days late, {{ invoice.amount_due|money(invoice.currency) }} due: "
             "{{ payment_url }}")
    mail = make_mail(rapp)
    invoice = posted(rapp)
    [reminder] = send_due_reminders(rapp.invoices, mail, today=on(9)).queued
    assert reminder.subject == f"Nudge: {number(rapp, invoice)} (7 days overdue)"
    with rapp.invoices.db.session() as s:
        text = s.get(OutboxEmail, reminder.email_id).text
    token = rapp.invoices.get(invoice).payment_token
    assert text == f"9 days late, $231.86 due: https://shop.test/invoices/pay/{token}"


def test_an_invoice_without_an_address_is_reported_and_tried_again(rapp):
    mail = make_mail(rapp)
    users = rapp.host.customers.users
    user_id = rapp.payload["customer_user_id"]
    users[user_id] = dataclasses.replace(users[user_id], email="")
    invoice = posted(rapp)
    report = send_due_reminders(rapp.invoices, mail, today=on(7))
    assert report.queued == [] and [(p.invoice_id, p.step) for p in report.problems] == [(invoice, 7)]
    assert "no customer user email address" in report.problems[0].message
    users[user_id] = dataclasses.replace(users[user_id], email="ap@acme.test")
    assert [r.to for r in send_due_reminders(rapp.invoices, mail, today=on(8)).queued] == [("ap@acme.test",)]


def test_a_run_that_crashes_midway_is_finished_by_the_next_exactly_once(rapp, monkeypatch):
    mail = make_mail(rapp)
    invoices = [posted(rapp) for _ in range(6)]
    queue, calls = mail.queue, []

    def crash_on_the_fourth(*args, **kwargs):
        calls.append(1)
        view = queue(*args, **kwargs)
        if len(calls) == 4:   # after the message was written, before the transaction commits
            raise RuntimeError("worker killed")
        return view

    monkeypatch.setattr(mail, "queue", crash_on_the_fourth)
    with pytest.raises(RuntimeError, match="worker killed"):
        send_due_reminders(rapp.invoices, mail, today=on(7))
    db = rapp.invoices.db
    assert count(db, ReminderRow) == 3 and count(db, OutboxEmail) == 3   # the 4th rolled back whole
    monkeypatch.setattr(mail, "queue", queue)
    second = send_due_reminders(rapp.invoices, mail, today=on(7))
    assert len(second.queued) == 3
    assert [len(mail.emails(i)) for i in invoices] == [1] * 6
    assert count(db, ReminderRow) == 6 and count(db, OutboxEmail) == 6


def slowly(queue):
    def queue_then_linger(*args, **kwargs):
        view = queue(*args, **kwargs)
        time.sleep(0.1)
        return view
    return queue_then_linger


def test_two_runs_at_once_send_each_reminder_once(rapp):
    """Two workers, each with its own connection pool, start together on the same invoices.

    Each holds its transaction open a moment after writing the message, so both read the
    invoices as not reminded yet and both try every one: the unique row decides."""
    invoices = [posted(rapp) for _ in range(8)]
    db = rapp.invoices.db
    workers = []
    for _ in range(2):
        own_db = Database(db.url)
        service = InvoiceService(own_db, plugins=rapp.invoices.plugins, settings=rapp.settings,
                                 host=rapp.host, payment_url=rapp.invoices.payment_url)
        mail = make_mail(rapp)
        mail.db, mail.invoices = own_db, service
        mail.queue = slowly(mail.queue)
        workers.append((service, mail))
    start, reports, errors = threading.Barrier(2), [], []

    def run(service, mail):
        try:
            start.wait(timeout=30)
            reports.append(send_due_reminders(service, mail, today=on(7)))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=worker) for worker in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(len(r.queued) for r in reports) == 8
    assert sum(r.already_sent for r in reports) >= 1   # they did collide
    assert count(db, ReminderRow) == 8 and count(db, OutboxEmail) == 8
    assert sorted(i for r in reports for i in (q.invoice_id for q in r.queued)) == sorted(invoices)
    for service, _ in workers:
        service.db.dispose()


def test_the_remind_command_then_deliver_mail_reaches_the_smtp_server(app, smtp_server, capsys):
    """``oro-invoices remind`` queues, ``deliver-mail`` sends it with the stored PDF attached."""
    app.settings.set("oro_invoices.reminders.enabled", True)
    invoice = app.invoices.post(app.create().id)
    argv = ["remind", "--db", app.invoices.db.url, "--storage", str(app.storage.root),
            "--date", on(7).isoformat()]
    assert cli.main([*argv, "--dry-run"], host=app.host) == 0
    dry = capsys.readouterr().out
    assert (f"would queue: invoice {invoice.invoice_number} (id {invoice.id}): "
            f"Payment reminder (7 days overdue) to {app.customer_user_email}") in dry
    assert cli.main(argv, host=app.host) == 0
    assert "queued 1 payment reminder(s)" in capsys.readouterr().out
    assert cli.main(argv, host=app.host) == 0
    assert "queued 0 payment reminder(s)" in capsys.readouterr().out

    deliver_mail_command(app, smtp_server)
    [received] = smtp_server.handler.received
    message = parse(received.content)
    assert received.rcpt_tos == (app.customer_user_email,)
    assert message["Subject"] == f"Payment reminder: invoice {invoice.invoice_number} is 7 days overdue"
    body = message.get_body(("plain",)).get_content()
    assert "is now 7 days overdue" in body and "Amount due: $231.86" in body
    assert SELLER["company_name"] in body
    [attachment] = list(message.iter_attachments())
    assert sha256(attachment.get_content()) == app.invoices.get(invoice.id).pdf.sha256
    assert [e.status for e in make_mail(app).emails(invoice.id)] == ["sent"]


def test_the_remind_command_without_a_storage_sends_the_reminder_without_its_pdf(app, smtp_server, capsys):
    """``--storage`` only adds the attachment: a posted invoice whose PDF the command cannot
    read is reminded all the same."""
    app.settings.set("oro_invoices.reminders.enabled", True)
    invoice = app.invoices.post(app.create().id)
    assert app.invoices.get(invoice.id).pdf is not None
    argv = ["remind", "--db", app.invoices.db.url, "--date", on(7).isoformat()]
    assert cli.main(argv, host=app.host) == 0
    assert "queued 1 payment reminder(s)" in capsys.readouterr().out
    deliver_mail_command(app, smtp_server)
    [received] = smtp_server.handler.received
    message = parse(received.content)
    assert message["Subject"] == f"Payment reminder: invoice {invoice.invoice_number} is 7 days overdue"
    assert list(message.iter_attachments()) == []


def test_the_remind_command_without_a_host_says_reminders_are_off(sqlite_db, capsys):
    assert cli.main(["remind", "--db", sqlite_db.url, "--host", "none"]) == 0
    captured = capsys.readouterr()
    assert "no host: settings are at their defaults, so reminders are off" in captured.err
    assert captured.out == (f"{dt.datetime.now(dt.UTC).date().isoformat()}: queued 0 payment reminder(s) "
                            "(invoices are off in every scope: oro_invoices.enabled)\n")


def test_the_remind_command_says_reminders_are_off_in_every_scope(app, capsys):
    app.invoices.post(app.create().id)
    argv = ["remind", "--db", app.invoices.db.url, "--date", on(7).isoformat()]
    assert cli.main(argv, host=app.host) == 0
    assert capsys.readouterr().out == (f"{on(7).isoformat()}: queued 0 payment reminder(s) (payment reminders "
                                       "are off in every scope: oro_invoices.reminders.enabled)\n")


def test_a_reminder_of_an_invoice_whose_pdf_is_still_to_be_made_waits_for_a_later_run(app, capsys):
    """``remind`` renders no PDF: an invoice whose PDF is not made yet is left for a later run
    (counted, not failed), and that run sends its reminder with the PDF."""
    app.settings.set("oro_invoices.reminders.enabled", True)
    invoice = app.invoices.post(app.create().id, defer_pdf=True)
    assert app.invoices.get(invoice.id).pdf is None
    argv = ["remind", "--db", app.invoices.db.url, "--storage", str(app.storage.root), "--date", on(7).isoformat()]
    for dry_run in (["--dry-run"], []):
        assert cli.main([*argv, *dry_run], host=app.host) == 0
        verb = "would queue" if dry_run else "queued"
        assert capsys.readouterr().out == (
            f"WAIT invoice {invoice.invoice_number} (id {invoice.id}): its PDF is not made yet; its reminder goes "
            "out on a run after oro-invoices complete-pdfs (or a worker) has made it\n"
            f"{on(7).isoformat()}: {verb} 0 payment reminder(s), 1 invoice(s) wait for their PDF\n")
    assert make_mail(app).emails(invoice.id) == []
    made = app.invoices.ensure_pdf(invoice.id)
    assert made.pdf is not None
    assert cli.main(argv, host=app.host) == 0
    assert capsys.readouterr().out == (
        f"queued: invoice {invoice.invoice_number} (id {invoice.id}): Payment reminder (7 days overdue) to "
        f"{app.customer_user_email}\n{on(7).isoformat()}: queued 1 payment reminder(s)\n")
    [email] = make_mail(app).emails(invoice.id)
    assert [a.sha256 for a in email.attachments] == [made.pdf.sha256]


def test_the_reminder_template_sent_by_hand_speaks_of_today(rapp):
    """In the email dialog an admin may pick the reminder template: it reads as of today, and
    being no schedule step it leaves the schedule's steps to the runs."""
    today = dt.datetime.combine(on(9), dt.time(8), tzinfo=dt.UTC)
    mail = make_mail(rapp, clock=lambda: today)
    invoice = posted(rapp)
    draft = mail.prepare(invoice, REMINDER_TEMPLATE)
    assert draft.subject == (
        f"Payment reminder: invoice {number(rapp, invoice)} is 9 days overdue")
    mail.send(invoice, to=draft.to, subject=draft.subject, text=draft.text, attach_pdf=False,
              actor="admin", template=REMINDER_TEMPLATE)
    assert count(rapp.invoices.db, ReminderRow) == 0
    assert [r.step for r in send_due_reminders(rapp.invoices, mail, today=on(9)).queued] == [7]


def test_invoices_are_read_in_batches(rapp):
    mail = make_mail(rapp)
    invoices = [posted(rapp) for _ in range(5)]
    report = PaymentReminders(rapp.invoices, mail, batch_size=2).run(today=on(0))
    assert sorted(r.invoice_id for r in report.queued) == invoices
    assert report.summary() == f"{on(0).isoformat()}: queued 5 payment reminder(s)"


def test_one_organizations_invoices_are_read_in_batches_by_due_date(rapp):
    mail = make_mail(rapp)
    due = [DUE + dt.timedelta(days=d) for d in (2, 0, 1, 0, 2)]
    invoices = [posted(rapp, due_date=day.isoformat()) for day in due]
    report = PaymentReminders(rapp.invoices, mail, batch_size=2).run(today=on(14), organization_id=1)
    assert [r.invoice_id for r in report.queued] == [invoices[i] for i in (1, 3, 2, 0, 4)]
    assert PaymentReminders(rapp.invoices, mail, batch_size=2).run(today=on(14), organization_id=2).queued == []


def test_each_batch_is_read_from_where_the_last_one_ended(rapp):
    """A batch starts at the last id in the payment states' primary key and reads it in order:
    a run reads each state once, not every earlier one again for each batch."""
    invoices = [posted(rapp) for _ in range(5)]
    paid = posted(rapp)
    rapp.invoices.force_payment_status(paid, "paid_in_full")
    rapp.create()
    db = rapp.invoices.db
    seen: list[tuple[str, object]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
    with db.session() as s:
        batch = reminders.candidates(s, DUE, after_id=invoices[1], limit=2)
        assert [(c.invoice_id, c.due_date) for c in batch] == [(invoices[2], DUE), (invoices[3], DUE)]
        assert [c.invoice_id for c in reminders.candidates(s, DUE, after_id=invoices[3])] == [invoices[4]]
        assert reminders.candidates(s, on(-1)) == []
        assert [c.invoice_id for c in reminders.candidates(s, DUE, organization_id=1)] == invoices
        assert reminders.candidates(s, DUE, organization_id=2) == []
        mark = len(seen)
        one = reminders.candidates(s, DUE, organization_id=1, after_due_date=DUE, after_id=invoices[2])
        assert [c.invoice_id for c in one] == invoices[3:]
    batches = [sent for sent in seen if "open_due_date" in sent[0]]
    assert_read_from_the_last_id(db, *batches[0])
    assert_read_from_the_last_id(db, *seen[mark], organization=True)


def test_invoices_no_reminder_can_ask_to_pay_are_not_read_as_candidates(rapp):
    """A refunded invoice (in full, or in part with an amount due again) and one whose rest an
    authorization holds are owed, but a reminder cannot ask to pay them: the batches leave them
    out, still reading the states from the last id (or the organization's index alone)."""
    unpaid = posted(rapp)
    refunded, partly_refunded, held = posted(rapp), posted(rapp), posted(rapp)
    invoices = rapp.invoices
    for invoice_id, refund in ((refunded, "231.86"), (partly_refunded, "31.86")):
        invoices.record_payment(invoice_id, {"method": "bank", "action": "charge", "amount": "231.86"})
        invoices.record_payment(invoice_id, {"method": "bank", "action": "refund", "amount": refund})
    invoices.record_payment(held, {"method": "bank", "action": "charge", "amount": "100.00"})
    invoices.record_payment(held, {"method": "stripe", "action": "authorize", "amount": "131.86",
                                   "provider_reference": "pi_rest"})
    assert {invoices.get(i).payment_status.value for i in (refunded, partly_refunded)} == {
        "refunded", "refunded_partially"}
    assert all(invoices.get(i).amount_due > 0 for i in (refunded, partly_refunded, held))   # all still owed
    db = invoices.db
    seen: list[tuple[str, object]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
    with db.session() as s:
        assert [c.invoice_id for c in reminders.candidates(s, on(7))] == [unpaid]
        mark = len(seen)
        assert [c.invoice_id for c in reminders.candidates(s, on(7), organization_id=1, after_due_date=DUE)] == \
            [unpaid]
    assert_read_from_the_last_id(db, *seen[mark - 1])
    assert_read_from_the_last_id(db, *seen[mark], organization=True)
    mail = make_mail(rapp)
    assert [r.invoice_id for r in send_due_reminders(invoices, mail, today=on(7)).queued] == [unpaid]


def assert_read_from_the_last_id(db: Database, statement: str, parameters: object, *,
                                 organization: bool = False) -> None:
    """The plan of a batch: a range of the states' primary key from the last id, in order; for
    one organization a range of its (organization, open due date, invoice) index from the last
    (due date, id), in order."""
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            # a few rows, read as a large table would be
            conn.exec_driver_sql("SET enable_seqscan = off; SET enable_bitmapscan = off")
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            if organization:
                assert "Index Only Scan using ix_oro_invoice_payment_state_org_open_due" in plan, plan
                assert "ROW(open_due_date, invoice_id) > ROW(" in plan, plan
            else:
                assert "Index Scan using pk_oro_invoice_payment_state" in plan, plan
                assert "Index Cond: (invoice_id > " in plan, plan
        else:
            plan = " | ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                       parameters))
            expected = "USING COVERING INDEX ix_oro_invoice_payment_state_org_open_due (organization_id=? " \
                "AND open_due_date>?" if organization else "USING INTEGER PRIMARY KEY (rowid>?)"
            assert "SEARCH oro_invoice_payment_state " + expected in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


def statements_reading(db: Database, run) -> list[str]:
    """The statements ``run()`` sends that read the payment states or the reminders sent."""
    with statements_on(db.engine) as seen:
        run()
    return [s for s in seen if "oro_invoice_payment_state" in s or "oro_invoice_reminder" in s]


def test_a_run_with_reminders_off_everywhere_reads_no_invoice(rapp):
    mail = make_mail(rapp)
    invoice = posted(rapp)
    rapp.settings.set("oro_invoices.reminders.enabled", False)
    run = lambda: send_due_reminders(rapp.invoices, mail, today=on(14))  # noqa: E731
    assert statements_reading(rapp.invoices.db, run) == []
    rapp.settings.set("oro_invoices.reminders.enabled", True, "website", rapp.host.add_website("Elsewhere").id)
    assert statements_reading(rapp.invoices.db, run) != []   # one website is enough to look
    assert mail.emails(invoice) == []
    rapp.settings.set("oro_invoices.reminders.enabled", True, "organization", 1)
    assert [r.invoice_id for r in send_due_reminders(rapp.invoices, mail, today=on(14)).queued] == [invoice]


def test_a_run_reads_only_as_far_ahead_as_the_earliest_step_of_any_schedule(rapp):
    """The default schedule starts 3 days before the due date; a website's starting 10 days
    before makes the run look 10 days ahead; a schedule stored behind the add-on's back that
    cannot be used changes nothing (its parent scope's applies)."""
    mail = make_mail(rapp)
    reminders_of = PaymentReminders(rapp.invoices, mail)
    assert reminders_of.reach(DUE) == Reach(due_by=on(3), last_step=14)
    rapp.settings.store.save("oro_invoices.reminders.schedule", "-100, soon", "website", 5)
    assert reminders_of.reach(DUE) == Reach(due_by=on(3), last_step=14)
    early = rapp.host.add_website("Early").id
    rapp.settings.set("oro_invoices.reminders.schedule", "-10, 30", "website", early)
    assert reminders_of.reach(DUE) == Reach(due_by=on(10), last_step=30)
    rapp.settings.set("oro_invoices.reminders.schedule", "")
    rapp.settings.set("oro_invoices.reminders.schedule", "", "website", early)
    assert reminders_of.reach(DUE) is None
    rapp.settings.set("oro_invoices.reminders.schedule", "-10", "website", early)
    assert reminders_of.reach(DUE) == Reach(due_by=on(10), last_step=-10)
    plain, ahead = posted(rapp), posted(rapp, website_id=early)
    report = send_due_reminders(rapp.invoices, mail, today=on(-10))
    assert [(r.invoice_id, r.step) for r in report.queued] == [(ahead, -10)]
    assert mail.emails(plain) == []


def test_what_was_sent_is_read_only_for_invoices_a_step_has_arrived_for(rapp):
    mail = make_mail(rapp)
    posted(rapp)
    db = rapp.invoices.db
    def sent_reads(today: dt.date) -> int:
        run = lambda: send_due_reminders(rapp.invoices, mail, today=today)  # noqa: E731
        return sum(s.startswith("SELECT oro_invoice_reminder.invoice_id, oro_invoice_reminder.step")
                   for s in statements_reading(db, run))
    assert sent_reads(on(-4)) == 0   # due in 4 days: beyond the first step, not a candidate
    assert sent_reads(on(-3)) == 1
    rapp.settings.set("oro_invoices.reminders.schedule", "7", "organization", 1)
    assert sent_reads(on(0)) == 0    # a candidate (-3 applies elsewhere), but 7 has not arrived
    assert sent_reads(on(7)) == 1


def test_invoices_sent_the_last_step_of_every_schedule_are_not_read_again(rapp):
    """An invoice sent the latest step of any schedule (or a later one) is owed nothing more:
    a batch leaves it out, looking its latest step up in the reminders' index, and still
    reads the payment states from the last id. A schedule with a later step reads it again."""
    mail = make_mail(rapp)
    first, second, third = (posted(rapp) for _ in range(3))
    assert len(send_due_reminders(rapp.invoices, mail, today=on(14)).queued) == 3
    rapp.settings.set("oro_invoices.reminders.schedule", "-3, 0, 7")
    with rapp.invoices.db.transaction() as s:
        s.add(ReminderRow(invoice_id=third, step=30, due_date=DUE, sent_on=on(30), email_id=0))
    db = rapp.invoices.db
    seen: list[tuple[str, object]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
    with db.session() as s:
        assert [c.invoice_id for c in reminders.candidates(s, on(60), finished_from=14)] == []
        assert [c.invoice_id for c in reminders.candidates(s, on(60), finished_from=30)] == [first, second]
        assert [c.invoice_id for c in reminders.candidates(s, on(60), finished_from=31)] == [first, second, third]
    [batch] = [sent for sent in seen if "open_due_date" in sent[0]][:1]
    assert_read_from_the_last_id(db, *batch)
    with db.engine.connect() as conn:
        explain = "EXPLAIN " if db.dialect == "postgresql" else "EXPLAIN QUERY PLAN "
        if db.dialect == "postgresql":  # a few rows, read as large tables would be
            conn.exec_driver_sql("SET enable_seqscan = off; SET enable_bitmapscan = off")
        plan = " | ".join(str(row[-1] if db.dialect == "sqlite" else row[0])
                          for row in conn.exec_driver_sql(explain + batch[0], batch[1]))
    by_invoice = "uq_oro_invoice_reminder_invoice_step" if db.dialect == "postgresql" \
        else "SEARCH oro_invoice_reminder USING COVERING INDEX"
    assert by_invoice in plan, plan
    assert "Hash" not in plan and "SCAN oro_invoice_reminder" not in plan, plan
    # nothing owed: a daily run reads none of them, a run with a 30-day step reads them again
    assert send_due_reminders(rapp.invoices, mail, today=on(60)).queued == []
    rapp.settings.set("oro_invoices.reminders.schedule", "14, 45")
    assert sorted(r.invoice_id for r in send_due_reminders(rapp.invoices, mail, today=on(60)).queued) == \
        [first, second, third]


def test_a_reminder_sent_after_the_guest_link_expired_carries_no_dead_link(rapp):
    """The guest payment link expires oro_invoices.payment_link_ttl_days after posting (then it only
    answers that it expired): a later reminder does not hand it out."""
    rapp.host.email_templates.register(reminder_template())
    rapp.host.customise_template(REMINDER_TEMPLATE, subject="Nudge", text="Pay: [{{ payment_url or '' }}]")
    rapp.settings.set("oro_invoices.payment_link_ttl_days", 5)
    mail = make_mail(rapp)
    invoice = posted(rapp)
    posted_at = rapp.invoices.get(invoice).posted_at
    rapp.invoices.context.clock = lambda: posted_at + dt.timedelta(days=4)      # still valid
    [early] = send_due_reminders(rapp.invoices, mail, today=on(-3)).queued
    rapp.invoices.context.clock = lambda: posted_at + dt.timedelta(days=6)      # expired
    [late] = send_due_reminders(rapp.invoices, mail, today=on(7)).queued
    with rapp.invoices.db.session() as s:
        texts = [s.get(OutboxEmail, e.email_id).text for e in (early, late)]
    token = rapp.invoices.get(invoice).payment_token
    assert texts == [f"Pay: [https://shop.test/invoices/pay/{token}]", "Pay: []"]
    assert rapp.invoices.pay_link(rapp.invoices.get(invoice)) is None          # nor the PDF, nor a page


def test_a_customer_an_admin_opted_out_gets_no_reminders_and_the_run_counts_them(rapp):
    """Reminders on for the organization; one customer's own setting off (set by an admin): their
    invoices are skipped, counted once per customer in the report; the others are reminded."""
    mail = make_mail(rapp)
    host, s = rapp.host, rapp.settings
    reminded = posted(rapp)
    quiet = host.add_customer("Quiet GmbH")
    quiet_user = host.add_customer_user(quiet.id, "ap@quiet.test")
    skipped = [posted(rapp, customer_id=quiet.id, customer_user_id=quiet_user.id, order_id=None, order_identifier="")
               for _ in range(2)]
    set_customer_reminders(s, quiet.id, on=False)
    report = send_due_reminders(rapp.invoices, mail, today=on(7))
    assert [r.invoice_id for r in report.queued] == [reminded]
    assert report.opted_out == {(1, quiet.id)} and report.opted_out_invoices == 2
    assert report.summary() == (f"{on(7).isoformat()}: queued 1 payment reminder(s), "
                                "skipped 1 customer(s) with reminders off for them (2 invoice(s))")
    assert all(mail.emails(invoice) == [] for invoice in skipped)
    assert customer_reminders(s, 1, quiet.id) == CustomerReminders(on=False, scope="customer")
    assert customer_reminders(s, 1, quiet.id).opted_out
    # back on: the next step goes out (the one missed is not sent late, as for any late run)
    set_customer_reminders(s, quiet.id, on=True)
    assert customer_reminders(s, 1, quiet.id) == CustomerReminders(on=True, scope="global")
    again = send_due_reminders(rapp.invoices, mail, today=on(14))
    assert sorted(r.invoice_id for r in again.queued) == sorted([reminded, *skipped])
    assert again.opted_out == set() and "skipped" not in again.summary()


def test_a_customer_group_can_be_opted_out_and_a_customer_in_it_opted_back_in(rapp):
    mail = make_mail(rapp)
    host, s = rapp.host, rapp.settings
    grouped = host.add_customer("Grouped AG", group_id=7)
    member = host.add_customer("Member AG", group_id=7)
    invoices = {}
    for customer in (grouped, member):
        user = host.add_customer_user(customer.id, f"ap{customer.id}@group.test")
        invoices[customer.id] = posted(rapp, customer_id=customer.id, customer_user_id=user.id, order_id=None,
                                       order_identifier="")
    s.set("oro_invoices.reminders.enabled", False, "customer_group", 7)
    s.set("oro_invoices.reminders.enabled", True, "customer", member.id)   # its own comes first
    report = send_due_reminders(rapp.invoices, mail, today=on(0))
    assert [r.invoice_id for r in report.queued] == [invoices[member.id]]
    assert report.opted_out == {(1, grouped.id)}
    assert customer_reminders(s, 1, grouped.id, 7) == CustomerReminders(on=False, scope="customer_group")


def test_reminders_off_for_the_organization_count_no_customer_as_opted_out(rapp):
    """A customer is opted out when reminders are off for them alone; with them off for the
    organization, nobody is skipped: nothing would be sent anyway."""
    s = rapp.settings
    s.set("oro_invoices.reminders.enabled", False, "organization", 1)
    quiet = rapp.host.add_customer("Quiet GmbH")
    user = rapp.host.add_customer_user(quiet.id, "ap@quiet.test")
    posted(rapp, customer_id=quiet.id, customer_user_id=user.id, order_id=None, order_identifier="")
    set_customer_reminders(s, quiet.id, on=False)
    report = send_due_reminders(rapp.invoices, make_mail(rapp), today=on(7))
    assert report.queued == [] and report.opted_out == set()


def test_the_remind_command_says_how_many_customers_it_skipped(app, capsys):
    app.settings.set("oro_invoices.reminders.enabled", True)
    invoice = app.invoices.post(app.create().id)
    set_customer_reminders(app.settings, invoice.customer_id, on=False)
    argv = ["remind", "--db", app.invoices.db.url, "--date", on(7).isoformat()]
    assert cli.main(argv, host=app.host) == 0
    assert capsys.readouterr().out == (f"{on(7).isoformat()}: queued 0 payment reminder(s), skipped 1 customer(s) "
                                       "with reminders off for them (1 invoice(s))\n")


def test_the_background_job_logs_how_many_customers_it_skipped(rapp, caplog, monkeypatch):
    import logging
    from types import SimpleNamespace

    from oro_invoices.jobs import tasks
    invoice = rapp.invoices.get(posted(rapp))
    set_customer_reminders(rapp.settings, invoice.customer_id, on=False)
    monkeypatch.setattr(rapp.invoices.context, "clock", lambda: dt.datetime.combine(on(7), dt.time(9), dt.UTC))
    with caplog.at_level(logging.INFO, logger="oro_invoices.jobs"):
        assert tasks.payment_reminders(SimpleNamespace(invoices=rapp.invoices, mail=make_mail(rapp))) == 0
    assert (f"payment_reminders: {on(7).isoformat()}: queued 0 payment reminder(s), skipped 1 customer(s) "
            "with reminders off for them (1 invoice(s))") in caplog.messages
