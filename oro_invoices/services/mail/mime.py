"""The MIME message of an outbox entry, built with the standard library's ``EmailMessage``."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime

from oro_invoices.persistence.outbox import Attachment, OutboxView

# Bodies in base64: 7-bit safe for any server, and they decode to exactly the queued
# text (the wire's CRLF line ends stay outside the encoded data).
BODY_ENCODING = "base64"


def build_message(email: OutboxView, *, html: str | None, text: str | None,
                  files: Sequence[tuple[Attachment, bytes]], date: dt.datetime) -> EmailMessage:
    """From, Reply-To, To, Cc, Bcc, Subject, Date, the queued Message-ID, text and/or HTML body, attachments.

    The Bcc header is for the transport's envelope; transports do not transmit it.
    """
    message = EmailMessage(policy=default)
    message["From"] = Address(display_name=email.sender_name, addr_spec=email.sender)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    for header, entries in (("To", email.to), ("Cc", email.cc), ("Bcc", email.bcc)):
        if entries:
            message[header] = ", ".join(entries)
    message["Subject"] = email.subject
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
