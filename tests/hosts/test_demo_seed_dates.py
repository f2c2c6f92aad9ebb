"""The demo data is dated back from the UTC date, the day the add-on judges everything on, not
from the machine's local date: otherwise, in a timezone on another date, the newest invoice is
dated a day off and the seeded days ("1 day ago", "40 days ago") disagree with the pages."""
from __future__ import annotations

import pytest
from support.days import days_ago, local_date_not_utc

from oro_invoices.hosts.reference.seed import seed
from oro_invoices.hosts.reference.testing import make_shop


@pytest.fixture
def unseeded(tmp_path):
    app, _ = make_shop(tmp_path / "shop", seeded=False)
    yield app
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].service.db.dispose()


def test_the_seed_dates_its_invoices_back_from_the_utc_date(unseeded):
    with local_date_not_utc():
        seed(unseeded)
    service = unseeded.extensions["oro_invoices"].service
    dates = {service.get(s.id).invoice_date for s in service.list_invoices({}, limit=100).items}
    # the newest is the draft of 1 day ago, the oldest the paid invoice of 40 days ago
    assert (max(dates), min(dates)) == (days_ago(1), days_ago(40))
