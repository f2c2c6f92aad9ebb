"""A shop whose partner, communication and order apps are forks (as Oscar's ``oscar_fork_app``
makes them) with migrations of their own names after ``0001_initial`` (which Oscar's other apps
depend on), as a fork kept up with Oscar's releases by ``makemigrations`` has them. In a
process of its own (Django is configured once per process):

    python tests/support/oscar_forked_shop.py WORKDIR [POSTGRESQL_URL]

writes the forks into WORKDIR and, on a SQLite database there (or the PostgreSQL database
given), runs ``check --database default``, ``migrate`` and ``check`` again, and
``makemigrations oro_invoices_oscar --check``. On PostgreSQL it first migrates Django's auth
app, the communication app to its ``0001_initial`` and the add-on's app to its ``0002``, which
widens the email subject column before Oscar's ``0002`` renames the table. Prints what it saw as one
JSON object; the caller asserts.
"""
from __future__ import annotations

import io
import json
import re
import secrets
import sys
from pathlib import Path
from typing import Any

#: The forked apps: Oscar's app label and AppConfig class name.
FORKED = {"partner": "PartnerConfig", "communication": "CommunicationConfig", "order": "OrderConfig"}
PACKAGE = "shop_forks"
#: A migration's dependency on one of the forked apps, as Oscar's migrations write it.
DEPENDENCY = re.compile(r"""\(\s*(['"])(partner|communication|order)\1\s*,\s*(['"])(\w+)\3\s*\)""")


def write_forks(workdir: Path) -> None:
    """The package ``shop_forks`` in ``workdir``: an app per ``FORKED`` subclassing Oscar's, its
    models Oscar's, its migrations Oscar's, those after ``0001_initial`` named ``0002_partner_shop``
    and so on (the dependencies on them too)."""
    import oscar.apps
    oscar_migrations = {label: sorted((Path(oscar.apps.__path__[0]) / label / "migrations").glob("0*.py"))
                        for label in FORKED}
    names = {(label, path.stem): path.stem if path.stem == "0001_initial" else f"{path.stem[:4]}_{label}_shop"
             for label, paths in oscar_migrations.items() for path in paths}

    def renamed(found: re.Match[str]) -> str:
        key = (found.group(2), found.group(4))
        return f"('{key[0]}', '{names[key]}')" if key in names else found.group(0)

    root = workdir / PACKAGE
    root.mkdir()
    (root / "__init__.py").write_text("")
    for label, config in FORKED.items():
        app = root / label
        (app / "migrations").mkdir(parents=True)
        (app / "__init__.py").write_text("")
        (app / "migrations" / "__init__.py").write_text("")
        (app / "apps.py").write_text(f"import oscar.apps.{label}.apps as apps\n\n\n"
                                     f"class {config}(apps.{config}):\n    name = '{PACKAGE}.{label}'\n")
        (app / "models.py").write_text(f"from oscar.apps.{label}.models import *  # noqa\n")
        for path in oscar_migrations[label]:
            text = DEPENDENCY.sub(renamed, path.read_text(encoding="utf-8"))
            (app / "migrations" / f"{names[label, path.stem]}.py").write_text(text, encoding="utf-8")


def configure(workdir: Path, database_url: str | None) -> None:
    import django
    from django.conf import settings

    from oro_invoices.adapters.oscar.shop_settings import shop_settings
    if database_url:
        sys.path.insert(0, str(Path(__file__).parent))
        from oscar_postgres_shop import postgresql_shop_settings
        options = postgresql_shop_settings(database_url, workdir)
    else:
        options = shop_settings(workdir, str(workdir / "shop.db"), secret_key=secrets.token_hex(32),
                                INSTALL=False, MIGRATE=False)
    forks = {f"oscar.apps.{label}.apps.{config}": f"{PACKAGE}.{label}.apps.{config}"
             for label, config in FORKED.items()}
    options["INSTALLED_APPS"] = [forks.get(app, app) for app in options["INSTALLED_APPS"]]
    sys.path.insert(0, str(workdir))
    settings.configure(**options)
    django.setup()


def command(*args: str) -> str:
    """What ``manage.py`` prints for ``args`` (stdout and stderr), with its exit status if not 0."""
    from django.core.management import call_command
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=out)
    except SystemExit as exit:
        out.write(f"\nexit status {exit.code}")
    return out.getvalue()


def run(workdir: Path, database_url: str | None) -> dict[str, Any]:
    write_forks(workdir)
    configure(workdir, database_url)
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    seen: dict[str, Any] = {
        "forks": {label: apps.get_app_config(label).name for label in FORKED},
        "check_before": command("check", "--database", "default")}
    if database_url:
        from oscar_postgres_shop import column_type
        # Django's apps first: after each migrate it adds every model's permissions, whose names
        # need the auth app's later migrations
        call_command("migrate", "auth", verbosity=0, interactive=False)
        call_command("migrate", "communication", "0001_initial", verbosity=0, interactive=False)
        call_command("migrate", "oro_invoices_oscar", "0002_widen_email_subject_template", verbosity=0,
                     interactive=False)
        seen["column_before_rename"] = column_type("customer_communicationeventtype")
    call_command("migrate", verbosity=0, interactive=False)
    if database_url:
        seen["column_migrated"] = column_type()
    applied = MigrationRecorder(connections["default"]).applied_migrations()
    seen["applied"] = {label: sorted(name for app, name in applied if app == label)
                       for label in (*FORKED, "oro_invoices_oscar")}
    seen["showmigrations"] = command("showmigrations", "oro_invoices_oscar")
    seen["check_after"] = command("check", "--database", "default")
    seen["makemigrations"] = command("makemigrations", "oro_invoices_oscar", "--check", "--dry-run")
    connections.close_all()
    return seen


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)))
