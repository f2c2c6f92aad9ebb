"""The ``oro_invoices.webhooks.endpoints`` setting: validated URLs, a secret per endpoint, write-only."""
from __future__ import annotations

import pytest

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import InvalidSettings, Settings
from oro_invoices.integration.webhook_endpoints import MASK, form_text, restore_secrets

KEY = "oro_invoices.webhooks.endpoints"
S1 = "first-secret-0123456789"
S2 = "second-secret-0123456789"


@pytest.fixture
def settings() -> Settings:
    return Settings(MemoryConfigStore())


def test_text_and_lists_are_stored_as_a_list_of_url_and_secret(settings):
    text = f"https://erp.example/hooks?src=shop {S1}\n\n  http://10.0.0.5:8080/in   {S2}  \n"
    assert settings.set(KEY, text) == [
        {"url": "https://erp.example/hooks?src=shop", "secret": S1},
        {"url": "http://10.0.0.5:8080/in", "secret": S2}]
    assert settings.set(KEY, [{"url": "https://a.example/h", "secret": S1}], "organization", 3) \
        == [{"url": "https://a.example/h", "secret": S1}]
    assert settings.value(KEY, ScopeContext(organization_id=3)) == [
        {"url": "https://a.example/h", "secret": S1}]
    assert settings.value(KEY, ScopeContext(organization_id=4))[0]["secret"] == S1
    assert settings.set(KEY, "") == [] and settings.set(KEY, []) == []


@pytest.mark.parametrize("value,problem", [
    (f"ftp://erp.example/h {S1}", "Line 1: the URL must be absolute, starting with http:// or https://."),
    (f"/hooks {S1}", "Line 1: the URL must be absolute"),
    (f"https:///hooks {S1}", "Line 1: the URL must name a host"),
    (f"https://user:pw@erp.example/h {S1}", "Line 1: the URL must not contain a user name or password"),
    (f"https://erp.example/h#top {S1}", "Line 1: the URL must not have a fragment"),
    (f"https://erp.example:http/h {S1}", "Line 1: the URL is not valid"),
    (f"https://bücher.example/h {S1}", "Line 1: the URL may contain only printable ASCII"),
    (f'https://erp.example/h"><b>x</b> {S1}', 'Line 1: the URL must not contain " > <: percent-encode them.'),
    ([{"url": "https://erp.example/{h}|x", "secret": S1}], "Endpoint 1: the URL must not contain { } |: percent-encode"),
    ("https://erp.example/h", "Line 1: expected the URL, a space and the secret"),
    (f"https://erp.example/h {S1} extra", "Line 1: expected the URL, a space and the secret"),
    ("https://erp.example/h short", "Line 1: the secret must be 16 to 256 characters long (it has 5)"),
    (f"https://a.example/h {S1}\nhttps://erp.example/h {MASK}",
     "Line 2: the secret is hidden, but no secret is kept for this URL"),
    (f"https://erp.example/h {S1}\nhttps://erp.example/h {S2}", "Line 2: https://erp.example/h is listed twice."),
    ("\n".join(f"https://erp.example/{n} {S1}" for n in range(11)), "At most 10 endpoints"),
    ([{"url": "https://erp.example/h"}], "Endpoint 1: expected an object with exactly the keys url and secret"),
    ([{"url": "https://erp.example/h", "secret": 5}], "Endpoint 1: url and secret must be strings"),
    ([{"url": "https://erp.example/h", "secret": "sécret-0123456789abc"}],
     "Endpoint 1: the secret may contain only printable ASCII"),
    (42, "Expected a list of {url, secret} objects or text"),
])
def test_bad_values_are_refused_saying_where_and_what(settings, value, problem):
    with pytest.raises(InvalidSettings) as info:
        settings.apply({KEY: value}, "organization", 1)
    assert info.value.problems[KEY].startswith(problem)
    assert settings.stored(KEY, "organization", 1) is None


def test_error_messages_never_show_a_secret(settings):
    with pytest.raises(ConfigurationError) as info:
        settings.set(KEY, f"https://erp.example/h {S1}\nnot-a-url {S2}")
    message = str(info.value)
    assert "Line 2: the URL must be absolute" in message
    assert S1 not in message and S2 not in message and "(not shown: it holds secrets)" in message


def test_only_global_and_organization_scopes(settings):
    with pytest.raises(ConfigurationError, match="cannot be set at website scope"):
        settings.set(KEY, [], "website", 1)


def test_forms_show_masks_and_keep_the_secret_of_an_unchanged_line():
    stored = [{"url": "https://a.example/h", "secret": S1}, {"url": "https://b.example/h", "secret": S2}]
    shown = form_text(stored)
    assert shown == f"https://a.example/h {MASK}\nhttps://b.example/h {MASK}"
    assert S1 not in shown and S2 not in shown
    # unchanged, one secret replaced, one line added, one removed
    submitted = f"https://a.example/h {MASK}\nhttps://c.example/h {S2}"
    assert restore_secrets(submitted, stored) == f"https://a.example/h {S1}\nhttps://c.example/h {S2}"
    # the mask on a URL that had no secret stays, for validation to ask for the secret
    assert restore_secrets(f"https://new.example/h {MASK}", stored) == f"https://new.example/h {MASK}"


def test_submitted_text_shown_again_never_echoes_a_typed_secret():
    stored = [{"url": "https://a.example/h", "secret": S1}]
    submitted = f"https://a.example/h {S1}\nhttps://c.example/h {S2}\nnot-a-url"
    assert form_text(submitted, stored) == f"https://a.example/h {MASK}\nhttps://c.example/h\nnot-a-url"
    assert form_text([]) == "" and form_text(None) == ""
