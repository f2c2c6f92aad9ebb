"""The back-office grid's columns and the column chooser, remembered per admin user.

Each admin's choice is stored server-side (``persistence.grid_columns``), keyed by their
organization and user id, so it follows them from browser to browser and never crosses
tenants. A login session keeps the choice once read, so that a grid page sends no statement
for it (a choice saved in another browser shows there at the next login). Actions is not a
choice: it is always shown.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oro_invoices.i18n import _
from oro_invoices.persistence import grid_columns as stored
from oro_invoices.web.context import WebContext
from oro_invoices.web.http import Request

GRID = "admin.invoices"


@dataclass(frozen=True)
class Column:
    """One column of the grid: its key, header, sort key (None: not sortable) and whether it
    is shown until the admin chooses."""

    key: str
    label: str
    sort: str | None
    default: bool = True


def columns() -> list[Column]:
    """The grid's columns in their order (headers in the current language)."""
    return [
        Column("invoice_number", _("Invoice Number"), "invoice_number"),
        Column("invoice_date", _("Invoice Date"), "invoice_date"),
        Column("document_type", _("Document Type"), "document_type"),
        Column("customer", _("Customer"), "customer_name"),
        Column("customer_user", _("Customer User"), "customer_user"),
        Column("website", _("Website"), "website"),
        Column("total_amount", _("Total Amount"), "total_amount"),
        Column("currency", _("Currency"), "currency"),
        Column("payment_status", _("Payment Status"), "payment_status"),
        Column("payment_method", _("Payment Method"), "payment_method", default=False),
        Column("external_payment_url", _("External Payment URL"), "external_payment_url"),
    ]


COLUMN_KEYS = tuple(c.key for c in columns())
DEFAULT_COLUMNS = tuple(c.key for c in columns() if c.default)


def _owner(req: Request) -> tuple[int | None, str] | None:
    """Whose choice this is: (organization, user id); None for a user the host gives no id."""
    user_id = getattr(req.user, "id", None)
    if user_id is None or user_id == "":
        return None
    return getattr(req.user, "organization_id", None), str(user_id)


def _session_key(owner: tuple[int | None, str]) -> str:
    return f"oro_invoices.columns.{GRID}.{owner[0] or 0}.{owner[1]}"


#: Set in the session when a choice of no column was refused: the grid the admin is sent back
#: to says so beside the chooser, once.
_REFUSED = f"oro_invoices.columns.{GRID}.refused"


def mark_refused(req: Request) -> bool:
    """Note for the next grid page that the choice was refused; False without a session."""
    if req.session is None:
        return False
    req.session[_REFUSED] = True
    return True


def take_refused(req: Request) -> bool:
    """Whether a choice was refused just before this page (the note is then forgotten)."""
    return bool(req.session.pop(_REFUSED, False)) if req.session is not None and _REFUSED in req.session else False


def chosen(ctx: WebContext, req: Request) -> tuple[str, ...]:
    """The columns this admin shows: their saved choice, else the defaults."""
    owner = _owner(req)
    if owner is None:
        return DEFAULT_COLUMNS
    session = req.session
    cached = session.get(_session_key(owner)) if session is not None else None
    if isinstance(cached, list):
        saved: list[str] | None = [str(key) for key in cached]
    else:
        saved = stored.load(ctx.service.db, owner[0], owner[1], GRID)
        if session is not None:
            session[_session_key(owner)] = list(saved if saved is not None else DEFAULT_COLUMNS)
    return known(saved or ()) or DEFAULT_COLUMNS  # an empty choice (saved before it was refused)


def known(keys: Sequence[str]) -> tuple[str, ...]:
    """The grid's columns among ``keys``, in the grid's order (unknown keys left out)."""
    wanted = set(keys)
    return tuple(key for key in COLUMN_KEYS if key in wanted)


def remember(ctx: WebContext, req: Request, keys: Sequence[str], *, reset: bool = False) -> bool:
    """Save the admin's choice (``reset``: back to the defaults); False when the host gives
    the user no id to remember it by. Unknown keys are ignored; a choice of none is the
    caller's to refuse (``known``)."""
    owner = _owner(req)
    if owner is None:
        return False
    choice = None if reset else list(known(keys))
    stored.save(ctx.service.db, owner[0], owner[1], GRID, choice)
    if req.session is not None:
        req.session[_session_key(owner)] = list(DEFAULT_COLUMNS if choice is None else choice)
    return True
