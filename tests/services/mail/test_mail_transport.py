"""SMTP settings, TLS and authentication against aiosmtpd, and the outbox migration."""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import inspect
from support.mail import RecordingHandler, make_app, make_mail, parse
from support.ports import free_port

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import downgrade, upgrade
from oro_invoices.services.mail import SmtpConfig

# -- SmtpConfig.from_url ---------------------------------------------------------------

def test_smtp_url_with_credentials_and_starttls():
    config = SmtpConfig.from_url("smtp://mailer%40shop:p%40ss%3Aword@mail.example.com:2525"
                                 "?security=starttls&timeout=12.5")
    assert config == SmtpConfig(host="mail.example.com", port=2525, security="starttls",
                                username="mailer@shop", password="p@ss:word", timeout=12.5)
    assert "p@ss" not in repr(config)


@pytest.mark.parametrize("url, security, port", [
    ("smtp://mail.example.com", "none", 25),
    ("smtp://mail.example.com?security=starttls", "starttls", 587),
    ("smtps://mail.example.com", "ssl", 465),
    ("smtps://mail.example.com:2465", "ssl", 2465),
])
def test_smtp_url_defaults(url, security, port):
    config = SmtpConfig.from_url(url)
    assert (config.security, config.port, config.username, config.verify) == (security, port, "", True)


@pytest.mark.parametrize("url, message", [
    ("http://mail.example.com", "use smtp://HOST:PORT, smtp://USER:PASSWORD@HOST:587?security=starttls or smtps://"),
    ("smtp://mail.example.com?security=tls", "Unknown SMTP security 'tls'"),
    ("smtp://mail.example.com?securty=starttls", "Unknown SMTP URL option(s): securty"),
    ("smtps://mail.example.com?security=starttls", "smtps:// always uses implicit TLS"),
    ("smtp://mail.example.com:99999", "Invalid SMTP URL"),
    ("smtp://mail.example.com?timeout=soon", "Invalid SMTP timeout 'soon'"),
    ("smtp://", "The SMTP host is missing"),
])
def test_bad_smtp_urls_say_what_is_wrong(url, message):
    with pytest.raises(ConfigurationError) as err:
        SmtpConfig.from_url(url)
    assert message in err.value.message


# -- TLS and authentication against a real server --------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert path, key path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def server_context(certificate) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*certificate)
    return ctx


def check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_servers(certificate):
    """A STARTTLS server requiring AUTH, and an implicit-TLS server."""
    handler = RecordingHandler()
    starttls = Controller(handler, hostname="127.0.0.1", port=free_port(),
                          tls_context=server_context(certificate), require_starttls=True,
                          authenticator=check_login, auth_required=True)
    implicit = Controller(handler, hostname="127.0.0.1", port=free_port(),
                          ssl_context=server_context(certificate))
    starttls.start()
    implicit.start()
    yield handler, starttls, implicit
    starttls.stop()
    implicit.stop()


def queue(app, mail, subject):
    invoice = app.invoices.post(app.create().id, actor="admin")
    return invoice, mail.send(invoice.id, to="buyer@acme.test", subject=subject, text="Hi", actor="admin")


def test_starttls_with_login_and_implicit_tls_deliver(sqlite_db, tmp_path, tls_servers, certificate):
    handler, starttls, implicit = tls_servers
    app = make_app(sqlite_db, tmp_path)
    cafile = certificate[0]
    mail = make_mail(app, smtp=f"smtp://mailer:s3cret@127.0.0.1:{starttls.port}?security=starttls&cafile={cafile}")
    queue(app, mail, "over STARTTLS")
    assert mail.deliver_pending().sent == 1
    mail = make_mail(app, smtp=SmtpConfig(host="127.0.0.1", port=implicit.port, security="ssl", cafile=cafile))
    queue(app, mail, "over implicit TLS")
    assert mail.deliver_pending().sent == 1
    assert [parse(r.content)["Subject"] for r in handler.received] == ["over STARTTLS", "over implicit TLS"]


def test_wrong_password_and_untrusted_certificate_are_retried_with_the_reason(sqlite_db, tmp_path, tls_servers,
                                                                           certificate):
    handler, starttls, implicit = tls_servers
    app = make_app(sqlite_db, tmp_path)
    mail = make_mail(app, smtp=SmtpConfig(host="127.0.0.1", port=starttls.port, security="starttls",
                                          username="mailer", password="wrong", cafile=certificate[0]))
    invoice, _ = queue(app, mail, "bad password")
    assert mail.deliver_pending().retrying == 1
    assert mail.emails(invoice.id)[0].last_error.startswith("SMTP authentication failed: 535")

    mail = make_mail(app, smtp=SmtpConfig(host="127.0.0.1", port=implicit.port, security="ssl"))
    invoice, _ = queue(app, mail, "untrusted")
    report = mail.deliver_pending(now=dt.datetime.now(dt.UTC))
    assert report.retrying == 1
    errors = {v.subject: v.last_error for v in mail.emails(invoice.id)}
    assert "CERTIFICATE_VERIFY_FAILED" in errors["untrusted"]
    assert handler.received == []


# -- the migration ---------------------------------------------------------------------

def test_outbox_table_is_created_by_its_own_revision(db, tmp_path):
    assert "oro_invoice_email" in inspect(db.engine).get_table_names()
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert upgrade(fresh, "0001") == "0001"
        assert "oro_invoice_email" not in inspect(fresh.engine).get_table_names()
        assert upgrade(fresh, "0002") == "0002"
        columns = {c["name"] for c in inspect(fresh.engine).get_columns("oro_invoice_email")}
        assert {"message_id", "status", "attempts", "next_attempt_at", "lease_until", "last_error",
                "sent_at", "attachments"} <= columns
        assert not inspect(fresh.engine).get_foreign_keys("oro_invoice_email")
        downgrade(fresh, "0001")
        assert "oro_invoice_email" not in inspect(fresh.engine).get_table_names()
    finally:
        fresh.dispose()


def test_outbox_model_and_migration_agree(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from oro_invoices.persistence.metadata import metadata

    def ours(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or getattr(table, "name", name) == "oro_invoice_email"

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours, "compare_type": True})
        assert compare_metadata(context, metadata) == []
