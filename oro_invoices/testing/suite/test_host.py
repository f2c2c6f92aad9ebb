"""The adapter has every part, each implementing its interface with the declared signatures."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oro_invoices.adapters import CAPABILITIES, PARTS, Storefront
from oro_invoices.testing.seeder import Seeder
from oro_invoices.testing.signatures import signature_problems
from oro_invoices.testing.suite.base import HostSuite

REQUIRED_PARTS = {part: proto for part, proto in PARTS.items() if part != "storefront"}


class TestHostShape(HostSuite):
    def test_has_a_name(self) -> None:
        assert isinstance(self.host.name, str) and self.host.name

    def test_every_part_implements_its_interface(self) -> None:
        wrong = [part for part, proto in REQUIRED_PARTS.items()
                 if not isinstance(getattr(self.host, part, None), proto)]
        assert wrong == []

    def test_every_method_has_its_interface_signature(self) -> None:
        problems = [problem for part, proto in PARTS.items()
                    if getattr(self.host, part, None) is not None
                    for problem in signature_problems(part, getattr(self.host, part), proto)]
        if problems:
            pytest.fail("Methods whose signature differs from the interface:\n  "
                        + "\n  ".join(problems), pytrace=False)

    @pytest.mark.oro_requires("seeding")
    def test_seeder_has_the_seeder_signatures(self) -> None:
        problems = signature_problems("seeder", self.seeder, Seeder)
        if problems:
            pytest.fail("Seeder methods whose signature differs from oro_invoices.testing.Seeder:"
                        "\n  " + "\n  ".join(problems), pytrace=False)

    def test_capabilities_are_known(self) -> None:
        assert set(self.host.capabilities) <= set(CAPABILITIES)

    def test_storefront_matches_capability(self) -> None:
        if "storefront" in self.host.capabilities:
            assert isinstance(self.host.storefront, Storefront)
        else:
            assert self.host.storefront is None

    def test_each_instance_is_fresh(self, oro_host_factory: Callable[[], Any]) -> None:
        other = oro_host_factory()
        try:
            self.host.config.save("oro_invoices.locale", "de_DE", "global", None)
            assert other.config.load("oro_invoices.locale", "global", None) is None
        finally:
            close = getattr(other, "close", None)
            if callable(close):
                close()
