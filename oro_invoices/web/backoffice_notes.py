"""Back-office actions on one note of an invoice: Edit and Delete, by the note's author only.

The view page offers the controls only on the notes the admin wrote (``?edit_note=<id>``
opens the note's edit form in place); the service checks authorship again, so a forged
request for someone else's note is refused. Each answers with a redirect and a flash.
"""
from __future__ import annotations

from typing import Any

from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.domain.limits import parse_id, shows_nothing
from oro_invoices.i18n import _
from oro_invoices.web import guard
from oro_invoices.web.backoffice import ENDPOINT_VIEW, BackOffice
from oro_invoices.web.backoffice_actions import actor_of, user_id_of
from oro_invoices.web.http import Request, Response


class NoteActions:
    """Edit note and Delete note on the view page."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def _notes_url(self, doc_id: int, **params: Any) -> str:
        return self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc_id, **params) + "#notes"

    def edit_note(self, req: Request) -> Response:
        self.pages.check(req)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        note_id = _note_id(req)
        try:
            self.ctx.service.edit_note(doc.id, note_id, req.form.get("body", ""),
                                       author_id=user_id_of(req), actor=actor_of(req))
        except ValidationError as exc:
            message = guard.friendly(exc)[1] if not shows_nothing(req.form.get("body", "")) else \
                _("The note is empty. Write the note's text, then click Save, or delete the note.")
            return Response.redirect(self._notes_url(doc.id, edit_note=note_id), flashes=[("error", message)])
        return Response.redirect(self._notes_url(doc.id), flashes=[("success", _("Note saved."))])

    def delete_note(self, req: Request) -> Response:
        self.pages.check(req)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        self.ctx.service.delete_note(doc.id, _note_id(req), author_id=user_id_of(req),
                                     actor=actor_of(req))
        return Response.redirect(self._notes_url(doc.id), flashes=[("success", _("Note deleted."))])


def _note_id(req: Request) -> int:
    note_id = parse_id(req.path_params.get("note_id"))
    if note_id is None:
        raise NotFound(_("That note does not exist (it may have been deleted)."))
    return note_id
