"""Install and uninstall are idempotent mirror images; upgrades run versioned steps."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import inspect, text

from oro_invoices.adapters import MenuEntry
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration import profile
from oro_invoices.integration.config import Settings


@pytest.fixture
def host() -> MemoryHost:
    return MemoryHost()


def snapshot(host: MemoryHost) -> dict:
    """Everything the add-on can have put into the host."""
    return {
        "settings": [g.key for g in host.config.declared_settings()],
        "menu": [(e.key, e.parent, e.label, e.feature) for e in host.menu.entries()],
        "tabs": [(t.key, t.label, t.feature) for t in host.order_view.tabs()],
        "templates": host.email_templates.names(),
        "pay_hooks": [(h.key, h.feature) for h in host.storefront.pay_hooks()],
        "account": [(e.key, e.parent, e.label, e.feature)
                    for e in host.storefront.account_entries()],
        "version": profile.installed_version(host),
    }


INSTALLED = {
    "settings": ["oro_invoices"],
    "menu": [("oro_invoices.invoices", "sales", "Invoices", "invoices")],
    "tabs": [("oro_invoices.order_invoices", "Invoices", "invoices")],
    "templates": ["aging_report_template", "authorization_expiring_template", "credit_note_notification_template",
                  "customer_activity_template", "customer_statement_template",
                  "invoice_notification_template",
                  "invoice_reminder_template",
                  "payment_receipt_template", "refund_receipt_template"],
    "pay_hooks": [("oro_invoices.pay", "payments")],
    "account": [("oro_invoices.account_invoices", "account", "Invoices", "storefront")],
    "version": profile.PROFILE_VERSION,
}
EMPTY = {"settings": [], "menu": [], "tabs": [], "templates": [], "pay_hooks": [],
         "account": [], "version": None}


def test_install_adds_each_contribution(host):
    assert profile.install(host) == profile.PROFILE_VERSION
    assert snapshot(host) == INSTALLED


def test_declared_settings_are_the_whole_schema(host):
    profile.install(host)
    (group,) = host.config.declared_settings()
    assert group.path == ("Commerce", "Sales", "Invoices")
    assert {f.key for f in group.fields} == {s.key for s in Settings(host.config).schema}
    enabled = next(f for f in group.fields if f.key == "oro_invoices.enabled")
    assert (enabled.label, enabled.default, enabled.scopes) \
        == ("Enable Invoices", False, ("global", "organization"))


def test_install_is_idempotent(host):
    profile.install(host)
    profile.install(host)
    assert snapshot(host) == INSTALLED


def test_uninstall_removes_each_contribution(host):
    profile.install(host)
    profile.uninstall(host)
    assert snapshot(host) == EMPTY


def test_uninstall_is_idempotent_and_leaves_host_entries_alone(host):
    own = MenuEntry(key="host.orders", label="Orders", endpoint="orders.index")
    host.menu.register(own)
    profile.uninstall(host)
    profile.install(host)
    profile.uninstall(host)
    profile.uninstall(host)
    assert snapshot(host) == {**EMPTY, "menu": [("host.orders", "sales", "Orders", None)]}


def test_reinstall_after_uninstall(host):
    profile.install(host)
    profile.uninstall(host)
    profile.install(host)
    assert snapshot(host) == INSTALLED


def test_install_repairs_a_missing_contribution(host):
    profile.install(host)
    host.order_view.remove_tab("oro_invoices.order_invoices")
    profile.install(host)
    assert snapshot(host) == INSTALLED


def test_host_without_storefront():
    host = MemoryHost()
    host.storefront = None
    profile.install(host)
    assert [e.key for e in host.menu.entries()] == ["oro_invoices.invoices"]
    profile.uninstall(host)
    assert host.menu.entries() == []


# -- the email template ----------------------------------------------------------------

def test_notification_template_is_the_packaged_default(host):
    profile.install(host)
    template = host.email_templates.load("invoice_notification_template")
    assert template.variables == ("invoice", "payment_url", "seller")
    packaged = {ext: (profile.TEMPLATE_DIR / f"invoice_notification_template.{ext}")
                .read_text(encoding="utf-8") for ext in ("subject", "html", "txt")}
    assert (template.subject, template.html, template.text) \
        == (packaged["subject"].strip(), packaged["html"], packaged["txt"])
    assert "invoice.display_number" in template.subject and "payment_url" in template.html


def test_reinstall_keeps_the_admins_customised_template(host):
    profile.install(host)
    host.customise_template("invoice_notification_template", subject="Your invoice")
    profile.install(host)
    assert host.email_templates.load("invoice_notification_template").subject == "Your invoice"


# -- data and settings on uninstall ----------------------------------------------------

def test_uninstall_keeps_settings_purge_removes_them(host):
    profile.install(host)
    Settings(host.config).set("oro_invoices.enabled", True, "organization", 1)
    profile.uninstall(host)
    ctx = ScopeContext(organization_id=1)
    assert Settings(host.config).value("oro_invoices.enabled", ctx) is True
    profile.uninstall(host, purge=True, purge_data=lambda: None)
    assert list(host.config.stored("oro_invoices.")) == []


def test_purge_needs_a_way_to_remove_data(host):
    with pytest.raises(ConfigurationError, match="needs the database engine or a purge_data"):
        profile.uninstall(host, purge=True)


def test_purge_calls_the_callback(host):
    calls = []
    profile.install(host)
    profile.uninstall(host, purge=True, purge_data=lambda: calls.append("purged"))
    assert calls == ["purged"]


@pytest.fixture
def posted_invoice_db(sqlite_db):
    """The migrated SQLite database holding one posted (trigger-protected) invoice."""
    from support.payloads import invoice_payload

    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False))
    service.post(service.create(invoice_payload()).id)
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE shop_order (id INTEGER PRIMARY KEY)"))
    return sqlite_db


def table_and_trigger_names(engine) -> list[str]:
    """Tables and triggers, without SQLite's own (``sqlite_sequence`` of AUTOINCREMENT cannot be dropped)."""
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name NOT LIKE 'sqlite_%'")))


