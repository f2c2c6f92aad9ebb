"""Notes: only their author edits or deletes them, and each change is in the activity."""
from __future__ import annotations

import pytest
from support.payloads import invoice_payload

from oro_invoices.domain.errors import NotFound, PermissionDenied, ValidationError


def test_author_edits_and_deletes_with_the_change_recorded(service):
    inv = service.post(service.create(invoice_payload()).id)
    note = service.add_note(inv.id, "Ship by Friday", actor="Alice", author_id=7)
    edited = service.edit_note(inv.id, note.id, "  Ship by Thursday ", author_id=7, actor="Alice")
    assert edited.body == "Ship by Thursday" and edited.updated_at is not None
    assert service.notes(inv.id)[0].body == "Ship by Thursday"
    service.delete_note(inv.id, note.id, author_id=7, actor="Alice")
    assert service.notes(inv.id) == []
    entries = [a for a in service.activities(inv.id) if a.kind == "note"]
    summaries = [a.summary for a in entries]
    assert "Note edited: “Ship by Friday” → “Ship by Thursday”" in summaries
    assert "Note deleted: “Ship by Thursday”" in summaries
    deleted = next(a for a in entries if a.data.get("change") == "deleted")
    assert deleted.data["old"] == "Ship by Thursday" and deleted.actor == "Alice"


def test_nobody_else_changes_a_note(service):
    inv = service.create(invoice_payload())
    note = service.add_note(inv.id, "Mine", actor="Alice", author_id=7)
    legacy = service.add_note(inv.id, "Written before authors were kept", actor="Bob")
    for author in (8, None):
        with pytest.raises(PermissionDenied):
            service.edit_note(inv.id, note.id, "Yours", author_id=author)
        with pytest.raises(PermissionDenied):
            service.delete_note(inv.id, note.id, author_id=author)
    with pytest.raises(PermissionDenied):  # a note without an author id stays as it is
        service.delete_note(inv.id, legacy.id, author_id=None)
    other = service.create(invoice_payload())
    with pytest.raises(NotFound):  # the note is reached through its own invoice only
        service.edit_note(other.id, note.id, "Moved", author_id=7)
    with pytest.raises(ValidationError):
        service.edit_note(inv.id, note.id, "   ", author_id=7)
    assert sorted(n.body for n in service.notes(inv.id)) == ["Mine", "Written before authors were kept"]


@pytest.mark.parametrize("body", ["\u200b", " \u200b\u2060 \n", "\ufeff", "\u200e\u200f\t"])
def test_a_note_of_only_invisible_characters_is_refused_like_an_empty_one(service, body):
    inv = service.create(invoice_payload())
    with pytest.raises(ValidationError) as added:
        service.add_note(inv.id, body, actor="Alice", author_id=7)
    assert added.value.errors == [("body", "Write the note's text (up to 10,000 characters).")]
    note = service.add_note(inv.id, "Mine", actor="Alice", author_id=7)
    with pytest.raises(ValidationError) as edited:
        service.edit_note(inv.id, note.id, body, author_id=7)
    assert edited.value.errors == added.value.errors
    assert [n.body for n in service.notes(inv.id)] == ["Mine"]


def test_a_note_with_a_text_direction_override_is_refused_naming_it(service):
    inv = service.create(invoice_payload())
    with pytest.raises(ValidationError) as added:
        service.add_note(inv.id, "\u202e evil", actor="Alice", author_id=7)
    [(field, message)] = added.value.errors
    assert field == "body" and "Must not contain U+202E RIGHT-TO-LEFT OVERRIDE" in str(message)
    note = service.add_note(inv.id, "Line one\r\n\tline two", actor="Alice", author_id=7)
    assert note.body == "Line one\n\tline two"
    with pytest.raises(ValidationError):
        service.edit_note(inv.id, note.id, "x\u2066y", author_id=7)
    assert [n.body for n in service.notes(inv.id)] == ["Line one\n\tline two"]


def test_a_note_typed_to_the_fields_limit_with_line_breaks_is_kept_as_typed(service):
    inv = service.create(invoice_payload())
    body = ("x" * 9 + "\r\n") * 999                     # 9,990 characters as the browser counts them
    service.add_note(inv.id, body, actor="admin")
    [note] = service.notes(inv.id)
    assert note.body == ("x" * 9 + "\n") * 998 + "x" * 9 and "\r" not in note.body
