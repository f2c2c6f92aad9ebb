"""Oscar's email editor (Dashboard > Content > Email templates) for the add-on's Jinja2 templates.

Oscar checks every email template as a Django template, which refuses the add-on's Jinja2
(``{{ _("…", name=…) }}``, ``ngettext``). The form and view here are Oscar's own (through
``get_class``, so a shop's fork of the communications dashboard stays the base) and change
only the add-on's event types: those are checked with the add-on's template check, each
error under its field, and previewed with the add-on's sample invoice in the shop's currency
(``OSCAR_DEFAULT_CURRENCY``), in the locale the admin chooses of those an email can go out in
(``MailService.email_locales``: the shop's, the global ``oro_invoices.locale``, by default; each is
checked; a staff-only template's are the shop's, websites' and organizations'); their page (``oro_invoices_oscar/email_editor.html``) explains
Jinja2 and lists the template's variables instead of Oscar's Django-template help. A template
of several samples (the payment receipt: a payment for one invoice, one for several) is
previewed, and its preview email sent, once per sample. ``urls`` mounts the view over Oscar's
``comms-update`` URL.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale, UnknownLocaleError
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as djangos_gettext
from oscar.core.loading import get_class

from oro_invoices import i18n
from oro_invoices.adapters.oscar.models import EmailTemplateDefault
from oro_invoices.adapters.oscar.tables import missing_tables
from oro_invoices.i18n import N_
from oro_invoices.integration.profile import STAFF_TEMPLATES
from oro_invoices.services.mail.checking import check_template, render_sample, sample_context, samples
from oro_invoices.services.mail.render import EmailTemplateError
from oro_invoices.services.mail.variables import described, received

OscarForm: Any = get_class("dashboard.communications.forms", "CommunicationEventTypeForm")
OscarUpdateView: Any = get_class("dashboard.communications.views", "UpdateView")

FIELDS = {"subject": "email_subject_template", "text": "email_body_template",
          "html": "email_body_html_template"}


#: The help above the add-on's template fields; ``%(…)s`` are Jinja2 examples, shown as code.
SYNTAX_HELP = N_("These fields are Jinja2 templates, rendered by the invoice add-on rather than by Django's "
                 "template system: %(value)s shows a value, %(condition)s shows text only when it applies, "
                 "%(translated)s is written in the email's language, and filters such as %(money)s and "
                 "%(date)s format amounts and dates for it.")
SYNTAX_EXAMPLES = {"value": "{{ seller.company_name }}", "condition": "{% if seller.phone %}…{% endif %}",
                   "translated": '{{ _("Kind regards,") }}', "money": "money(currency)", "date": "date"}
PREVIEW_HELP = N_("The preview fills the template with made-up data (invoice INV-0001 of Sample Customer "
                  "Ltd), its amounts in the shop's currency.")
SAMPLES_HELP = N_("The template writes more than one kind of email: the preview shows each, under what it is.")
PREVIEW_LOCALE_LABEL = N_("Preview in")
PREVIEW_LOCALE_HELP = N_("An email goes out in the locale set for its customer, the customer's group, website or "
                         "organization, else in the shop's. The template is checked in each of them.")
STAFF_LOCALE_HELP = N_("This email goes to the seller's staff, in the locale set for the website or organization, "
                       "else in the shop's. The template is checked in each of them.")
SHOPS_LOCALE = N_("%(locale)s (the shop's)")


def addon_template_name(code: str | None) -> str | None:
    """The add-on's template name behind event type ``code``, or None for any other type (and
    while the app's tables are missing)."""
    if not code or missing_tables():
        return None
    found: str | None = EmailTemplateDefault.objects.filter(code=code).values_list("name", flat=True).first()
    return found


def template_help(name: str) -> dict[str, Any]:
    """The editor's help for the add-on's template ``name`` in Django's active language: how the
    Jinja2 fields are written (``syntax``, safe HTML), every variable the template receives
    (``variables``, each with its description) and what the ``preview`` shows."""
    language = get_language() or i18n.DEFAULT_LANGUAGE
    data = EmailTemplateDefault.objects.filter(name=name).values_list("data", flat=True).first() or {}
    examples = {key: format_html("<code>{}</code>", code) for key, code in SYNTAX_EXAMPLES.items()}
    return {"syntax": mark_safe(escape(i18n.translate(language, SYNTAX_HELP)) % examples),
            "variables": [(variable, i18n.translate(language, description) if description else "")
                          for variable, description in described(received(name, data.get("variables") or ()))],
            "preview": " ".join(i18n.translate(language, text) for text in (
                PREVIEW_HELP, *((SAMPLES_HELP,) if len(samples(name)) > 1 else ())))}


def preview_currency() -> str:
    """The currency the preview's amounts are in: the shop's (``OSCAR_DEFAULT_CURRENCY``)."""
    return str(getattr(settings, "OSCAR_DEFAULT_CURRENCY", None) or "USD")


def preview_zone() -> str:
    """The preview's time zone: the global ``oro_invoices.timezone`` (an email template of Oscar's
    is the shop's), the zone a message sent without an organization writes its times in."""
    from oro_invoices.adapters.oscar.runtime import runtime
    return str(runtime().addon.invoices.context.time_zone())


