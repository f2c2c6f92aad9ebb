"""A business customer's e-invoice address (BT-49): where it receives e-invoices."""
from __future__ import annotations

from django.db import migrations, models

import oro_invoices.adapters.oscar.models


class Migration(migrations.Migration):

    dependencies = [
        ("oro_invoices_oscar", "0006_note_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="businesscustomer",
            name="einvoice_address",
            field=models.CharField(
                blank=True, max_length=255, verbose_name="e-invoice address",
                validators=[oro_invoices.adapters.oscar.models.check_einvoice_address],
                help_text="Where the customer receives e-invoices (BT-49): an invoicing email address or a Peppol "
                          "participant id written scheme:id, such as 0088:4035811991021. Empty: the customer "
                          "user's email."),
        ),
    ]