def test_purge_drops_every_invoice_table_and_keeps_host_tables(host, posted_invoice_db):
    engine = posted_invoice_db.engine
    with pytest.raises(Exception, match="(?i)posted|frozen"):  # rows cannot just be deleted
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM oro_invoice_invoice"))
    profile.install(host)
    profile.uninstall(host, purge=True, engine=engine)
    assert table_and_trigger_names(engine) == ["shop_order"]
    assert snapshot(host) == EMPTY


def test_plain_uninstall_keeps_invoice_tables(host, posted_invoice_db):
    engine = posted_invoice_db.engine
    before = inspect(engine).get_table_names()
    profile.install(host)
    profile.uninstall(host)
    assert inspect(engine).get_table_names() == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM oro_invoice_invoice")).scalar() == 1


# -- upgrades --------------------------------------------------------------------------

def future_profile(version: int) -> profile.Profile:
    """The current profile under a later version, with the menu entry renamed."""
    current = profile.build_profile()
    entry = current.menu_entries[0]
    renamed = MenuEntry(**{**entry.__dict__, "key": "oro_invoices.invoice_list"})
    return profile.Profile(**{**current.__dict__, "version": version,
                              "menu_entries": (renamed,)})


NOW = profile.PROFILE_VERSION
RECEIPT_STEP = ("the payment_receipt_template listing each invoice of a payment for several, and the "
                "customer_activity_template email template")
AGING_STEP = "the aging_report_template email template"


def test_upgrade_runs_each_step_in_order(host):
    profile.install(host)
    ran = []

    def rename_menu(h):
        ran.append("first")
        h.menu.remove("oro_invoices.invoices")

    steps = [profile.UpgradeStep(NOW + 1, NOW + 2, "second", lambda h: ran.append("second")),
             profile.UpgradeStep(NOW, NOW + 1, "rename menu", rename_menu)]
    done = profile.upgrade(host, profile=future_profile(NOW + 2), steps=steps)
    assert [s.title for s in done] == ["rename menu", "second"] and ran == ["first", "second"]
    assert profile.installed_version(host) == NOW + 2
    assert [e.key for e in host.menu.entries()] == ["oro_invoices.invoice_list"]
    assert profile.upgrade(host, profile=future_profile(NOW + 2), steps=steps) == []


def test_upgrade_without_a_step_stops_at_the_last_version_reached(host):
    profile.install(host)
    steps = [profile.UpgradeStep(NOW, NOW + 1, "first", lambda h: None)]
    with pytest.raises(ConfigurationError, match=f"No upgrade step from profile version {NOW + 1}"):
        profile.upgrade(host, profile=future_profile(NOW + 2), steps=steps)
    assert profile.installed_version(host) == NOW + 1


def test_an_install_of_version_1_gains_the_payment_reminder_template(host):
    profile.install(host)
    host.email_templates.remove("invoice_reminder_template")
    host.config.save(profile.VERSION_KEY, 1, "global", None)    # as the first release left it
    ran = profile.upgrade(host)
    assert [step.title for step in ran][:1] == ["the invoice_reminder_template email template"]
    assert snapshot(host) == INSTALLED


