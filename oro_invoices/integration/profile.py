"""What the add-on contributes to a host, declared as data, and how it gets there.

``install(host)`` and ``uninstall(host)`` are idempotent mirror images:
install declares the settings group, the Sales > Invoices menu entry, the
order-view Invoices tab, the ``invoice_notification_template``,
``invoice_reminder_template``, ``credit_note_notification_template``,
``payment_receipt_template``, ``refund_receipt_template``, ``customer_statement_template``,
``customer_activity_template`` and ``aging_report_template`` email templates, the storefront
pay hook and the Account > Invoices entry, then records the profile version in the host's
config store; uninstall removes each of them again.
Invoice data (tables, stored setting values) stays unless ``purge=True``.
``upgrade(host)`` runs the steps from the installed version to the current one.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oro_invoices.adapters.config_store import SettingField, SettingsGroup
from oro_invoices.adapters.ui import EmailTemplate, MenuEntry, OrderTab, PayHook
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.i18n import N_
from oro_invoices.integration import features
from oro_invoices.integration.config import ConfigSchema, load_schema

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.base import HostAdapter

#: Bump when the contributions change, and add an ``UpgradeStep`` reaching it.
PROFILE_VERSION = 8
#: Where the installed profile version is kept (global scope of the host's config store).
VERSION_KEY = "oro_invoices.profile_version"
SETTINGS_PREFIX = "oro_invoices."

# Route names the web layer mounts and the host resolves with ``Urls.url_for``.
ENDPOINT_ADMIN_INDEX = "oro_invoices.admin.index"
ENDPOINT_ADMIN_VIEW = "oro_invoices.admin.view"
ENDPOINT_ORDER_TAB = "oro_invoices.admin.order_invoices"
ENDPOINT_STOREFRONT_INDEX = "oro_invoices.storefront.index"
ENDPOINT_STOREFRONT_PAY = "oro_invoices.storefront.pay"

NOTIFICATION_TEMPLATE = "invoice_notification_template"
REMINDER_TEMPLATE = "invoice_reminder_template"
CREDIT_NOTE_TEMPLATE = "credit_note_notification_template"
RECEIPT_TEMPLATE = "payment_receipt_template"
REFUND_TEMPLATE = "refund_receipt_template"
AUTHORIZATION_ALERT_TEMPLATE = "authorization_expiring_template"
#: A customer's statement of account sent by email (its variables are a statement's, not an invoice's).
STATEMENT_TEMPLATE = "customer_statement_template"
#: A customer's account activity of a period sent by email (its variables are an activity statement's).
ACTIVITY_TEMPLATE = "customer_activity_template"
#: The Aging Report sent to the seller's staff (its variables are the report's, not an invoice's).
AGING_TEMPLATE = "aging_report_template"
#: Templates written to the seller's staff, never offered in the email dialog to the customer.
STAFF_TEMPLATES = frozenset({AUTHORIZATION_ALERT_TEMPLATE, AGING_TEMPLATE})
#: Templates of messages about no one invoice, never offered in an invoice's email dialog.
CUSTOMER_TEMPLATES = frozenset({STATEMENT_TEMPLATE, ACTIVITY_TEMPLATE})
TEMPLATE_DIR = Path(__file__).parent.parent / "services" / "mail" / "templates"


@dataclass(frozen=True)
class Profile:
    """Every contribution of one profile version."""

    version: int
    settings: SettingsGroup
    menu_entries: tuple[MenuEntry, ...]
    order_tabs: tuple[OrderTab, ...]
    email_templates: tuple[EmailTemplate, ...]
    pay_hooks: tuple[PayHook, ...]
    account_entries: tuple[MenuEntry, ...]


@dataclass(frozen=True)
class UpgradeStep:
    """Code that takes an install from ``source`` to ``target`` (the next version)."""

    source: int
    target: int
    title: str
    run: Callable[[HostAdapter], None]


#: Upgrade steps, in order. Contributions are re-applied after the steps, so a step
#: only needs to undo what the current profile no longer declares.
def _adds_only(host: HostAdapter) -> None:
    """A version that only adds contributions: re-applying the profile adds them."""


UPGRADE_STEPS: tuple[UpgradeStep, ...] = (
    UpgradeStep(1, 2, "the invoice_reminder_template email template", _adds_only),
    UpgradeStep(2, 3, "the credit_note_notification_template email template", _adds_only),
    UpgradeStep(3, 4, "the payment_receipt_template and refund_receipt_template email templates", _adds_only),
    UpgradeStep(4, 5, "the authorization_expiring_template email template", _adds_only),
    UpgradeStep(5, 6, "the customer_statement_template email template", _adds_only),
    # re-applying refreshes the default (an admin's edit is kept)
    UpgradeStep(6, 7, "the payment_receipt_template listing each invoice of a payment for several, and the "
                      "customer_activity_template email template", _adds_only),
    UpgradeStep(7, 8, "the aging_report_template email template", _adds_only),
)


def settings_group(schema: ConfigSchema) -> SettingsGroup:
    """The host's configuration page for every setting in ``schema``."""
    return SettingsGroup(
        key=schema.group_key, label=schema.group_label, path=schema.group_path,
        fields=tuple(SettingField(key=s.key, type=s.type, default=s.default, label=s.label,
                                  section=s.section, scopes=s.scopes, help=s.help,
                                  choices=s.choices) for s in schema))


