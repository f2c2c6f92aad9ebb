"""SMTP settings, the ``Transport`` protocol, the ``smtplib`` transport and error classification.

    config = SmtpConfig.from_url("smtp://user:secret@mail.example.com:587?security=starttls")
    transport = SmtpTransport(config)
    reply = transport.send(message)          # an email.message.EmailMessage
    transport.close()

A transport is any object with ``send(message) -> str`` (the server's reply)
and ``close()``; tests and hosts may inject their own.
"""
from __future__ import annotations

import copy
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import getaddresses
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from oro_invoices.domain import mail_problems as problems
from oro_invoices.domain.errors import ConfigurationError, InvoiceError, ValidationError
from oro_invoices.domain.messages import Message

SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
URL_OPTIONS = ("security", "timeout", "verify", "cafile", "local_hostname")
#: What an SMTP URL looks like, for the message that refuses one.
URL_FORMS = ("smtp://HOST:PORT, smtp://USER:PASSWORD@HOST:587?security=starttls "
             "or smtps://USER:PASSWORD@HOST:465 (implicit TLS)")


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to deliver: ``security`` is "none", "starttls" or "ssl" (implicit TLS).

    With "starttls" and "ssl" the server's certificate is verified against the
    system's trust store (or ``cafile``, for a private CA) unless ``verify`` is False.
    """

    host: str
    port: int = 25
    security: str = "none"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    verify: bool = True
    cafile: str | None = None
    local_hostname: str | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ConfigurationError(
                f"Unknown SMTP security {self.security!r}: use one of {', '.join(SECURITY)}.")
        if not self.host:
            raise ConfigurationError("The SMTP host is missing.")
        if not 0 < int(self.port) < 65536:
            raise ConfigurationError(f"Invalid SMTP port {self.port!r}.")
        if float(self.timeout) <= 0:
            raise ConfigurationError("The SMTP timeout must be greater than 0 seconds.")

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """``smtp://[user[:password]@]host[:port][?security=none|starttls&timeout=30&verify=0&cafile=…]``.

        ``smtps://`` means implicit TLS (security "ssl", port 465 by default).
        User name and password are percent-decoded.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise ConfigurationError(f"Invalid SMTP URL: {exc}; use {URL_FORMS}.") from None
        if parts.scheme not in ("smtp", "smtps"):
            raise ConfigurationError(
                f"Invalid SMTP URL scheme {parts.scheme!r}: use {URL_FORMS}.")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - set(URL_OPTIONS)
        if unknown:
            raise ConfigurationError(f"Unknown SMTP URL option(s): {', '.join(sorted(unknown))}.")
        security = "ssl" if parts.scheme == "smtps" else query.get("security", "none")
        if parts.scheme == "smtps" and query.get("security", "ssl") != "ssl":
            raise ConfigurationError("smtps:// always uses implicit TLS; drop ?security= or use smtp://.")
        try:
            timeout = float(query.get("timeout", 30))
        except ValueError:
            raise ConfigurationError(f"Invalid SMTP timeout {query['timeout']!r}.") from None
        return cls(host=parts.hostname or "", port=port or DEFAULT_PORTS.get(security, 25),
                   security=security, username=unquote(parts.username or ""),
                   password=unquote(parts.password or ""), timeout=timeout,
                   verify=query.get("verify", "1").lower() not in ("0", "false", "no", "off"),
                   cafile=query.get("cafile"), local_hostname=query.get("local_hostname"))

    def ssl_context(self) -> ssl.SSLContext:
        """The default context (hostname and certificate checked), or an unchecked one if not ``verify``."""
        ctx = ssl.create_default_context(cafile=self.cafile)
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


class Transport(Protocol):
    """Delivers built messages.

    ``message`` carries To, Cc and Bcc headers: deliver to all of them, and never
    transmit the Bcc header (``smtplib.SMTP.send_message`` does both).
    """

    def send(self, message: EmailMessage) -> str:
        """Deliver ``message`` to all its recipients; return the server's reply, raise on failure."""

    def close(self) -> None:
        """Release connections (called after each delivery run)."""


