"""Settings: the schema, validation with clear messages, scope resolution, feature toggles."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from oro_invoices.adapters.config_store import ConfigStoreByPlace
from oro_invoices.domain.errors import ConfigurationError, FeatureDisabled
from oro_invoices.domain.invoice import SellerInfo
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration import features
from oro_invoices.integration.config import (
    SCHEMA_PATH,
    InvalidSettings,
    ResolvedValue,
    ScopeContext,
    Settings,
    load_schema,
    parse_schema,
    schema_markdown,
)
from oro_invoices.integration.settings_memo import remember_settings
from oro_invoices.web.errors import status_for

ROOT = Path(__file__).resolve().parents[2]
G, O, W, CG, C = "global", "organization", "website", "customer_group", "customer"
GOW = (G, O, W)

EXPECTED = {  # key: (type, default, scopes) — the keys other parts of the add-on read
    "oro_invoices.enabled": ("bool", False, (G, O)),
    "oro_invoices.number_prefix": ("str", "INV-", (G, O)),
    "oro_invoices.credit_note_number_prefix": ("str", "CN-", (G, O)),
    "oro_invoices.posting.earliest_year": ("int", 2000, (G, O)),
    "oro_invoices.posting.latest_year": ("int", 2100, (G, O)),
    "oro_invoices.storefront_enabled": ("bool", True, (G, O, W, CG, C)),
    "oro_invoices.generate_pdf_on_post": ("bool", True, GOW),
    "oro_invoices.jobs.pdf_in_background": ("bool", True, GOW),
    "oro_invoices.jobs.pdf_requeue_after": ("int", 60, (G,)),
    "oro_invoices.storage.download": ("choice", "stream", (G,)),
    "oro_invoices.storage.presigned_ttl": ("int", 60, (G,)),
    "oro_invoices.storefront_pdf_download": ("bool", True, GOW),
    "oro_invoices.payments_enabled": ("bool", False, GOW),
    "oro_invoices.payment_method": ("choice", "", GOW),
    "oro_invoices.seller.company_name": ("str", "", GOW),
    "oro_invoices.seller.business_address": ("str", "", GOW),
    "oro_invoices.seller.phone": ("str", "", GOW),
    "oro_invoices.seller.contact_name": ("str", "", GOW),
    "oro_invoices.seller.contact_email": ("str", "", GOW),
    "oro_invoices.seller.electronic_address": ("str", "", GOW),
    "oro_invoices.seller.website_url": ("url", "", GOW),
    "oro_invoices.seller.tax_id": ("str", "", GOW),
    "oro_invoices.seller.vat_id": ("str", "", GOW),
    "oro_invoices.seller.legal_registration_id": ("str", "", GOW),
    "oro_invoices.seller.street": ("str", "", GOW),
    "oro_invoices.seller.street2": ("str", "", GOW),
    "oro_invoices.seller.postal_code": ("str", "", GOW),
    "oro_invoices.seller.city": ("str", "", GOW),
    "oro_invoices.seller.region": ("str", "", GOW),
    "oro_invoices.seller.country_code": ("str", "", GOW),
    "oro_invoices.seller.iban": ("str", "", GOW),
    "oro_invoices.seller.bic": ("str", "", GOW),
    "oro_invoices.seller.account_holder": ("str", "", GOW),
    "oro_invoices.seller.payment_terms": ("str", "", (G, O, W, CG, C)),  # a group's or a customer's own terms
    "oro_invoices.seller.payment_days": ("str", "", (G, O, W, CG, C)),   # the days agreed with them
    "oro_invoices.seller.payment_means": ("choice", "", GOW),
    "oro_invoices.einvoice.enabled": ("bool", False, GOW),
    "oro_invoices.einvoice.profile": ("choice", "en16931", GOW),
    "oro_invoices.einvoice.on_invalid": ("choice", "refuse", GOW),
    "oro_invoices.einvoice.attach_xml": ("bool", False, GOW),
    "oro_invoices.einvoice.signing_certificate": ("str", "", (G,)),
    "oro_invoices.pdf.page_size": ("choice", "A4", GOW),
    "oro_invoices.locale": ("str", "en_US", (G, O, W, CG, C)),  # a customer's (group's) documents in its language
    "oro_invoices.timezone": ("str", "UTC", GOW),
    "oro_invoices.mail.sender": ("email", "invoices@example.com", GOW),
    "oro_invoices.mail.sender_name": ("str", "", GOW),
    "oro_invoices.mail.payment_receipts": ("bool", False, GOW),
    "oro_invoices.reminders.enabled": ("bool", False, (G, O, W, CG, C)),  # a customer (group) opted out
    "oro_invoices.reminders.schedule": ("str", "-3, 0, 7, 14", GOW),
    "oro_invoices.statements.schedule": ("choice", "", (G, O)),
    "oro_invoices.aging.schedule": ("choice", "", (G, O)),
    "oro_invoices.aging.recipients": ("str", "", (G, O)),
    "oro_invoices.payment_link_ttl_days": ("int", 90, GOW),
    "oro_invoices.webhooks.endpoints": ("webhook_endpoints", [], (G, O)),
    "oro_invoices.storefront_base_url": ("url", "", GOW),
    "oro_invoices.partial_payments_enabled": ("bool", False, GOW),
    "oro_invoices.partial_payment_minimum": ("decimal", "0", GOW),
    "oro_invoices.customer_credit.apply_on_posting": ("bool", False, GOW),
    "oro_invoices.customer_credit.customers_apply": ("bool", True, GOW),
    "oro_invoices.reauthorize_expiring": ("bool", False, GOW),
    "oro_invoices.authorization_alert_emails": ("str", "", GOW),
    "oro_invoices.oropay.merchant_id": ("str", "", GOW),
    "oro_invoices.oropay.account": ("str", "internet", GOW),
    "oro_invoices.oropay.shared_secret": ("secret", "", GOW),
    "oro_invoices.oropay.hpp_url": ("url", "https://pay.realexpayments.com/pay", GOW),
    "oro_invoices.oropay.api_url": ("url", "https://api.realexpayments.com/epage-remote.cgi", GOW),
    "oro_invoices.oropay.rebate_password": ("secret", "", GOW),
    "oro_invoices.stripe.secret_key": ("secret", "", GOW),
    "oro_invoices.stripe.publishable_key": ("str", "", GOW),
    "oro_invoices.stripe.webhook_secret": ("secret", "", GOW),
    "oro_invoices.stripe.js_url": ("url", "https://js.stripe.com/v3/", GOW),
    "oro_invoices.stripe.api_base": ("url", "https://api.stripe.com", GOW),
    "oro_invoices.stripe.payment_action": ("choice", "charge", GOW),
    "oro_invoices.stripe.reauthorize": ("bool", False, GOW),
}


@pytest.fixture
def settings() -> Settings:
    return Settings(MemoryConfigStore())


# -- the schema ------------------------------------------------------------------------

def test_schema_declares_exactly_the_documented_settings():
    schema = load_schema()
    assert {s.key: (s.type, s.default, s.scopes) for s in schema} == EXPECTED


def test_every_setting_has_label_section_and_help():
    incomplete = [s.key for s in load_schema() if not (s.label and s.section and s.help)]
    assert incomplete == []


def test_choices():
    schema = load_schema()
    assert schema["oro_invoices.payment_method"].choices == ("", "stripe", "oropay")
    assert schema["oro_invoices.pdf.page_size"].choices == ("A4", "Letter")


def test_repository_root_links_to_the_packaged_schema():
    root_file = ROOT / "config_schema.yaml"
    assert root_file.is_symlink()
    assert root_file.resolve() == (ROOT / "oro_invoices" / "config_schema.yaml").resolve()
    # ... and the package (installed or not) ships the same schema.
    assert root_file.read_text() == SCHEMA_PATH.read_text()


def test_schema_is_loaded_once():
    assert load_schema() is load_schema()


@pytest.mark.parametrize("declaration,message", [
    ({"type": "float", "default": 1, "label": "x", "section": "s", "scopes": ["global"]},
     "has type 'float'"),
    ({"type": "bool", "default": True, "label": "x", "section": "s", "scopes": ["planet"]},
     "has scopes ['planet']"),
    ({"type": "int", "default": "many", "label": "x", "section": "s", "scopes": ["global"]},
     "has an invalid default 'many'"),
    ({"type": "str", "default": "", "section": "s", "scopes": ["global"]}, "has no label"),
    ({"type": "choice", "choices": ["a"], "choice_labels": {"b": "Bee"}, "default": "a",
      "label": "x", "section": "s", "scopes": ["global"]}, "has choice_labels {'b': 'Bee'}"),
    ({"type": "choice", "choices": ["a"], "choice_labels": {"a": ""}, "default": "a",
      "label": "x", "section": "s", "scopes": ["global"]}, "non-empty labels"),
])
def test_malformed_schema_is_refused(declaration, message):
    with pytest.raises(ConfigurationError, match="setting 'x.y'") as err:
        parse_schema({"settings": {"x.y": declaration}})
    assert message in err.value.message


# -- validation ------------------------------------------------------------------------

def test_unknown_setting(settings):
    with pytest.raises(ConfigurationError, match="Unknown setting 'oro_invoices.nope'"):
        settings.set("oro_invoices.nope", True)


def test_scope_not_allowed_names_key_scope_and_allowed_scopes(settings):
    with pytest.raises(ConfigurationError) as err:
        settings.set("oro_invoices.enabled", True, "website", 1)
    assert err.value.message == ("Setting 'oro_invoices.enabled' cannot be set at website scope; "
                                 "allowed scopes: global, organization")


@pytest.mark.parametrize("key,value,problem", [
    ("oro_invoices.payment_link_ttl_days", "soon", "Not a valid integer."),
    ("oro_invoices.payment_link_ttl_days", 0, "greater than or equal to 1"),
    ("oro_invoices.payment_method", "paypal", "Must be one of"),
    ("oro_invoices.mail.sender", "not-an-address", "Not a valid email address."),
    ("oro_invoices.enabled", "perhaps", "Not a valid boolean."),
    ("oro_invoices.number_prefix", "X" * 21, "At most 20 characters."),
    ("oro_invoices.number_prefix", 5, "Not a valid string."),
])
def test_invalid_value_message_names_key_scope_and_problem(settings, key, value, problem):
    with pytest.raises(ConfigurationError) as err:
        settings.set(key, value, "organization", 3)
    message = err.value.message
    assert message.startswith(f"Setting {key!r} at organization scope (id 3): invalid value")
    assert problem in message
    assert settings.store.values == {}


def test_scope_id_rules(settings):
    with pytest.raises(ConfigurationError, match="at organization scope needs an id"):
        settings.set("oro_invoices.enabled", True, "organization")
    with pytest.raises(ConfigurationError, match="at global scope needs no id"):
        settings.set("oro_invoices.enabled", True, "global", 1)
    with pytest.raises(ConfigurationError, match="'galaxy' is not a scope"):
        settings.set("oro_invoices.enabled", True, "galaxy", 1)


def test_none_is_not_a_value(settings):
    with pytest.raises(ConfigurationError, match="use unset"):
        settings.set("oro_invoices.number_prefix", None)


def test_form_strings_are_normalised(settings):
    assert settings.set("oro_invoices.payment_link_ttl_days", "30") == 30
    assert settings.set("oro_invoices.enabled", "true") is True
    assert settings.store.values[("oro_invoices.enabled", "global", None)] is True


def test_garbage_in_the_host_store_is_ignored_and_reported(settings, caplog):
    """A stored value that is not valid must not stop posting, mail or start-up."""
    settings.store.save("oro_invoices.payment_link_ttl_days", 30, "organization", 3)
    settings.store.save("oro_invoices.payment_link_ttl_days", "many", "website", 4)
    ctx = ScopeContext(organization_id=3, website_id=4)
    with caplog.at_level("WARNING", logger="oro_invoices.config"):
        assert settings.resolve("oro_invoices.payment_link_ttl_days", ctx) == \
            ResolvedValue(30, "organization", 3)
        settings.value("oro_invoices.payment_link_ttl_days", ctx)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1  # once per stored value, not on every read
    assert warnings[0].startswith("Setting 'oro_invoices.payment_link_ttl_days' at website scope "
                                  "(id 4): invalid value 'many'")
    assert "parent scope's value applies" in warnings[0]
    with pytest.raises(ConfigurationError, match="invalid value 'many'"):
        settings.stored("oro_invoices.payment_link_ttl_days", "website", 4)


def test_a_stored_sender_name_with_a_line_break_cannot_stop_mail(settings):
    settings.set("oro_invoices.mail.sender_name", "Northwind Billing")
    settings.store.save("oro_invoices.mail.sender_name", "Evil\r\nBcc: x@evil.test",
                        "organization", 1)
    assert settings.value("oro_invoices.mail.sender_name",
                          ScopeContext(organization_id=1)) == "Northwind Billing"


# -- formats of text settings ------------------------------------------------------------

@pytest.mark.parametrize("key,value,problem", [
    ("oro_invoices.mail.sender_name", "Acme\nBcc: victim@evil.test", "Must be one line"),
    ("oro_invoices.mail.sender_name", "Acme\rBilling", "Must be one line"),
    ("oro_invoices.mail.sender_name", "Acme\u2028Billing", "Must be one line"),
    ("oro_invoices.seller.company_name", "Acme\x00", "cannot be stored"),
    ("oro_invoices.seller.phone", "+49\t30", "Must be one line"),
    ("oro_invoices.seller.business_address", "Main St 1\x0b10115", "other than line breaks"),
    ("oro_invoices.mail.sender", "a@example.com\r\nBcc: b@evil.test", "Must be one line"),
    ("oro_invoices.locale", "xx_YY", "Unknown locale 'xx_YY'"),
    ("oro_invoices.locale", "", "is not a locale code"),
    ("oro_invoices.locale", "C", "is not a locale code"),
    ("oro_invoices.locale", "de_DE\n", "Must be one line"),
    ("oro_invoices.timezone", "Mars/Olympus_Mons", "Unknown time zone 'Mars/Olympus_Mons'"),
    ("oro_invoices.timezone", "../../etc/passwd", "Unknown time zone"),
    ("oro_invoices.timezone", "", "Unknown time zone ''"),
    ("oro_invoices.timezone", "Europe/Berlin\n", "Must be one line"),
    ("oro_invoices.seller.website_url", "www.acme.example", "http:// or https://"),
    ("oro_invoices.seller.website_url", "/about", "http:// or https://"),
    ("oro_invoices.seller.website_url", "https://", "Must name a host"),
    ("oro_invoices.seller.electronic_address", "4035811991021",
     "Must be an email address or a Peppol participant id written scheme:id, such as 0088:4035811991021."),
    ("oro_invoices.seller.contact_email", "billing", "Not a valid email address."),
    ("oro_invoices.number_prefix", "INV 1", "Use letters, digits and . _ / - only"),
    ("oro_invoices.number_prefix", "-INV", "starting with a letter or digit"),
    ("oro_invoices.number_prefix", "ÄÖÜ-", "Use letters, digits"),
])
def test_text_values_that_would_break_posting_mail_or_start_up_are_refused(settings, key, value,
                                                                           problem):
    with pytest.raises(ConfigurationError) as err:
        settings.set(key, value, "organization", 1)
    assert err.value.message.startswith(f"Setting {key!r} at organization scope (id 1): invalid value")
    assert problem in err.value.problem
    assert settings.store.values == {}


@pytest.mark.parametrize("key,value,stored", [
    ("oro_invoices.locale", "de_DE", "de_DE"),
    ("oro_invoices.locale", "de-de", "de_DE"),
    ("oro_invoices.locale", "ja", "ja"),
    ("oro_invoices.timezone", " Asia/Tokyo ", "Asia/Tokyo"),
    ("oro_invoices.timezone", "America/New_York", "America/New_York"),
    ("oro_invoices.mail.sender_name", "  Acme Billing ", "Acme Billing"),
    ("oro_invoices.seller.business_address", "Main St 1  \r\n10115 Berlin\r\n", "Main St 1\n10115 Berlin"),
    ("oro_invoices.seller.website_url", "https://acme.example/shop", "https://acme.example/shop"),
    ("oro_invoices.seller.contact_email", "", ""),
    ("oro_invoices.number_prefix", "", ""),
    ("oro_invoices.number_prefix", "ACME/2026.", "ACME/2026."),
])
def test_text_values_are_stored_normalised(settings, key, value, stored):
    assert settings.set(key, value, "organization", 1) == stored


def test_every_stored_locale_can_format_an_invoice(settings):
    from oro_invoices.formatting import Formatter
    for value in ("de-DE", "ja_JP", "pt_BR", "fr"):
        Formatter(settings.set("oro_invoices.locale", value))


def test_every_stored_time_zone_can_format_a_time(settings):
    from oro_invoices.formatting import Formatter
    moment = dt.datetime(2025, 3, 5, 13, 30, tzinfo=dt.UTC)
    zone = settings.set("oro_invoices.timezone", "Asia/Tokyo")
    assert Formatter("ja_JP", zone).datetime(moment) == "2025/03/05 22:30 JST"


def test_a_schema_format_must_be_known():
    declaration = {"type": "str", "format": "poem", "default": "", "label": "x", "section": "s",
                   "scopes": ["global"]}
    with pytest.raises(ConfigurationError, match="has format 'poem'; a str setting may have one of"):
        parse_schema({"settings": {"x.y": declaration}})
    declaration = {**declaration, "type": "int", "format": "locale", "default": 1}
    with pytest.raises(ConfigurationError, match="has format 'locale'"):
        parse_schema({"settings": {"x.y": declaration}})


# -- saving several values: all or nothing ----------------------------------------------------

def test_apply_stores_all_values_or_none(settings):
    settings.set("oro_invoices.number_prefix", "OLD-", "organization", 1)
    with pytest.raises(InvalidSettings) as err:
        settings.apply({"oro_invoices.number_prefix": "NEW-", "oro_invoices.locale": "xx",
                        "oro_invoices.mail.sender_name": "A\nB"}, "organization", 1)
    assert set(err.value.problems) == {"oro_invoices.locale", "oro_invoices.mail.sender_name"}
    assert "Must be one line" in err.value.problems["oro_invoices.mail.sender_name"]
    assert err.value.message.startswith("Nothing was saved at organization scope (id 1): ")
    assert settings.store.values == {("oro_invoices.number_prefix", "organization", 1): "OLD-"}
    stored = settings.apply({"oro_invoices.number_prefix": None, "oro_invoices.locale": "de-DE"},
                            "organization", 1)
    assert stored == {"oro_invoices.number_prefix": None, "oro_invoices.locale": "de_DE"}
    assert settings.store.values == {("oro_invoices.locale", "organization", 1): "de_DE"}


def test_apply_puts_the_earlier_values_back_when_the_store_fails_half_way(settings):
    settings.set("oro_invoices.number_prefix", "OLD-", "organization", 1)
    store = settings.store
    real_save = store.save

    def failing_save(key, value, scope, scope_id):
        if key == "oro_invoices.locale":
            raise OSError("disk full")
        real_save(key, value, scope, scope_id)

    store.save = failing_save
    with pytest.raises(OSError):
        settings.apply({"oro_invoices.number_prefix": "NEW-", "oro_invoices.locale": "de_DE"},
                       "organization", 1)
    store.save = real_save
    assert store.values == {("oro_invoices.number_prefix", "organization", 1): "OLD-"}


def test_apply_checks_the_scope_of_use_default_too(settings):
    with pytest.raises(ConfigurationError, match="cannot be set at website scope"):
        settings.apply({"oro_invoices.enabled": None}, "website", 1)
    with pytest.raises(ConfigurationError, match="cannot be set at customer scope"):
        settings.unset("oro_invoices.timezone", "customer", 1)


# -- resolution ------------------------------------------------------------------------

def test_defaults_without_any_stored_value(settings):
    assert settings.value("oro_invoices.enabled") is False
    assert settings.value("oro_invoices.number_prefix") == "INV-"
    assert settings.resolve("oro_invoices.locale").scope == "default"


def test_most_specific_scope_wins_and_unset_falls_back(settings):
    key = "oro_invoices.storefront_enabled"
    ctx = ScopeContext(organization_id=1, website_id=2, customer_group_id=3, customer_id=4)
    chain = [(G, None, False), (O, 1, True), (W, 2, False), (CG, 3, True), (C, 4, False)]
    for scope, scope_id, value in chain:
        settings.set(key, value, scope, scope_id)
    seen = []
    for scope, scope_id, _value in reversed(chain):
        resolved = settings.resolve(key, ctx)
        seen.append((resolved.scope, resolved.value))
        settings.unset(key, scope, scope_id)
    seen.append((settings.resolve(key, ctx).scope, settings.value(key, ctx)))
    assert seen == [(C, False), (CG, True), (W, False), (O, True), (G, False), ("default", True)]


def test_other_ids_do_not_leak(settings):
    settings.set("oro_invoices.number_prefix", "ORG1-", "organization", 1)
    assert settings.value("oro_invoices.number_prefix", ScopeContext(organization_id=2)) == "INV-"
    assert settings.value("oro_invoices.number_prefix", ScopeContext(organization_id=1)) \
        == "ORG1-"


def test_scopes_a_setting_does_not_allow_are_skipped(settings):
    settings.store.save("oro_invoices.enabled", True, "website", 9)  # set behind our back
    assert settings.value("oro_invoices.enabled", ScopeContext(website_id=9)) is False


def test_seller_info_per_website(settings):
    settings.set("oro_invoices.seller.company_name", "ACME GmbH")
    settings.set("oro_invoices.seller.tax_id", "DE123456789")
    settings.set("oro_invoices.seller.company_name", "ACME Retail", "website", 2)
    assert settings.seller_info(ScopeContext(website_id=2)) == SellerInfo(
        company_name="ACME Retail", tax_id="DE123456789")
    assert settings.seller_info().company_name == "ACME GmbH"


# -- feature toggles -------------------------------------------------------------------

def enabled(settings, ctx=ScopeContext()):
    return {f: features.is_enabled(settings, f, ctx) for f in features.FEATURES}


def test_everything_is_off_by_default(settings):
    assert enabled(settings) == {"invoices": False, "storefront": False, "payments": False,
                                 "pdf_download": False}


def test_enabling_invoices_brings_storefront_and_download(settings):
    settings.set("oro_invoices.enabled", True)
    assert enabled(settings) == {"invoices": True, "storefront": True, "payments": False,
                                 "pdf_download": True}


def test_switching_invoices_off_switches_the_storefront_off(settings):
    settings.set("oro_invoices.enabled", True)
    settings.set("oro_invoices.payments_enabled", True)
    settings.set("oro_invoices.payment_method", "stripe")
    settings.set("oro_invoices.enabled", False, "organization", 5)
    assert set(enabled(settings, ScopeContext(organization_id=5)).values()) == {False}
    assert set(enabled(settings, ScopeContext(organization_id=6)).values()) == {True}


def test_storefront_off_for_one_customer_group(settings):
    settings.set("oro_invoices.enabled", True)
    settings.set("oro_invoices.storefront_enabled", False, "customer_group", 7)
    off = enabled(settings, ScopeContext(customer_group_id=7, customer_id=70))
    assert (off["invoices"], off["storefront"], off["pdf_download"]) == (True, False, False)
    assert enabled(settings, ScopeContext(customer_group_id=8))["storefront"] is True


def test_payments_need_a_method(settings):
    settings.set("oro_invoices.enabled", True)
    settings.set("oro_invoices.payments_enabled", True)
    assert features.is_enabled(settings, "payments") is False
    settings.set("oro_invoices.payment_method", "oropay", "website", 1)
    assert features.is_enabled(settings, "payments", ScopeContext(website_id=1)) is True


def test_require_raises_feature_disabled_with_a_helpful_message(settings):
    with pytest.raises(FeatureDisabled, match="Invoices are switched off") as err:
        features.require(settings, "invoices")
    assert status_for(err.value) == 404
    settings.set("oro_invoices.enabled", True)
    features.require(settings, "invoices")


def test_unknown_feature(settings):
    with pytest.raises(ValueError, match="Unknown feature 'reports'"):
        features.is_enabled(settings, "reports")


# -- docs/configuration.md -------------------------------------------------------------

def test_configuration_doc_is_generated_from_the_schema():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert doc == schema_markdown(), \
        "regenerate: python -m oro_invoices.integration.config > docs/configuration.md"


def test_configuration_doc_lists_every_key():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [key for key in EXPECTED if f"### `{key}`" not in doc]
    assert missing == []


def test_root_symlink_content_is_yaml_with_every_key():
    data = yaml.safe_load((ROOT / "config_schema.yaml").read_text(encoding="utf-8"))
    assert set(data["settings"]) == set(EXPECTED)


# -- payment settings -----------------------------------------------------------------------

def test_the_payment_method_choices_are_the_registered_methods():
    plain = Settings(MemoryConfigStore())
    assert plain.choices("oro_invoices.payment_method") == ("", "stripe", "oropay")  # the schema's list
    registered = Settings(MemoryConfigStore(), payment_methods=("oropay", "acmepay"))
    assert registered.choices("oro_invoices.payment_method") == ("", "oropay", "acmepay")
    assert registered.set("oro_invoices.payment_method", "acmepay") == "acmepay"
    with pytest.raises(ConfigurationError, match='Must be one of: "", oropay, acmepay'):
        registered.set("oro_invoices.payment_method", "stripe")
    # a method whose plugin went away: the stored name is ignored, payments stay off
    gone = Settings(registered.store, payment_methods=("oropay",))
    assert gone.value("oro_invoices.payment_method") == ""


def test_the_composition_root_offers_the_registered_methods(sqlite_db):
    from oro_invoices.composition import AddonConfig, build_addon
    from oro_invoices.hosts.memory import MemoryHost
    with build_addon(AddonConfig(database_url=sqlite_db.url, load_entrypoints=False, pdf=False),
                     host=MemoryHost()) as addon:
        assert addon.settings.choices("oro_invoices.payment_method") == ("", "oropay", "stripe")
    blocked = AddonConfig(database_url=sqlite_db.url, load_entrypoints=False, pdf=False,
                          blocked_plugins=("oro_invoices.integration.default_plugins.oropay",
                                           "oro_invoices.integration.default_plugins.stripe_payments"))
    with build_addon(blocked, host=MemoryHost()) as addon:
        assert addon.settings.choices("oro_invoices.payment_method") == ("",)


@pytest.mark.parametrize("value,ok", [("0", True), ("10", True), ("12.50", True), ("0.0001", True),
                                      ("-1", False), ("1e3", False), ("12.345678", False), ("", False),
                                      ("ten", False)])
def test_the_partial_payment_minimum_is_a_decimal(settings, value, ok):
    if ok:
        assert settings.set("oro_invoices.partial_payment_minimum", value) == value
    else:
        with pytest.raises(ConfigurationError, match="Must be a number such as 10 or 12.50"):
            settings.set("oro_invoices.partial_payment_minimum", value)


def test_secrets_never_appear_in_error_messages(settings):
    settings.set("oro_invoices.oropay.shared_secret", "s3cr3t-value")
    with pytest.raises(ConfigurationError) as err:
        settings.set("oro_invoices.oropay.shared_secret", "line\nbreak-s3cr3t")
    assert "s3cr3t" not in err.value.message and "not shown" in err.value.message
    assert settings.value("oro_invoices.oropay.shared_secret") == "s3cr3t-value"


def test_a_setting_declared_twice_is_refused(tmp_path):
    from oro_invoices.integration.config import load_schema
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    first = text.index("  oro_invoices.storefront_enabled:")
    block_end = text.index("\n  oro_invoices.", first + 1)
    doubled = tmp_path / "config_schema.yaml"
    doubled.write_text(text[:block_end] + text[first - 1:block_end] + text[block_end:], encoding="utf-8")
    with pytest.raises(ConfigurationError, match="'oro_invoices.storefront_enabled' is declared twice"):
        load_schema(doubled)


def test_values_anywhere_are_those_a_scope_can_resolve_to():
    store = MemoryConfigStore()
    settings = Settings(store)
    key = "oro_invoices.number_prefix"
    assert settings.values_anywhere(key) == ["INV-"]
    settings.set(key, "ACME-", O, 4)
    store.save(key, "X" * 500, O, 5)       # stored behind the add-on's back: too long
    store.save(key, "WEB-", W, 6)          # at a scope the setting does not apply at
    assert settings.values_anywhere(key) == ["INV-", "ACME-"]
    settings.set(key, "ALL-")              # the default applies nowhere now
    assert sorted(settings.values_anywhere(key)) == ["ACME-", "ALL-"]
    assert sorted({settings.value(key, ScopeContext(organization_id=o)) for o in (1, 4, 5)}) == ["ACME-", "ALL-"]



def test_values_anywhere_down_to_a_scope_are_those_a_scope_naming_no_narrower_one_resolves_to():
    settings = Settings(MemoryConfigStore())
    key = "oro_invoices.locale"
    settings.set(key, "ja_JP", O, 1)
    settings.set(key, "fr_FR", "customer_group", 3)
    settings.set(key, "de_DE", "customer", 10)
    assert sorted(settings.values_anywhere(key)) == ["de_DE", "en_US", "fr_FR", "ja_JP"]
    assert sorted(settings.values_anywhere(key, down_to=W)) == ["en_US", "ja_JP"]
    assert {settings.value(key, ScopeContext(organization_id=1, website_id=w)) for w in (1, 2)} == {"ja_JP"}
    with pytest.raises(ValueError, match="down_to 'shop' is not one of global, organization"):
        settings.values_anywhere(key, down_to="shop")


class _ReadCountingStore(MemoryConfigStore):
    """Counts the values the store hands out (``stored``, ``stored_at``)."""

    handed_out = 0

    def stored(self, prefix):
        found = list(super().stored(prefix))
        self.handed_out += len(found)
        return found

    def stored_at(self, prefix, scopes, places):
        found = list(super().stored_at(prefix, scopes, places))
        self.handed_out += len(found)
        return found


class _WholeReadStore(_ReadCountingStore):
    """A host's store without ``stored_at`` (``ConfigStoreByPlace`` is optional)."""

    stored_at = None  # type: ignore[assignment]


