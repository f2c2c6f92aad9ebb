"""Alerting the seller's staff about authorizations their provider is about to release (a periodic run).

    from oro_invoices.services.authorization_alerts import alert_expiring_authorizations
    report = alert_expiring_authorizations(addon.invoices, addon.mail)   # hourly, after the renewals
    print(report.summary())

An authorization left uncaptured is released by its provider (Stripe: after seven days), and the
customer has to pay again. Where ``oro_invoices.authorization_alert_emails`` names addresses for an
invoice's organization or website, each open authorization its provider holds until a time within
``ALERT_WITHIN`` is emailed to them once (``authorization_expiring_template``, in the seller's
language), unless the renewal run renews it (``oro_invoices.reauthorize_expiring`` on and the method
can renew it); an authorization whose renewal was declined (``declined``) is alerted all the same, and
so is one that a re-authorization whose answer was lost holds (the renewal run cannot renew it until
that request is settled): the alert names that request and how to settle it.
The message is queued on the invoice's outbox with a one-time key per authorization, so two runs
at once, or a run repeated, queue it once.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oro_invoices.domain.authorizations import AuthorizationNotice
from oro_invoices.domain.errors import InvoiceError
from oro_invoices.integration.profile import AUTHORIZATION_ALERT_TEMPLATE, ENDPOINT_ADMIN_VIEW
from oro_invoices.integration.setting_formats import email_list
from oro_invoices.services.mail.service import AlreadySent
from oro_invoices.services.refunds import ExpiringAuthorization
from oro_invoices.services.renewals import renewed_automatically

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.mail.service import MailService

log = logging.getLogger("oro_invoices.payments")

SETTING = "oro_invoices.authorization_alert_emails"
#: How long before its provider releases it an authorization is alerted.
ALERT_WITHIN = dt.timedelta(days=2)
DEFAULT_ACTOR = "authorization-alerts"


@dataclass(frozen=True)
class Alert:
    """One authorization the run alerted (or, in a dry run, would alert) about."""

    invoice_id: int
    invoice_number: str
    transaction_id: int
    held_until: dt.datetime
    to: tuple[str, ...]


@dataclass
class AlertReport:
    """What one run did: alerts queued, failures (with the reason), skipped (no addresses, renewed
    automatically, or alerted before)."""

    queued: list[Alert] = field(default_factory=list)
    problems: list[tuple[Alert, str]] = field(default_factory=list)
    skipped: int = 0

    def summary(self) -> str:
        return f"{len(self.queued)} alert(s) queued, {len(self.problems)} failed, {self.skipped} skipped"


def alert_expiring_authorizations(invoices: InvoiceService, mail: MailService, *,
                                  within: dt.timedelta = ALERT_WITHIN,
                                  declined: Mapping[int, str] | None = None, dry_run: bool = False,
                                  actor: str = DEFAULT_ACTOR,
                                  organization_id: int | None = None) -> AlertReport:
    """Email the staff about every open authorization released within ``within`` (see the module).

    :param declined: authorizations (transaction id → the provider's reason) whose renewal this
        run's renewals could not make: alerted even where renewing is on.
    :param dry_run: list what would be queued and write nothing.
    :param organization_id: only this organization's invoices.
    """
    report = AlertReport()
    declined = declined or {}
    for expiring in invoices.expiring_authorizations(invoices.clock() + within):
        if organization_id is not None and expiring.organization_id != organization_id:
            continue
        to = _recipients(invoices, expiring)
        problem = declined.get(expiring.transaction_id) or expiring.unsettled
        if not to or (problem is None and renewed_automatically(invoices, expiring)):
            report.skipped += 1
            continue
        once = f"authorization-alert-{expiring.transaction_id}"
        if dry_run and mail.sent_once(expiring.invoice_id, once) is not None:
            report.skipped += 1
            continue
        doc = invoices.get(expiring.invoice_id)
        alert = Alert(doc.id, doc.display_number, expiring.transaction_id, expiring.held_until, to)
        if dry_run:
            report.queued.append(alert)
            continue
        notice = AuthorizationNotice(expiring.amount, expiring.currency,
                                     invoices.payments.method_label(expiring.method), expiring.held_until, problem,
                                     _backoffice_url(invoices, doc.id))
        try:
            draft = mail.prepare(doc.id, AUTHORIZATION_ALERT_TEMPLATE, to=to, for_staff=True,
                                 extra_context={"authorization": notice}, attach_pdf=False)
            mail.send(doc.id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
                      attach_pdf=False, actor=actor, template=AUTHORIZATION_ALERT_TEMPLATE,
                      once=once)
        except AlreadySent:
            report.skipped += 1
            continue
        except InvoiceError as exc:  # a template the host broke, say: reported, the others go on
            log.error("Could not alert about authorization %s of invoice %s: %s", expiring.transaction_id,
                      doc.display_number, exc.message)
            report.problems.append((alert, exc.message))
            continue
        report.queued.append(alert)
    return report


def _backoffice_url(invoices: InvoiceService, invoice_id: int) -> str | None:
    """The absolute URL of the invoice's back-office page as the host writes it, or None."""
    urls = getattr(getattr(invoices, "host", None), "urls", None)
    if urls is None:
        return None
    try:
        return str(urls.url_for(ENDPOINT_ADMIN_VIEW, invoice_id=invoice_id, external=True))
    except Exception:  # a host that cannot build it here (a worker without its web app, say)
        log.info("No back-office link for invoice id %s in the authorization alert.", invoice_id, exc_info=True)
        return None


def _recipients(invoices: InvoiceService, expiring: ExpiringAuthorization) -> tuple[str, ...]:
    """The addresses the authorization's scope alerts (none where the add-on is off)."""
    def value(key: str) -> object:
        return invoices.setting(key, organization_id=expiring.organization_id, website_id=expiring.website_id)
    if not value("oro_invoices.enabled"):
        return ()
    return tuple(a for a in email_list(str(value(SETTING) or "")).split(", ") if a)