class SmtpTransport:
    """Sends over SMTP with ``smtplib``: one connection per delivery run, each message sent once.

    - TLS: "starttls" upgrades with ``SMTP.starttls``, "ssl" connects with ``SMTP_SSL``;
      both use ``SmtpConfig.ssl_context()``, which verifies the certificate and that
      it names ``host``. A TLS failure is an error, never a fallback to plain text.
    - No resend: every error closes the connection and propagates; nothing here
      tries again, so a message the server may have accepted is never sent twice
      by the transport. The outbox decides what happens next.
    - The reply: ``send`` returns the server's answer to DATA (``"250 2.0.0 Ok: queued
      as …"``), plus the recipients it refused, if only some were.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> str:
        sender, recipients, international = _envelope(message)
        payload = _wire_bytes(message, international)
        try:
            if self._client is None:
                self._client = self._connect()
            return _transmit(self._client, sender, recipients, payload, international)
        except BaseException:
            self.close()  # start the next message on a fresh connection
            raise

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):  # the connection may already be gone
            client.close()

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = config.ssl_context()
        client: smtplib.SMTP
        if config.security == "ssl":
            client = smtplib.SMTP_SSL(config.host, int(config.port), config.local_hostname,
                                      timeout=float(config.timeout), context=context)
        else:
            client = smtplib.SMTP(config.host, int(config.port), config.local_hostname,
                                  timeout=float(config.timeout))
        try:
            if config.security == "starttls":
                client.ehlo()
                client.starttls(context=context)
                client.ehlo()
            if config.username:
                client.login(config.username, config.password)
        except BaseException:
            client.close()
            raise
        return client


def _envelope(message: EmailMessage) -> tuple[str, list[str], bool]:
    """``(MAIL FROM, RCPT TOs from To/Cc/Bcc, needs SMTPUTF8?)``: each address once (in any case),
    so that one named in To and again in Cc or Bcc gets one copy."""
    sender = getaddresses(message.get_all("From", []))
    listed = [addr for _, addr in getaddresses(
        [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]) if addr]
    recipients = list({addr.lower(): addr for addr in reversed(listed)}.values())[::-1]
    mail_from = sender[0][1] if sender else ""
    if not recipients:
        raise smtplib.SMTPRecipientsRefused({})
    international = not all(a.isascii() for a in (mail_from, *recipients))
    return mail_from, recipients, international


def _wire_bytes(message: EmailMessage, international: bool) -> bytes:
    """The message as transmitted: CRLF line ends, without its Bcc header (as ``send_message``)."""
    visible = copy.copy(message)
    del visible["Bcc"]  # rebinds the copy's header list; ``message`` keeps its Bcc
    policy = message.policy.clone(linesep="\r\n")
    if international and isinstance(policy, EmailPolicy):
        policy = policy.clone(utf8=True)
    return visible.as_bytes(policy=policy)


def _transmit(client: smtplib.SMTP, sender: str, recipients: list[str], payload: bytes,
              international: bool) -> str:
    """MAIL, RCPT, DATA once each; the DATA reply, or the SMTP exception of the refusal."""
    client.ehlo_or_helo_if_needed()
    options: list[str] = []
    if international:
        if not client.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError(
                "An address is not ASCII and the server does not support SMTPUTF8.")
        options += ["SMTPUTF8", "BODY=8BITMIME"]
    if client.does_esmtp and client.has_extn("size"):
        options.append(f"SIZE={len(payload)}")
    code, text = client.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, text, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        code, text = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, text)
    if len(refused) == len(recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    code, text = client.data(payload)
    if code != 250:
        raise smtplib.SMTPDataError(code, text)
    reply = f"{code} {_text(text)}".strip()
    if refused:
        reply += f" (refused: {_refusals(refused)})"
    return reply


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr}: {code} {_text(text)}" for addr, (code, text) in refused.items())


def describe_error(exc: BaseException) -> tuple[str, bool]:
    """``(what the server or network said, permanent?)`` for a failed delivery; the add-on's own
    words are a message (``oro_invoices.domain.mail_problems``), shown in the reader's language.

    Only a 5xx refusal of the message itself (every recipient refused, DATA refused, or the
    message refused as too large at MAIL: 552 to its declared SIZE) is permanent; connection,
    authentication and 4xx errors are retried.
    """
    if isinstance(exc, ValidationError):  # a message that can never be written out (a header's line break)
        return (exc.errors[0][1] if exc.errors else exc.message), True
    if isinstance(exc, InvoiceError):  # the add-on's own: an attachment that cannot be read …
        return exc.message, False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        if not exc.recipients:
            return Message(problems.NO_RECIPIENT), True
        permanent = all(code >= 500 for code, _ in exc.recipients.values())
        return Message(problems.RECIPIENTS_REFUSED, refusals=_refusals(exc.recipients)), permanent
    if isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()
        permanent = isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return Message(problems.AUTHENTICATION_FAILED, reply=text), permanent
        if exc.smtp_code == 552 and isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
            return Message(problems.TOO_LARGE, reply=text), True   # the same message never fits
        return text, permanent
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Message(problems.DISCONNECTED, reason=str(exc)), False
    if isinstance(exc, smtplib.SMTPException):  # e.g. STARTTLS or SMTPUTF8 not offered
        return Message(problems.SMTP_ERROR, reason=str(exc)), False
    if isinstance(exc, ssl.SSLError):
        return Message(problems.TLS_ERROR, reason=str(exc)), False
    if isinstance(exc, OSError):
        return Message(problems.UNREACHABLE, reason=str(exc.strerror or exc)), False
    return f"{type(exc).__name__}: {exc}", False
