"""Oscar's email subject column as text on PostgreSQL (docs/oscar.md, "Editing the invoice emails").

The add-on's default subjects (``services/mail/templates/*.subject``) are longer than the
255 characters of Oscar's ``CommunicationEventType.email_subject_template``. SQLite does not
enforce the length; PostgreSQL does, so there the column becomes ``text``. The model (and so
Django's migration state) keeps Oscar's declaration: nothing here changes what Django thinks
the column is, only what the database allows.
"""
from __future__ import annotations

from typing import Any

from django.db import migrations

#: Oscar's declared length, restored on reverse when every stored subject fits.
OSCAR_LENGTH = 255


def _column(apps: Any, schema_editor: Any) -> tuple[str, str]:
    """The quoted table and column (the table name from the migration state, so a forked
    communication app with a table name of its own is followed)."""
    model = apps.get_model("communication", "CommunicationEventType")
    field = model._meta.get_field("email_subject_template")
    return schema_editor.quote_name(model._meta.db_table), schema_editor.quote_name(field.column)


def widen(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table, column = _column(apps, schema_editor)
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE text")


def narrow(apps: Any, schema_editor: Any) -> None:
    """Back to Oscar's varchar(255) only when every stored subject fits; else it stays text
    (cutting a template would break it)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    table, column = _column(apps, schema_editor)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE char_length({column}) > %s",
                       [OSCAR_LENGTH])
        too_long = cursor.fetchone()[0]
    if not too_long:
        schema_editor.execute(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({OSCAR_LENGTH})")


class Migration(migrations.Migration):

    dependencies = [
        ("oro_invoices_oscar", "0001_initial"),
        # CommunicationEventType and its email_subject_template, made by the communication app's
        # first migration whatever a shop's fork of the app names its later ones. The table is
        # renamed by a later one (Oscar's 0002); _column reads the name from the migration state,
        # which moves with the database, so the column is found before the rename or after it.
        ("communication", "__first__"),
    ]

    operations = [
        # Oscar's table, altered here: the add-on's email types stored in it have longer subjects.
        migrations.RunPython(widen, narrow, elidable=False),
    ]
