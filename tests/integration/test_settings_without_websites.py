"""Settings built without the host's websites (``Settings(store)``) refuse a save whose checks must
follow a website to its organization, rather than store what ``Settings.of_host`` would refuse."""
from __future__ import annotations

import pytest

from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import InvalidSetting, InvalidSettings, Settings, WebsitesUnknown

MEANS, EINVOICES, PROFILE = ("oro_invoices.seller.payment_means", "oro_invoices.einvoice.enabled",
                             "oro_invoices.einvoice.profile")


@pytest.fixture
def host() -> MemoryHost:
    host = MemoryHost()
    Settings.of_host(host).apply({EINVOICES: True})
    return host


def test_a_profile_saved_above_a_websites_direct_debit_is_refused_by_both(host):
    website = host.add_website("Shop", organization_id=1)
    host.config.save(MEANS, "direct_debit", "website", website.id)
    with pytest.raises(InvalidSetting, match=f"Website {website.id} would then make"):
        Settings.of_host(host).set(PROFILE, "ubl", "organization", 1)
    with pytest.raises(WebsitesUnknown) as caught:
        Settings(host.config).set(PROFILE, "ubl", "organization", 1)
    assert caught.value.message == (
        f"Nothing was saved at organization scope (id 1): saving 'oro_invoices.einvoice.profile' is checked at "
        f"website {website.id} (direct debit under an e-invoice profile that cannot state it, with the values it "
        "inherits from its organization), and these Settings do not know the websites. Build them with "
        "Settings.of_host(host), or pass Settings(store, websites=host.websites).")
    assert caught.value.keys == (PROFILE,) and caught.value.website_id == website.id
    with pytest.raises(WebsitesUnknown):
        Settings(host.config).apply({PROFILE: "xrechnung", "oro_invoices.seller.contact_email": "a@b.example"},
                                    "organization", 1)
    assert host.config.load(PROFILE, "organization", 1) is None and host.config.load(PROFILE, "global", None) is None
    assert host.config.load("oro_invoices.seller.contact_email", "organization", 1) is None
    # given the websites, the same settings check them
    with pytest.raises(InvalidSetting, match=f"Website {website.id} would then make"):
        Settings(host.config, websites=host.websites).set(PROFILE, "ubl", "organization", 1)


def test_a_direct_debit_saved_at_a_website_under_its_organizations_profile(host):
    """The organization keeps a profile: the website's check needs to know it is that organization's."""
    website = host.add_website("Shop", organization_id=1)
    Settings.of_host(host).set(PROFILE, "xrechnung_ubl", "organization", 1)
    with pytest.raises(InvalidSetting, match="cannot be stated"):
        Settings.of_host(host).set(MEANS, "sepa_direct_debit", "website", website.id)
    with pytest.raises(WebsitesUnknown, match=f"checked at website {website.id}"):
        Settings(host.config).set(MEANS, "sepa_direct_debit", "website", website.id)
    with pytest.raises(WebsitesUnknown):
        Settings(host.config).apply({MEANS: "sepa_direct_debit"}, "website", website.id)
    assert host.config.load(MEANS, "website", website.id) is None


def test_saves_that_need_no_website_work_as_before(host):
    settings = Settings(host.config)
    website = host.add_website("Shop", organization_id=1)
    settings.set(PROFILE, "ubl", "organization", 1)             # no website keeps a payment means
    settings.set("oro_invoices.seller.company_name", "Shop Ltd", "website", website.id)   # not a checked key
    settings.set(MEANS, "credit_transfer", "organization", 1)
    with pytest.raises(InvalidSettings):                          # what is wrong at the scope saved still is
        settings.apply({MEANS: "direct_debit"}, "organization", 1)
    assert settings.stored(PROFILE, "organization", 1) == "ubl"


def test_where_no_organization_keeps_one_of_the_values_a_website_is_checked_without_the_websites(host):
    """A website then inherits the global values alone: the check needs not know its organization."""
    website = host.add_website("Shop", organization_id=1)
    settings = Settings(host.config)
    settings.set(MEANS, "direct_debit", "website", website.id)          # the global profile states it
    with pytest.raises(InvalidSetting, match=f"Website {website.id} would then make"):
        settings.set(PROFILE, "ubl")
    assert settings.stored(PROFILE) is None
    with pytest.raises(InvalidSetting, match="cannot be stated"):
        Settings(host.config).set(PROFILE, "xrechnung", "website", website.id)
