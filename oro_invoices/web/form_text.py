"""Forms and query strings whose text cannot be read, refused before a handler uses them.

Flask, Django and Starlette read a form's values, and a link's query values, as UTF-8 and put
U+FFFD (�) where the bytes sent are not UTF-8 (``note=%FF%FE``, ``?customer=%FF``, or such bytes
unescaped): kept as typed, a value would be text nobody wrote (a filter then searches for it, a
date or number is refused as mistyped). ``refusal`` and ``query_refusal`` name each such field by
the label its page shows; a url-encoded body and a query string are read again from their raw
bytes (so that a U+FFFD typed on purpose, sent as ``%EF%BF%BD``, is still accepted), any other
form (or a query the framework did not give as sent) by the U+FFFD its framework left.
The pages' dispatcher hands ``input_refusal`` to ``guard.check`` (``Request.refusal``), which
asks it after login and permission: a visitor is asked to log in first, and the labels a page
takes from its records (``FieldLabels``) are read only for a user who may see them.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from urllib.parse import unquote_to_bytes

from oro_invoices.domain.messages import Message, Percent
from oro_invoices.i18n import N_, _, ngettext, written_list
from oro_invoices.web.errors import BadRequest
from oro_invoices.web.guard import SAFE_METHODS, field_label
from oro_invoices.web.http import Request

URLENCODED = "application/x-www-form-urlencoded"
#: What a framework puts where the bytes it decodes are not UTF-8.
REPLACEMENT = "\ufffd"

#: Endpoints whose line fields (``qty_<position>``) their page labels its own way.
CREDIT_NOTE_FORM = "oro_invoices.admin.create_credit_note"

_LINE_QUANTITY = re.compile(r"qty_(\d+)")
_RATE_AMOUNT = re.compile(r"amount_(\d+(?:_\d+)?)")
#: The fields a form shows under a label its validation messages need not name (they name
#: themselves), as the page labels them.
_FORM_LABELS: dict[str, str] = {"buyer_electronic_address": N_("Buyer's E-Invoice Address")}
#: What a form calls those of its fields it labels by its data (a share "Payment for INV-0042", an
#: order line's quantity with its item), given the names of the fields that cannot be read: asked
#: only when the form is refused, once its user may use the page (the labels name its records).
FieldLabels = Callable[[Sequence[str]], Mapping[str, str]]
#: Query parameters whose label differs from the form field of the same name.
_QUERY_LABELS: dict[str, str] = {"from": N_("Date from"), "to": N_("Date to"), "q": N_("Customer")}


def unreadable_fields(req: Request) -> list[str] | None:
    """The names of the fields of ``req``'s form whose values are not UTF-8 text, in the order
    sent; None when a field's name is not (the body as a whole cannot be read)."""
    media = (req.header("content-type") or "").split(";", 1)[0].strip().lower()
    if media == URLENCODED and req.body:
        return _raw_unreadable(req.body)
    return _decoded_unreadable(req.form_lists or {name: [value] for name, value in req.form.items()})


def unreadable_query(req: Request) -> list[str] | None:
    """The names of the query parameters of ``req`` whose values are not UTF-8 text, in the
    order sent; None when a parameter's name is not."""
    if req.query_string:
        return _raw_unreadable(req.query_string)
    return _decoded_unreadable(req.query_lists or {name: [value] for name, value in req.query.items()})


def _decoded_unreadable(lists: Mapping[str, Sequence[str]]) -> list[str] | None:
    if any(REPLACEMENT in name for name in lists):
        return None
    return [name for name, values in lists.items() if any(REPLACEMENT in value for value in values)]


