"""Invoice PDFs: a Jinja2 template (autoescaped) laid out by WeasyPrint.

Per process there is one ``FontConfiguration`` and one parsed stylesheet per
(stylesheet text, page size): building them per render is slow and leaks
memory. Nothing is fetched from outside while rendering (see ``fetcher``).
The same invoice renders to the same bytes: the PDF dates come from the
invoice (``posted_at``, else ``updated_at``), never from the clock.
"""
from __future__ import annotations

import atexit
import concurrent.futures
import datetime as dt
import gc
import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from oro_invoices import i18n
from oro_invoices.documents.assets import check_payment_url, logo_data_uri, qr_data_uri
from oro_invoices.documents.fetcher import DataOnlyURLFetcher
from oro_invoices.documents.page_words import localize_stylesheet
from oro_invoices.domain.aging import BUCKETS
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.invoice import Address, InvoiceDocument, SellerInfo
from oro_invoices.formatting import Formatter
from oro_invoices.persistence.received_payments import ReceivedPayment, receipt_number

TEMPLATES_DIR = os.path.join(os.path.dirname(__file__), "templates")
TEMPLATE_NAME = "invoice.html"
#: The receipt of one payment (or refund) of an invoice, laid out with the same stylesheet.
RECEIPT_TEMPLATE_NAME = "receipt.html"
#: A customer's statement of account (``services.statement``), laid out with the same stylesheet.
STATEMENT_TEMPLATE_NAME = "statement.html"
#: A customer's activity statement (balance forward); extends the statement's page.
ACTIVITY_TEMPLATE_NAME = "activity.html"
#: An organization's receivables aging.
AGING_TEMPLATE_NAME = "aging.html"
STYLESHEET_NAME = "invoice.css"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}  # configuration value → CSS page size
PDFA_VARIANT = "pdf/a-3b"
ACCESSIBLE_VARIANT = "pdf/ua-1"  # tagged, with the PDF/UA identification in its metadata

_lock = threading.RLock()  # WeasyPrint with a shared font configuration is not thread-safe
_font_config: FontConfiguration | None = None
_stylesheets: dict[tuple[str, str], list[CSS]] = {}
_user_agent: CSS | None = None
USER_AGENT_STYLESHEET = os.path.join(TEMPLATES_DIR, "user_agent.css")
_gc_pauses = 0
_gc_was_enabled = True


def _reset_after_fork() -> None:
    global _lock, _gc_pauses
    _lock, _gc_pauses = threading.RLock(), 0  # a lock held by another parent thread stays held


def release_caches() -> None:
    """Drop the cached stylesheets and font configuration (also done at exit).

    Left to interpreter teardown, Pango objects cached by the font configuration
    can be freed after their font map and crash the process on exit.
    """
    global _font_config, _user_agent
    with _lock:
        _stylesheets.clear()
        _font_config = _user_agent = None
    gc.collect()


os.register_at_fork(after_in_child=_reset_after_fork)
atexit.register(release_caches)


def check_page_size(page_size: str) -> str:
    """The CSS page size for a configured one ("A4", "Letter"), or ConfigurationError."""
    try:
        return PAGE_SIZES[str(page_size).strip().lower()]
    except KeyError:
        raise ConfigurationError(
            f"Unknown PDF page size {page_size!r}; use 'A4' or 'Letter'.") from None


def font_config() -> FontConfiguration:
    """This process's single font configuration."""
    global _font_config
    with _lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        return _font_config


def user_agent_stylesheet() -> CSS:
    """The lean user-agent stylesheet of invoice documents, parsed once per process."""
    global _user_agent
    with _lock:
        if _user_agent is None:
            _user_agent = CSS(filename=USER_AGENT_STYLESHEET, url_fetcher=DataOnlyURLFetcher(),
                              font_config=font_config())
        return _user_agent


