"""Links that leave the request come from the configured base URL, never from the Host header.

A PDF made while posting is kept forever and an email cannot be called back: a forged
``Host: evil.example`` on the posting request must not end up in either.
"""
from __future__ import annotations

import io
import re
import subprocess
from html import unescape
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from sqlalchemy import select
from support.config_form import save

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.hosts.reference.testing import form_token, text_of
from oro_invoices.integration.links import STOREFRONT_BASE_URL
from oro_invoices.persistence.outbox import OutboxEmail

EVIL = "http://evil.example"


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def shows_pay_online(pdf: bytes, link: str) -> bool:
    """Whether the printed text says "Pay online: <link>" (a long link may wrap)."""
    return f"Payonline:{link}" in pdf_text(pdf).replace(" ", "")


def pdf_link_targets(pdf: bytes) -> list[str]:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    return [a.get_object()["/A"].get("/URI") for a in page.get("/Annots", [])
            if "/A" in a.get_object()]


def qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    """What a phone scanning the printed first page reads."""
    zxingcpp = pytest.importorskip("zxingcpp")
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "doc.pdf"), str(tmp_path / "page")], check=True, timeout=60)
    image = Image.open(tmp_path / "page.png").convert("L")
    return [code.text for code in zxingcpp.read_barcodes(image)]


