"""Which language is chosen: a locale's, the browser's, the user's; English otherwise."""
from __future__ import annotations

import pytest

from oro_invoices import i18n
from oro_invoices.adapters.identity import CurrentUser
from oro_invoices.web.http import Request
from oro_invoices.web.language import page_language


@pytest.mark.parametrize("locale, language", [
    ("de_DE", "de"), ("de-AT", "de"), ("fr_CA", "fr"), ("ja", "ja"), ("ja_JP", "ja"), ("en_GB", "en"),
    ("es_ES", "en"), ("", "en"), (None, "en"), ("not a locale", "en"),
])
def test_the_language_of_a_locale(locale, language):
    assert i18n.language_of(locale) == language


@pytest.mark.parametrize("header, language", [
    ("de-CH,de;q=0.9,en;q=0.5", "de"), ("fr-FR", "fr"), ("es, ja;q=0.2", "ja"),
    ("en;q=0.8, fr;q=0.9", "fr"), ("ja;q=0, de;q=0.1", "de"), ("es, it", "en"), ("", "en"), (None, "en"),
    ("*", "en"), ("de;q=abc", "en"),
])
def test_the_browsers_language(header, language):
    assert i18n.negotiate(header) == language


def test_a_page_follows_the_users_locale_before_the_browser():
    german_user = CurrentUser(id=1, kind="customer_user", locale="de_DE")
    request = Request("GET", "/", headers={"accept-language": "fr"}, user=german_user)
    assert page_language(request) == "de"
    assert page_language(Request("GET", "/", headers={"accept-language": "fr"}, user=CurrentUser(id=1))) == "fr"
    spanish_user = CurrentUser(id=1, kind="customer_user", locale="es_ES")
    assert page_language(Request("GET", "/", headers={"accept-language": "fr"}, user=spanish_user)) == "en"


def test_translating_in_python_follows_the_current_language():
    assert i18n.gettext("Invoice number") == "Invoice number"
    with i18n.using("de_DE") as language:
        assert language == "de"
        assert i18n.gettext("Invoice %(number)s", number="INV-1") == "Rechnung INV-1"
        assert i18n.ngettext("%(num)d day", "%(num)d days", 3) == "3 Tage"
        label = i18n.lazy_gettext("Invoices")
        with i18n.using("ja"):
            assert str(label) == "請求書"
    assert i18n.gettext("Invoice number") == "Invoice number"
    assert i18n.translate("fr", "Invoice number") == "Numéro de facture"


def test_a_reminder_step_reads_in_the_pages_language():
    from oro_invoices.web.language import reminder_step
    assert [reminder_step(s) for s in (-3, 0, 1)] == ["due in 3 days", "due today", "1 day overdue"]
    with i18n.using("de"):
        assert [reminder_step(s) for s in (-1, 0, 7)] == ["fällig in 1 Tag", "heute fällig", "7 Tage überfällig"]
    with i18n.using("fr"):
        assert reminder_step(2) == "2 jours de retard"


def test_every_actor_the_add_on_records_itself_is_named_in_the_pages_language():
    import importlib
    import pkgutil

    from oro_invoices import jobs, services
    from oro_invoices.web.language import SYSTEM_ACTORS, actor_label
    found = set()
    for package in (services, jobs):                          # where the add-on's own work is done
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            try:
                loaded = importlib.import_module(module.name)
            except ImportError:                               # an extra not installed here
                continue
            found |= {value for name, value in vars(loaded).items()
                      if name in ("ACTOR", "DEFAULT_ACTOR") and isinstance(value, str)}
    assert found and found <= set(SYSTEM_ACTORS), found - set(SYSTEM_ACTORS)
    with i18n.using("ja"):
        assert all(actor_label(actor) != actor for actor in found)
