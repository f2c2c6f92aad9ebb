"""The throwaway Oscar shop of ``oro_invoices.adapters.oscar.shop_settings`` on a PostgreSQL
database, in a process of its own (Django is configured once per process, and the Oscar
fixture's process is configured for SQLite):

    python tests/support/oscar_postgres_shop.py DATABASE_URL WORKDIR

migrates Oscar and the app (and back and forth over the app's ``0002``), creates the add-on's
tables in the same database, installs the add-on (the email types), seeds the kit's shop,
saves an edited subject through the email editor's form and composes the invoice email with
the default and the edited subject. Prints what it saw as one JSON object; the caller asserts.
"""
from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

COMPANY = "Rossum Tools GmbH"
#: The default notification subject's wording with a company and a due date, and an edit of it.
DEFAULT_WORDING = "Invoice %(number)s from %(company)s, due %(date)s"
EDITED_WORDING = "Your invoice %(number)s from %(company)s is due on %(date)s"


def configure(database_url: str, workdir: Path) -> None:
    import django
    from django.conf import settings
    settings.configure(**postgresql_shop_settings(database_url, workdir))
    django.setup()


def postgresql_shop_settings(database_url: str, workdir: Path) -> dict[str, Any]:
    """The throwaway shop's settings on the PostgreSQL database ``database_url``."""
    from oro_invoices.adapters.oscar.shop_settings import shop_settings
    url = urlsplit(database_url)
    options = shop_settings(workdir, str(workdir / "unused.db"), secret_key=secrets.token_hex(32),
                            INSTALL=False, MIGRATE=False, STORAGE_URL=(workdir / "pdf").as_uri(),
                            BASE_URL="http://shop.test")
    options["DATABASES"] = {"default": {
        "ENGINE": "django.db.backends.postgresql", "NAME": url.path.lstrip("/"),
        "USER": url.username or "postgres", "PASSWORD": url.password or "",
        "HOST": url.hostname or "127.0.0.1", "PORT": str(url.port or 5432)}}
    return options


def column_type(table: str = "communication_communicationeventtype") -> str:
    """The type of the email subject column of Oscar's table ``table`` ("missing" without it)."""
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_type FROM information_schema.columns WHERE table_name = %s "
                       "AND column_name = %s", [table, "email_subject_template"])
        row = cursor.fetchone()
    return str(row[0]) if row else "missing"


def migrations_seen() -> dict[str, str]:
    """The column's type after ``migrate``, and after taking the app's ``0002`` back and again."""
    from django.core.management import call_command
    call_command("migrate", verbosity=0, interactive=False)
    return {"migrated": column_type(), **migrations_back_and_forth("empty")}


def migrations_back_and_forth(label: str) -> dict[str, str]:
    from django.core.management import call_command
    call_command("migrate", "oro_invoices_oscar", "0001", verbosity=0, interactive=False)
    reversed_type = column_type()
    call_command("migrate", "oro_invoices_oscar", verbosity=0, interactive=False)
    return {f"reversed_{label}": reversed_type, f"reapplied_{label}": column_type()}


def edit_in_editor(code: str, subject: str) -> dict[str, Any]:
    """Save ``subject`` through the email editor's form, the other fields unchanged."""
    from oscar.core.loading import get_model

    from oro_invoices.adapters.oscar.email_editor import InvoiceEmailForm
    event = get_model("communication", "CommunicationEventType").objects.get(code=code)
    form = InvoiceEmailForm(instance=event, data={
        "name": event.name, "email_subject_template": subject,
        "email_body_template": event.email_body_template,
        "email_body_html_template": event.email_body_html_template})
    if not form.is_valid():
        return {k: list(v) for k, v in form.errors.items()}
    form.save()
    return {}


def run(database_url: str, workdir: Path) -> dict[str, Any]:
    configure(database_url, workdir)
    seen: dict[str, Any] = {"column": migrations_seen()}

    from oscar.core.loading import get_model

    from oro_invoices.adapters.oscar.host import OscarHost
    from oro_invoices.adapters.oscar.runtime import database_url as addon_database_url
    from oro_invoices.composition import AddonConfig, build_addon
    from oro_invoices.integration import profile
    from oro_invoices.testing.pages import KitShop
    build_addon(AddonConfig(database_url=addon_database_url(), migrate=True, pdf=False)).close()
    host = OscarHost()
    client = host.page_client()
    try:
        profile.install(host)
        seen["stored"] = dict(get_model("communication", "CommunicationEventType").objects
                              .filter(code__startswith="ORO_")
                              .values_list("code", "email_subject_template"))
        seen["column"].update(migrations_back_and_forth("with_subjects"))
        client.addon.settings.set("oro_invoices.seller.company_name", COMPANY)
        data = KitShop.build(host.seeder(), client.addon, client.addon.settings)
        seen["number"] = data.posted.display_number
        seen["due_year"] = data.posted.due_date.year if data.posted.due_date else None
        seen["default_subject"] = client.addon.mail.prepare(data.posted.id).subject
        code = "ORO_INVOICE_NOTIFICATION_TEMPLATE"
        edited = seen["stored"][code].replace(DEFAULT_WORDING, EDITED_WORDING)
        seen["edited_length"] = len(edited)
        seen["form_errors"] = edit_in_editor(code, edited)
        seen["edited_stored"] = get_model("communication", "CommunicationEventType").objects.get(
            code=code).email_subject_template == edited
        seen["edited_subject"] = client.addon.mail.prepare(data.posted.id).subject
    finally:
        client.close()
        host.close()
    from django.db import connections
    connections.close_all()
    return seen


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], Path(sys.argv[2]))))