def textarea(html: str, element_id: str) -> str:
    return unescape(re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    return unescape(found.group(1)) if found else ""


def evil_admin(app):
    """A back-office session whose every request says ``Host: evil.example``."""
    client = app.test_client()
    token = form_token(client.get("/admin/login", base_url=EVIL).get_data(as_text=True))
    resp = client.post("/admin/login", base_url=EVIL, data={
        "username": "admin", "password": "admin1234", "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def payable_draft(app, external_id: str) -> int:
    """A draft that can be paid once posted: payments on, paid at an external payment page."""
    service = app.extensions["oro_invoices"].service
    settings = app.extensions["oro_invoices"].settings
    settings.set("oro_invoices.payments_enabled", True)
    settings.set("oro_invoices.payment_method", "oropay")
    inv = service.find_id(external_id=external_id)
    service.update(inv, {"external_payment_url": "https://pay.example.com/checkout/1"})
    return inv


def queued_emails(service, invoice_id: int) -> list[OutboxEmail]:
    with service.db.session() as s:
        return list(s.execute(select(OutboxEmail).where(OutboxEmail.invoice_id == invoice_id))
                    .scalars())


def test_send_to_customer_with_a_forged_host_links_pdf_qr_and_email_to_the_configured_site(
        shop, tmp_path):
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    settings = app.extensions["oro_invoices"].settings
    inv = payable_draft(app, "ERP-SO-1004-4")  # Carla's draft, Northwind EU Store
    settings.set(STOREFRONT_BASE_URL, "https://shop.example")
    settings.set(STOREFRONT_BASE_URL, "https://eu.shop.example/", "website",
                 service.get(inv).website_id)
    client = evil_admin(app)
    view = f"/admin/invoices/{inv}"

    dialog = client.get(f"{view}?dialog=send-to-customer", base_url=EVIL).get_data(as_text=True)
    posted = client.post(f"{view}/send-to-customer", base_url=EVIL,
                         data={"confirm": "1", "csrf_token": form_token(dialog)})
    assert posted.status_code == 303

    doc = service.get(inv)
    link = f"https://eu.shop.example/invoices/pay/{doc.payment_token}"
    pdf = service.storage.read(doc.pdf.sha256)
    assert shows_pay_online(pdf, link)
    assert set(pdf_link_targets(pdf)) == {link}
    assert qr_codes(pdf, tmp_path) == [link]
    assert b"evil.example" not in pdf

    email_page = client.get(posted.headers["Location"], base_url=EVIL).get_data(as_text=True)
    body = textarea(email_page, "oi-email-body")
    assert link in body and "evil.example" not in body
    sent = client.post(f"{view}/email", base_url=EVIL, data={
        "to": field(email_page, "to"), "subject": field(email_page, "subject"), "body": body,
        "template": "invoice_notification_template", "attach_pdf": "1", "to_customer": "1",
        "csrf_token": form_token(email_page)})
    assert sent.status_code == 303
    [email] = queued_emails(service, inv)
    assert link in email.text and link in email.html
    assert "evil.example" not in email.text + email.html


def test_api_posting_with_a_forged_host_uses_the_organizations_base_url(shop):
    app, info = shop
    service = app.extensions["oro_invoices"].service
    settings = app.extensions["oro_invoices"].settings
    inv = payable_draft(app, "ERP-SO-1009-9")  # Globex's draft, Northwind US Store
    settings.set(STOREFRONT_BASE_URL, "https://northwind.example/shop", "organization",
                 service.get(inv).organization_id)
    resp = app.test_client().post(f"/api/invoices/{inv}/post", base_url=EVIL,
                                  headers={"Authorization": f"Bearer {info['api_token']}"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    doc = service.get(inv)
    link = f"https://northwind.example/shop/invoices/pay/{doc.payment_token}"
    pdf = service.storage.read(doc.pdf.sha256)
    assert shows_pay_online(pdf, link) and set(pdf_link_targets(pdf)) == {link}
    assert b"evil.example" not in pdf
    draft = app.extensions["oro_invoices"].mail.prepare(inv)
    assert link in draft.text and link in draft.html


def test_without_a_base_url_pdfs_and_emails_carry_no_guest_link_but_pages_still_do(shop):
    app, info = shop
    service = app.extensions["oro_invoices"].service
    inv = payable_draft(app, "ERP-SO-1009-9")
    resp = app.test_client().post(f"/api/invoices/{inv}/post", base_url=EVIL,
                                  headers={"Authorization": f"Bearer {info['api_token']}"})
    assert resp.status_code == 200
    doc = service.get(inv)
    pdf = service.storage.read(doc.pdf.sha256)
    # Only the configured external payment page is linked: no guess of this site's address.
    assert set(pdf_link_targets(pdf)) == {"https://pay.example.com/checkout/1"}
    assert doc.payment_token not in pdf_text(pdf) and b"evil.example" not in pdf
    draft = app.extensions["oro_invoices"].mail.prepare(inv)
    assert doc.payment_token not in draft.text + draft.html and "evil.example" not in draft.html
    client = evil_admin(app)
    page = client.get(f"/admin/invoices/{inv}", base_url=EVIL).get_data(as_text=True)
    assert f'href="/invoices/pay/{doc.payment_token}"' in page  # relative: stays on this site
    assert "evil.example" not in page


def test_the_hosts_absolute_urls_ignore_the_host_header(shop):
    app, _ = shop
    host = app.extensions["oro_reference_host"]
    with app.test_request_context("/admin/", base_url=EVIL):
        assert host.urls.url_for("host_admin.login", external=True) == "http://127.0.0.1:8765/admin/login"
        app.extensions["oro_invoices"].settings.set(STOREFRONT_BASE_URL, "https://shop.example")
        assert host.urls.url_for("host_admin.login", external=True) == "https://shop.example/admin/login"
        assert host.urls.url_for("host_admin.login") == "/admin/login"


@pytest.mark.parametrize("value,message", [
    ("shop.example", "absolute URL starting with http:// or https://"),
    ("javascript:alert(1)", "absolute URL starting with http:// or https://"),
    ("ftp://shop.example", "absolute URL starting with http:// or https://"),
    ("https://", "Must name a host"),
    ("https://user:pw@shop.example", "user name or password"),
    ("https://shop.example/?a=1", "query"),
    ("https://shop.example/#top", "fragment"),
    ("https://shop.example\n", "spaces or control characters"),
    (" https://shop.example", "spaces or control characters"),
    ("https://shop.example:99999", "Not a valid URL"),
])
def test_the_base_url_must_be_an_absolute_http_url(shop, value, message):
    settings = shop[0].extensions["oro_invoices"].settings
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        settings.set(STOREFRONT_BASE_URL, value, "organization", 1)
    assert settings.stored(STOREFRONT_BASE_URL, "organization", 1) is None


def test_the_configuration_page_refuses_a_relative_base_url(shop, admin):
    resp = save(admin, "/admin/config/oro_invoices", {
        STOREFRONT_BASE_URL: "shop.example", f"{STOREFRONT_BASE_URL}.use_default": None})
    assert resp.status_code == 422
    assert "absolute URL starting with http:// or https://" in text_of(resp.get_data(as_text=True))
    settings = shop[0].extensions["oro_invoices"].settings
    assert settings.stored(STOREFRONT_BASE_URL) is None


def test_the_demo_points_links_at_itself_but_keeps_an_admins_choice(shop):
    from oro_invoices.hosts.reference.demo import configure_base_url
    app, _ = shop
    settings = app.extensions["oro_invoices"].settings
    configure_base_url(app, "http://127.0.0.1:8765")
    assert settings.stored(STOREFRONT_BASE_URL) == "http://127.0.0.1:8765"
    configure_base_url(app, "http://127.0.0.1:9000", replacing="http://127.0.0.1:8765")
    assert settings.stored(STOREFRONT_BASE_URL) == "http://127.0.0.1:9000"   # the demo moved
    settings.set(STOREFRONT_BASE_URL, "https://shop.example")
    configure_base_url(app, "http://127.0.0.1:9001", replacing="http://127.0.0.1:9000")
    assert settings.stored(STOREFRONT_BASE_URL) == "https://shop.example"    # an admin's choice
