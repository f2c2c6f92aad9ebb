"""The kit's signature comparison: what a host may and may not change in a method's signature."""
from __future__ import annotations

import pytest

from oro_invoices.adapters import PARTS, Layout, Menu, Urls
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.testing import Seeder
from oro_invoices.testing.signatures import protocol_methods, signature_problems


def test_protocol_methods_are_the_declared_ones():
    assert protocol_methods(Menu) == ["entries", "register", "remove", "visible"]


def test_the_memory_host_matches_every_interface():
    host = MemoryHost()
    assert [p for part, proto in PARTS.items()
            for p in signature_problems(part, getattr(host, part), proto)] == []
    assert signature_problems("seeder", host.seeder(), Seeder) == []


class LooseUrls:
    """Adds optional parameters of its own: allowed."""

    def url_for(self, endpoint, *, external=False, locale=None, **params):
        return endpoint


def test_optional_extra_parameters_are_allowed():
    assert signature_problems("urls", LooseUrls(), Urls) == []


class WrongMenu:
    def register(self, item, position):
        pass

    def remove(self, key, /):
        pass

    def entries(self):
        return []

    def visible(self, *, ctx):
        return []


class WrongUrls:
    def url_for(self, endpoint, external=False):
        return endpoint


class WrongLayout:
    def wrap(self, title, fragment, *, area="backoffice"):
        return fragment


@pytest.mark.parametrize("part,obj,proto,expected", [
    ("menu", WrongMenu(), Menu, [
        "menu.register: expected (entry), got (item, position): missing parameter 'entry'; "
        "extra required parameter 'item'; extra required parameter 'position'",
        "menu.remove: expected (key), got (key, /): parameter 'key' is positional-only, "
        "expected positional-or-keyword",
        "menu.visible: expected (ctx), got (*, ctx): parameter 'ctx' is keyword-only, "
        "expected positional-or-keyword"]),
    ("urls", WrongUrls(), Urls, [
        "urls.url_for: expected (endpoint, *, external=False, **params), got (endpoint, "
        "external=False): parameter 'external' is positional-or-keyword, expected keyword-only; "
        "no **kwargs parameter"]),
    ("layout", WrongLayout(), Layout, [
        "layout.wrap: expected (fragment, *, title, area='backoffice'), got (title, fragment, *, "
        "area='backoffice'): parameter 'fragment' is at position 2, expected 1; parameter 'title' "
        "is positional-or-keyword, expected keyword-only"]),
    ("layout", object(), Layout, [
        "layout.wrap: missing (expected wrap(fragment, *, title, area='backoffice'))"]),
])
def test_each_difference_is_named(part, obj, proto, expected):
    assert signature_problems(part, obj, proto) == expected


def test_a_required_default_must_stay_optional():
    class StrictLayout:
        def wrap(self, fragment, *, title, area):
            return fragment

    assert signature_problems("layout", StrictLayout(), Layout) == [
        "layout.wrap: expected (fragment, *, title, area='backoffice'), got (fragment, *, title, "
        "area): parameter 'area' has no default (the add-on may leave it out)"]
