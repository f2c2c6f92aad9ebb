"""Each invoice's email is sent from the sender configured for its website or organization."""
from __future__ import annotations

import pytest
from support.payloads import invoice_payload

from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.hosts.memory import MemoryHost


@pytest.fixture
def addon(sqlite_db):
    def build(**config):
        host = MemoryHost()
        built = build_addon(AddonConfig(database_url=sqlite_db.url, pdf=False,
                                        load_entrypoints=False, **config), host=host)
        built.settings.set("oro_invoices.mail.sender", "billing@global.example")
        built.settings.set("oro_invoices.mail.sender", "billing@org2.example", "organization", 2)
        built.settings.set("oro_invoices.mail.sender_name", "Org Two Billing", "organization", 2)
        return built
    made = []
    yield lambda **config: made.append(build(**config)) or made[-1]
    for built in made:
        built.close()


def send(addon, organization_id: int):
    host = addon.host
    customer = host.add_customer("ACME Corp", organization_id=organization_id)
    user = host.add_customer_user(customer.id, "buyer@acme.test", "Bea Buyer")
    payload = invoice_payload(organization_id=organization_id, customer_id=customer.id,
                              customer_user_id=user.id, order_id=None, order_identifier=None)
    payload["due_date"] = "2026-12-02"
    posted = addon.invoices.post(addon.invoices.create(payload).id)
    return addon.mail.send(posted.id, to=["buyer@acme.test"], subject="Invoice", text="Hello",
                           attach_pdf=False, actor="admin")


def test_sender_of_the_invoices_organization(addon):
    built = addon()
    mine = send(built, 2)
    assert (mine.sender, mine.sender_name) == ("billing@org2.example", "Org Two Billing")
    other = send(built, 1)
    assert other.sender == "billing@global.example"


def test_a_configured_sender_is_used_for_every_organization(addon):
    built = addon(mail_sender="fixed@shop.example")
    assert send(built, 2).sender == "fixed@shop.example"
