"""Back-office pages: Sales > Invoices grid and the invoice view page.

The actions on the view page (notes, delete, Send to Customer, email,
download) are in ``backoffice_actions``, the order page's Invoices tab in
``backoffice_orders``. Every handler runs ``guard.check`` first: the invoices
feature for the admin's organization, an admin login, and the
``oro_invoices.view`` permission.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from markupsafe import Markup, escape

from oro_invoices.adapters.commerce import customer_users_of
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import NotFound
from oro_invoices.domain.invoice import PAYMENT_STATUS_LABELS, InvoiceDocument
from oro_invoices.domain.limits import is_storable_text, parse_id
from oro_invoices.domain.money import KNOWN_CURRENCIES
from oro_invoices.domain.posting import seller_gap, terms_gap
from oro_invoices.i18n import _
from oro_invoices.integration import features
from oro_invoices.persistence.queries import NAME_PREFIX_MAX, InvoiceFilter
from oro_invoices.services.pdf_backlog import pdfs_being_prepared
from oro_invoices.services.reminders import ENABLED_SETTING as REMINDERS_ENABLED
from oro_invoices.services.reminders import customer_reminders
from oro_invoices.web import grid_columns, guard, listing
from oro_invoices.web.context import WebContext
from oro_invoices.web.grid_rows import grid_rows
from oro_invoices.web.http import Request, Response
from oro_invoices.web.language import document_title

GRID_SORTS = ("invoice_number", "invoice_date", "customer_name", "total_amount", "currency",
              "payment_status", "customer_user", "website", "document_type", "payment_method",
              "external_payment_url")
#: The grid's order when the link names none: newest first.
GRID_DEFAULT_SORT = "-invoice_date"
GRID_FILTERS = ("number", "date", "customer", "payment_status", "status", "overdue", "document_type",
                "external_id", "customer_user", "website", "currency", "total")
ENDPOINT_VIEW = "oro_invoices.admin.view"


def _no_column() -> str:
    """Why a choice of no column is refused (in the language of the request)."""
    return _("Choose at least one column to show; your columns were not changed.")


#: How many names the Customer filter suggests.
CUSTOMER_NAMES_LIMIT = 20


@functools.cache
def _currency_option_tags() -> str:
    return "".join(f'<option value="{escape(code)}">{escape(code)}</option>' for code in sorted(KNOWN_CURRENCIES))


def currency_options(chosen: str | None) -> Markup:
    """The grid's Currency filter options, every known currency code with ``chosen`` selected
    (written once per process: some 300 options, which the template would write per page)."""
    tags = _currency_option_tags()
    if chosen in KNOWN_CURRENCIES:
        option = f'<option value="{escape(chosen)}">'
        tags = tags.replace(option, f'{option[:-1]} selected>', 1)
    return Markup(tags)


def choice_options(choices: Iterable[tuple[int, str]], chosen: str | None) -> Markup:
    """The ``<option>``s of a filter that lists (id, name) choices (the grid's Customer and
    Website, the storefront's Customer), the one whose id is ``chosen`` selected (written in
    Python: up to 200 options a page, each a few template calls)."""
    return Markup("".join(
        f'<option value="{escape(cid)}" {"selected" if chosen == str(cid) else ""}>{escape(name)}</option>'
        for cid, name in choices))



def name_suggestions(req: Request, names_starting: Callable[[str], list[str]]) -> Response:
    """A Customer field's suggestions for ``?q=`` (``data-oi-suggest``): ``{"names": [...]}``,
    those ``names_starting`` gives (none for no text); text over ``NAME_PREFIX_MAX`` characters,
    or holding a NUL, is refused (422), saying which."""
    prefix = (req.query.get("q") or "").strip()
    message = (_("Must not contain NUL or unpaired surrogate characters.") if not is_storable_text(prefix)
               else _("Give at most %(count)s characters of the customer's name.", count=NAME_PREFIX_MAX)
               if len(prefix) > NAME_PREFIX_MAX else None)
    if message is not None:
        return Response.json({"errors": [{"field": "q", "message": message}]}, status=422)
    names = names_starting(prefix) if prefix else []
    return Response.json({"names": names}, headers={"Cache-Control": "private, no-store"})


def grid_return(value: object) -> str:
    """The grid's query a page goes back to (``?status=posted``), or "" for anything else: an
    address elsewhere, or a value holding a control character (never a query of the grid's, and a
    line break may not reach a ``Location`` header)."""
    text = str(value or "")
    if not text.startswith("?") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return ""
    return text

class BackOffice:
    """Read-only back-office pages."""

    def __init__(self, ctx: WebContext):
        self.ctx = ctx

    # -- helpers shared with the actions ----------------------------------------------
    def check(self, req: Request, permission: str = "oro_invoices.view") -> None:
        guard.check(self.ctx, req, feature=features.INVOICES, scope=self.ctx.backoffice_scope(req),
                    user_kind="admin", permission=permission)

    def base_filter(self, req: Request) -> InvoiceFilter:
        """Admins see the invoices of their organization (all, when they have none), judged
        overdue on the day of its books (``InvoiceService.books_today``), as the grid's badges are."""
        organization_id = getattr(req.user, "organization_id", None)
        return InvoiceFilter(organization_id=organization_id,
                             today=self.ctx.service.books_today(ScopeContext(organization_id=organization_id)))

    def load(self, req: Request, invoice_id: Any) -> InvoiceDocument:
        """The invoice, or NotFound when it is not in the admin's organization."""
        number = parse_id(invoice_id)
        if number is None:
            raise NotFound(_("That invoice does not exist."))
        doc = self.ctx.service.get(number)
        org = getattr(req.user, "organization_id", None)
        if org is not None and doc.organization_id != org:
            raise NotFound(_("Invoice %(id)s does not exist.", id=invoice_id))
        return doc

    def _reminders_stopped(self, doc: InvoiceDocument, customer_group: Callable[[], int | None]) -> bool:
        """Whether the payment reminders of the invoice's customer (of the group ``customer_group``
        gives) are off for them (or their group) alone: the view page says so where it lists the
        reminders sent. Where reminders are off for the invoice's website nothing is stopped for
        the customer alone, and their group is not looked up."""
        if not doc.is_posted or doc.customer_id is None:
            return False
        website = ScopeContext(organization_id=doc.organization_id, website_id=doc.website_id)
        if not self.ctx.settings.resolve(REMINDERS_ENABLED, website).value:
            return False
        return customer_reminders(self.ctx.settings, doc.organization_id, doc.customer_id, customer_group(),
                                  website_id=doc.website_id).opted_out

    def _viewed(self, req: Request) -> tuple[InvoiceDocument | None, Callable[[], int | None] | None]:
        """The invoice a signed-in admin's view page asks for and its customer's group, read before
        the page's checks, which read the settings: those of the customer (and group) are then read
        with them, in one statement (the page's "reminders are stopped" notice needs them). Nothing
        for anyone else, or an invoice they may not see: ``load`` and the checks refuse them."""
        if getattr(req.user, "kind", None) != "admin":
            return None, None
        number = parse_id(req.path_params.get("invoice_id"))
        try:
            doc = None if number is None else self.ctx.service.get(number)
        except NotFound:
            return None, None
        org = getattr(req.user, "organization_id", None)
        if doc is None or (org is not None and doc.organization_id != org):
            return None, None
        if not doc.is_posted or doc.customer_id is None:
            return doc, None
        group = self.ctx.service.context.customer_group_of(doc.customer_id)
        self.ctx.settings.expect(ScopeContext(organization_id=doc.organization_id, website_id=doc.website_id,
                                              customer_id=doc.customer_id, customer_group_id=group))
        return doc, lambda: group

    def names(self) -> _Names:
        return _Names(self.ctx)

    # -- pages ------------------------------------------------------------------------
    def index(self, req: Request) -> Response:
        """Sales > Invoices: filters, sortable headers, the total, keyset paging with first and
        last page, the page size and the admin's columns. A bad filter value is shown next
        to its field (status 422) over the grid of the valid ones."""
        self.check(req)
        query = req.query
        # a choice of no column was just refused (save_columns): said beside the chooser, opened
        columns_error = _no_column() if grid_columns.take_refused(req) else ""
        all_columns = grid_columns.columns()
        base = self.base_filter(req)
        today = base.today
        assert today is not None    # base_filter's: the organization's books' day
        page = listing.load_page(self.ctx.service, base, query,
                                 allowed_filters=GRID_FILTERS, sort_keys=GRID_SORTS,
                                 default_sort=GRID_DEFAULT_SORT, limit=self.ctx.page_size,
                                 inline_errors=True, count=True, currency_sorts=listing.CURRENCY_SORTS,
                                 typed=self.ctx.page_formatter(req).typed_number,
                                 sort_labels={c.sort: c.label for c in all_columns if c.sort})
        if page.gone:  # a Next/Previous link whose rows have gone since: start again, saying why
            return Response.redirect(self.ctx.url_for("oro_invoices.admin.index") + page.link(), flashes=[
                ("error", _("This page link is damaged or out of date; here is the first page."))])
        shown = set(grid_columns.chosen(self.ctx, req))
        if query.get("show_payment_method") == "1":  # the old link still shows the column
            shown.add("payment_method")
            page.query["show_payment_method"] = "1"
        scope = self.ctx.backoffice_scope(req)
        customers = self._customer_choices(req, scope)
        websites = self.ctx.website_choices(scope) if self.ctx.website_choices is not None else None
        names = self.names()
        names.prefetch(page.items)
        pdf_pending = pdfs_being_prepared(self.ctx.service, page.items)
        can_delete = req.can("oro_invoices.delete")
        html = self.ctx.render(
            "admin/grid.html", req, written={"rows": lambda: grid_rows(
                self.ctx, page.items, names, pdf_pending=pdf_pending, can_delete=can_delete,
                today=today)},
            page=page, names=names, shown=shown,
            columns=all_columns, columns_error=columns_error, page_sizes=listing.page_sizes(self.ctx.page_size),
            currency_sorts=listing.CURRENCY_SORTS,
            currency_options=currency_options(page.query.get("currency")),
            statuses=PAYMENT_STATUS_LABELS,
            customer_options=None if customers is None else choice_options(customers, page.query.get("customer")),
            customer_filter=self._customer_filter(req, page.query.get("customer"), customers),
            website_options=None if websites is None else choice_options(websites, page.query.get("website")),
            can_delete=can_delete, can_send=req.can("oro_invoices.send"), pdf_pending=pdf_pending,
            can_record_payments=req.can("oro_invoices.manage_payments"),
            can_match_bank=req.can("oro_invoices.manage_payments") and getattr(req.user, "organization_id", None)
            is not None,
            # filtered to one customer (the list's choice, or the Aging Report's link): their statement
            statement_customer=None if "customer" in page.errors else parse_id(page.query.get("customer") or ""),
            can_import=req.can("oro_invoices.import") and getattr(req.user, "organization_id", None) is not None)
        return Response.html(html, status=422 if page.errors else 200, title=_("Invoices"))

    def save_columns(self, req: Request) -> Response:
        """The column chooser: remember the admin's columns, then back to the grid as it was. A
        choice of no column (the grid would show only its View links) is refused, the columns
        left as they were: back on the grid the chooser is open and says why (an error message
        at the top of the page where the host keeps no session)."""
        self.check(req)
        back = grid_return(req.form.get("return", ""))
        keys = req.form_lists.get("columns", [])
        reset = req.form.get("reset") == "1"
        if not reset and not grid_columns.known(keys):
            flashes = [] if grid_columns.mark_refused(req) else [("error", _no_column())]
            return Response.redirect(self.ctx.url_for("oro_invoices.admin.index") + back, flashes=flashes)
        saved = grid_columns.remember(self.ctx, req, keys, reset=reset)
        flash = ("success", _("Columns saved.")) if saved else \
            ("error", _("Your columns cannot be remembered: the shop gives your login no id."))
        return Response.redirect(self.ctx.url_for("oro_invoices.admin.index") + back, flashes=[flash])

    def _customer_choices(self, req: Request, scope: ScopeContext) -> list[tuple[int, str]] | None:
        choices = getattr(self.ctx, "customer_choices", None)
        return choices(scope) if callable(choices) else None

    def _customer_filter(self, req: Request, value: str | None,
                         choices: list[tuple[int, str]] | None) -> dict[str, Any] | None:
        """What the active Customer filter selects, for its summary: the customer an id names
        (``name``), or the start of a name (``prefix``) and the names it matches for the field's
        suggestions."""
        if not value:
            return None
        customer_id = parse_id(value)
        if customer_id is None:
            return {"prefix": value, "suggestions": self._names_starting(req, value)}
        name = dict(choices or ()).get(customer_id)
        if name is None:  # a customer of another organization is not named
            customer = self.ctx.host.customers.get_customer(customer_id)
            org = getattr(req.user, "organization_id", None)
            if customer is not None and customer.name and org in (None, customer.organization_id):
                name = customer.name
            else:
                name = f"#{customer_id}"
        return {"name": name}

    def _names_starting(self, req: Request, prefix: str) -> list[str]:
        flt = replace(self.base_filter(req), customer_name_prefix=prefix)
        return list(self.ctx.service.customer_names(flt, limit=CUSTOMER_NAMES_LIMIT))

    def customer_names(self, req: Request) -> Response:
        """The Customer filter's suggestions: ``{"names": [...]}``, up to ``CUSTOMER_NAMES_LIMIT``
        customer names of the admin's organization that start with ``?q=`` (any case), in name
        order. Text over ``NAME_PREFIX_MAX`` characters is refused (422)."""
        self.check(req)
        return name_suggestions(req, lambda prefix: self._names_starting(req, prefix))

    def view(self, req: Request) -> Response:
        """The invoice view page; ``?dialog=`` opens one of its dialogs over it."""
        seen, group = self._viewed(req)
        self.check(req)
        doc = seen or self.load(req, req.path_params.get("invoice_id"))
        return Response.html(self.render_view(req, doc, dialog=req.query.get("dialog", ""), customer_group=group),
                             title=document_title(doc))

    def render_view(self, req: Request, doc: InvoiceDocument, *, dialog: str = "",
                    email: dict[str, Any] | None = None, form_error: str = "",
                    payment_fields: dict[str, str] | None = None,
                    payment_errors: dict[str, str] | None = None, note: dict[str, Any] | None = None,
                    customer_group: Callable[[], int | None] | None = None) -> str:
        """The view page; ``note``: its note forms as ``backoffice_notes.note_form`` gives them (a
        refused note shown again as typed); ``customer_group``: gives the group of its customer when
        the page read it already (else it is looked up here, for a posted invoice with reminders on)."""
        from oro_invoices.web.backoffice_credits import corrections_section
        from oro_invoices.web.backoffice_notes import note_form
        from oro_invoices.web.backoffice_payments import DIALOGS as PAYMENT_DIALOGS
        from oro_invoices.web.backoffice_payments import payment_notice, payments_section
        ctx = self.ctx
        mail = ctx.mail
        history = ctx.service.history(doc.id)
        emails = [] if mail is None else history.emails \
            if getattr(mail, "db", None) is getattr(ctx.service, "db", None) else mail.emails(doc.id)
        dialog_data: dict[str, Any] = {}
        query: Mapping[str, str] = req.query
        if dialog == "email" and not doc.is_posted:  # only a posted invoice is emailed: post it first
            dialog = "send-to-customer"
        elif dialog == "send-to-customer" and doc.is_posted:  # posted meanwhile: only the email is left
            dialog, query = "email", {**req.query, "to_customer": "1"}
        if dialog == "email" and mail is not None:
            from oro_invoices.web.backoffice_actions import email_form
            dialog_data = email or email_form(ctx, doc, query, emails)
        elif dialog not in ("send-to-customer", "delete", *PAYMENT_DIALOGS):
            dialog = ""  # a name the page does not know (or email without mail) is ignored
        transactions = history.transactions
        payments = payments_section(self, req, doc, dialog, payment_fields, errors=payment_errors,
                                    transactions=transactions,
                                    credit=history.customer_credit, activities=history.activities)
        # a dialog asked by a link that no longer applies: the page says why it did not open
        notice = ""
        if dialog in PAYMENT_DIALOGS:
            notice = payment_notice(ctx, dialog, payments)
        elif dialog == "delete" and doc.is_posted:
            notice = _("Invoice %(number)s is posted and cannot be deleted.", number=doc.display_number)
        elif dialog == "delete" and not req.can("oro_invoices.delete"):
            notice = _("Your role may not delete invoices.")
        elif dialog in ("email", "send-to-customer") and not req.can("oro_invoices.send"):
            notice = _("Your role may not send invoices.")
        if notice:
            dialog = ""
        made_on_download = ctx.service.pdf_made_on_download(doc)
        return ctx.render(
            "admin/view.html", req, invoice=doc, names=self.names(),
            notes=history.notes, activities=history.activities,
            note_author_id=getattr(req.user, "id", None), note_form=note or note_form(),
            editing_note=note["note_id"] if note and note["note_id"] else parse_id(req.query.get("edit_note")),
            transactions=transactions, emails=emails, reminders=history.reminders,
            reminders_stopped=self._reminders_stopped(
                doc, customer_group or functools.partial(ctx.service.context.customer_group_of, doc.customer_id)),
            pdf_pending=ctx.service.pdf_pending(doc) or (ctx.service.pdf_awaited(doc) and not made_on_download),
            download=doc.pdf is not None or made_on_download,
            download_xml=ctx.service.offers_xml(doc),
            payment_url=ctx.payment_link(doc) if doc.is_posted else None,
            payment_link_expired=doc.is_posted and ctx.service.guest_link_expired(doc),
            order_url=ctx.order_url(doc.order_id) if doc.order_id else None,
            dialog=dialog, email=dialog_data, form_error=form_error, notice=notice, has_mail=mail is not None,
            **self._posting_gaps(doc),
            sections=ctx.view_sections(doc, "backoffice"),
            can_send=req.can("oro_invoices.send"), can_delete=req.can("oro_invoices.delete"),
            can_note=req.can("oro_invoices.note"),
            **payments, **corrections_section(req, doc, history.corrections))

    def _posting_gaps(self, doc: InvoiceDocument) -> dict[str, Any]:
        """What posting the draft ``doc`` would leave unsaid of its seller, and whether its due
        date gives other days than its customer's terms (nothing for a posted invoice); the
        seller's settings are resolved once for both."""
        if doc.is_posted:
            return {"seller_gap": None, "terms_gap": None}
        seller = self.ctx.service.seller(doc)
        return {"seller_gap": seller_gap(seller), "terms_gap": terms_gap(seller, doc)}


class _Names:
    """Display names from the host, looked up once per page."""

    def __init__(self, ctx: WebContext):
        self.ctx = ctx
        self._users: dict[int, Any] = {}
        self._websites: dict[int, str] = {}

    def prefetch(self, rows: Iterable[Any]) -> None:
        """Look up the customer users of every shown row at once (one query on hosts with
        ``get_customer_users``)."""
        wanted = {row.customer_user_id for row in rows
                  if row.customer_user_id is not None and row.customer_user_id not in self._users}
        found = customer_users_of(self.ctx.host.customers, wanted)
        self._users.update({i: found.get(i) for i in wanted})

    def customer_user(self, user_id: int | None, fallback: str = "") -> str:
        if user_id is None:
            return fallback
        if user_id not in self._users:
            self._users[user_id] = self.ctx.host.customers.get_customer_user(user_id)
        ref = self._users[user_id]
        return ref.name if ref is not None and ref.name else (fallback or f"#{user_id}")

    def website(self, website_id: int | None) -> str:
        if website_id is None:
            return ""
        if website_id not in self._websites:
            self._websites[website_id] = self.ctx.website_name(website_id)
        return self._websites[website_id]
