"""Invoice email leaves an Oscar shop from the shop's own address until an admin stores a sender."""
from __future__ import annotations

import html
import re

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


def _sender_field(shop: Shop, scope: str) -> str:
    """The Sender Email field of Invoice settings at ``scope``, as the admin sees it."""
    page = html.unescape(shop.get(f"/dashboard/invoice-settings?scope={scope}").text())
    found = re.search(r'<input[^>]*name="oro_invoices\.mail\.sender" value="([^"]*)"[^>]*>', page)
    assert found, "the settings page has no Sender Email field"
    return found.group(0)


def test_the_settings_page_shows_the_address_mail_is_really_sent_from(shop: Shop) -> None:
    shop.client.login_admin(["oro_invoices.view", "oro_invoices.configure", "oro_invoices.configure_global"])
    with override_settings(OSCAR_FROM_EMAIL="Corner Shop <shop@corner.test>"):
        for scope in ("global", "organization"):
            field = _sender_field(shop, scope)
            assert 'value="shop@corner.test"' in field and "disabled" in field  # inherited ("Use default")
            assert "invoices@example.com" not in field
            assert _from_line(shop) == "Corner Shop <shop@corner.test>"  # and mail goes from it
    shop.data.settings.set("oro_invoices.mail.sender", "billing@corner.test")
    with override_settings(OSCAR_FROM_EMAIL="Corner Shop <shop@corner.test>"):
        assert 'value="billing@corner.test"' in _sender_field(shop, "organization")
