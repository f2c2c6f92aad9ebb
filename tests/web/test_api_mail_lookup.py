"""``InvoiceApi`` without ``mail=``: it finds the mail service itself (``composition.mail_for``),
so that sending invoices over the API works without the host passing it."""
from __future__ import annotations

import flask
from support.api import CLIENTS, ApiHttp, api_payload

from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web.api import InvoiceApi
from oro_invoices.web.mounting import compose


def _http(api: InvoiceApi) -> ApiHttp:
    app = flask.Flask(__name__)
    app.register_blueprint(make_api_blueprint(api))
    return ApiHttp(app, api.service, api)


def test_an_api_over_a_service_sends_its_invoices_by_email_through_the_outbox(db, settings):
    settings.set("oro_invoices.generate_pdf_on_post", False)     # no PDF storage here: email without one
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)
    http = _http(InvoiceApi(service, authenticate=CLIENTS.get, settings=settings))
    created = http.create(**{k: v for k, v in api_payload().items() if k != "status"})
    resp = http.post(f"/api/invoices/{created['id']}/send", {"to": ["ap@acme.example"], "post": True})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["to"] == ["ap@acme.example"] and resp.get_json()["status"] == "queued"
    assert [email.to for email in http.api.mail.emails(created["id"])] == [("ap@acme.example",)]


def test_an_api_over_the_addons_service_uses_the_addons_mail_and_a_given_one_wins(tmp_path):
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path}/shop.db", migrate=True, pdf=False,
                                    mail_sender="billing@shop.example"))
    try:
        assert InvoiceApi(addon.invoices, authenticate=CLIENTS.get).mail is addon.mail
        own = object()
        assert InvoiceApi(addon.invoices, authenticate=CLIENTS.get, mail=own).mail is own  # type: ignore[arg-type]
        api = InvoiceApi(addon.invoices, authenticate=CLIENTS.get)
        api.mail = None                     # a host that offers no email over its API
        assert api.mail is None
    finally:
        addon.close()


def test_pages_mounted_over_the_addons_service_use_the_addons_mail(tmp_path):
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path}/shop.db", migrate=True, pdf=False,
                                    mail_sender="billing@shop.example"))
    try:
        assert compose(MemoryHost(), service=addon.invoices).mail is addon.mail
        other = compose(MemoryHost(), service=addon.invoices, smtp="smtp://127.0.0.1:2525").mail
        assert other is not None and other is not addon.mail          # a given SMTP server is its own
    finally:
        addon.close()
