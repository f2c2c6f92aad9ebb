"""Notes on an invoice: allowed on drafts and posted invoices alike, each one an activity entry.

Only a note's author (the user whose id it carries) may edit or delete it; the change is
recorded in the invoice's activity with the old and new text.

A form's one-time key (``once``) is kept with the activity entry of the note it added or the change
it saved, so the same form sent again (Back, a reload, a double click) adds or changes nothing
more (``NoteSentBefore``).
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from oro_invoices.domain.limits import hidden_character, shows_nothing
from oro_invoices.domain.messages import Message
from oro_invoices.persistence import activity
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.models import Activity, Note
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.schemas import NoteInputSchema, ShownText, check_storable

#: How much of a note's text an activity entry quotes.
QUOTE_LENGTH = 200
#: The activity entry's data key of the one-time key of the form it came from.
FORM_KEY = "form_key"
_FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class NoteSentBefore(Conflict):
    """The note form was sent before (its one-time key is on the note it added or the change it
    saved): nothing was added or changed again."""


class Notes:
    """``add_note``, ``edit_note``, ``delete_note`` and ``notes``."""

    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx

    def add_note(self, invoice_id: int, body: str, *, actor: str = "system",
                 author_id: int | None = None, once: str | None = None) -> views.NoteView:
        """Add a note (allowed on posted invoices too); ``author_id``: the user who may edit it.

        :param once: the one-time key of the form it comes from; a second note from it is refused.
        :raises NoteSentBefore: a note was added from this form before.
        """
        text = _checked(body)
        key = _form_key(once)
        with self.ctx.write() as s:
            # locked with a key: the same form sent twice at once adds one note
            self.ctx.load(s, invoice_id, lock=key is not None)
            if key is not None and _sent_before(s, invoice_id, key):
                raise NoteSentBefore(Message("This note was added before; it was not added again."))
            note = Note(invoice_id=invoice_id, body=text, author=actor, author_id=author_id,
                        created_at=self.ctx.clock())
            s.add(note)
            s.flush()
            activity.record(s, invoice_id, "note", actor, text[:QUOTE_LENGTH],
                            {"note_id": note.id, **({FORM_KEY: key} if key else {})})
            return views.note(note)

    def edit_note(self, invoice_id: int, note_id: int, body: str, *, author_id: int | None,
                  actor: str = "system", once: str | None = None) -> views.NoteView:
        """Replace a note's text; only its author may. The activity records old → new.

        :param once: the one-time key of the edit form it comes from; it changes the note once.
        :raises NoteSentBefore: this form changed the note before.
        """
        text = _checked(body)
        key = _form_key(once)
        with self.ctx.write() as s:
            note = _own_note(s, invoice_id, note_id, author_id)
            if key is not None and _sent_before(s, invoice_id, key):
                raise NoteSentBefore(Message("This change to the note was saved before; it was not saved again."))
            old = note.body
            if old == text:
                return views.note(note)
            note.body, note.updated_at = text, self.ctx.clock()
            activity.record(s, invoice_id, "note", actor,
                            Message("Note edited: “%(old)s” → “%(new)s”", old=_quote(old), new=_quote(text)),
                            {"note_id": note.id, "change": "edited", "old": old, "new": text,
                             **({FORM_KEY: key} if key else {})})
            return views.note(note)

    def delete_note(self, invoice_id: int, note_id: int, *, author_id: int | None,
                    actor: str = "system") -> None:
        """Delete a note; only its author may. The activity keeps its text."""
        with self.ctx.write() as s:
            note = _own_note(s, invoice_id, note_id, author_id)
            activity.record(s, invoice_id, "note", actor,
                            Message("Note deleted: “%(text)s”", text=_quote(note.body)),
                            {"note_id": note.id, "change": "deleted", "old": note.body})
            s.delete(note)

    def notes(self, invoice_id: int) -> list[views.NoteView]:
        """The invoice's notes, newest first."""
        with self.ctx.db.session() as s:
            rows = s.execute(select(Note).where(Note.invoice_id == invoice_id)
                             .order_by(Note.id.desc())).scalars()
            return [views.note(r) for r in rows]


def _checked(body: str) -> str:
    """The note's text with its line breaks as one character each (a browser sends each as CR LF but
    counts it once against the field's ``maxlength``), so both count the same 10,000."""
    check_storable(body, "body")
    if isinstance(body, str):
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        character = hidden_character(body)
        if character is not None:   # as on every other shown text; tabs and line breaks stay allowed
            raise ValidationError([("body", Message(ShownText.error, character=character))])
    errors = NoteInputSchema().validate({"body": body})
    if errors or shows_nothing(str(body)):
        raise ValidationError([("body", Message("Write the note's text (up to 10,000 characters)."))])
    return str(body).strip()


def _form_key(once: str | None) -> str | None:
    """A form's one-time key (None: none given).

    :raises ValidationError: a key no form of the add-on sends.
    """
    if not once:
        return None
    if not _FORM_KEY.fullmatch(once):
        raise ValidationError([("request_key", Message("The note form is damaged; open the invoice again."))])
    return once


def _sent_before(session: Session, invoice_id: int, key: str) -> bool:
    """Whether a note of ``invoice_id`` was added or changed from the form with the one-time ``key``."""
    entries = session.execute(select(Activity.data).where(Activity.invoice_id == invoice_id,
                                                          Activity.kind == "note")).scalars()
    return any(isinstance(data, dict) and data.get(FORM_KEY) == key for data in entries)


def _own_note(session: Session, invoice_id: int, note_id: int, author_id: int | None) -> Note:
    """The note ``note_id`` of ``invoice_id``, locked; refused unless ``author_id`` wrote it."""
    note = session.execute(select(Note).where(Note.id == note_id, Note.invoice_id == invoice_id)
                           .with_for_update()).scalar_one_or_none()
    if note is None:
        raise NotFound(Message("That note does not exist (it may have been deleted)."))
    if author_id is None or note.author_id != author_id:
        raise PermissionDenied(Message("Only the author of a note can change or delete it."))
    return note


def is_author(note: views.NoteView, user_id: int | None) -> bool:
    """Whether the user ``user_id`` wrote ``note`` (and so may edit or delete it)."""
    return user_id is not None and note.author_id == user_id


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_LENGTH else text[:QUOTE_LENGTH - 1] + "…"
