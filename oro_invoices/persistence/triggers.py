"""Database triggers that freeze posted invoices, whatever code path writes.

Used by the migrations. Every message starts with ``FROZEN_MARKER`` so the
service layer can turn the database's refusal into ``InvoiceIsPosted``.
"""
from __future__ import annotations

FROZEN_MARKER = "oro_invoice_frozen"

_MSG_UPDATE = f"{FROZEN_MARKER}: a posted invoice cannot be modified"
_MSG_DELETE = f"{FROZEN_MARKER}: a posted invoice cannot be deleted"
_MSG_LINES = f"{FROZEN_MARKER}: the lines of a posted invoice cannot be modified"
_MSG_DOC = f"{FROZEN_MARKER}: a stored invoice PDF cannot be changed or removed"
_MSG_DOC_DRAFT = f"{FROZEN_MARKER}: only a posted invoice can have a PDF"

_POSTED = "(SELECT status FROM oro_invoice_invoice WHERE id = {ref}) = 'posted'"

SQLITE_TRIGGERS = {
    "oro_invoice_frozen_update": f"""
        CREATE TRIGGER oro_invoice_frozen_update BEFORE UPDATE ON oro_invoice_invoice
        WHEN OLD.status = 'posted'
        BEGIN SELECT RAISE(ABORT, '{_MSG_UPDATE}'); END""",
    "oro_invoice_frozen_delete": f"""
        CREATE TRIGGER oro_invoice_frozen_delete BEFORE DELETE ON oro_invoice_invoice
        WHEN OLD.status = 'posted'
        BEGIN SELECT RAISE(ABORT, '{_MSG_DELETE}'); END""",
    "oro_invoice_line_frozen_insert": f"""
        CREATE TRIGGER oro_invoice_line_frozen_insert BEFORE INSERT ON oro_invoice_line
        WHEN {_POSTED.format(ref='NEW.invoice_id')}
        BEGIN SELECT RAISE(ABORT, '{_MSG_LINES}'); END""",
    "oro_invoice_line_frozen_update": f"""
        CREATE TRIGGER oro_invoice_line_frozen_update BEFORE UPDATE ON oro_invoice_line
        WHEN {_POSTED.format(ref='OLD.invoice_id')} OR {_POSTED.format(ref='NEW.invoice_id')}
        BEGIN SELECT RAISE(ABORT, '{_MSG_LINES}'); END""",
    "oro_invoice_line_frozen_delete": f"""
        CREATE TRIGGER oro_invoice_line_frozen_delete BEFORE DELETE ON oro_invoice_line
        WHEN {_POSTED.format(ref='OLD.invoice_id')}
        BEGIN SELECT RAISE(ABORT, '{_MSG_LINES}'); END""",
    "oro_invoice_document_insert": f"""
        CREATE TRIGGER oro_invoice_document_insert BEFORE INSERT ON oro_invoice_document
        WHEN NOT {_POSTED.format(ref='NEW.invoice_id')}
        BEGIN SELECT RAISE(ABORT, '{_MSG_DOC_DRAFT}'); END""",
    "oro_invoice_document_update": f"""
        CREATE TRIGGER oro_invoice_document_update BEFORE UPDATE ON oro_invoice_document
        BEGIN SELECT RAISE(ABORT, '{_MSG_DOC}'); END""",
    "oro_invoice_document_delete": f"""
        CREATE TRIGGER oro_invoice_document_delete BEFORE DELETE ON oro_invoice_document
        BEGIN SELECT RAISE(ABORT, '{_MSG_DOC}'); END""",
}

_PG_FUNCTIONS = {
    "oro_invoice_guard": f"""
        CREATE OR REPLACE FUNCTION oro_invoice_guard() RETURNS trigger AS $$
        BEGIN
            IF OLD.status = 'posted' THEN
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION '{_MSG_DELETE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RAISE EXCEPTION '{_MSG_UPDATE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    "oro_invoice_line_guard": f"""
        CREATE OR REPLACE FUNCTION oro_invoice_line_guard() RETURNS trigger AS $$
        BEGIN
            IF (TG_OP <> 'INSERT' AND EXISTS (
                    SELECT 1 FROM oro_invoice_invoice WHERE id = OLD.invoice_id AND status = 'posted'))
               OR (TG_OP <> 'DELETE' AND EXISTS (
                    SELECT 1 FROM oro_invoice_invoice WHERE id = NEW.invoice_id AND status = 'posted')) THEN
                RAISE EXCEPTION '{_MSG_LINES}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    "oro_invoice_document_guard": f"""
        CREATE OR REPLACE FUNCTION oro_invoice_document_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF NOT EXISTS (SELECT 1 FROM oro_invoice_invoice WHERE id = NEW.invoice_id AND status = 'posted') THEN
                    RAISE EXCEPTION '{_MSG_DOC_DRAFT}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{_MSG_DOC}' USING ERRCODE = 'integrity_constraint_violation';
        END $$ LANGUAGE plpgsql""",
}

_PG_TRIGGERS = {
    "oro_invoice_frozen": ("oro_invoice_invoice", "UPDATE OR DELETE", "oro_invoice_guard"),
    "oro_invoice_line_frozen": ("oro_invoice_line", "INSERT OR UPDATE OR DELETE", "oro_invoice_line_guard"),
    "oro_invoice_document_frozen": ("oro_invoice_document", "INSERT OR UPDATE OR DELETE",
                                    "oro_invoice_document_guard"),
}


def create_statements(dialect: str) -> list[str]:
    """The DDL that installs the guards on ``dialect`` ("sqlite" or "postgresql")."""
    if dialect == "sqlite":
        return list(SQLITE_TRIGGERS.values())
    if dialect == "postgresql":
        stmts = list(_PG_FUNCTIONS.values())
        for name, (table, events, func) in _PG_TRIGGERS.items():
            stmts.append(f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
                         f"FOR EACH ROW EXECUTE FUNCTION {func}()")
        return stmts
    raise ValueError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")


def drop_statements(dialect: str) -> list[str]:
    """The DDL that removes the guards again (migration downgrade)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    stmts = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, (table, _, _) in _PG_TRIGGERS.items()]
    stmts += [f"DROP FUNCTION IF EXISTS {name}()" for name in _PG_FUNCTIONS]
    return stmts
