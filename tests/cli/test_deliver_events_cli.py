"""``oro-invoices deliver-events``: built through the composition root, a summary line, exit codes."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from support.days import days_ago, today
from support.payloads import invoice_payload
from support.webhooks import Receiver

import oro_invoices.composition as composition
from oro_invoices.cli import main
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings
from oro_invoices.persistence.outgoing_events import EventResend, OutgoingEvent
from oro_invoices.services.facade import InvoiceService

SECRET = "cli-secret-0123456789"


@pytest.fixture
def host(monkeypatch):
    monkeypatch.delenv("ORO_INVOICES_HOST", raising=False)
    return MemoryHost()


def paid_partially(db, host, url: str, organization_id: int = 1) -> None:
    settings = Settings(host.config)
    settings.set("oro_invoices.webhooks.endpoints", [{"url": url, "secret": SECRET}])
    svc = InvoiceService(db, settings=settings)
    inv = svc.post(svc.create(invoice_payload(organization_id=organization_id)).id)
    svc.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "100.00"})


def statuses(db) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(OutgoingEvent.status)))


def test_delivers_through_the_composition_root(sqlite_db, host, capsys, monkeypatch):
    built = []
    real = composition.build_addon

    def spy(config, *, host=None, plugins=None):
        built.append(config)
        return real(config, host=host, plugins=plugins)
    monkeypatch.setattr(composition, "build_addon", spy)
    with Receiver() as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        code = main(["deliver-events", "--db", sqlite_db.url, "--timeout", "5"], host=host)
    assert code == 0
    assert capsys.readouterr().out == "claimed 1: 1 delivered, 0 to retry, 0 failed\n"
    assert [(c.database_url, c.webhook_timeout) for c in built] == [(sqlite_db.url, 5.0)]
    assert len(receiver.requests) == 1 and statuses(sqlite_db) == ["delivered"]


def test_delivers_an_event_about_no_invoice(sqlite_db, host, capsys):
    """Credit given back outside the add-on is a ``customer.credit_updated`` event of no invoice."""
    settings = Settings(host.config)
    svc = InvoiceService(sqlite_db, settings=settings)
    inv = svc.post(svc.create(invoice_payload()).id)     # 231.86 USD; 18.14 over it kept as credit
    svc.record_received_payment(inv.id, amount="250.00", method="bank_transfer", received_on=today(), actor="admin",
                                request_key="b" * 24, keep_surplus=True)
    with Receiver() as receiver:
        settings.set("oro_invoices.webhooks.endpoints", [{"url": receiver.url, "secret": SECRET}])
        svc.pay_out_credit(10, organization_id=1, currency="USD", amount="18.14", reference="TRF-1", actor="admin")
        code = main(["deliver-events", "--db", sqlite_db.url], host=host)
    assert code == 0
    assert capsys.readouterr().out == "claimed 1: 1 delivered, 0 to retry, 0 failed\n"
    [request] = receiver.requests
    assert request.headers["Oro-Invoices-Event-Type"] == "customer.credit_updated"
    data = json.loads(request.body)["data"]
    assert (data["kind"], data["change"], data["balance"], data["invoice_id"]) == ("paid_out", "-18.14", "0.00", None)
    assert statuses(sqlite_db) == ["delivered"]


def test_nothing_due_is_a_quiet_success(sqlite_db, host, capsys):
    assert main(["deliver-events", "--db", sqlite_db.url], host=host) == 0
    assert capsys.readouterr().out == "claimed 0: 0 delivered, 0 to retry, 0 failed\n"


def test_retrying_is_success_failing_for_good_is_exit_1(sqlite_db, host, capsys):
    with Receiver(answers=[503]) as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        assert main(["deliver-events", "--db", sqlite_db.url], host=host) == 0
    assert capsys.readouterr().out == "claimed 1: 0 delivered, 1 to retry, 0 failed\n"
    with Receiver(answers=[410]) as gone:
        paid_partially(sqlite_db, host, gone.url)
        assert main(["deliver-events", "--db", sqlite_db.url], host=host) == 1
    assert capsys.readouterr().out == "claimed 1: 0 delivered, 0 to retry, 1 failed\n"


def test_without_a_host_it_refuses_to_run(sqlite_db, host, capsys):
    with Receiver() as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        assert main(["deliver-events", "--db", sqlite_db.url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: deliver-events needs the host whose settings list the webhook "
                          "endpoints")
    assert "--host NAME or set $ORO_INVOICES_HOST" in err
    assert receiver.requests == [] and statuses(sqlite_db) == ["pending"]  # nothing given up


def test_a_host_whose_settings_list_no_endpoint_sends_and_marks_nothing(sqlite_db, host, capsys):
    with Receiver() as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        assert main(["deliver-events", "--db", sqlite_db.url], host=MemoryHost()) == 2    # not the shop's host
    err = capsys.readouterr().err
    assert err.startswith("error: 1 event(s) wait for delivery, but the settings of host 'memory' list no webhook "
                          "endpoint in any scope; nothing was sent or marked.")
    assert receiver.requests == [] and statuses(sqlite_db) == ["pending"]


@pytest.mark.parametrize("args,message", [
    (["--limit", "0"], "argument --limit: 0 is too small: must be at least 1"),
    (["--limit", "many"], "argument --limit: 'many' is not a whole number"),
    (["--timeout", "0"], "argument --timeout: 0 is too small: must be more than 0"),
    (["--every", "-1"], "argument --every: -1 is too small: must be at least 0"),
])
def test_bad_arguments_are_one_clear_line(sqlite_db, host, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["deliver-events", "--db", sqlite_db.url, *args], host=host)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_every_keeps_delivering_until_interrupted(sqlite_db, host, capsys, monkeypatch):
    import time
    naps = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt
    monkeypatch.setattr(time, "sleep", sleep)
    with Receiver() as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        assert main(["deliver-events", "--db", sqlite_db.url, "--every", "0.5"], host=host) == 130
    # one line for the run that claimed something, none for the idle one
    said = capsys.readouterr()
    assert said.out == "claimed 1: 1 delivered, 0 to retry, 0 failed\n"
    assert said.err.splitlines()[-1] == "deliver-events stopped after its last finished round (2 round(s)); " \
                                        "nothing was cut short"
    assert naps == [0.5, 0.5] and len(receiver.requests) == 1


def test_redeliver_failed_sends_the_failed_events_again_with_their_event_id(sqlite_db, host, capsys):
    with Receiver(answers=[410, 200]) as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        paid_partially(sqlite_db, host, receiver.url)         # delivered: not sent again
        assert main(["deliver-events", "--db", sqlite_db.url], host=host) == 1
        capsys.readouterr()
        assert main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", "--since", days_ago(1).isoformat(),
                     "--endpoint", receiver.url], host=host) == 0
        assert capsys.readouterr().out == ("re-queued 1 failed event(s)\n"
                                           "claimed 1: 1 delivered, 0 to retry, 0 failed\n")
    first, second, again = receiver.requests
    assert again.headers["Oro-Invoices-Event-Id"] == first.headers["Oro-Invoices-Event-Id"]
    assert again.body == first.body and second.headers["Oro-Invoices-Event-Id"] != first.headers["Oro-Invoices-Event-Id"]
    assert statuses(sqlite_db) == ["delivered", "delivered"]


def test_redeliver_failed_keeps_to_its_day_and_endpoint(sqlite_db, host, capsys):
    with Receiver(answers=[410]) as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        main(["deliver-events", "--db", sqlite_db.url], host=host)
        capsys.readouterr()
        tomorrow = (today() + dt.timedelta(days=1)).isoformat()
        for narrower in (["--since", tomorrow], ["--endpoint", receiver.url + "/other"]):
            assert main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", *narrower], host=host) == 0
            assert capsys.readouterr().out == "re-queued 0 failed event(s)\nclaimed 0: 0 delivered, 0 to retry, 0 failed\n"
    assert len(receiver.requests) == 1 and statuses(sqlite_db) == ["failed"]


def test_redeliver_failed_leaves_an_endpoint_no_longer_configured_failed(sqlite_db, host, capsys):
    with Receiver(answers=[410]) as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        main(["deliver-events", "--db", sqlite_db.url], host=host)
    Settings(host.config).set("oro_invoices.webhooks.endpoints", [{"url": "https://erp.example.com/hooks",
                                                                   "secret": SECRET}])
    capsys.readouterr()
    assert main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed"], host=host) == 0
    assert capsys.readouterr().out == (f"re-queued 0 failed event(s); 1 left failed: their endpoint is no longer "
                                       f"configured: {receiver.url} (1)\n"
                                       "claimed 0: 0 delivered, 0 to retry, 0 failed\n")
    assert statuses(sqlite_db) == ["failed"]


@pytest.mark.parametrize("option", [["--since", "2026-12-01"], ["--endpoint", "https://erp.example.com/hooks"],
                                    ["--organization", "2"]])
def test_since_and_endpoint_need_redeliver_failed(sqlite_db, host, capsys, option):
    assert main(["deliver-events", "--db", sqlite_db.url, *option], host=host) == 2
    assert capsys.readouterr().err == (f"error: {option[0]} chooses the failed events to send again: give it with "
                                       "--redeliver-failed.\n")


def history(db) -> list[tuple]:
    """Each event's organization, status and what its resends kept, by id."""
    e = OutgoingEvent
    with db.session() as s:
        return [tuple(row) for row in s.execute(select(
            e.organization_id, e.status, e.redeliveries, e.redelivered_by, e.previous_attempts,
            e.previous_response_status, e.previous_error).order_by(e.id))]


