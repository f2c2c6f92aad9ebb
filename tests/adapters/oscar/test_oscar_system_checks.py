"""What a shop set up wrongly is told: Django's system checks, and Oscar's pages while the app's
migrations have not run."""
from __future__ import annotations

import html
import io
import logging
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from support.oscar_shop import Shop

from oro_invoices.adapters.identity import PERMISSIONS

MIGRATE = "python manage.py migrate oro_invoices_oscar"


def test_manage_py_check_refuses_a_shop_without_djangos_csrf_middleware(shop: Shop) -> None:
    out = io.StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()
    without = [m for m in settings.MIDDLEWARE if m != "django.middleware.csrf.CsrfViewMiddleware"]
    with override_settings(MIDDLEWARE=without), pytest.raises(SystemCheckError) as caught:
        call_command("check")
    said = str(caught.value)
    assert "oro_invoices_oscar.E001" in said
    assert "oro-invoices needs Django's CSRF middleware" in said and "refused as expired" in said
    assert "HINT: Add 'django.middleware.csrf.CsrfViewMiddleware' to MIDDLEWARE" in said


def test_manage_py_check_names_each_wrong_entry_of_oro_invoices(shop: Shop) -> None:
    wrong = {**settings.ORO_INVOICES, "MIGRATE": "no", "STORAGE": "/var/lib/pdf",
             "API_TOKENS": {"erp-secret-token": {"name": "erp", "organization_id": 0}},
             "DEFAULT_ORGANIZATION": "first"}
    with override_settings(ORO_INVOICES=wrong), pytest.raises(SystemCheckError) as caught:
        call_command("check")
    said = str(caught.value)
    assert said.count("oro_invoices_oscar.E002") == 4
    assert "ORO_INVOICES['MIGRATE'] must be True or False, not 'no'" in said
    assert "ORO_INVOICES['STORAGE'] is not a setting of oro-invoices; the settings are DATABASE_URL, STORAGE_URL" in said
    assert ("ORO_INVOICES['API_TOKENS'] [erp-…]['organization_id'] must be a whole number of 1 or more, not 0"
            in said)
    assert "erp-secret-token" not in said
    assert "ORO_INVOICES['DEFAULT_ORGANIZATION'] must be a partner id (1 or more), not 'first'" in said
    fine = {**settings.ORO_INVOICES, "MIGRATE": False, "DEFAULT_ORGANIZATION": "1",
            "API_TOKENS": {"t": {"name": "erp", "organization_id": 1, "permissions": ["oro_invoices.view"]}}}
    with override_settings(ORO_INVOICES=fine):
        out = io.StringIO()
        call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.parametrize(("given", "said"), [
    ({"backoffice": 5}, "ORO_INVOICES['PREFIXES']: the backoffice prefix 5 must start with '/'"),
    ("/invoices", "ORO_INVOICES['PREFIXES'] must be a dict of page areas to paths, not '/invoices'"),
])
def test_prefixes_that_are_not_paths_are_named(shop: Shop, given: Any, said: str) -> None:
    from oro_invoices.adapters.oscar.host import prefixes
    with override_settings(ORO_INVOICES={**settings.ORO_INVOICES, "PREFIXES": given}), \
            pytest.raises(ValueError) as caught:
        prefixes()
    assert str(caught.value).startswith(said)


APP = "oro_invoices.adapters.oscar.apps.OroInvoicesOscarConfig"


def test_manage_py_check_warns_when_the_app_comes_after_oscars(shop: Shop) -> None:
    err = io.StringIO()
    call_command("check", stderr=err)
    assert "oro_invoices_oscar.W002" not in err.getvalue()  # the shop lists it first
    after_oscar = [a for a in settings.INSTALLED_APPS if a != APP]
    after_oscar.insert(after_oscar.index("oscar.config.Shop") + 1, APP)
    with override_settings(INSTALLED_APPS=after_oscar):
        call_command("check", stderr=err)
    said = err.getvalue()
    assert "oro_invoices_oscar.W002" in said
    assert (f"{APP} is listed after oscar.config.Shop in INSTALLED_APPS, so Django uses its "
            "oscar/dashboard/orders/order_detail.html and oscar/customer/baseaccountpage.html instead of the "
            "app's: Oscar's order page shows no Invoices tab") in said
    assert "the customer's account has no Invoices entry" in said
    assert f"HINT: Move '{APP}' up in INSTALLED_APPS, before 'oscar.config.Shop'" in said


ORDER_PAGE = "oscar/dashboard/orders/order_detail.html"


