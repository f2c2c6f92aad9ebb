"""Renewing authorizations in the last day before their provider releases them (a periodic run).

    from oro_invoices.services.renewals import renew_expiring_authorizations
    report = renew_expiring_authorizations(addon.invoices)   # hourly: the worker, or the CLI
    print(report.summary())

An open authorization is renewed (``InvoiceService.reauthorize_authorization``) when its provider
said until when it holds it (``CAPTURE_BEFORE``) and that time is within ``RENEW_WITHIN``, its
organization and website have ``oro_invoices.reauthorize_expiring`` on, and its method can renew
it (``ReauthorizingMethod.can_reauthorize``: Stripe with Allow Re-Authorization). Each renewal
goes through the provider once: two runs at once find the first one's renewal under way under
the invoice's lock, and the second skips it. A renewal the provider declines is reported and
stays in the invoice's activity; the authorization keeps its hold until then.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oro_invoices.domain.errors import Conflict, InvoiceError
from oro_invoices.services.refunds import ExpiringAuthorization

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.services.facade import InvoiceService

log = logging.getLogger("oro_invoices.payments")

SETTING = "oro_invoices.reauthorize_expiring"
#: How long before its provider releases it an authorization is renewed.
RENEW_WITHIN = dt.timedelta(days=1)
DEFAULT_ACTOR = "reauthorizations"
NOTES = "Renewed before the provider releases it."


@dataclass(frozen=True)
class Renewal:
    """One authorization the run renewed (or, in a dry run, would renew)."""

    invoice_id: int
    invoice_number: str
    transaction_id: int
    held_until: dt.datetime
    renewed_as: int | None = None


@dataclass
class RenewalReport:
    """What one run did: renewed, declined (with the provider's reason), skipped."""

    renewed: list[Renewal] = field(default_factory=list)
    problems: list[tuple[Renewal, str]] = field(default_factory=list)
    skipped: int = 0

    def summary(self) -> str:
        return (f"{len(self.renewed)} authorization(s) renewed, {len(self.problems)} not renewed, "
                f"{self.skipped} skipped")

    def declined(self) -> dict[int, str]:
        """The authorizations not renewed (transaction id → why), for the staff's alerts."""
        return {renewal.transaction_id: reason for renewal, reason in self.problems}


def renew_expiring_authorizations(invoices: InvoiceService, *, within: dt.timedelta = RENEW_WITHIN,
                                  dry_run: bool = False, actor: str = DEFAULT_ACTOR,
                                  organization_id: int | None = None) -> RenewalReport:
    """Renew every open authorization its provider releases within ``within`` (see the module).

    :param dry_run: list what would be renewed, ask no provider and write nothing.
    :param organization_id: only this organization's invoices.
    """
    report = RenewalReport()
    for expiring in invoices.expiring_authorizations(invoices.clock() + within):
        if organization_id is not None and expiring.organization_id != organization_id:
            continue
        if not renewed_automatically(invoices, expiring):
            report.skipped += 1
            continue
        doc = invoices.get(expiring.invoice_id)
        renewal = Renewal(doc.id, doc.display_number, expiring.transaction_id, expiring.held_until)
        if dry_run:
            report.renewed.append(renewal)
            continue
        try:
            outcome = invoices.reauthorize_authorization(expiring.transaction_id, notes=NOTES, actor=actor)
        except Conflict:  # renewed or settled meanwhile, or its card was not kept
            report.skipped += 1
            continue
        except InvoiceError as exc:  # the provider declined (ProviderError) or the invoice refused
            log.error("Could not renew authorization %s of invoice %s: %s", expiring.transaction_id,
                      doc.display_number, exc.message)
            report.problems.append((renewal, exc.message))
            continue
        if outcome.successful:
            report.renewed.append(Renewal(doc.id, doc.display_number, expiring.transaction_id,
                                          expiring.held_until, outcome.transaction_id))
        else:
            report.problems.append((renewal, outcome.message))
    return report


def renewed_automatically(invoices: InvoiceService, expiring: ExpiringAuthorization) -> bool:
    """Whether this run renews ``expiring``: renewing is on for its invoice's scope and its method
    can renew it."""
    return _wanted(invoices, expiring) and _renewable(invoices, expiring)


def _renewable(invoices: InvoiceService, expiring: ExpiringAuthorization) -> bool:
    """Whether the authorization's method can renew it (its card was kept, say)."""
    actions = invoices.transaction_actions(expiring.invoice_id).get(expiring.transaction_id)
    return actions is not None and actions.reauthorizable > 0


def _wanted(invoices: InvoiceService, expiring: ExpiringAuthorization) -> bool:
    """Whether the scope of the authorization's invoice renews expiring authorizations."""
    def value(key: str) -> object:
        return invoices.setting(key, organization_id=expiring.organization_id, website_id=expiring.website_id)
    return bool(value("oro_invoices.enabled") and value(SETTING))