def test_redeliver_failed_keeps_to_its_organization_and_records_the_resend(sqlite_db, host, capsys):
    with Receiver(answers=[410, 410, 200]) as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        paid_partially(sqlite_db, host, receiver.url, organization_id=2)
        assert main(["deliver-events", "--db", sqlite_db.url], host=host) == 1
        capsys.readouterr()
        assert main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", "--organization", "2"],
                    host=host) == 0
        assert capsys.readouterr().out == ("re-queued 1 failed event(s)\n"
                                           "claimed 1: 1 delivered, 0 to retry, 0 failed\n")
    assert history(sqlite_db) == [
        (1, "failed", 0, None, None, None, ""),
        (2, "delivered", 1, "cli", 1, 410, "HTTP 410: answer 410")]
    with sqlite_db.session() as s:
        resent = s.scalars(select(OutgoingEvent).where(OutgoingEvent.organization_id == 2)).one()
        assert resent.redelivered_at is not None and resent.attempts == 1


def test_redeliver_failed_since_takes_a_time_with_its_offset(sqlite_db, host, capsys):
    with Receiver(answers=[410, 200]) as receiver:
        paid_partially(sqlite_db, host, receiver.url)
        main(["deliver-events", "--db", sqlite_db.url], host=host)
        with sqlite_db.session() as s:
            occurred = s.scalars(select(OutgoingEvent.created_at)).one()
        capsys.readouterr()
        later = (occurred + dt.timedelta(minutes=1)).astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
        assert main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", "--since",
                     later.isoformat()], host=host) == 0
        assert capsys.readouterr().out.startswith("re-queued 0 failed event(s)\n")
        earlier = (occurred - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", "--since", earlier],
                    host=host) == 0
        assert capsys.readouterr().out == ("re-queued 1 failed event(s)\n"
                                           "claimed 1: 1 delivered, 0 to retry, 0 failed\n")
    assert statuses(sqlite_db) == ["delivered"]


