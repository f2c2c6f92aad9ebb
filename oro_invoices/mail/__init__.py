"""Invoice email: templates, Send to Customer, the outbox and its delivery.

``from oro_invoices.mail import MailService, SmtpConfig`` is the entry point;
see docs/email.md.
"""
from __future__ import annotations

from .compose import EmailDraft
from .delivery import RETRY_SCHEDULE, DeliveryReport
from .outbox import Attachment, OutboxView
from .render import NOTIFICATION_TEMPLATE, EmailTemplateError
from .service import MailService
from .smtp import SmtpConfig, SmtpTransport, Transport

__all__ = ["NOTIFICATION_TEMPLATE", "RETRY_SCHEDULE", "Attachment", "DeliveryReport", "EmailDraft",
           "EmailTemplateError", "MailService", "OutboxView", "SmtpConfig", "SmtpTransport",
           "Transport"]
