"""The adapter has every part, each implementing its interface."""
from __future__ import annotations

from oro_invoices.adapters import (
    CAPABILITIES,
    ConfigStore,
    Customers,
    EmailTemplates,
    Layout,
    Menu,
    Orders,
    OrderView,
    Storefront,
    Urls,
    Users,
)
from oro_invoices.testing.suite.base import HostSuite

INTERFACES = {"config": ConfigStore, "menu": Menu, "order_view": OrderView,
              "email_templates": EmailTemplates, "orders": Orders, "customers": Customers,
              "users": Users, "urls": Urls, "layout": Layout}


class TestHostShape(HostSuite):
    def test_has_a_name(self):
        assert isinstance(self.host.name, str) and self.host.name

    def test_every_part_implements_its_interface(self):
        wrong = [part for part, proto in INTERFACES.items()
                 if not isinstance(getattr(self.host, part, None), proto)]
        assert wrong == []

    def test_capabilities_are_known(self):
        assert set(self.host.capabilities) <= set(CAPABILITIES)

    def test_storefront_matches_capability(self):
        if "storefront" in self.host.capabilities:
            assert isinstance(self.host.storefront, Storefront)
        else:
            assert self.host.storefront is None

    def test_each_instance_is_fresh(self, oro_host_factory):
        other = oro_host_factory()
        try:
            self.host.config.save("oro_invoices.locale", "de_DE", "global", None)
            assert other.config.load("oro_invoices.locale", "global", None) is None
        finally:
            close = getattr(other, "close", None)
            if callable(close):
                close()
