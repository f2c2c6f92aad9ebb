"""An index of the stored settings by place (scope, id): a request reads the values of its own
customer and customer group, not every customer's (``ConfigStoreByPlace.stored_at``)."""
from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("oro_invoices_oscar", "0002_widen_email_subject_template"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="configvalue",
            index=models.Index(fields=["scope", "scope_id"], name="oro_invoices_config_place"),
        ),
    ]