def packaged_template(name: str, variables: tuple[str, ...]) -> EmailTemplate:
    """The default of email template ``name`` read from ``mail/templates``."""
    def read(ext: str) -> str:
        return (TEMPLATE_DIR / f"{name}.{ext}").read_text(encoding="utf-8")
    return EmailTemplate(name=name, subject=read("subject").strip(), html=read("html"),
                         text=read("txt"), variables=variables)


def notification_template() -> EmailTemplate:
    """The default ``invoice_notification_template`` (Send to Customer)."""
    return packaged_template(NOTIFICATION_TEMPLATE, ("invoice", "payment_url", "seller"))


def reminder_template() -> EmailTemplate:
    """The default ``invoice_reminder_template`` (payment reminders; ``reminder`` is the step)."""
    return packaged_template(REMINDER_TEMPLATE, ("invoice", "payment_url", "seller", "reminder"))


def credit_note_template() -> EmailTemplate:
    """The default ``credit_note_notification_template`` (Send to Customer of a credit note;
    ``credited_invoice`` is the invoice it credits, ``settlement`` how paid money goes back)."""
    return packaged_template(CREDIT_NOTE_TEMPLATE,
                             ("invoice", "credited_invoice", "settlement", "seller"))


def receipt_template() -> EmailTemplate:
    """The default ``payment_receipt_template`` (the customer's receipt of a payment taken
    online; ``payment`` is that payment: amount, currency, method, date, received_at; ``remittance``
    the shares of a payment received for several invoices, when it is one)."""
    return packaged_template(RECEIPT_TEMPLATE, ("invoice", "payment", "payment_url", "seller", "remittance"))


def refund_receipt_template() -> EmailTemplate:
    """The default ``refund_receipt_template`` (the customer's notice of a refund through a
    payment method; ``refund`` is that refund: amount, currency, method, date, received_at)."""
    return packaged_template(REFUND_TEMPLATE, ("invoice", "refund", "seller"))


def authorization_alert_template() -> EmailTemplate:
    """The default ``authorization_expiring_template`` (the staff's alert about an authorization
    its provider is about to release; ``authorization``: amount, currency, method, held_until,
    renewal_problem)."""
    return packaged_template(AUTHORIZATION_ALERT_TEMPLATE, ("invoice", "authorization", "seller"))


def statement_template() -> EmailTemplate:
    """The default ``customer_statement_template`` (a customer's statement of account, its PDF
    attached; ``statement``: as_of, customer_name, sections with their items and totals)."""
    return packaged_template(STATEMENT_TEMPLATE, ("statement", "seller", "recipient_name"))


def activity_template() -> EmailTemplate:
    """The default ``customer_activity_template`` (a customer's account activity of a period, its
    PDF attached; ``activity``: start, end, customer_name, sections with their opening and
    closing balances and lines)."""
    return packaged_template(ACTIVITY_TEMPLATE, ("activity", "seller", "recipient_name"))


def aging_template() -> EmailTemplate:
    """The default ``aging_report_template`` (the Aging Report sent to the seller's staff, its PDF
    and CSV attached; ``report``: as_of, lines and totals per currency; ``report_url``: the
    report's back-office page on that day, when the host can link to it)."""
    return packaged_template(AGING_TEMPLATE, ("report", "seller", "report_url"))


def build_profile(schema: ConfigSchema | None = None) -> Profile:
    """The current profile."""
    return Profile(
        version=PROFILE_VERSION,
        settings=settings_group(schema or load_schema()),
        menu_entries=(MenuEntry(key="oro_invoices.invoices", label=N_("Invoices"),
                                endpoint=ENDPOINT_ADMIN_INDEX, parent="sales", position=40,
                                feature=features.INVOICES, permission="oro_invoices.view"),),
        order_tabs=(OrderTab(key="oro_invoices.order_invoices", label=N_("Invoices"),
                             endpoint=ENDPOINT_ORDER_TAB, position=60,
                             feature=features.INVOICES, permission="oro_invoices.view"),),
        email_templates=(notification_template(), reminder_template(), credit_note_template(), receipt_template(),
                         refund_receipt_template(), authorization_alert_template(), statement_template(),
                         activity_template(), aging_template()),
        pay_hooks=(PayHook(key="oro_invoices.pay", label="Pay", endpoint=ENDPOINT_STOREFRONT_PAY,
                           feature=features.PAYMENTS),),
        account_entries=(MenuEntry(key="oro_invoices.account_invoices", label=N_("Invoices"),
                                   endpoint=ENDPOINT_STOREFRONT_INDEX, parent="account",
                                   position=50, feature=features.STOREFRONT,
                                   permission="oro_invoices.view"),),
    )