def _locales_of_many_customers(store):
    settings = Settings(store)
    key = "oro_invoices.locale"
    settings.set(key, "ja_JP", O, 1)
    settings.set(key, "fr_FR", W, 2)
    for customer in range(1, 201):             # each customer's document language
        settings.set(key, "de_DE", C, customer)
    store.handed_out = 0
    return settings, key


def test_values_anywhere_down_to_a_scope_reads_only_the_values_stored_at_it_and_wider_scopes():
    """Listing the languages an email of the staff can go out in reads the organizations' and
    websites' values, never every customer's."""
    store = _ReadCountingStore()
    settings, key = _locales_of_many_customers(store)
    assert sorted(settings.values_anywhere(key, down_to=W)) == ["en_US", "fr_FR", "ja_JP"]
    assert store.handed_out == 2
    assert sorted(settings.values_anywhere(key, down_to=G)) == ["en_US"] and store.handed_out == 2
    assert sorted(set(settings.values_anywhere(key))) == ["de_DE", "en_US", "fr_FR", "ja_JP"]
    assert store.handed_out == 2 + 202
    store.handed_out = 0
    assert [item.scope_id for item in settings.stored_everywhere(key, W)] == [2] and store.handed_out == 1


def test_values_anywhere_down_to_a_scope_from_a_store_read_only_whole():
    """A host's store without ``stored_at`` is read whole and gives the same values."""
    store = _WholeReadStore()
    settings, key = _locales_of_many_customers(store)
    assert not isinstance(store, ConfigStoreByPlace)
    assert sorted(settings.values_anywhere(key, down_to=W)) == ["en_US", "fr_FR", "ja_JP"]
    assert store.handed_out == 202
    assert [item.scope_id for item in settings.stored_everywhere(key, W)] == [2]


