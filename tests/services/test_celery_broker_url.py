"""A jobs broker URL of no broker is refused when the add-on is built, not lost job by job."""
from __future__ import annotations

import pytest

from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.domain.errors import ConfigurationError


@pytest.mark.parametrize(("url", "named"), [("foo://x", "foo://"), ("127.0.0.1:6379", "'127.0.0.1:6379'")])
def test_a_broker_url_of_no_broker_is_refused_when_the_addon_is_built(tmp_path, url, named):
    with pytest.raises(ConfigurationError) as caught:
        build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path}/x.db", jobs_broker_url=url, pdf=False))
    assert caught.value.message == (f"The jobs broker URL is not a Celery broker URL: {named}; "
                                    "use redis://HOST:6379/N or amqp://USER:PASSWORD@HOST:5672//.")


def test_a_redis_broker_url_is_taken_without_connecting(tmp_path):
    config = AddonConfig(database_url=f"sqlite:///{tmp_path}/x.db", jobs_broker_url="redis://127.0.0.1:9/0", pdf=False)
    with build_addon(config) as addon:
        assert addon.jobs.background
