"""Invoice email: templates, Send to Customer, the outbox and its delivery.

``from oro_invoices.services.mail import MailService, SmtpConfig`` is the entry point;
see docs/email.md.
"""
from __future__ import annotations

from oro_invoices.integration.profile import CREDIT_NOTE_TEMPLATE, NOTIFICATION_TEMPLATE
from oro_invoices.persistence.outbox import Attachment, OutboxView
from oro_invoices.services.mail.compose import EmailDraft
from oro_invoices.services.mail.delivery import RETRY_SCHEDULE, DeliveryReport
from oro_invoices.services.mail.render import EmailTemplateError
from oro_invoices.services.mail.service import MailService
from oro_invoices.services.mail.smtp import SmtpConfig, SmtpTransport, Transport

__all__ = ["CREDIT_NOTE_TEMPLATE", "NOTIFICATION_TEMPLATE", "RETRY_SCHEDULE", "Attachment", "DeliveryReport", "EmailDraft",
           "EmailTemplateError", "MailService", "OutboxView", "SmtpConfig", "SmtpTransport",
           "Transport"]