def preview_locales(name: str) -> list[str]:
    """The locales the previews of template ``name`` can be in, the shop's first
    (``MailService.email_locales``: the global ``oro_invoices.locale``, then each set for a
    customer, customer group, website or organization; for a staff-only template, a website or
    organization), as an email of the template can go out in any of them."""
    from oro_invoices.adapters.oscar.runtime import runtime
    return runtime().addon.mail.email_locales(name)


def locale_name(locale: str, language: str) -> str:
    """``locale`` named in ``language`` ("German (Germany)" for ``de_DE`` in English), the code
    itself where Babel does not know it."""
    try:
        shown = Locale.parse(locale.replace("-", "_")).get_display_name(Locale.parse(language.replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return locale
    return shown or locale


def preview_today() -> dt.date:
    """The preview's today: the add-on's clock's date in the global ``oro_invoices.timezone`` (an
    email template of Oscar's is the shop's, not one organization's), as a message sent now is dated."""
    from oro_invoices.adapters.oscar.runtime import runtime
    return runtime().addon.invoices.today()


class InvoiceEmailForm(OscarForm):
    """Oscar's form; for the add-on's event types the add-on's Jinja2 check replaces Django's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addon_name = addon_template_name(getattr(self.instance, "code", None))
        if self.addon_name is not None:
            self.locales = preview_locales(self.addon_name)
            language = get_language() or i18n.DEFAULT_LANGUAGE
            named = [(code, locale_name(code, language)) for code in self.locales]
            named[0] = (named[0][0], i18n.translate(language, SHOPS_LOCALE) % {"locale": named[0][1]})
            self.fields["preview_locale"] = forms.ChoiceField(
                choices=named, initial=self.locales[0], required=False,
                label=i18n.translate(language, PREVIEW_LOCALE_LABEL),
                help_text=i18n.translate(language, STAFF_LOCALE_HELP if self.addon_name in STAFF_TEMPLATES
                                         else PREVIEW_LOCALE_HELP))

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
        language = get_language() or i18n.DEFAULT_LANGUAGE
        found: dict[str, Any] = {}
        for locale in self.locales:   # an email goes out in any of them: a problem in one is a problem
            for part, message in check_template(self.addon_name, subject, text, html, today=preview_today(),
                                                timezone=preview_zone(), locale=locale).items():
                found.setdefault(part, message)
        for part, message in found.items():
            self.add_error(FIELDS[part], i18n.translate(language, message))
        return cleaned

    def preview_locale(self) -> str:
        """The locale the preview is in: the one chosen, else the shop's."""
        return str(self.cleaned_data.get("preview_locale") or self.locales[0])

    def addon_previews(self) -> list[dict[str, str]]:
        """The email as Oscar's preview shows it (``subject``, ``body``, ``html``), rendered
        with each of the add-on's samples for it, with what the sample is (``label``, "" for a
        template of one sample) in Django's active language; the email itself in the language and
        formats of the locale chosen (``preview_locale``; the shop's by default), as an email of
        the template going out in it is; raises ``EmailTemplateError``."""
        assert self.addon_name is not None
        subject, text, html = (str(self.cleaned_data.get(field) or "") for field in FIELDS.values())
        zone = preview_zone()
        context = sample_context(currency=preview_currency(), today=preview_today(), timezone=zone)
        locale = self.preview_locale()
        language = get_language() or i18n.DEFAULT_LANGUAGE
        previews = []
        for sample, label in samples(self.addon_name):
            rendered = render_sample(self.addon_name, subject, text, html, context=context, timezone=zone,
                                     locale=locale, sample=sample)
            previews.append({"subject": rendered.subject, "body": rendered.text, "html": rendered.html, "sms": "",
                             "label": i18n.translate(language, label) if label else ""})
        return previews


class InvoiceEmailUpdateView(OscarUpdateView):
    """Oscar's email editor with ``InvoiceEmailForm``; the add-on's types preview their sample."""

    form_class = InvoiceEmailForm

    def _addon_name(self) -> str | None:
        return addon_template_name(getattr(self.object, "code", None))

    def get_template_names(self) -> list[str]:
        if self._addon_name() is None:
            return list(super().get_template_names())
        return ["oro_invoices_oscar/email_editor.html"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx: dict[str, Any] = super().get_context_data(**kwargs)
        name = self._addon_name()
        if name is not None:
            ctx["template_help"] = template_help(name)
        return ctx

    def _preview(self, form: InvoiceEmailForm) -> dict[str, Any]:
        ctx: dict[str, Any] = super().get_context_data()
        ctx["form"] = form
        try:
            ctx["previews"] = form.addon_previews()
        except EmailTemplateError as exc:
            form.add_error(None, i18n.translate(get_language() or i18n.DEFAULT_LANGUAGE, exc.message))
            return ctx
        ctx["preview"] = ctx["previews"][0]  # what Oscar's page tests to show its Preview tab
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
            self._send(form, ctx["previews"])
        return self.render_to_response(ctx)

    def _send(self, form: InvoiceEmailForm, previews: list[dict[str, str]]) -> None:
        email = form.cleaned_data["preview_email"]
        for preview in previews:
            message = EmailMultiAlternatives(preview["subject"], preview["body"], to=[email])
            message.attach_alternative(preview["html"], "text/html")
            message.send()
        # Oscar's own message for its own email types, so its catalogs say it in the admin's
        # language (the alias keeps it out of the add-on's catalogs)
        messages.success(self.request, djangos_gettext("A preview email has been sent to %s") % email)