def installed_version(host: HostAdapter) -> int | None:
    """The profile version installed in ``host``, or None when the add-on is not installed."""
    raw = host.config.load(VERSION_KEY, "global", None)
    return None if raw is None else int(raw)


def _apply(host: HostAdapter, profile: Profile) -> None:
    host.config.declare_settings(profile.settings)
    for entry in profile.menu_entries:
        host.menu.register(entry)
    for tab in profile.order_tabs:
        host.order_view.register_tab(tab)
    for template in profile.email_templates:
        host.email_templates.register(template)
    if host.storefront is not None:
        for hook in profile.pay_hooks:
            host.storefront.register_pay_hook(hook)
        for entry in profile.account_entries:
            host.storefront.register_account_entry(entry)


def install(host: HostAdapter, profile: Profile | None = None) -> int:
    """Add every contribution to ``host`` (again, if some went missing); returns the version.

    An older install is upgraded first; a newer one is refused.
    """
    profile = profile or build_profile()
    current = installed_version(host)
    if current is not None and current != profile.version:
        upgrade(host, profile=profile)
        return profile.version
    _apply(host, profile)
    host.config.save(VERSION_KEY, profile.version, "global", None)
    return profile.version


def uninstall(host: HostAdapter, purge: bool = False, *, engine: Any = None,
              purge_data: Callable[[], None] | None = None,
              profile: Profile | None = None) -> None:
    """Remove every contribution from ``host``; with ``purge`` also drop invoice data.

    Purging drops the add-on's tables on ``engine`` (posted invoices are protected
    by triggers, so rows are never deleted one by one) or calls ``purge_data``,
    and deletes every stored ``oro_invoices.*`` setting value.
    """
    profile = profile or build_profile()
    if purge and engine is None and purge_data is None:
        raise ConfigurationError("uninstall(purge=True) needs the database engine or a "
                                 "purge_data callback to remove invoice data")
    host.config.remove_settings(profile.settings.key)
    for entry in profile.menu_entries:
        host.menu.remove(entry.key)
    for tab in profile.order_tabs:
        host.order_view.remove_tab(tab.key)
    for template in profile.email_templates:
        host.email_templates.remove(template.name)
    if host.storefront is not None:
        for hook in profile.pay_hooks:
            host.storefront.remove_pay_hook(hook.key)
        for entry in profile.account_entries:
            host.storefront.remove_account_entry(entry.key)
    host.config.delete(VERSION_KEY, "global", None)
    if purge:
        if purge_data is not None:
            purge_data()
        if engine is not None:
            drop_tables(engine)
        for stored in list(host.config.stored(SETTINGS_PREFIX)):
            host.config.delete(stored.key, stored.scope, stored.scope_id)


def upgrade(host: HostAdapter, *, profile: Profile | None = None,
            steps: Sequence[UpgradeStep] = UPGRADE_STEPS) -> list[UpgradeStep]:
    """Run the steps from the installed version to the current one; returns the steps run."""
    profile = profile or build_profile()
    version = installed_version(host)
    if version is None:
        raise ConfigurationError("oro-invoices is not installed in this host; run install first")
    if version > profile.version:
        raise ConfigurationError(f"The installed profile version {version} is newer than this "
                                 f"oro-invoices release ({profile.version}); downgrades are "
                                 "not supported")
    ran: list[UpgradeStep] = []
    while version < profile.version:
        step = next((s for s in steps if s.source == version), None)
        if step is None:
            raise ConfigurationError(f"No upgrade step from profile version {version} "
                                     f"towards {profile.version}")
        step.run(host)
        version = step.target
        host.config.save(VERSION_KEY, version, "global", None)
        ran.append(step)
    _apply(host, profile)
    host.config.save(VERSION_KEY, profile.version, "global", None)
    return ran


def drop_tables(engine: Any) -> list[str]:
    """Drop every ``oro_invoice_`` table (and the migration version table); returns their names."""
    from sqlalchemy import MetaData, inspect

    from oro_invoices.persistence import metadata as db_metadata

    _import_table_modules()
    prefix = db_metadata.TABLE_PREFIX
    present = [n for n in inspect(engine).get_table_names() if n.startswith(prefix)]
    db_metadata.metadata.drop_all(engine, checkfirst=True)
    leftovers = MetaData()
    rest = [n for n in inspect(engine).get_table_names() if n.startswith(prefix)]
    if rest:  # tables of older releases, and the migration version table
        leftovers.reflect(engine, only=rest)
        leftovers.drop_all(engine, checkfirst=True)
    return present


def _import_table_modules() -> None:
    """Import the modules of ``oro_invoices.persistence`` so their tables join the metadata."""
    from oro_invoices import persistence as db
    for info in pkgutil.iter_modules(db.__path__, prefix="oro_invoices.persistence."):
        if not info.name.endswith(".migrations"):
            importlib.import_module(info.name)
