"""Forms whose text cannot be read, refused before a handler sees them.

Flask, Django and Starlette read a form's values as UTF-8 and put U+FFFD (�) where the bytes sent
are not UTF-8 (``note=%FF%FE``, or such bytes unescaped): kept as typed, a value would be text
nobody wrote. ``refusal`` names each such field; a url-encoded body is read again from its raw
bytes (so that a U+FFFD typed on purpose, sent as ``%EF%BF%BD``, is still accepted), any other
form by the U+FFFD its framework left.
"""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from oro_invoices.i18n import _, written_list
from oro_invoices.web.errors import BadRequest
from oro_invoices.web.guard import field_label
from oro_invoices.web.http import Request

URLENCODED = "application/x-www-form-urlencoded"
#: What a framework puts where the bytes it decodes are not UTF-8.
REPLACEMENT = "\ufffd"


def unreadable_fields(req: Request) -> list[str] | None:
    """The names of the fields of ``req``'s form whose values are not UTF-8 text, in the order
    sent; None when a field's name is not (the body as a whole cannot be read)."""
    media = (req.header("content-type") or "").split(";", 1)[0].strip().lower()
    if media == URLENCODED and req.body:
        return _raw_unreadable(req.body)
    if any(REPLACEMENT in name for name in req.form_lists or req.form):
        return None
    lists = req.form_lists or {name: [value] for name, value in req.form.items()}
    return [name for name, values in lists.items() if any(REPLACEMENT in value for value in values)]


def _raw_unreadable(body: bytes) -> list[str] | None:
    found: list[str] = []
    for pair in body.split(b"&"):
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


def refusal(req: Request) -> BadRequest | None:
    """What a form of ``req`` that cannot be read as text is refused with (400), in the page's
    language, naming each field by the label the form shows (or its name); None when it can."""
    fields = unreadable_fields(req)
    if fields is None:
        return BadRequest(_("Nothing was saved: the form was sent with a field name that cannot be read as "
                            "text (it is not UTF-8). Reload the page and send the form again."))
    if not fields:
        return None
    named = written_list([_("“%(field)s”", field=field_label(name) or name) for name in fields])
    return BadRequest(_("Nothing was saved: what was sent in %(fields)s cannot be read as text (bytes that are "
                        "not UTF-8). Go back, type it again and send the form again.", fields=named))