def test_values_anywhere_down_to_a_scope_within_a_request_reads_nothing_more():
    """Within a remembered request, the organizations' and websites' values its first setting
    read give the list: no read of its own."""
    store = _ReadCountingStore()
    settings, key = _locales_of_many_customers(store)
    with remember_settings():
        assert settings.value(key, ScopeContext(organization_id=1, website_id=2)) == "fr_FR"
        assert store.handed_out == 2
        assert sorted(settings.values_anywhere(key, down_to=W)) == ["en_US", "fr_FR", "ja_JP"]
        assert store.handed_out == 2
    whole = _WholeReadStore()
    settings, key = _locales_of_many_customers(whole)
    with remember_settings():
        assert sorted(settings.values_anywhere(key, down_to=W)) == ["en_US", "fr_FR", "ja_JP"]
        assert sorted(set(settings.values_anywhere(key))) == ["de_DE", "en_US", "fr_FR", "ja_JP"]
        assert whole.handed_out == 202             # read whole once, for both

EARLIEST, LATEST = "oro_invoices.posting.earliest_year", "oro_invoices.posting.latest_year"


def test_an_earliest_year_after_the_latest_is_refused_at_every_scope(settings):
    """Posting needs earliest <= latest: each save is checked with the values in effect where it
    is stored, naming the other setting and its value."""
    with pytest.raises(ConfigurationError) as err:
        settings.apply({EARLIEST: 2101}, "organization", 1)
    assert err.value.problems == {EARLIEST: "Must not be after the Latest Year of a Posted Invoice (2100)."}
    with pytest.raises(ConfigurationError) as err:
        settings.apply({LATEST: 1999}, "global")
    assert err.value.problems == {LATEST: "Must not be before the Earliest Year of a Posted Invoice (2000)."}
    with pytest.raises(ConfigurationError) as err:
        settings.apply({EARLIEST: 2300, LATEST: 2200}, "organization", 1)
    assert set(err.value.problems) == {EARLIEST, LATEST}
    with pytest.raises(ConfigurationError, match="Must not be after the Latest Year"):
        settings.set(EARLIEST, 2101, "organization", 1)
    assert settings.store.values == {}
    # both moved together is fine; then the organization inherits the global latest year again
    settings.apply({EARLIEST: 2300, LATEST: 2400}, "organization", 1)
    with pytest.raises(ConfigurationError) as err:
        settings.apply({LATEST: None}, "organization", 1)
    assert err.value.problems == {LATEST: "Must not be before the Earliest Year of a Posted Invoice (2300)."}
    # a global value an organization's own value would cross
    settings.apply({EARLIEST: None}, "organization", 1)
    settings.apply({LATEST: 2050}, "organization", 2)
    with pytest.raises(ConfigurationError) as err:
        settings.apply({EARLIEST: 2060}, "global")
    assert err.value.problems == {EARLIEST: "Must not be after the Latest Year of a Posted Invoice that "
                                            "organization 2 keeps (2050)."}
    settings.apply({EARLIEST: 2040}, "global")
    assert settings.value(EARLIEST, ScopeContext(organization_id=2)) == 2040
    with pytest.raises(ConfigurationError, match="Must not be before the Earliest Year"):
        settings.apply({LATEST: 2030}, "organization", 3)


@pytest.mark.parametrize("value", ["\uff11\u0662", "\u0661\u0660", "1\u00b2", "\u0661.50"])
def test_a_decimal_setting_takes_ascii_digits_only(settings, value):
    with pytest.raises(ConfigurationError) as err:
        settings.set("oro_invoices.partial_payment_minimum", value, "organization", 1)
    assert "Must be a number such as 10 or 12.50" in err.value.message
    assert settings.store.values == {}
