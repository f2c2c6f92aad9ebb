"""The staff's alerts about authorizations their provider is about to release: to the configured
addresses, once each, in the seller's language; not about what the renewal run renews, unless its
renewal was declined."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from support.fakepay import FakePay, FakePayPlugin, configure, payment_service
from test_payment_captures import authorized
from test_payment_renewals import held

from oro_invoices import cli
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import InvalidSetting, Settings
from oro_invoices.integration.payment_methods import OutcomeUnknown, ProviderError
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.integration.profile import AUTHORIZATION_ALERT_TEMPLATE
from oro_invoices.integration.setting_formats import email_list
from oro_invoices.jobs import tasks
from oro_invoices.services.authorization_alerts import SETTING, alert_expiring_authorizations
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail.service import MailService
from oro_invoices.services.mail.smtp import SmtpConfig

STAFF = "ops@acme.test, Billing@acme.test"


def alerting(db, server=None, **options):
    """``(service, settings, fakepay, mail)`` with FakePay authorizations and alerts to ``STAFF``."""
    service, settings, fake = payment_service(db, **options)
    settings.set(SETTING, STAFF)
    smtp = SmtpConfig(host="127.0.0.1", port=server.port, timeout=5) if server is not None else None
    mail = MailService(db, service, smtp=smtp, sender="billing@acme.test", sender_name="Acme Billing")
    return service, settings, fake, mail


def alerts(mail: MailService, invoice_id: int):
    return [e for e in mail.emails(invoice_id) if e.template == AUTHORIZATION_ALERT_TEMPLATE]


def when(iso: str) -> str:
    """How the alert writes the time ``iso`` (en_US, UTC; CLDR puts a narrow no-break space before PM)."""
    t = dt.datetime.fromisoformat(iso).astimezone(dt.UTC)
    return f"{t:%b} {t.day}, {t:%Y}, {t.hour % 12 or 12}:{t:%M}\u202f{t:%p}"


def test_the_staff_are_alerted_once_about_an_authorization_about_to_be_released(db, smtp_server):
    service, _, _, mail = alerting(db, smtp_server)
    soon_held = held(30)
    soon, soon_auth = authorized(service, capture_before=soon_held)
    later, _ = authorized(service, capture_before=held(72))
    unknown, _ = authorized(service)                          # the provider did not say until when

    dry = alert_expiring_authorizations(service, mail, dry_run=True)
    assert [(a.invoice_number, a.transaction_id, a.to) for a in dry.queued] == [
        (soon.display_number, soon_auth, ("ops@acme.test", "Billing@acme.test"))]
    assert alerts(mail, soon.id) == []

    report = alert_expiring_authorizations(service, mail)
    assert report.summary() == "1 alert(s) queued, 0 failed, 0 skipped"
    [queued] = alerts(mail, soon.id)
    assert queued.to == ("ops@acme.test", "Billing@acme.test") and queued.actor == "authorization-alerts"
    subject_time = when(soon_held).replace("\u202f", " ")            # a subject is written with plain spaces
    assert queued.subject == f"Capture the payment of invoice {soon.display_number} by {subject_time} UTC"
    assert alerts(mail, later.id) == alerts(mail, unknown.id) == []
    mail.deliver_pending()
    [received] = smtp_server.handler.received
    assert received.rcpt_tos == ("ops@acme.test", "Billing@acme.test")
    text = received.message.get_body(("plain",)).get_content()
    assert (f"The FakePay authorization of $231.86 for invoice {soon.display_number} (Acme Corp) is held until "
            f"{when(soon_held)} UTC. Capture it before then, or cancel it: once FakePay releases it, the customer "
            "has to pay again.") in text
    assert "Authorized: $231.86" in text and "Capture or cancel it on the invoice's page in the back-office." in text
    assert "could not be renewed" not in text and not list(received.message.iter_attachments())
    html = received.message.get_body(("html",)).get_content()
    assert f"<strong>{soon.display_number}</strong>" in html and "<strong>$231.86</strong>" in html
    # the next hourly run has nothing to say (nor has its dry run); the customer's email dialog never
    # offers the staff's template
    assert alert_expiring_authorizations(service, mail, dry_run=True).queued == []
    assert alert_expiring_authorizations(service, mail).summary() == "0 alert(s) queued, 0 failed, 1 skipped"
    assert len(alerts(mail, soon.id)) == 1
    assert AUTHORIZATION_ALERT_TEMPLATE not in mail.templates_available()


def test_no_alert_without_addresses_nor_about_what_the_renewal_run_renews_unless_declined(db):
    service, settings, _, mail = alerting(db)
    settings.set(SETTING, "")
    doc, auth = authorized(service, capture_before=held(10))
    assert alert_expiring_authorizations(service, mail).summary() == "0 alert(s) queued, 0 failed, 1 skipped"
    settings.set(SETTING, STAFF, "organization", 2)                 # another organization's staff
    assert alert_expiring_authorizations(service, mail).queued == []
    settings.set(SETTING, "ops@acme.test", "organization", 1)
    settings.set("oro_invoices.reauthorize_expiring", True)        # the renewal run renews it
    assert alert_expiring_authorizations(service, mail).summary() == "0 alert(s) queued, 0 failed, 1 skipped"
    report = alert_expiring_authorizations(service, mail, declined={auth: "The card was declined."})
    [alert] = report.queued
    assert (alert.transaction_id, alert.to) == (auth, ("ops@acme.test",))
    [queued] = alerts(mail, doc.id)
    assert "It could not be renewed: The card was declined." in mail.email_bodies(queued.id)[2]


def test_an_authorization_settled_or_released_is_not_alerted(db):
    service, _, _, mail = alerting(db)
    captured, captured_auth = authorized(service, capture_before=held(10))
    service.capture_authorization(captured_auth, actor="admin")
    canceled, canceled_auth = authorized(service, capture_before=held(10))
    service.cancel_authorization(canceled_auth, actor="admin")
    assert alert_expiring_authorizations(service, mail).queued == []
    assert alerts(mail, captured.id) == alerts(mail, canceled.id) == []


def test_the_alert_is_in_the_sellers_language_not_the_customers(db):
    service, settings, _, mail = alerting(db)
    settings.set("oro_invoices.locale", "de_DE")
    settings.set("oro_invoices.locale", "ja_JP", "customer", 10)
    doc, _ = authorized(service, capture_before=held(20))
    alert_expiring_authorizations(service, mail)
    [queued] = alerts(mail, doc.id)
    assert queued.subject.startswith(f"Zahlung der Rechnung {doc.display_number} bis ")
    assert "Autorisiert: 231,86" in mail.email_bodies(queued.id)[2]


def test_the_hourly_job_alerts_about_a_renewal_that_was_declined(db):
    service, settings, fake, mail = alerting(db)
    settings.set("oro_invoices.reauthorize_expiring", True)
    fake.decline_renewals = True
    doc, auth = authorized(service, capture_before=held(3))
    assert tasks.renew_authorizations(SimpleNamespace(invoices=service, mail=mail)) == 0
    [queued] = alerts(mail, doc.id)
    assert "It could not be renewed: The card was declined." in mail.email_bodies(queued.id)[2]
    assert service.transaction_actions(doc.id)[auth].capturable > 0


def test_an_authorization_a_lost_renewal_holds_is_alerted_naming_that_request(db):
    service, settings, fake, mail = alerting(db)
    settings.set("oro_invoices.reauthorize_expiring", True)
    doc, auth = authorized(service, capture_before=held(3))

    def answer_lost(request):
        fake.reauthorizations.append(request)
        raise OutcomeUnknown("FakePay did not answer.", detail="timed out")
    fake.reauthorize = answer_lost
    with pytest.raises(ProviderError, match="did not answer whether it carried out the re-authorization"):
        service.reauthorize_authorization(auth, actor="admin")
    assert service.transaction_actions(doc.id)[auth].reauthorizable == 0       # all it holds is reserved
    assert tasks.renew_authorizations(SimpleNamespace(invoices=service, mail=mail)) == 0
    assert len(fake.reauthorizations) == 1                                       # not renewed meanwhile
    [queued] = alerts(mail, doc.id)
    text = mail.email_bodies(queued.id)[2]
    assert "Authorized: $231.86" in text
    assert "It could not be renewed: FakePay did not answer whether it carried out the re-authorization of " \
           "$231.86 (asked " in text
    assert "confirm on the invoice's payment whether it was made." in text


@pytest.mark.parametrize(("typed", "stored"), [
    ("", ""), (" ops@acme.test ", "ops@acme.test"),
    ("ops@acme.test;billing@acme.test, OPS@acme.test,", "ops@acme.test, billing@acme.test")])
def test_the_alert_addresses_are_cleaned(typed, stored):
    assert email_list(typed) == stored


def test_a_bad_alert_address_is_refused_saying_which(db):
    _, settings, _, _ = alerting(db)
    with pytest.raises(InvalidSetting) as refused:
        settings.set(SETTING, "ops@acme.test, billing at acme")
    assert "'billing at acme' is not a valid email address; separate addresses with commas." in str(refused.value)
    assert settings.value(SETTING) == STAFF


def test_the_reauthorize_command_alerts_the_staff_after_its_renewals(sqlite_db, capsys):
    host = MemoryHost()
    fake = FakePay()
    settings = Settings(host.config, payment_methods=("oropay", "fakepay"))
    configure(settings)
    settings.set("oro_invoices.mail.sender", "billing@acme.test")
    settings.set(SETTING, "ops@acme.test", "organization", 1)
    service = InvoiceService(sqlite_db, settings=settings,
                             plugins=get_plugin_manager(load_entrypoints=False, plugins=[FakePayPlugin(fake)]))
    doc, auth = authorized(service, capture_before=held(40))
    argv = ["reauthorize", "--db", sqlite_db.url]
    assert cli.main([*argv, "--dry-run"], host=host) == 0
    assert f"would alert: invoice {doc.display_number} (id {doc.id}): authorization {auth}" in capsys.readouterr().out
    assert cli.main(argv, host=host) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"alerted: invoice {doc.display_number} (id {doc.id}): authorization {auth}, held until ")
    assert out[0].endswith(", to ops@acme.test")
    assert out[1:] == ["0 authorization(s) renewed, 0 not renewed, 0 skipped", "1 alert(s) queued, 0 failed, 0 skipped"]
    mail = MailService(sqlite_db, service)
    [queued] = alerts(mail, doc.id)
    assert queued.to == ("ops@acme.test",) and queued.subject.startswith(f"Capture the payment of invoice {doc.display_number}")
    assert cli.main(argv, host=host) == 0                    # alerted once
    assert capsys.readouterr().out.splitlines()[-1] == "0 alert(s) queued, 0 failed, 1 skipped"


def test_without_a_link_from_the_host_the_alert_names_where_to_find_the_invoice(db):
    service, _, _, mail = alerting(db)

    class NoWebApp:                       # the reference host in a worker, say: no app to build URLs with
        def url_for(self, endpoint, *, external=False, **params):
            raise RuntimeError("The reference host's URLs need its Flask app (create_app).")
    doc, _ = authorized(service, capture_before=held(20))
    host = MemoryHost()
    host.urls = NoWebApp()
    service.context.host = host
    assert len(alert_expiring_authorizations(service, mail).queued) == 1
    [queued] = alerts(mail, doc.id)
    text = mail.email_bodies(queued.id)[2]
    assert "Capture or cancel it on the invoice's page in the back-office." in text and "http" not in text
