"""Connection-pool options of the add-on's engine (``AddonConfig.database_pool``)."""
from __future__ import annotations

import pytest

from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.persistence.engine import pool_options


def test_the_pool_options_reach_the_engine_on_both_databases(db):
    url = db.engine.url.render_as_string(hide_password=False)
    addon = build_addon(AddonConfig(database_url=url, pdf=False, load_entrypoints=False,
                                    database_pool={"pool_size": 3, "max_overflow": 2, "pool_recycle": 600}))
    try:
        pool = addon.invoices.db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._recycle) == (3, 2, 600)
    finally:
        addon.close()


@pytest.mark.parametrize("options,message", [
    ({"pool_sise": 3}, "Unknown database pool option 'pool_sise'; the options are pool_size, max_overflow"),
    ({"pool_size": -1}, "pool_size must be a whole number of 0 or more, not -1"),
    ({"pool_size": 2.5}, "pool_size must be a whole number of 0 or more, not 2.5"),
    ({"max_overflow": "10"}, "max_overflow must be a whole number of 0 or more, not '10'"),
    ({"pool_pre_ping": "yes"}, "pool_pre_ping must be true or false, not 'yes'"),
    ({"pool_timeout": True}, "pool_timeout must be a number of 0 or more, not True"),
])
def test_a_wrong_pool_option_is_named(options, message):
    with pytest.raises(ConfigurationError, match=message):
        pool_options(options)


def test_build_addon_refuses_a_wrong_pool_option_before_connecting(tmp_path):
    with pytest.raises(ConfigurationError, match="Unknown database pool option 'size'"):
        build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'x.db'}", pdf=False,
                                load_entrypoints=False, database_pool={"size": 1}))
    assert not (tmp_path / "x.db").exists()