def _templates_in(folder: Path) -> list[dict[str, Any]]:
    """The shop's ``TEMPLATES`` with ``folder`` as its ``DIRS``."""
    return [{**settings.TEMPLATES[0], "DIRS": [str(folder)]}]


def _shop_template(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_manage_py_check_warns_of_a_template_in_template_dirs_hiding_the_apps(shop: Shop, tmp_path: Path) -> None:
    """A shop's own copy of Oscar's order page in its TEMPLATES DIRS is found before the app's."""
    _shop_template(tmp_path, ORDER_PAGE, '{% extends "oscar/dashboard/layout.html" %}\n'
                                         "{% block content %}the shop's own order page{% endblock %}\n")
    err = io.StringIO()
    with override_settings(TEMPLATES=_templates_in(tmp_path)):
        call_command("check", stderr=err)
        shop.client.login_admin(PERMISSIONS)
        page = shop.get(f"/dashboard/orders/{shop.data.order.identifier}/").text()
    assert "the shop's own order page" in page and "data-oro-tab" not in page  # what the warning is about
    said = err.getvalue()
    assert "oro_invoices_oscar.W002" in said
    assert (f"The template folder {tmp_path.resolve()} (TEMPLATES DIRS) holds {ORDER_PAGE}, which Django uses "
            f"instead of those of {APP}: Oscar's order page shows no Invoices tab") in said
    assert "baseaccountpage.html" not in said  # the folder has no account page
    assert (f'HINT: Make {tmp_path.resolve() / ORDER_PAGE} start with {{% extends "{ORDER_PAGE}" %}} (it then '
            "builds on the app's, which builds on Oscar's)") in said
    assert "is listed after" not in said  # the app itself is still listed first


def test_a_template_in_template_dirs_that_extends_the_apps_hides_nothing(shop: Shop, tmp_path: Path) -> None:
    """What the warning's hint says to do: the shop's template builds on the app's, which shows its tab."""
    _shop_template(tmp_path, ORDER_PAGE, "{# the shop's changes #}\n"
                                         f"{{% extends '{ORDER_PAGE}' %}}\n"
                                         "{% block nav_tabs %}{{ block.super }}<li>the shop's own tab</li>"
                                         "{% endblock %}\n")
    _shop_template(tmp_path, "oscar/customer/baseaccountpage.html", "not a template of the app's pages\n")
    err = io.StringIO()
    with override_settings(TEMPLATES=_templates_in(tmp_path)):
        call_command("check", stderr=err)
        shop.client.login_admin(PERMISSIONS)
        page = shop.get(f"/dashboard/orders/{shop.data.order.identifier}/").text()
    assert "the shop's own tab" in page and "data-oro-tab" in page
    said = err.getvalue()
    assert ORDER_PAGE not in said  # only the account page, which does not extend the app's, is named
    assert (f"The template folder {tmp_path.resolve()} (TEMPLATES DIRS) holds oscar/customer/baseaccountpage.html, "
            f"which Django uses instead of those of {APP}: the customer's account has no Invoices entry.") in said


FORK = "shop_dashboard_orders.apps.OrdersDashboardConfig"
OSCARS = "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig"


def _fork_of_the_dashboard_orders_app(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shop's fork of Oscar's dashboard orders app (``oscar_fork_app``) with an order page of
    its own that builds on the next one of its name."""
    monkeypatch.syspath_prepend(str(folder))
    app = folder / "shop_dashboard_orders"
    _shop_template(app, "__init__.py", "")
    _shop_template(app, "apps.py", "import oscar.apps.dashboard.orders.apps as apps\n\n\n"
                                   "class OrdersDashboardConfig(apps.OrdersDashboardConfig):\n"
                                   "    name = 'shop_dashboard_orders'\n")
    _shop_template(app / "templates", ORDER_PAGE, f"{{% extends '{ORDER_PAGE}' %}}\n"
                                                  "{% block nav_tabs %}{{ block.super }}<li>the fork's tab</li>"
                                                  "{% endblock %}\n")


def test_a_forked_oscar_app_listed_before_the_app_is_named_and_after_it_hides_nothing(
        shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fork_of_the_dashboard_orders_app(tmp_path, monkeypatch)
    oscars = [a for a in settings.INSTALLED_APPS if a not in (APP, OSCARS)]  # the shop lists the app first
    err = io.StringIO()
    with override_settings(INSTALLED_APPS=[FORK, APP, *oscars]):
        call_command("check", stderr=err)
    said = err.getvalue()
    assert "oro_invoices_oscar.W002" in said
    assert (f"{APP} is listed after {FORK} in INSTALLED_APPS, so Django uses its {ORDER_PAGE} instead of the "
            "app's: Oscar's order page shows no Invoices tab") in said
    assert f"HINT: Move '{APP}' up in INSTALLED_APPS, before '{FORK}'" in said

    err = io.StringIO()
    with override_settings(INSTALLED_APPS=[APP, FORK, *oscars]):
        call_command("check", stderr=err)
        shop.client.login_admin(PERMISSIONS)
        page = shop.get(f"/dashboard/orders/{shop.data.order.identifier}/").text()
    assert "W002" not in err.getvalue()
    assert "the fork's tab" in page and "data-oro-tab" in page  # the app's page builds on the fork's


def _unmigrate() -> None:
    """The shop as it is before ``manage.py migrate oro_invoices_oscar``: no tables, no records."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from oro_invoices.adapters.oscar.runtime import activate
    with connection.schema_editor() as editor:
        for model in apps.get_app_config("oro_invoices_oscar").get_models():
            if model._meta.managed:
                editor.delete_model(model)
    MigrationRecorder(connection).migration_qs.filter(app="oro_invoices_oscar").delete()
    activate(None)  # the next request starts the add-on again


def test_manage_py_check_names_the_unapplied_migrations_and_the_command(shop: Shop) -> None:
    _unmigrate()
    err = io.StringIO()
    call_command("check", "--database", "default", stderr=err)
    said = err.getvalue()
    assert "oro_invoices_oscar.W001" in said
    assert "Database 'default' lacks the migrations 0001_initial, 0002_" in said
    assert f"HINT: Run `{MIGRATE}`: until its tables exist" in said


def test_without_the_apps_tables_oscars_pages_answer_and_say_to_migrate(
        shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    shop.client.login_admin(PERMISSIONS)
    _unmigrate()
    caplog.set_level(logging.WARNING, "oro_invoices.oscar")
    dashboard = shop.get("/dashboard/")
    order = shop.get(f"/dashboard/orders/{shop.data.order.identifier}/")
    assert (dashboard.status, order.status) == (200, 200)
    assert 'href="/dashboard/invoices"' not in dashboard.text()
    assert 'href="/dashboard/invoice-settings"' not in dashboard.text()
    assert "data-oro-tab" not in order.text()
    assert f"until `{MIGRATE}` has run" in caplog.text
    grid = shop.get(shop.url("oro_invoices.admin.index"))
    assert grid.status == 503
    assert html.unescape(grid.text()) == ("The invoice tables are missing from the shop's database: "
                                          f"run {MIGRATE}.")
    assert shop.get("/dashboard/invoice-settings").status == 503

    call_command("migrate", "oro_invoices_oscar", verbosity=0)
    from oro_invoices.adapters.oscar.runtime import activate, runtime
    from oro_invoices.integration import profile
    profile.install(shop.host)  # what the add-on does when it first runs (INSTALL)
    shop.data.settings.set("oro_invoices.enabled", True)
    try:
        assert 'href="/dashboard/invoices"' in shop.get("/dashboard/").text()
        assert shop.get(shop.url("oro_invoices.admin.index")).status == 200
    finally:
        runtime().addon.close()
        activate(None)


def test_manage_py_check_names_a_broken_migration_graph_instead_of_crashing(
        shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration of the shop depending on one that does not exist: an error naming it, no traceback."""
    package = tmp_path / "broken_shop_migrations"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "0001_initial.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('oro_invoices_oscar', '0099_nowhere')]\n"
        "    operations = []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    err = io.StringIO()
    with override_settings(MIGRATION_MODULES={"oro_invoices_oscar": "broken_shop_migrations"}), \
            pytest.raises(SystemCheckError) as caught:
        call_command("check", "--database", "default", stderr=err)
    said = str(caught.value)
    assert "oro_invoices_oscar.E003" in said
    assert ("The shop's migrations cannot be read, so whether database 'default' has those of oro_invoices_oscar, "
            "the Django app of oro-invoices, is unknown: NodeNotFoundError: Migration oro_invoices_oscar.0001_initial "
            "dependencies reference nonexistent parent node ('oro_invoices_oscar', '0099_nowhere')") in said
    assert "Traceback" not in said + err.getvalue()

    out = io.StringIO()
    call_command("check", "--database", "default", stdout=out)  # the shop's own migrations: no issue
    assert "no issues" in out.getvalue()
