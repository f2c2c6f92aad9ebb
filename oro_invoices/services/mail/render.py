"""Email templates as data, rendered in a Jinja2 sandbox.

A template is three strings: ``subject``, ``html`` and ``text``. The package
defaults live in ``mail/templates/<name>.{subject,html,txt}``; the host's
email-template store may return an admin-edited version instead. Every
template, default or edited, is rendered in an ``ImmutableSandboxedEnvironment``:
the HTML body with autoescape on, the subject and text body without HTML
escaping (but still sandboxed). Unsafe attribute access (``__class__``,
``__mro__`` …) raises ``EmailTemplateError`` instead of rendering.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from oro_invoices import i18n
from oro_invoices.domain.errors import InvoiceError
from oro_invoices.domain.messages import Message
from oro_invoices.formatting import Formatter
from oro_invoices.i18n import N_

TEMPLATE_DIR = Path(__file__).parent / "templates"
BUILTIN_VARIABLES = ("invoice", "payment_url", "seller")
_NAME = re.compile(r"[A-Za-z0-9_.-]+")


#: What people read for the shipped templates' names; another name reads as its words.
TEMPLATE_LABELS = {
    "invoice_notification_template": N_("Invoice notification"),
    "invoice_reminder_template": N_("Payment reminder"),
    "credit_note_notification_template": N_("Credit note notification"),
    "payment_receipt_template": N_("Payment receipt"),
    "refund_receipt_template": N_("Refund receipt"),
    "customer_statement_template": N_("Customer statement"),
    "customer_activity_template": N_("Customer account activity"),
    "aging_report_template": N_("Aging Report"),
}


def template_label(name: str) -> str:
    """``invoice_reminder_template`` → "Payment reminder"; ``late_fee_notice`` → "Late fee notice"."""
    if name in TEMPLATE_LABELS:
        return TEMPLATE_LABELS[name]
    words = name.removesuffix("_template").replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def end_sentence(text: Any) -> str:
    """``text`` ending a sentence: a full stop added unless it already ends with one
    ("Sakura K.K." stays as it is, never "Sakura K.K..")."""
    value = str(text).rstrip()
    return value if value.endswith((".", "!", "?", "…", "。")) else value + "."


_DOUBLE_STOP = re.compile(r"(?<!\.)([.!?…。])\.(?!\.)")


def single_stops(text: Any) -> Any:
    """``text`` without a full stop doubled by a name that ends with one
    ("… from Sakura K.K.." becomes "… from Sakura K.K."); markup stays markup."""
    squashed = _DOUBLE_STOP.sub(r"\1", str(text))
    return Markup(squashed) if isinstance(text, Markup) else squashed


def strong(value: Any) -> Markup:
    """``value`` emphasised in an HTML email (escaped; a placeholder of a translated sentence)."""
    return Markup("<strong>{}</strong>").format(value)


class EmailTemplateError(InvoiceError):
    """An email template does not exist, does not compile, or tried something unsafe."""


@dataclass(frozen=True)
class TemplateSource:
    """An email template as data."""

    name: str
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def default_names() -> list[str]:
    """Names of the templates shipped with the package."""
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.subject"))


def load_default(name: str) -> TemplateSource | None:
    """The package's own version of template ``name``, or None."""
    if not _NAME.fullmatch(name or ""):
        return None
    paths = {part: TEMPLATE_DIR / f"{name}.{ext}"
             for part, ext in (("subject", "subject"), ("html", "html"), ("text", "txt"))}
    if not paths["subject"].is_file():
        return None
    read = {part: (p.read_text(encoding="utf-8") if p.is_file() else "") for part, p in paths.items()}
    return TemplateSource(name=name, **read)


def as_source(name: str, template: Any) -> TemplateSource:
    """Accept any object with ``subject``, ``html`` and ``text`` (the host's EmailTemplate)."""
    return TemplateSource(name=name, subject=getattr(template, "subject", "") or "",
                          html=getattr(template, "html", "") or "",
                          text=getattr(template, "text", "") or "")


class TemplateRenderer:
    """Renders template sources with the locale's money and date filters."""

    def __init__(self, filters: Mapping[str, Any] | None = None, locale: str = "en_US",
                 values: Callable[[Any], str] | None = None) -> None:
        """``values`` writes the amounts, dates and times in the messages a template shows (a reason
        made elsewhere, say) as the locale writes them (``Formatter.value``)."""
        self.locale, self.values = locale, values
        common = dict(undefined=jinja2.Undefined, trim_blocks=False, keep_trailing_newline=True)
        self.html_env = ImmutableSandboxedEnvironment(autoescape=True, **common)
        self.text_env = ImmutableSandboxedEnvironment(autoescape=False, **common)
        for env in (self.html_env, self.text_env):
            env.filters["end_sentence"] = end_sentence
            env.filters["single_stops"] = single_stops
            env.filters.update(filters or {})
            i18n.install(env, locale)  # the words in the invoice's language (docs/i18n.md)
        self.html_env.filters["strong"] = strong
        self.html_env.globals["lang"] = i18n.language_of(locale)  # the language of the words
        self.text_env.filters["strong"] = str

    def render(self, source: TemplateSource, context: Mapping[str, Any]) -> RenderedEmail:
        """Subject (one line, whitespace collapsed), HTML body and text body."""
        with i18n.using(self.locale, self.values):
            subject = self._render(self.text_env, source.name, "subject", source.subject, context)
            return RenderedEmail(
                subject=" ".join(subject.split()),
                html=self._render(self.html_env, source.name, "html", source.html, context),
                text=self._render(self.text_env, source.name, "text", source.text, context))

    @staticmethod
    def _render(env: jinja2.Environment, name: str, part: str, source: str,
                context: Mapping[str, Any]) -> str:
        if not source:
            return ""
        try:
            return env.from_string(source).render(dict(context))
        except SecurityError as exc:
            raise EmailTemplateError(Message(
                "Email template %(name)s (%(part)s) tried something that is not allowed: %(reason)s. "
                "Templates may only read the invoice's fields, payment_url and seller.",
                name=repr(name), part=part, reason=str(exc).rstrip("."))) from None
        except jinja2.TemplateSyntaxError as exc:
            raise EmailTemplateError(Message(
                "Email template %(name)s (%(part)s) has a syntax error on line %(line)s: %(reason)s.",
                name=repr(name), part=part, line=str(exc.lineno), reason=(exc.message or "").rstrip("."))) from None
        except jinja2.TemplateError as exc:
            raise EmailTemplateError(Message("Email template %(name)s (%(part)s) failed: %(reason)s.",
                                             name=repr(name), part=part, reason=str(exc))) from None
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            raise EmailTemplateError(Message("Email template %(name)s (%(part)s) failed: %(reason)s.",
                                             name=repr(name), part=part,
                                             reason=f"{type(exc).__name__}: {exc}")) from None


def email_renderer(locale: str, timezone: str) -> TemplateRenderer:
    """The renderer of an email in ``locale``'s words and formats and ``timezone``'s times: its
    filters and the writer of its messages' values are one ``Formatter``'s, as every email
    (``MailService.renderer_for``) and a template's sample (``checking.render_sample``) have it."""
    formatter = Formatter(locale, timezone)
    return TemplateRenderer(formatter.filters(), locale=locale, values=formatter.value)
