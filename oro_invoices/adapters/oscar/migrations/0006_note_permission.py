"""Adding notes to invoices is a permission of its own: an admin who may only see invoices writes none."""
from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("oro_invoices_oscar", "0005_reauthorize_permission_label"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="invoicepermissions",
            options={"default_permissions": (), "managed": False, "permissions": (
                ("view_invoices", "Can see invoices"),
                ("delete_invoices", "Can delete draft invoices"),
                ("send_invoices", "Can send invoices to customers"),
                ("note_invoices", "Can add notes to invoices"),
                ("manage_invoice_payments", "Can refund, capture, cancel and re-authorize invoice payments"),
                ("credit_invoices", "Can issue credit notes, void and re-issue invoices"),
                ("import_invoices", "Can create and update invoices (import, API)"),
                ("configure_invoices", "Can change the invoice settings of their organization"),
                ("configure_invoices_global", "Can change the invoice settings of every organization"),
            )},
        ),
    ]