@pytest.mark.parametrize("since", ["2026-12-01T09:30:00", "yesterday", "2026-02-30", "2026-12-01 09:30+01:00",
                                   "0000-02-30"])
def test_redeliver_failed_refuses_a_since_that_is_no_day_or_time_with_offset(sqlite_db, host, capsys, since):
    with pytest.raises(SystemExit) as exit_info:
        main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", "--since", since], host=host)
    assert exit_info.value.code == 2
    assert (f"argument --since: not a day (YYYY-MM-DD) or a time with its offset (2026-12-01T09:30:00+01:00, "
            f"or Z for UTC): {since!r}") in capsys.readouterr().err


@pytest.mark.parametrize("since,side", [("9999-12-31T23:59:59-01:00", "after"), ("0001-01-01T00:00:00+01:00", "before"),
                                        ("0000-12-31", "before")])
def test_redeliver_failed_refuses_a_since_out_of_the_years_naming_them(sqlite_db, host, capsys, since, side):
    with pytest.raises(SystemExit) as exit_info:
        main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", "--since", since], host=host)
    assert exit_info.value.code == 2
    assert (f"argument --since: out of range: {since!r} is {side} the years 0001 to 9999 in UTC (once its offset "
            "is applied), the ones a time can be in\n") in capsys.readouterr().err


