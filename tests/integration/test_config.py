"""Settings: the schema, validation with clear messages, scope resolution, feature toggles."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from oro_invoices.domain.errors import ConfigurationError, FeatureDisabled
from oro_invoices.domain.invoice import SellerInfo
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration import features
from oro_invoices.integration.config import (
    SCHEMA_PATH,
    ScopeContext,
    Settings,
    load_schema,
    parse_schema,
    schema_markdown,
)
from oro_invoices.web.errors import status_for

ROOT = Path(__file__).resolve().parents[2]
G, O, W, CG, C = "global", "organization", "website", "customer_group", "customer"
GOW = (G, O, W)

EXPECTED = {  # key: (type, default, scopes) — the keys other parts of the add-on read
    "oro_invoices.enabled": ("bool", False, (G, O)),
    "oro_invoices.number_prefix": ("str", "INV-", (G, O)),
    "oro_invoices.storefront_enabled": ("bool", True, (G, O, W, CG, C)),
    "oro_invoices.generate_pdf_on_post": ("bool", True, GOW),
    "oro_invoices.storefront_pdf_download": ("bool", True, GOW),
    "oro_invoices.payments_enabled": ("bool", False, GOW),
    "oro_invoices.payment_method": ("choice", "", GOW),
    "oro_invoices.seller.company_name": ("str", "", GOW),
    "oro_invoices.seller.business_address": ("str", "", GOW),
    "oro_invoices.seller.phone": ("str", "", GOW),
    "oro_invoices.seller.contact_email": ("str", "", GOW),
    "oro_invoices.seller.website_url": ("str", "", GOW),
    "oro_invoices.seller.tax_id": ("str", "", GOW),
    "oro_invoices.pdf.page_size": ("choice", "A4", GOW),
    "oro_invoices.locale": ("str", "en_US", GOW),
    "oro_invoices.mail.sender": ("email", "invoices@example.com", GOW),
    "oro_invoices.mail.sender_name": ("str", "", GOW),
    "oro_invoices.payment_link_ttl_days": ("int", 90, GOW),
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
    ("oro_invoices.number_prefix", "X" * 21, "Longer than maximum length 20."),
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


def test_garbage_in_the_host_store_is_reported(settings):
    settings.store.save("oro_invoices.payment_link_ttl_days", "many", "website", 4)
    with pytest.raises(ConfigurationError, match="'oro_invoices.payment_link_ttl_days' at "
                                                 "website scope \\(id 4\\): invalid value"):
        settings.value("oro_invoices.payment_link_ttl_days", ScopeContext(website_id=4))


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
