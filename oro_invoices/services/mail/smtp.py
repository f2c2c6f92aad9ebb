"""SMTP settings and the SMTP transport (the ``emails`` library), plus error classification.

    config = SmtpConfig.from_url("smtp://user:secret@mail.example.com:587?security=starttls")
    transport = SmtpTransport(config)

A transport is any object with ``send(message) -> str`` (the server's reply)
and ``close()``; tests and hosts may inject their own.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from smtplib import SMTP_SSL
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import emails
from emails.backend.smtp.backend import SMTPBackend
from emails.backend.smtp.client import (
    SMTPClientWithResponse,
    SMTPClientWithResponse_SSL,
)

from oro_invoices.domain.errors import ConfigurationError

SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


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

    def __post_init__(self):
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
            raise ConfigurationError(f"Invalid SMTP URL: {exc}.") from None
        if parts.scheme not in ("smtp", "smtps"):
            raise ConfigurationError(
                f"Invalid SMTP URL scheme {parts.scheme!r}: use smtp:// or smtps://.")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"security", "timeout", "verify", "cafile", "local_hostname"}
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
        ctx = ssl.create_default_context(cafile=self.cafile)
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def backend_options(self) -> dict[str, Any]:
        """The ``smtp=`` dict ``emails.Message.send`` understands (host, port, tls/ssl, user …)."""
        options: dict[str, Any] = {"host": self.host, "port": int(self.port),
                                   "timeout": float(self.timeout)}
        if self.security == "starttls":
            options["tls"] = True
        elif self.security == "ssl":
            options["ssl"] = True
        if self.username:
            options["user"], options["password"] = self.username, self.password
        if self.local_hostname:
            options["local_hostname"] = self.local_hostname
        return options


class Transport(Protocol):
    """Delivers built messages."""

    def send(self, message: emails.Message) -> str:
        """Deliver ``message`` to all its recipients; return the server's reply, raise on failure."""

    def close(self) -> None:
        """Release connections (called after each delivery run)."""


# -- the emails library, with certificate checks and without its blind resend --------

class _Client(SMTPClientWithResponse):
    def starttls(self, *args, **kwargs):
        kwargs.setdefault("context", self.parent.ssl_context)
        return super().starttls(*args, **kwargs)


class _SslClient(SMTPClientWithResponse_SSL):
    def __init__(self, **kw):
        # Set the verifying context first; the connection is opened once, below.
        SMTP_SSL.__init__(self, context=kw["parent"].ssl_context, timeout=kw.get("timeout", 30))
        SMTPClientWithResponse.__init__(self, **kw)


class _Backend(SMTPBackend):
    connection_cls = _Client
    connection_ssl_cls = _SslClient

    def __init__(self, ssl_context: ssl.SSLContext, **kwargs):
        self.ssl_context = ssl_context
        super().__init__(fail_silently=False, **kwargs)

    def retry_on_disconnect(self, func):
        # The library resends once when the server disconnects; a disconnect after
        # the final dot could then deliver the message twice. We let the outbox decide.
        return func


class SmtpTransport:
    """Sends over SMTP with the ``emails`` library; one connection per delivery run."""

    def __init__(self, config: SmtpConfig):
        self.config = config
        self._backend: _Backend | None = None

    def send(self, message: emails.Message) -> str:
        if self._backend is None:
            self._backend = _Backend(self.config.ssl_context(), **self.config.backend_options())
        try:
            response = message.send(smtp=self._backend)
        except BaseException:
            self.close()  # start the next message on a fresh connection
            raise
        if response is None:
            raise smtplib.SMTPRecipientsRefused({})
        reply = f"{response.status_code} {_text(response.status_text)}".strip()
        if response.refused_recipients:
            refused = "; ".join(f"{addr}: {code} {_text(text)}"
                                for addr, (code, text) in response.refused_recipients.items())
            reply += f" (refused: {refused})"
        return reply

    def close(self) -> None:
        if self._backend is not None:
            backend, self._backend = self._backend, None
            try:
                backend.close()
            except Exception:  # the connection may already be gone
                pass


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def describe_error(exc: BaseException) -> tuple[str, bool]:
    """``(what the server or network said, permanent?)`` for a failed delivery.

    Only a 5xx refusal of the message itself (every recipient refused, or DATA
    refused) is permanent; connection, authentication and 4xx errors are retried.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        if not exc.recipients:
            return "No recipient was accepted.", True
        parts = [f"{addr}: {code} {_text(text)}" for addr, (code, text) in exc.recipients.items()]
        permanent = all(code >= 500 for code, _ in exc.recipients.values())
        return "Recipients refused: " + "; ".join(parts), permanent
    if isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()
        permanent = isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            text = f"SMTP authentication failed: {text}"
        return text, permanent
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"The SMTP server closed the connection: {exc}", False
    if isinstance(exc, ssl.SSLError):
        return f"TLS error talking to the SMTP server: {exc}", False
    if isinstance(exc, OSError):
        return f"Cannot reach the SMTP server: {exc.strerror or exc}", False
    return f"{type(exc).__name__}: {exc}", False
