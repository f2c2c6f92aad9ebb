"""Settings saved outside the configuration page (the demo's seed) are checked as the page's are:
down to each website below the scope saved, through the host's websites."""
from __future__ import annotations

import pytest

from oro_invoices.hosts.reference.seed import seed
from oro_invoices.hosts.reference.testing import make_shop
from oro_invoices.integration.config import InvalidSetting

MEANS, PROFILE, EINVOICES = ("oro_invoices.seller.payment_means", "oro_invoices.einvoice.profile",
                             "oro_invoices.einvoice.enabled")


@pytest.fixture
def unseeded(tmp_path):
    app, _ = make_shop(tmp_path / "shop", seeded=False)
    yield app
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].service.db.dispose()


def test_the_seed_turning_e_invoices_on_is_refused_where_a_website_keeps_a_direct_debit(unseeded):
    host = unseeded.extensions["oro_reference_host"]
    organization = host.records.add_organization("Existing Shop")
    website = host.records.add_website(organization, "Existing Store")
    host.config.save(PROFILE, "xrechnung", "organization", organization)
    host.config.save(MEANS, "sepa_direct_debit", "website", website)
    with pytest.raises(InvalidSetting) as refused:
        seed(unseeded, einvoices=True)
    assert str(refused.value).startswith(
        f"Setting '{EINVOICES}' at global scope: invalid value 'True': Website {website} would then make "
        "XRechnung 3.0 (CII in the PDF) e-invoices with SEPA Direct Debit, which they cannot state:")
    assert host.config.load(EINVOICES, "global", None) is None