def test_an_install_of_version_2_gains_the_credit_note_template(host):
    profile.install(host)
    host.email_templates.remove("credit_note_notification_template")
    host.config.save(profile.VERSION_KEY, 2, "global", None)    # as the reminders release left it
    ran = profile.upgrade(host)
    assert [step.title for step in ran][:1] == ["the credit_note_notification_template email template"]
    assert snapshot(host) == INSTALLED


def test_an_install_of_version_3_gains_the_receipt_templates(host):
    profile.install(host)
    host.email_templates.remove("payment_receipt_template")
    host.email_templates.remove("refund_receipt_template")
    host.config.save(profile.VERSION_KEY, 3, "global", None)    # as the credit notes release left it
    ran = profile.upgrade(host)
    assert [step.title for step in ran] == ["the payment_receipt_template and refund_receipt_template email templates",
                                            "the authorization_expiring_template email template",
                                            "the customer_statement_template email template", RECEIPT_STEP,
                                            AGING_STEP]
    assert snapshot(host) == INSTALLED
    receipt = host.email_templates.load("payment_receipt_template")
    assert receipt.variables == ("invoice", "payment", "payment_url", "seller", "remittance")
    assert "Payment received" in receipt.subject
    refund = host.email_templates.load("refund_receipt_template")
    assert refund.variables == ("invoice", "refund", "seller") and "Refund for invoice" in refund.subject


def test_an_install_of_version_4_gains_the_staffs_authorization_alert(host):
    profile.install(host)
    host.email_templates.remove("authorization_expiring_template")
    host.config.save(profile.VERSION_KEY, 4, "global", None)    # as the receipts release left it
    assert [step.title for step in profile.upgrade(host)] == ["the authorization_expiring_template email template",
                                                              "the customer_statement_template email template",
                                                              RECEIPT_STEP, AGING_STEP]
    assert snapshot(host) == INSTALLED
    alert = host.email_templates.load("authorization_expiring_template")
    assert alert.variables == ("invoice", "authorization", "seller") and "Capture the payment" in alert.subject


def test_an_install_of_version_5_gains_the_statement_template(host):
    profile.install(host)
    host.email_templates.remove("customer_statement_template")
    host.config.save(profile.VERSION_KEY, 5, "global", None)    # as the aging release left it
    assert [step.title for step in profile.upgrade(host)] == ["the customer_statement_template email template",
                                                              RECEIPT_STEP, AGING_STEP]
    assert snapshot(host) == INSTALLED
    statement = host.email_templates.load("customer_statement_template")
    assert statement.variables == ("statement", "seller", "recipient_name")
    assert "Statement of account" in statement.subject


def test_an_install_of_version_6_gains_the_receipt_of_a_payment_for_several_invoices_and_keeps_an_edit(host):
    profile.install(host)
    old = profile.receipt_template()
    host.email_templates.register(replace(old, subject=old.subject.split("{% else %}")[1].split("{% endif %}")[0],
                                          variables=old.variables[:-1]))      # the default as version 6 left it
    host.config.save(profile.VERSION_KEY, 6, "global", None)
    assert "remittance" not in host.email_templates.load("payment_receipt_template").subject
    assert [step.title for step in profile.upgrade(host)] == [RECEIPT_STEP, AGING_STEP]
    assert snapshot(host) == INSTALLED
    receipt = host.email_templates.load("payment_receipt_template")
    assert "remittance.numbers" in receipt.subject and "remittance" in receipt.variables

    host.email_templates.customise("payment_receipt_template", subject="Danke!")   # an admin's edit
    host.config.save(profile.VERSION_KEY, 6, "global", None)
    profile.upgrade(host)
    assert host.email_templates.load("payment_receipt_template").subject == "Danke!"


def test_an_install_of_version_7_gains_the_staffs_aging_report_template(host):
    profile.install(host)
    host.email_templates.remove("aging_report_template")
    host.config.save(profile.VERSION_KEY, 7, "global", None)
    assert [step.title for step in profile.upgrade(host)] == [AGING_STEP]
    assert snapshot(host) == INSTALLED
    aging = host.email_templates.load("aging_report_template")
    assert aging.variables == ("report", "seller", "report_url") and "Aging Report" in aging.subject


def test_upgrade_refuses_not_installed_and_newer_installs(host):
    with pytest.raises(ConfigurationError, match="not installed"):
        profile.upgrade(host)
    host.config.save(profile.VERSION_KEY, profile.PROFILE_VERSION + 1, "global", None)
    with pytest.raises(ConfigurationError, match="downgrades are not supported"):
        profile.upgrade(host)
    with pytest.raises(ConfigurationError, match="downgrades are not supported"):
        profile.install(host)


def test_current_profile_needs_no_steps(host):
    profile.install(host)
    assert profile.upgrade(host) == []
    assert snapshot(host) == INSTALLED
