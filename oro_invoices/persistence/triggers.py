"""Database triggers that freeze posted invoices, whatever code path writes.

Used by the migrations: revision 0001 installs version 1, revision 0004 version 2
(``LATEST``), which closes the holes version 1 left:

- SQLite's ``INSERT OR REPLACE`` / ``UPDATE OR REPLACE`` delete the conflicting row
  without firing DELETE triggers (unless ``PRAGMA recursive_triggers`` is on, which
  every connection of the add-on sets). Version 2 refuses, before the insert or update,
  any write whose id or unique key would replace a posted invoice, a posted invoice's
  line or a stored PDF record, so the guard holds for any client.
- PostgreSQL's ``TRUNCATE`` fires no row triggers: version 2 adds statement-level
  ``BEFORE TRUNCATE`` triggers on the frozen tables.
- The record of skipped invoice numbers (``oro_invoice_number_skip``) is insert-only.

Revisions 0023 and 0024 add the guards of insert-once records (``InsertOnce``): the
e-invoice XML an invoice was imported from (``EINVOICE_SOURCES``) and the receipt PDF kept
for a payment (``RECEIPTS``), never changed, removed or truncated, as the PDF record is.
Each is a group of its own with a function of its own, so the revisions before its table
existed keep installing (and dropping) exactly their version.

Every message starts with ``FROZEN_MARKER`` (or, for a clash on an invoice number or
external id, names the column) so the service layer can turn the database's refusal
into ``InvoiceIsPosted`` or ``Conflict``.
"""
from __future__ import annotations

from dataclasses import dataclass

FROZEN_MARKER = "oro_invoice_frozen"
LATEST = 2

_MSG_UPDATE = f"{FROZEN_MARKER}: a posted invoice cannot be modified"
_MSG_DELETE = f"{FROZEN_MARKER}: a posted invoice cannot be deleted"
_MSG_REPLACE = f"{FROZEN_MARKER}: a posted invoice cannot be replaced"
_MSG_LINES = f"{FROZEN_MARKER}: the lines of a posted invoice cannot be modified"
_MSG_DOC = f"{FROZEN_MARKER}: a stored invoice PDF cannot be changed or removed"
_MSG_DOC_DRAFT = f"{FROZEN_MARKER}: only a posted invoice can have a PDF"
_MSG_SKIP = f"{FROZEN_MARKER}: the record of a skipped invoice number cannot be changed or removed"
_MSG_TRUNCATE = f"{FROZEN_MARKER}: posted invoices and their records cannot be truncated"
_MSG_SOURCE_V1 = f"{FROZEN_MARKER}: the e-invoice XML an invoice was imported from cannot be changed or removed"
_MSG_SOURCE = (f"{FROZEN_MARKER}: the e-invoice XML an invoice keeps (imported from it, or issued as UBL) cannot be "
               "changed or removed")
_MSG_RECEIPT = f"{FROZEN_MARKER}: a kept receipt PDF cannot be changed or removed"
# No FROZEN_MARKER here: the column name makes it the usual "already used" conflict.
_MSG_NUMBER_TAKEN = "oro_invoice_unique: invoice_number is already used by a posted invoice"
_MSG_EXTERNAL_TAKEN = "oro_invoice_unique: external_id is already used by a posted invoice"

_POSTED = "(SELECT status FROM oro_invoice_invoice WHERE id = {ref}) = 'posted'"