def _raw_unreadable(raw: bytes) -> list[str] | None:
    found: list[str] = []
    for pair in raw.split(b"&"):
        if not pair:
            continue
        raw_name, _eq, raw_value = pair.partition(b"=")
        try:
            name = unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return None
        try:
            unquote_to_bytes(raw_value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            if name not in found:
                found.append(name)
    return found


def field_name(field: str, endpoint: str = "", *, in_query: bool = False) -> str | None:
    """What the page of ``endpoint`` calls its field (or, ``in_query``, its link's parameter)
    ``field``, in the page's language; None for one the page fills in itself (a hidden field, a
    button, a link's page token) or that no page of the add-on has."""
    if in_query and field in _QUERY_LABELS:
        return _(_QUERY_LABELS[field])
    if field in _FORM_LABELS:
        return _(_FORM_LABELS[field])
    if (line := _LINE_QUANTITY.fullmatch(field)) is not None:
        position = int(line.group(1))
        return (_("Quantity of line %(position)s to credit", position=position) if endpoint == CREDIT_NOTE_FORM
                else _("Quantity to invoice of line %(position)s", position=position))
    if (rate := _RATE_AMOUNT.fullmatch(field)) is not None:
        return _(Message("Amount at %(rate)s tax", rate=Percent(Decimal(rate.group(1).replace("_", ".")))))
    return field_label(field)


def refusal(req: Request, endpoint: str = "", labels: FieldLabels | None = None) -> BadRequest | None:
    """What a form of ``req`` (sent to ``endpoint``) that cannot be read as text is refused with
    (400), in the page's language, naming each field by the label its page shows (``labels``
    first, for the fields the page labels by its data); None when it can."""
    fields = unreadable_fields(req)
    if fields is None:
        return BadRequest(_("Nothing was saved: the form was sent with a field name that cannot be read as "
                            "text (it is not UTF-8). Reload the page and send the form again."))
    if not fields:
        return None
    own = labels(fields) if labels is not None else {}
    named = _named(fields, lambda field: own.get(field) or field_name(field, endpoint),
                   lambda count: _("a field the page fills in itself") if count == 1 else
                   ngettext("%(num)d field the page fills in itself", "%(num)d fields the page fills in itself", count))
    return BadRequest(_("Nothing was saved: what was sent in %(fields)s cannot be read as text (bytes that are "
                        "not UTF-8). Go back, type it again and send the form again.", fields=named))


def query_refusal(req: Request, endpoint: str = "") -> BadRequest | None:
    """What a request whose query string cannot be read as text is refused with (400), in the
    page's language, naming each filter by the label its page shows; None when it can (nothing
    has been looked up or changed yet either way)."""
    fields = unreadable_query(req)
    if fields is None:
        return BadRequest(_("Nothing was shown: the page's address holds a parameter name that cannot be read "
                            "as text (it is not UTF-8). Open the page again from its link or menu."))
    if not fields:
        return None
    named = _named(fields, lambda field: field_name(field, endpoint, in_query=True),
                   lambda count: _("a value the page put in its address itself") if count == 1 else
                   ngettext("%(num)d value the page put in its address itself",
                            "%(num)d values the page put in its address itself", count))
    return BadRequest(_("Nothing was shown: what the page's address gives for %(fields)s cannot be read as text "
                        "(bytes that are not UTF-8). Go back, choose or type the filter again and search again.",
                        fields=named))


def input_refusal(req: Request, endpoint: str = "", labels: FieldLabels | None = None) -> BadRequest | None:
    """What ``req`` is refused with for its query (``query_refusal``) or, sent with a method that
    changes something, its form (``refusal``, with ``labels``); None when both can be read."""
    found = query_refusal(req, endpoint)
    if found is None and req.method.upper() not in SAFE_METHODS:
        found = refusal(req, endpoint, labels)
    return found


def _named(fields: Sequence[str], label: Callable[[str], str | None], unnamed: Callable[[int], str]) -> str:
    """``fields`` as a list to read: each labelled one quoted (once), those without a label counted."""
    labels = [label(field) for field in fields]
    shown = [_("“%(field)s”", field=text) for text in dict.fromkeys(text for text in labels if text)]
    missing = sum(1 for text in labels if not text)
    return written_list([*shown, unnamed(missing)] if missing else shown)
