"""Invoice email leaves an Oscar shop from the shop's own address until an admin stores a sender."""
from __future__ import annotations

import html

from django.test import override_settings
from support.oscar_shop import Shop

from oro_invoices.adapters.identity import PERMISSIONS


def _from_line(shop: Shop) -> str:
    """The From of a new email of the posted invoice, as its page in the dashboard shows it."""
    invoice = shop.data.posted
    sent = shop.client.addon.mail.send(invoice.id, to=["buyer@acme.test"], subject="Your invoice",
                                       text="Hello", attach_pdf=False, actor="admin")
    page = html.unescape(shop.get(shop.url("oro_invoices.admin.email", invoice_id=invoice.id,
                                           email_id=sent.id)).text())
    start = page.index("<dt>From</dt>")
    return page[start:page.index("</dd>", start)].split("<dd>")[1]


def test_invoice_email_is_sent_from_oscars_address_until_an_admin_stores_a_sender(shop: Shop) -> None:
    shop.client.login_admin(PERMISSIONS)
    with override_settings(OSCAR_FROM_EMAIL="Corner Shop <shop@corner.test>"):
        assert _from_line(shop) == "Corner Shop <shop@corner.test>"
    with override_settings(OSCAR_FROM_EMAIL="", DEFAULT_FROM_EMAIL="django@corner.test"):
        assert _from_line(shop) == "django@corner.test"  # no display name, no seller name
    shop.data.settings.set("oro_invoices.mail.sender", "billing@corner.test")
    with override_settings(OSCAR_FROM_EMAIL="Corner Shop <shop@corner.test>"):
        assert _from_line(shop) == "billing@corner.test"