def _raise(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


# ---- version 1 (revision 0001) ------------------------------------------------------------

SQLITE_TRIGGERS_V1 = {
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

_PG_FUNCTIONS_V1 = {
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

_PG_ROW_TRIGGERS_V1 = {
    "oro_invoice_frozen": ("oro_invoice_invoice", "UPDATE OR DELETE", "oro_invoice_guard"),
    "oro_invoice_line_frozen": ("oro_invoice_line", "INSERT OR UPDATE OR DELETE", "oro_invoice_line_guard"),
    "oro_invoice_document_frozen": ("oro_invoice_document", "INSERT OR UPDATE OR DELETE",
                                    "oro_invoice_document_guard"),
}

# ---- version 2 (revision 0004) ------------------------------------------------------------

#: The unique keys of an invoice row, with the message a clash with a posted row gives.
_INVOICE_KEYS = {
    "id": ("{row}.id = NEW.id", _MSG_REPLACE),
    "number": ("{row}.organization_id = NEW.organization_id AND {row}.invoice_number = NEW.invoice_number",
               _MSG_NUMBER_TAKEN),
    "external": ("{row}.organization_id = NEW.organization_id AND {row}.external_id = NEW.external_id",
                 _MSG_EXTERNAL_TAKEN),
    "token": ("{row}.payment_token = NEW.payment_token", _MSG_REPLACE),
}


def _sqlite_replace_guards() -> dict[str, str]:
    """BEFORE INSERT/UPDATE triggers refusing a write that would replace a posted invoice."""
    guards = {}
    for key, (match, message) in _INVOICE_KEYS.items():
        cond = match.format(row="p")
        guards[f"oro_invoice_frozen_replace_insert_{key}"] = f"""
        CREATE TRIGGER oro_invoice_frozen_replace_insert_{key} BEFORE INSERT ON oro_invoice_invoice
        WHEN EXISTS (SELECT 1 FROM oro_invoice_invoice p WHERE p.status = 'posted' AND {cond})
        {_raise(message)}"""
        guards[f"oro_invoice_frozen_replace_update_{key}"] = f"""
        CREATE TRIGGER oro_invoice_frozen_replace_update_{key} BEFORE UPDATE ON oro_invoice_invoice
        WHEN EXISTS (SELECT 1 FROM oro_invoice_invoice p
                     WHERE p.status = 'posted' AND p.id <> OLD.id AND {cond})
        {_raise(message)}"""
    return guards


_POSTED_LINE = ("EXISTS (SELECT 1 FROM oro_invoice_line l JOIN oro_invoice_invoice i ON i.id = l.invoice_id "
                "WHERE i.status = 'posted' AND l.id = NEW.id{extra})")

SQLITE_TRIGGERS_V2 = {
    "oro_invoice_frozen_update": SQLITE_TRIGGERS_V1["oro_invoice_frozen_update"],
    "oro_invoice_frozen_delete": SQLITE_TRIGGERS_V1["oro_invoice_frozen_delete"],
    **_sqlite_replace_guards(),
    "oro_invoice_line_frozen_insert": f"""
        CREATE TRIGGER oro_invoice_line_frozen_insert BEFORE INSERT ON oro_invoice_line
        WHEN {_POSTED.format(ref='NEW.invoice_id')} OR {_POSTED_LINE.format(extra='')}
        {_raise(_MSG_LINES)}""",
    "oro_invoice_line_frozen_update": f"""
        CREATE TRIGGER oro_invoice_line_frozen_update BEFORE UPDATE ON oro_invoice_line
        WHEN {_POSTED.format(ref='OLD.invoice_id')} OR {_POSTED.format(ref='NEW.invoice_id')}
             OR {_POSTED_LINE.format(extra=' AND l.id <> OLD.id')}
        {_raise(_MSG_LINES)}""",
    "oro_invoice_line_frozen_delete": SQLITE_TRIGGERS_V1["oro_invoice_line_frozen_delete"],
    "oro_invoice_document_insert": SQLITE_TRIGGERS_V1["oro_invoice_document_insert"],
    "oro_invoice_document_replace": f"""
        CREATE TRIGGER oro_invoice_document_replace BEFORE INSERT ON oro_invoice_document
        WHEN EXISTS (SELECT 1 FROM oro_invoice_document WHERE invoice_id = NEW.invoice_id)
        {_raise(_MSG_DOC)}""",
    "oro_invoice_document_update": SQLITE_TRIGGERS_V1["oro_invoice_document_update"],
    "oro_invoice_document_delete": SQLITE_TRIGGERS_V1["oro_invoice_document_delete"],
    "oro_invoice_number_skip_update": f"""
        CREATE TRIGGER oro_invoice_number_skip_update BEFORE UPDATE ON oro_invoice_number_skip
        {_raise(_MSG_SKIP)}""",
    "oro_invoice_number_skip_delete": f"""
        CREATE TRIGGER oro_invoice_number_skip_delete BEFORE DELETE ON oro_invoice_number_skip
        {_raise(_MSG_SKIP)}""",
}

_PG_FUNCTIONS_V2 = {
    **_PG_FUNCTIONS_V1,
    "oro_invoice_insert_only_guard": f"""
        CREATE OR REPLACE FUNCTION oro_invoice_insert_only_guard() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{_MSG_SKIP}' USING ERRCODE = 'integrity_constraint_violation';
        END $$ LANGUAGE plpgsql""",
    "oro_invoice_truncate_guard": f"""
        CREATE OR REPLACE FUNCTION oro_invoice_truncate_guard() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION USING MESSAGE = '{_MSG_TRUNCATE} (' || TG_TABLE_NAME || ')',
                ERRCODE = 'integrity_constraint_violation';
        END $$ LANGUAGE plpgsql""",
}

_PG_ROW_TRIGGERS_V2 = {
    **_PG_ROW_TRIGGERS_V1,
    "oro_invoice_number_skip_frozen": ("oro_invoice_number_skip", "UPDATE OR DELETE",
                                       "oro_invoice_insert_only_guard"),
}

_V2_FROZEN_TABLES = ("oro_invoice_invoice", "oro_invoice_line", "oro_invoice_document", "oro_invoice_number_skip")
_PG_TRUNCATE_TRIGGERS_V2 = {f"{table}_no_truncate": table for table in _V2_FROZEN_TABLES}

_VERSIONS = {
    1: (SQLITE_TRIGGERS_V1, _PG_FUNCTIONS_V1, _PG_ROW_TRIGGERS_V1, {}),
    2: (SQLITE_TRIGGERS_V2, _PG_FUNCTIONS_V2, _PG_ROW_TRIGGERS_V2, _PG_TRUNCATE_TRIGGERS_V2),
}


# ---- insert-once records: the kept e-invoice XML (0023), the kept receipts (0024) -----------

@dataclass(frozen=True)
class InsertOnce:
    """A table of records written once and then never changed, removed or truncated: one
    record per ``key`` (the primary key), refused a second time (SQLite's ``INSERT OR
    REPLACE`` too). Each has its own guard function, so its revision installs and drops
    exactly its own guards."""

    table: str
    key: str
    message: str

    @property
    def _function(self) -> str:
        return f"{self.table}_guard"

    def _sqlite(self) -> dict[str, str]:
        t = self.table
        return {
            f"{t}_replace": f"""
        CREATE TRIGGER {t}_replace BEFORE INSERT ON {t}
        WHEN EXISTS (SELECT 1 FROM {t} WHERE {self.key} = NEW.{self.key})
        {_raise(self.message)}""",
            f"{t}_update": f"""
        CREATE TRIGGER {t}_update BEFORE UPDATE ON {t}
        {_raise(self.message)}""",
            f"{t}_delete": f"""
        CREATE TRIGGER {t}_delete BEFORE DELETE ON {t}
        {_raise(self.message)}""",
        }

    def create_statements(self, dialect: str) -> list[str]:
        """The DDL that freezes the table's records on ``dialect``."""
        if dialect == "sqlite":
            return list(self._sqlite().values())
        if dialect == "postgresql":
            return [f"""
        CREATE OR REPLACE FUNCTION {self._function}() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                RAISE EXCEPTION USING MESSAGE = '{_MSG_TRUNCATE} (' || TG_TABLE_NAME || ')',
                    ERRCODE = 'integrity_constraint_violation';
            END IF;
            RAISE EXCEPTION '{self.message}' USING ERRCODE = 'integrity_constraint_violation';
        END $$ LANGUAGE plpgsql""",
                    f"CREATE TRIGGER {self.table}_frozen BEFORE UPDATE OR DELETE ON {self.table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {self._function}()",
                    f"CREATE TRIGGER {self.table}_no_truncate BEFORE TRUNCATE ON {self.table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {self._function}()"]
        raise ValueError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")

    def drop_statements(self, dialect: str) -> list[str]:
        """The DDL that removes those guards again."""
        if dialect == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {name}" for name in self._sqlite()]
        return [f"DROP TRIGGER IF EXISTS {self.table}_frozen ON {self.table}",
                f"DROP TRIGGER IF EXISTS {self.table}_no_truncate ON {self.table}",
                f"DROP FUNCTION IF EXISTS {self._function}()"]


EINVOICE_SOURCES = InsertOnce("oro_invoice_einvoice_source", "invoice_id", _MSG_SOURCE)
#: The same guards as revision 0023 installed them, before 0026 worded them for issued UBL too.
EINVOICE_SOURCES_V1 = InsertOnce(EINVOICE_SOURCES.table, EINVOICE_SOURCES.key, _MSG_SOURCE_V1)
RECEIPTS = InsertOnce("oro_invoice_receipt", "transaction_id", _MSG_RECEIPT)
#: The tables whose rows are frozen, each guarded against TRUNCATE on PostgreSQL.
FROZEN_TABLES = (*_V2_FROZEN_TABLES, EINVOICE_SOURCES.table, RECEIPTS.table)


def _version(version: int) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, str, str]],
                                     dict[str, str]]:
    try:
        return _VERSIONS[version]
    except KeyError:
        raise ValueError(f"unknown trigger version {version!r}") from None


def create_statements(dialect: str, version: int = LATEST) -> list[str]:
    """The DDL that installs the guards of ``version`` on ``dialect`` ("sqlite" or "postgresql")."""
    sqlite_triggers, functions, row_triggers, truncate_triggers = _version(version)
    if dialect == "sqlite":
        return list(sqlite_triggers.values())
    if dialect == "postgresql":
        stmts = list(functions.values())
        for name, (table, events, func) in row_triggers.items():
            stmts.append(f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
                         f"FOR EACH ROW EXECUTE FUNCTION {func}()")
        for name, table in truncate_triggers.items():
            stmts.append(f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} "
                         "FOR EACH STATEMENT EXECUTE FUNCTION oro_invoice_truncate_guard()")
        return stmts
    raise ValueError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")


def drop_statements(dialect: str, version: int = LATEST) -> list[str]:
    """The DDL that removes the guards of ``version`` again."""
    sqlite_triggers, functions, row_triggers, truncate_triggers = _version(version)
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_triggers]
    stmts = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, (table, _, _) in row_triggers.items()]
    stmts += [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in truncate_triggers.items()]
    stmts += [f"DROP FUNCTION IF EXISTS {name}()" for name in functions]
    return stmts
