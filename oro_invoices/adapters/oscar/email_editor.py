"""Oscar's email editor (Dashboard > Content > Email templates) for the add-on's Jinja2 templates.

Oscar checks every email template as a Django template, which refuses the add-on's Jinja2
(``{{ _("…", name=…) }}``, ``ngettext``). The form and view here are Oscar's own (through
``get_class``, so a shop's fork of the communications dashboard stays the base) and change
only the add-on's event types: those are checked with the add-on's template check, each
error under its field, and previewed with the add-on's sample invoice. ``urls`` mounts the
view over Oscar's ``comms-update`` URL.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponse
from oscar.core.loading import get_class

from oro_invoices.adapters.oscar.models import EmailTemplateDefault
from oro_invoices.adapters.oscar.tables import missing_tables
from oro_invoices.services.mail.checking import check_template, render_sample
from oro_invoices.services.mail.render import EmailTemplateError

OscarForm: Any = get_class("dashboard.communications.forms", "CommunicationEventTypeForm")
OscarUpdateView: Any = get_class("dashboard.communications.views", "UpdateView")

FIELDS = {"subject": "email_subject_template", "text": "email_body_template",
          "html": "email_body_html_template"}


def addon_template_name(code: str | None) -> str | None:
    """The add-on's template name behind event type ``code``, or None for any other type (and
    while the app's tables are missing)."""
    if not code or missing_tables():
        return None
    found: str | None = EmailTemplateDefault.objects.filter(code=code).values_list("name", flat=True).first()
    return found


class InvoiceEmailForm(OscarForm):
    """Oscar's form; for the add-on's event types the add-on's Jinja2 check replaces Django's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addon_name = addon_template_name(getattr(self.instance, "code", None))
        if self.addon_name is not None:
            self.fields["preview_order_number"].help_text = (
                "Not needed: invoice emails are previewed with a sample invoice.")

    def validate_template(self, value: str) -> None:
        if self.addon_name is None:
            super().validate_template(value)

    def _get_validation_exclusions(self) -> Any:
        # The add-on's default subjects are longer than the 255 characters Oscar's model
        # declares; SQLite does not enforce it, and on PostgreSQL migration 0002 made it text.
        excluded = super()._get_validation_exclusions()
        if self.addon_name is not None:
            excluded.add("email_subject_template")
        return excluded

    def clean_preview_order_number(self) -> str:
        if self.addon_name is not None:
            return str(self.cleaned_data["preview_order_number"]).strip()
        return str(super().clean_preview_order_number())

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        if self.addon_name is None or any(f in self.errors for f in FIELDS.values()):
            return cleaned
        subject, text, html = (str(cleaned.get(field) or "") for field in FIELDS.values())
        for part, message in check_template(self.addon_name, subject, text, html).items():
            self.add_error(FIELDS[part], message)
        return cleaned

    def addon_preview(self) -> dict[str, str]:
        """The email as Oscar's preview shows it (``subject``, ``body``, ``html``), rendered
        with the add-on's sample invoice; raises ``EmailTemplateError``."""
        assert self.addon_name is not None
        subject, text, html = (str(self.cleaned_data.get(field) or "") for field in FIELDS.values())
        rendered = render_sample(self.addon_name, subject, text, html)
        return {"subject": rendered.subject, "body": rendered.text, "html": rendered.html, "sms": ""}


class InvoiceEmailUpdateView(OscarUpdateView):
    """Oscar's email editor with ``InvoiceEmailForm``; the add-on's types preview their sample."""

    form_class = InvoiceEmailForm

    def _preview(self, form: InvoiceEmailForm) -> dict[str, Any]:
        ctx: dict[str, Any] = super().get_context_data()
        ctx["form"] = form
        try:
            ctx["preview"] = form.addon_preview()
        except EmailTemplateError as exc:
            form.add_error(None, str(exc))
            return ctx
        ctx["show_preview"] = True
        return ctx

    def show_preview(self, form: InvoiceEmailForm) -> HttpResponse:
        if form.addon_name is None:
            return super().show_preview(form)
        return self.render_to_response(self._preview(form))

    def send_preview(self, form: InvoiceEmailForm) -> HttpResponse:
        if form.addon_name is None:
            return super().send_preview(form)
        ctx = self._preview(form)
        if ctx.get("show_preview"):
            self._send(form, ctx["preview"])
        return self.render_to_response(ctx)

    def _send(self, form: InvoiceEmailForm, preview: dict[str, str]) -> None:
        email = form.cleaned_data["preview_email"]
        message = EmailMultiAlternatives(preview["subject"], preview["body"], to=[email])
        message.attach_alternative(preview["html"], "text/html")
        message.send()
        messages.success(self.request, f"A preview email has been sent to {email}")
