"""Back-office actions on one note of an invoice: Edit and Delete, by the note's author only.

The view page offers the controls only on the notes the admin wrote (``?edit_note=<id>``
opens the note's edit form in place); the service checks authorship again, so a forged
request for someone else's note is refused. Each answers with a redirect and a flash; a note
refused (empty, too long) shows the page again with the form as typed and why beside it (422).
Add note and each edit form carry a one-time key (``form_token``): the same form sent again adds
or changes nothing more, and says so. Each needs the ``oro_invoices.note`` permission (``PERMISSION``):
an admin who may only view invoices reads the notes but gets 403 for writing one.
"""
from __future__ import annotations

import secrets
from typing import Any

from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.limits import parse_id, shows_nothing
from oro_invoices.i18n import _
from oro_invoices.services.notes import NoteSentBefore
from oro_invoices.services.schemas import MAX_NOTE
from oro_invoices.web import guard
from oro_invoices.web.backoffice import ENDPOINT_VIEW, BackOffice
from oro_invoices.web.backoffice_actions import actor_of, user_id_of
from oro_invoices.web.echo import capped, cut_said
from oro_invoices.web.http import Request, Response

#: What adding a note, and editing or deleting one's own, needs.
PERMISSION = "oro_invoices.note"


class NoteActions:
    """Edit note and Delete note on the view page."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def _notes_url(self, doc_id: int, **params: Any) -> str:
        return self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc_id, **params) + "#notes"

    def add_note(self, req: Request) -> Response:
        """Add note: the note, then back to the notes; a refused one is shown again as typed."""
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        body, key = req.form.get("body", ""), req.form.get("form_token", "")
        try:
            self.ctx.service.add_note(doc.id, body, actor=actor_of(req), author_id=user_id_of(req), once=key or None)
        except NoteSentBefore as exc:
            return Response.redirect(self._notes_url(doc.id), flashes=[("info", _(exc.message))])
        except ValidationError as exc:
            message = _("The note is empty. Write the note's text, then click Add note.") if shows_nothing(body) \
                else _problem(exc)
            shown, cut = capped(body, MAX_NOTE)
            return self._refused(req, doc, note_form(shown, key, cut_said(message, MAX_NOTE) if cut else message))
        return Response.redirect(self._notes_url(doc.id), flashes=[("success", _("Note added."))])

    def edit_note(self, req: Request) -> Response:
        """Save in a note's edit form; a refused text is shown again in the form as typed."""
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        note_id = _note_id(req)
        body, key = req.form.get("body", ""), req.form.get("form_token", "")
        try:
            self.ctx.service.edit_note(doc.id, note_id, body, author_id=user_id_of(req), actor=actor_of(req),
                                       once=key or None)
        except NoteSentBefore as exc:
            return Response.redirect(self._notes_url(doc.id), flashes=[("info", _(exc.message))])
        except ValidationError as exc:
            message = _("The note is empty. Write the note's text, then click Save, or delete the note.") \
                if shows_nothing(body) else _problem(exc)
            shown, cut = capped(body, MAX_NOTE)
            return self._refused(req, doc, note_form(shown, key, cut_said(message, MAX_NOTE) if cut else message,
                                                     note_id=note_id))
        return Response.redirect(self._notes_url(doc.id), flashes=[("success", _("Note saved."))])

    def _refused(self, req: Request, doc: InvoiceDocument, form: dict[str, Any]) -> Response:
        html = self.pages.render_view(req, doc, note=form)
        return Response.html(html, status=422, title=_("Invoice %(number)s", number=doc.display_number))

    def delete_note(self, req: Request) -> Response:
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        self.ctx.service.delete_note(doc.id, _note_id(req), author_id=user_id_of(req),
                                     actor=actor_of(req))
        return Response.redirect(self._notes_url(doc.id), flashes=[("success", _("Note deleted."))])


def note_form(body: str = "", key: str = "", error: str = "", *, note_id: int | None = None) -> dict[str, Any]:
    """What the view page's note forms show: the text typed in Add note (``note_id`` None) or in
    the edit form of ``note_id``, why it was refused, and each form's one-time key (``key`` for the
    form typed in, a new one for the other: each form adds or saves once)."""
    add_key, edit_key = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    if note_id is None:
        add_key = key or add_key
    else:
        edit_key = key or edit_key
    return {"body": body, "note_id": note_id, "add_token": add_key, "edit_token": edit_key,
            "errors": {"body": error} if error else {}}


def _problem(exc: ValidationError) -> str:
    """What is wrong with a note's text, as its field shows it (what is wrong with the form, after it)."""
    return " ".join(guard.field_errors(exc).values())


def _note_id(req: Request) -> int:
    note_id = parse_id(req.path_params.get("note_id"))
    if note_id is None:
        raise NotFound(_("That note does not exist (it may have been deleted)."))
    return note_id