class InvoiceHTML(HTML):  # type: ignore[misc]  # weasyprint has no type hints
    """An HTML document styled with ``user_agent.css`` instead of WeasyPrint's full HTML5 one."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [user_agent_stylesheet()]


def stylesheets(css_text: str, page_size: str) -> list[CSS]:
    """The parsed stylesheets for ``css_text`` on ``page_size`` paper, parsed once per process."""
    size = check_page_size(page_size)
    key = (hashlib.sha256(css_text.encode()).hexdigest(), size)
    with _lock:
        cached = _stylesheets.get(key)
        if cached is None:
            fetcher, fonts = DataOnlyURLFetcher(), font_config()
            cached = [CSS(string=css_text, url_fetcher=fetcher, font_config=fonts),
                      CSS(string=f"@page {{ size: {size}; }}", url_fetcher=fetcher, font_config=fonts)]
            _stylesheets[key] = cached
        return cached


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (nested and threads safe), then restore its state."""
    global _gc_pauses, _gc_was_enabled
    with _lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def document_date(invoice: InvoiceDocument) -> str:
    """The PDF's creation date (W3C format, UTC): when the invoice was posted, else last updated."""
    moment = invoice.posted_at or invoice.updated_at
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class PdfRenderer:
    """Renders invoices to PDF bytes.

    ``template_dirs`` are searched in order before the package's own templates
    (host overrides first, then plugin templates); ``invoice.html`` and
    ``invoice.css`` may each be overridden, and the package defaults stay
    reachable as ``oro_invoices/invoice.html`` for ``{% extends %}``.
    """

    def __init__(self, template_dirs: Sequence[str] = (), page_size: str = "A4",
                 locale: str = "en_US", timezone: str = "UTC"):
        self.template_dirs = tuple(os.fspath(d) for d in template_dirs)
        self.page_size = check_page_size(page_size)
        self.formatter = Formatter(locale, timezone)
        self.locale = self.formatter.locale
        self.timezone = str(self.formatter.timezone)
        defaults = jinja2.FileSystemLoader(TEMPLATES_DIR)
        self.loader = jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(list(self.template_dirs)),
            defaults,
            jinja2.PrefixLoader({"oro_invoices": defaults}),
        ])
        self.env = jinja2.Environment(
            loader=self.loader, autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        self.env.filters.update(self.formatter.filters())
        i18n.install(self.env, self.locale)  # the words in the invoice's language (docs/i18n.md)
        self._css_text: str | None = None
        self._variants: dict[tuple[str, str, tuple[str, ...], str], PdfRenderer] = {}

    def __repr__(self) -> str:
        return (f"PdfRenderer(template_dirs={list(self.template_dirs)!r}, "
                f"page_size={self.page_size!r}, locale={self.locale!r}, timezone={self.timezone!r})")

    @property
    def css_text(self) -> str:
        """The stylesheet source, found along the same lookup order as the template."""
        if self._css_text is None:
            self._css_text = localize_stylesheet(self.loader.get_source(self.env, STYLESHEET_NAME)[0],
                                                 i18n.language_of(self.locale))
        return self._css_text

    def variant(self, *, page_size: str | None = None, locale: str | None = None,
                extra_template_dirs: Sequence[str] = (), timezone: str | None = None) -> PdfRenderer:
        """A renderer like this one for another page size, locale or time zone, with plugin
        template directories searched after this one's (host overrides first). Variants are cached."""
        key = (page_size or self.page_size, locale or self.locale,
               tuple(os.fspath(d) for d in extra_template_dirs), timezone or self.timezone)
        if key == (self.page_size, self.locale, (), self.timezone):
            return self
        if key not in self._variants:
            self._variants[key] = type(self)(self.template_dirs + key[2], page_size=key[0],
                                             locale=key[1], timezone=key[3])
        return self._variants[key]

    def warm(self) -> None:
        """Build the font configuration and stylesheets and load the fonts once."""
        sheets = stylesheets(self.css_text, self.page_size)
        with _lock:
            InvoiceHTML(string="<p>0</p>", url_fetcher=DataOnlyURLFetcher()).write_pdf(
                stylesheets=sheets, font_config=font_config())

    def html(self, invoice: InvoiceDocument, *, payment_url: str | None = None,
             logo: bytes | None = None, extra_context: Mapping[str, Any] | None = None) -> str:
        """The invoice as HTML, exactly as it is given to WeasyPrint.

        ``payment_url`` is printed with its QR code; None prints none (the caller decides
        whether the invoice can be paid, see ``services.checkout``).
        """
        payment_url = check_payment_url(payment_url)
        extra = dict(extra_context or {})
        context: dict[str, Any] = {
            **extra,
            "extra": extra,
            "invoice": invoice,
            "seller": invoice.seller,
            "number": invoice.display_number,
            "posted": invoice.is_posted,
            "payment_url": payment_url,
            "qr_uri": qr_data_uri(payment_url) if payment_url else None,
            "logo_uri": logo_data_uri(logo),
            "page_size": self.page_size,
            "locale": self.locale,
            "lang": self.locale.replace("_", "-"),
            "document_date": document_date(invoice),
        }
        return self.env.get_template(TEMPLATE_NAME).render(context)

    def render(self, invoice: InvoiceDocument, *, payment_url: str | None = None,
               logo: bytes | None = None, extra_context: Mapping[str, Any] | None = None,
               pdf_variant: str | None = None) -> bytes:
        """The invoice as PDF bytes (deterministic for the same invoice and arguments).

        ``pdf_variant``: a WeasyPrint variant such as ``"pdf/a-3b"`` (fonts are always embedded);
        by default a PDF/UA-1. Every variant is tagged (structure tree, ``<html lang>`` as the
        document language, the ``<title>`` shown as the window title) for screen readers.
        """
        sheets = stylesheets(self.css_text, self.page_size)
        fetcher = DataOnlyURLFetcher()
        options: dict[str, Any] = {"pdf_variant": pdf_variant or ACCESSIBLE_VARIANT, "pdf_tags": True}
        with _lock, gc_paused():
            source = self.html(invoice, payment_url=payment_url, logo=logo, extra_context=extra_context)
            document = InvoiceHTML(string=source, url_fetcher=fetcher)
            pdf: bytes = document.write_pdf(stylesheets=sheets, font_config=font_config(), **options)
            return pdf

    def receipt_html(self, invoice: InvoiceDocument, payment: ReceivedPayment, *,
                     logo: bytes | None = None, extra_context: Mapping[str, Any] | None = None) -> str:
        """The receipt of ``payment`` (a payment or refund of ``invoice``) as HTML for WeasyPrint."""
        extra = dict(extra_context or {})
        moment = payment.received_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        context: dict[str, Any] = {
            **extra, "extra": extra, "invoice": invoice, "seller": invoice.seller, "payment": payment,
            "number": receipt_number(invoice.display_number, payment.transaction_id), "posted": True, "payment_url": None, "qr_uri": None,
            "logo_uri": logo_data_uri(logo),
            "page_size": self.page_size, "locale": self.locale, "lang": self.locale.replace("_", "-"),
            "document_date": moment,
        }
        return self.env.get_template(RECEIPT_TEMPLATE_NAME).render(context)

    def render_receipt(self, invoice: InvoiceDocument, payment: ReceivedPayment, *,
                       logo: bytes | None = None, extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The receipt of ``payment`` as a tagged PDF/UA-1 (the same bytes for the same payment:
        its dates are the payment's, never the clock's)."""
        sheets = stylesheets(self.css_text, self.page_size)
        with _lock, gc_paused():
            source = self.receipt_html(invoice, payment, logo=logo, extra_context=extra_context)
            document = InvoiceHTML(string=source, url_fetcher=DataOnlyURLFetcher())
            pdf: bytes = document.write_pdf(stylesheets=sheets, font_config=font_config(),
                                            pdf_variant=ACCESSIBLE_VARIANT, pdf_tags=True)
            return pdf

    def statement_html(self, statement: Any, *, seller: SellerInfo, bill_to: Address | None = None,
                       logo: bytes | None = None, extra_context: Mapping[str, Any] | None = None) -> str:
        """A customer's statement (``services.statement.Statement``) as HTML for WeasyPrint:
        ``seller`` heads it, ``bill_to`` (None: the customer's name) is whom it is addressed to."""
        extra = dict(extra_context or {})
        context: dict[str, Any] = {
            **extra, "extra": extra, "statement": statement, "buckets": BUCKETS, "invoice": None,
            "seller": seller, "bill_to": bill_to, "number": "", "posted": True, "payment_url": None,
            "qr_uri": None, "logo_uri": logo_data_uri(logo), "page_size": self.page_size, "locale": self.locale,
            "lang": self.locale.replace("_", "-"),
            "document_date": f"{statement.as_of.isoformat()}T00:00:00+00:00",
        }
        return self.env.get_template(STATEMENT_TEMPLATE_NAME).render(context)

    def render_statement(self, statement: Any, *, seller: SellerInfo, bill_to: Address | None = None,
                         logo: bytes | None = None, extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The statement as a tagged PDF/UA-1 (the same bytes for the same statement: its date is
        the statement's day, never the clock's)."""
        return self._accessible(lambda: self.statement_html(statement, seller=seller, bill_to=bill_to, logo=logo,
                                                            extra_context=extra_context))

    def activity_html(self, activity: Any, *, seller: SellerInfo, bill_to: Address | None = None,
                      logo: bytes | None = None, extra_context: Mapping[str, Any] | None = None) -> str:
        """A customer's activity statement (``services.activity_statement.ActivityStatement``) as
        HTML for WeasyPrint, headed and addressed as the statement is."""
        extra = dict(extra_context or {})
        context: dict[str, Any] = {
            **extra, "extra": extra, "activity": activity, "statement": None, "invoice": None, "seller": seller,
            "bill_to": bill_to,
            "number": "", "posted": True, "payment_url": None, "qr_uri": None, "logo_uri": logo_data_uri(logo),
            "page_size": self.page_size, "locale": self.locale, "lang": self.locale.replace("_", "-"),
            "document_date": f"{activity.end.isoformat()}T00:00:00+00:00",
        }
        return self.env.get_template(ACTIVITY_TEMPLATE_NAME).render(context)

    def render_activity(self, activity: Any, *, seller: SellerInfo, bill_to: Address | None = None,
                        logo: bytes | None = None, extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The activity statement as a tagged PDF/UA-1, dated its period's last day."""
        return self._accessible(lambda: self.activity_html(activity, seller=seller, bill_to=bill_to, logo=logo,
                                                           extra_context=extra_context))

    def aging_html(self, report: Any, *, seller: SellerInfo, past: bool = False, logo: bytes | None = None,
                   extra_context: Mapping[str, Any] | None = None) -> str:
        """An organization's receivables aging (``services.aging.AgingReport``) as HTML for
        WeasyPrint, headed by ``seller``; ``past``: the report is of a past day's end."""
        extra = dict(extra_context or {})
        context: dict[str, Any] = {
            **extra, "extra": extra, "report": report, "past": past, "buckets": BUCKETS, "invoice": None,
            "statement": None, "activity": None, "seller": seller, "bill_to": None, "number": "", "posted": True,
            "payment_url": None, "qr_uri": None, "logo_uri": logo_data_uri(logo), "page_size": self.page_size,
            "locale": self.locale, "lang": self.locale.replace("_", "-"),
            "document_date": f"{report.as_of.isoformat()}T00:00:00+00:00",
        }
        return self.env.get_template(AGING_TEMPLATE_NAME).render(context)

    def render_aging(self, report: Any, *, seller: SellerInfo, past: bool = False, logo: bytes | None = None,
                     extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The receivables aging as a tagged PDF/UA-1, dated its day."""
        return self._accessible(lambda: self.aging_html(report, seller=seller, past=past, logo=logo,
                                                        extra_context=extra_context))

    def _accessible(self, html: Callable[[], str]) -> bytes:
        """The HTML ``html`` makes (a statement's) as a tagged PDF/UA-1."""
        sheets = stylesheets(self.css_text, self.page_size)
        with _lock, gc_paused():
            document = InvoiceHTML(string=html(), url_fetcher=DataOnlyURLFetcher())
            pdf: bytes = document.write_pdf(stylesheets=sheets, font_config=font_config(),
                                            pdf_variant=ACCESSIBLE_VARIANT, pdf_tags=True)
            return pdf

    def render_archival(self, invoice: InvoiceDocument, *, payment_url: str | None = None,
                        extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The invoice as a PDF/A-3b, the archival PDF an e-invoice's XML is attached to."""
        return self.render(invoice, payment_url=payment_url, extra_context=extra_context,
                           pdf_variant=PDFA_VARIANT)

    def render_batch(self, invoices: Sequence[InvoiceDocument], *, workers: int = 2,
                     payment_urls: Sequence[str | None] | None = None,
                     mp_context: Any = None, **kwargs: Any) -> list[bytes]:
        """Render many invoices in ``workers`` processes; results keep the input order.

        ``payment_urls`` gives each invoice its own link; ``kwargs`` (``logo``,
        ``extra_context``) apply to all of them and must be picklable.
        """
        invoices = list(invoices)
        urls = list(payment_urls) if payment_urls is not None else [None] * len(invoices)
        if len(urls) != len(invoices):
            raise ValueError("payment_urls must give one entry per invoice.")
        jobs = [(invoice, url, kwargs) for invoice, url in zip(invoices, urls)]
        if workers <= 1 or len(jobs) <= 1:
            return [self.render(inv, payment_url=url, **kw) for inv, url, kw in jobs]
        chunk = max(1, min(16, len(jobs) // (workers * 4)))
        with concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=mp_context, initializer=_init_worker,
                initargs=(self.template_dirs, self.page_size, self.locale, self.timezone)) as pool:
            return list(pool.map(_render_job, jobs, chunksize=chunk))


def render_batch(invoices: Sequence[InvoiceDocument], *, workers: int = 2,
                 template_dirs: Sequence[str] = (), page_size: str = "A4",
                 locale: str = "en_US", **kwargs: Any) -> list[bytes]:
    """Render many invoices in parallel processes (see ``PdfRenderer.render_batch``)."""
    renderer = PdfRenderer(template_dirs, page_size=page_size, locale=locale)
    return renderer.render_batch(invoices, workers=workers, **kwargs)


_worker: PdfRenderer | None = None


def _init_worker(template_dirs: Sequence[str], page_size: str, locale: str, timezone: str) -> None:
    global _worker
    _worker = PdfRenderer(template_dirs, page_size=page_size, locale=locale, timezone=timezone)
    _worker.warm()


def _render_job(job: tuple[InvoiceDocument, str | None, dict[str, Any]]) -> bytes:
    invoice, url, kwargs = job
    assert _worker is not None, "worker not initialised"
    return _worker.render(invoice, payment_url=url, **kwargs)
