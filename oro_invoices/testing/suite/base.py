"""The base of every suite class: fixtures and capability checks."""
from __future__ import annotations

from typing import Any, ClassVar

import pytest


class HostSuite:
    """Gives each test ``self.host`` (fresh), ``self.seeder`` and ``self.requirements``.

    ``__requires__`` names capabilities every test of the class needs (``"storefront"``,
    ``"customer_groups"``, ``"customer_hierarchy"``, ``"email_customisation"``,
    ``"seeding"``); ``@pytest.mark.oro_requires(...)`` does the same for one test.
    """

    __requires__: ClassVar[tuple[str, ...]] = ()

    host: Any
    seeder: Any
    requirements: Any

    @pytest.fixture(autouse=True)
    def _oro_setup(self, request: pytest.FixtureRequest, oro_host: Any, oro_seeder: Any,
                   oro_requirements: Any) -> None:
        needed = tuple(self.__requires__)
        for marker in request.node.iter_markers("oro_requires"):
            needed += tuple(marker.args)
        missing = oro_requirements.check(needed)
        if missing:
            pytest.skip(f"host {getattr(oro_host, 'name', oro_host)!r} does not support {missing}")
        self.host, self.seeder, self.requirements = oro_host, oro_seeder, oro_requirements
