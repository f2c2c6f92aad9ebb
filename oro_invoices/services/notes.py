"""Notes on an invoice: allowed on drafts and posted invoices alike, each one an activity entry."""
from __future__ import annotations

from sqlalchemy import select

from oro_invoices.domain.errors import ValidationError
from oro_invoices.persistence import activity
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.models import Note
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.schemas import NoteInputSchema


class Notes:
    """``add_note`` and ``notes``."""

    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx

    def add_note(self, invoice_id: int, body: str, *, actor: str = "system") -> views.NoteView:
        """Add a note (allowed on posted invoices too)."""
        errors = NoteInputSchema().validate({"body": body})
        if errors or not str(body).strip():
            raise ValidationError([("body", "Write the note's text (up to 10,000 characters).")])
        with self.ctx.write() as s:
            self.ctx.load(s, invoice_id)
            note = Note(invoice_id=invoice_id, body=body.strip(), author=actor, created_at=self.ctx.clock())
            s.add(note)
            s.flush()
            activity.record(s, invoice_id, "note", actor, body.strip()[:200], {"note_id": note.id})
            return views.note(note)

    def notes(self, invoice_id: int) -> list[views.NoteView]:
        """The invoice's notes, newest first."""
        with self.ctx.db.session() as s:
            rows = s.execute(select(Note).where(Note.invoice_id == invoice_id)
                             .order_by(Note.id.desc())).scalars()
            return [views.note(r) for r in rows]
