"""The MIME message of an outbox entry, built with the standard library's ``EmailMessage``."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.mail_problems import HEADER_LINE_BREAK
from oro_invoices.domain.messages import Message
from oro_invoices.persistence.outbox import Attachment, OutboxView
from oro_invoices.services.mail.compose import has_line_break

# Bodies in base64: 7-bit safe for any server, and they decode to exactly the queued
# text (the wire's CRLF line ends stay outside the encoded data).
BODY_ENCODING = "base64"


def build_message(email: OutboxView, *, html: str | None, text: str | None,
                  files: Sequence[tuple[Attachment, bytes]], date: dt.datetime) -> EmailMessage:
    """From, Reply-To, To, Cc, Bcc, Subject, Date, the queued Message-ID, text and/or HTML body, attachments.

    The Bcc header is for the transport's envelope; transports do not transmit it.
    """
    message = EmailMessage(policy=default)
    headers: list[tuple[str, object]] = [("From", Address(display_name=email.sender_name, addr_spec=email.sender))]
    if email.reply_to:
        headers.append(("Reply-To", email.reply_to))
    headers += [(header, ", ".join(entries)) for header, entries in (("To", email.to), ("Cc", email.cc),
                                                                      ("Bcc", email.bcc)) if entries]
    headers.append(("Subject", email.subject))
    for header, value in headers:
        # an encoded word (=?utf-8?q?…=0D=0A…?=) decodes to a line break when the header is set:
        # written out, it would start a header of its own (or the library refuses the address)
        try:
            message[header] = value
        except ValueError:
            raise _line_break(header) from None
        if has_line_break(str(message[header])):
            raise _line_break(header)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = email.message_id
    if text or not html:
        message.set_content(text or "", cte=BODY_ENCODING)
    if html:
        add_html = message.add_alternative if text else message.set_content
        add_html(html, subtype="html", cte=BODY_ENCODING)
    for attachment, data in files:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        # the add-on writes its text attachments (the Aging Report's CSV) in UTF-8; without the
        # charset a mail program reads them as ASCII and garbles every name beyond it
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment.filename,
                               params=params)
    return message


def _line_break(header: str) -> ValidationError:
    """The error of a message whose ``header`` holds a line break: it can never be sent."""
    return ValidationError([(header.lower(), Message(HEADER_LINE_BREAK, header=header))])