def resends(db) -> list[tuple]:
    """Each resend kept: the event's row id, who asked, and what the event had then."""
    r = EventResend
    with db.session() as s:
        return [tuple(row) for row in s.execute(select(
            r.event_row_id, r.resent_by, r.previous_status, r.previous_attempts, r.previous_response_status,
            r.previous_error).order_by(r.id))]


def test_redeliver_failed_keeps_every_resend(db, host, capsys):
    with Receiver(answers=[410, 410, 200]) as receiver:
        paid_partially(db, host, receiver.url)
        assert main(["deliver-events", "--db", db.url], host=host) == 1                        # 410
        assert main(["deliver-events", "--db", db.url, "--redeliver-failed"], host=host) == 1   # 410 again
        assert main(["deliver-events", "--db", db.url, "--redeliver-failed"], host=host) == 0   # 200
    assert capsys.readouterr().out.count("re-queued 1 failed event(s)\n") == 2
    with db.session() as s:
        row_id = s.scalars(select(OutgoingEvent.id)).one()
    assert resends(db) == [(row_id, "cli", "failed", 1, 410, "HTTP 410: answer 410")] * 2
    assert statuses(db) == ["delivered"]


def test_a_database_error_while_requeueing_is_one_line_and_requeues_none(db, host, capsys):
    """The database refuses the second event's change: the first one's, made in the same
    transaction, is taken back with it."""
    from support.refusals import REFUSED, refusing_updates
    with Receiver(answers=[410, 410]) as receiver:
        paid_partially(db, host, receiver.url)
        paid_partially(db, host, receiver.url)
        assert main(["deliver-events", "--db", db.url], host=host) == 1
        capsys.readouterr()
        with db.session() as s:
            second = max(s.scalars(select(OutgoingEvent.id)))
        with refusing_updates(db, "oro_invoice_outgoing_event", f"NEW.status = 'pending' AND NEW.id = {second}"):
            assert main(["deliver-events", "--db", db.url, "--redeliver-failed"], host=host) == 2
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err == (f"error: The failed events were not re-queued: the database could not record it ({REFUSED}), "
                        "and nothing was changed. Try again in a moment.\n")
    assert statuses(db) == ["failed", "failed"] and resends(db) == [] and len(receiver.requests) == 2


def test_redeliver_failed_refuses_an_organization_that_is_no_id(sqlite_db, host, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", "--organization", "acme"], host=host)
    assert exit_info.value.code == 2
    assert "argument --organization:" in capsys.readouterr().err


@pytest.mark.parametrize("endpoint,said", [
    ("", "give the URL of a configured webhook endpoint, exactly as configured, not an empty value"),
    ("  ", "give the URL of a configured webhook endpoint, exactly as configured, not an empty value"),
    ("https://erp.example.com/h\udcffooks",   # a byte not UTF-8, as the shell passes it
     "not an endpoint URL: it holds a NUL or a byte that is not UTF-8: 'https://erp.example.com/h\\udcffooks'")])
def test_redeliver_failed_refuses_an_endpoint_that_names_none(sqlite_db, host, capsys, endpoint, said):
    with pytest.raises(SystemExit) as exit_info:
        main(["deliver-events", "--db", sqlite_db.url, "--redeliver-failed", "--endpoint", endpoint], host=host)
    assert exit_info.value.code == 2
    assert f"argument --endpoint: {said}" in capsys.readouterr().err
