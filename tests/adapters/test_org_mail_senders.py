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


class ShopHost(MemoryHost):
    """A host whose own emails have a From address (``DefaultMailSender``)."""

    def __init__(self, own: str | None) -> None:
        super().__init__()
        self.own = own

    def default_mail_sender(self) -> str | None:
        return self.own


def test_until_an_admin_stores_a_sender_the_hosts_own_address_sends(sqlite_db):
    with build_addon(AddonConfig(database_url=sqlite_db.url, pdf=False, load_entrypoints=False),
                     host=ShopHost("Corner Shop <shop@corner.example>")) as built:
        first = send(built, 2)
        assert (first.sender, first.sender_name) == ("shop@corner.example", "Corner Shop")
        built.settings.set("oro_invoices.mail.sender_name", "Corner Billing", "organization", 2)
        assert (send(built, 2).sender, send(built, 2).sender_name) == ("shop@corner.example", "Corner Billing")
        built.settings.set("oro_invoices.mail.sender", "billing@org2.example", "organization", 2)
        assert send(built, 2).sender == "billing@org2.example"
        assert send(built, 1).sender == "shop@corner.example"      # organization 1 stored none
        built.settings.set("oro_invoices.mail.sender", "billing@global.example")
        assert send(built, 1).sender == "billing@global.example"


def test_a_host_without_its_own_address_or_with_a_wrong_one_keeps_the_settings_default(sqlite_db, caplog):
    for host in (MemoryHost(), ShopHost(None), ShopHost("orders@corner")):
        with build_addon(AddonConfig(database_url=sqlite_db.url, pdf=False, load_entrypoints=False),
                         host=host) as built:
            assert send(built, 1).sender == "invoices@example.com"
    assert "'orders@corner' is not an email address" in caplog.text


def test_a_hosts_default_sender_with_another_signature_stops_the_build(sqlite_db):
    from oro_invoices.domain.errors import ConfigurationError

    class WrongHost(MemoryHost):
        def default_mail_sender(self, organization_id):
            return "shop@corner.example"

    with pytest.raises(ConfigurationError) as caught:
        build_addon(AddonConfig(database_url=sqlite_db.url, pdf=False, load_entrypoints=False),
                    host=WrongHost())
    assert "host.default_mail_sender: expected (), got (organization_id): extra required parameter " \
           "'organization_id'" in str(caught.value)
