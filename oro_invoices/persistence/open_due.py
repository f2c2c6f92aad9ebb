"""The due date of what is still to be paid, kept on each invoice's payment state.

``oro_invoice_payment_state.open_due_date`` holds the invoice's due date while the invoice is
owed (posted, an invoice rather than a credit note, an amount due and a status that does not
close it: ``statuses.is_owed``) and NULL otherwise; the other columns it keeps (``COPIED``)
are copies of the invoice's. Triggers keep them up to date whatever code path writes, so that the
state's indexes hold exactly the invoices that can be overdue, by due date and by invoice date,
with the columns their pages are sorted by: the Overdue filter (``queries.overdue_condition``)
reads them, and so do the receivables aging (``persistence.aging``), the statement and the
storefront balance. Installed by revision 0016, with more copies by 0018 and 0028, refunded
invoices owed since 0036 and authorized ones since 0038; a change to ``statuses.CLOSED``,
``statuses.HOLDING`` or ``COPIED`` needs a revision that installs the triggers again and
refreshes the columns (``refresh_statement``). A revision passes the copies and the closing (and
holding) statuses of its own time, so that it keeps doing what it did.

From revision 0037 (``held``) they also keep ``held_in_full``: whether open authorizations
hold all the invoice has due (``statuses.is_held_in_full`` over ``amount_held``) and, from
revision 0038 (``HOLDING_0038``), whether its payment status says so (``statuses.is_held``: an
invoice whose payment is authorized, which is owed since 0038). Such an invoice stays owed (the
aging and the statement count it until the seller captures) but is not overdue; the indexes the
Overdue filter and the aging read hold the column, so that it is tested there.
"""
from __future__ import annotations

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.domain.statuses import CLOSED, HOLDING

STATE = "oro_invoice_payment_state"
INVOICE = "oro_invoice_invoice"
#: The state's columns the trigger on the state watches; the invoice's, the invoice's trigger.
STATE_COLUMNS = ("invoice_id", "payment_status", "amount_paid", "amount_credited")
#: The state's column ``held_in_full`` also depends on (revision 0037 on).
HELD_COLUMN = "amount_held"
#: The invoice's columns the state holds a copy of, under the same name, as each revision
#: that changed them left them.
COPIED_0016 = ("organization_id", "invoice_date")
COPIED_0018 = (*COPIED_0016, "total_amount", "customer_name")
COPIED_0028 = (*COPIED_0018, "customer_id", "currency")
COPIED = COPIED_0028
#: The payment statuses that leave no open due date, as each revision that changed them left them:
#: until 0036 a refunded invoice was not open, whatever it had due; until 0038 an authorized one.
CLOSING_0036 = frozenset({PaymentStatus.PAID_IN_FULL, PaymentStatus.AUTHORIZED, PaymentStatus.CANCELED,
                          PaymentStatus.VOIDED, PaymentStatus.CREDITED})
CLOSING_0016 = frozenset({*CLOSING_0036, PaymentStatus.REFUNDED, PaymentStatus.REFUNDED_PARTIALLY})
CLOSING_0038 = CLOSED
CLOSING = CLOSING_0038
#: The payment statuses that make ``held_in_full`` true whatever is held (``statuses.HOLDING``),
#: as each revision that kept the column left them.
HOLDING_0037: frozenset[PaymentStatus] = frozenset()
HOLDING_0038 = HOLDING


def _invoice_columns(copied: tuple[str, ...]) -> tuple[str, ...]:
    """The invoice's columns whose change the invoice's trigger carries to its state."""
    return tuple(dict.fromkeys((*copied, "status", "document_type", "total_amount", "due_date")))


def _open_due(state: str, invoice: str, closing: frozenset[PaymentStatus]) -> str:
    """``CASE`` giving the invoice's due date while it is owed (``statuses.is_owed`` with
    ``closing`` for ``CLOSED``): ``queries.owed_condition`` in the text a trigger can hold, where
    the state is ``NEW``."""
    statuses = ", ".join(f"'{status.value}'" for status in sorted(closing))
    return (f"CASE WHEN {invoice}.status = 'posted' AND {invoice}.document_type = 'invoice' "
            f"AND {state}.payment_status NOT IN ({statuses}) "
            f"AND {invoice}.total_amount > {state}.amount_paid + {state}.amount_credited "
            f"THEN {invoice}.due_date END")


def _held_in_full(state: str, invoice: str, holding: frozenset[PaymentStatus]) -> str:
    """``held_in_full`` as revision 0037 (``holding`` empty: ``statuses.is_held_in_full`` of the
    invoice's amount due and the state's ``amount_held``) or 0038 (``statuses.is_held``, also
    true in the ``holding`` statuses) left it, a truth value on both databases (0 or 1 on SQLite)."""
    due = f"{invoice}.total_amount - {state}.amount_paid - {state}.amount_credited"
    if not holding:
        return f"({state}.amount_held > 0 AND {state}.amount_held >= {due})"
    statuses = ", ".join(f"'{status.value}'" for status in sorted(holding))
    return f"({due} > 0 AND ({state}.payment_status IN ({statuses}) OR {state}.amount_held >= {due}))"


def _kept(held: frozenset[PaymentStatus] | None) -> tuple[str, ...]:
    """The state's columns worked out from the invoice besides the copies."""
    return ("open_due_date", "held_in_full") if held is not None else ("open_due_date",)


def refresh_statement(copied: tuple[str, ...], where: str = "1 = 1",
                      closing: frozenset[PaymentStatus] = CLOSING, *,
                      held: frozenset[PaymentStatus] | None = None) -> str:
    """``UPDATE`` setting the kept columns of the payment states matching ``where`` from their
    invoices, the open due date left by the ``closing`` statuses (and with ``held``, revision 0037
    on, ``held_in_full``, true in the ``held`` statuses besides: ``HOLDING_0037`` or
    ``HOLDING_0038``; the same on SQLite and PostgreSQL)."""
    columns = ", ".join((*copied, *_kept(held)))
    values = ", ".join((*(f"i.{column}" for column in copied), _open_due(STATE, "i", closing),
                        *([_held_in_full(STATE, "i", held)] if held is not None else [])))
    return (f"UPDATE {STATE} SET ({columns}) = (SELECT {values} FROM {INVOICE} i "
            f"WHERE i.id = {STATE}.invoice_id) WHERE {where}")


def _state_columns(held: frozenset[PaymentStatus] | None) -> str:
    """The state's columns whose change the state's trigger refreshes the kept ones for."""
    return ", ".join((*STATE_COLUMNS, HELD_COLUMN) if held is not None else STATE_COLUMNS)


def _sqlite(copied: tuple[str, ...], closing: frozenset[PaymentStatus] = CLOSING,
            held: frozenset[PaymentStatus] | None = None) -> dict[str, str]:
    """The SQLite triggers, by name."""
    return {
        "oro_invoice_open_due_state_insert": f"""
            CREATE TRIGGER oro_invoice_open_due_state_insert AFTER INSERT ON {STATE}
            BEGIN {refresh_statement(copied, 'invoice_id = NEW.invoice_id', closing, held=held)}; END""",
        # the refresh sets none of the watched columns, so it does not fire these again
        "oro_invoice_open_due_state_update": f"""
            CREATE TRIGGER oro_invoice_open_due_state_update AFTER UPDATE OF {_state_columns(held)}
            ON {STATE} BEGIN {refresh_statement(copied, 'invoice_id = NEW.invoice_id', closing, held=held)}; END""",
        # no INSERT trigger on the invoice: its state (a foreign key to it) is always written after it
        "oro_invoice_open_due_invoice_update": f"""
            CREATE TRIGGER oro_invoice_open_due_invoice_update AFTER UPDATE OF
            {', '.join(_invoice_columns(copied))}
            ON {INVOICE} BEGIN {refresh_statement(copied, 'invoice_id = NEW.id', closing, held=held)}; END""",
    }


def _pg_functions(copied: tuple[str, ...], closing: frozenset[PaymentStatus] = CLOSING,
                  held: frozenset[PaymentStatus] | None = None) -> dict[str, str]:
    """The PostgreSQL trigger functions, by name."""
    values = [_open_due("NEW", "i", closing), *([_held_in_full("NEW", "i", held)] if held is not None else [])]
    return {
        "oro_invoice_open_due_of_state": f"""
            CREATE OR REPLACE FUNCTION oro_invoice_open_due_of_state() RETURNS trigger AS $$
            BEGIN
                SELECT {', '.join((*(f'i.{column}' for column in copied), *values))}
                  INTO {', '.join(f'NEW.{column}' for column in (*copied, *_kept(held)))}
                  FROM {INVOICE} i WHERE i.id = NEW.invoice_id;
                RETURN NEW;
            END $$ LANGUAGE plpgsql""",
        "oro_invoice_open_due_of_invoice": f"""
            CREATE OR REPLACE FUNCTION oro_invoice_open_due_of_invoice() RETURNS trigger AS $$
            BEGIN
                {refresh_statement(copied, 'invoice_id = NEW.id', closing, held=held)};
                RETURN NULL;
            END $$ LANGUAGE plpgsql""",
    }


def _pg_triggers(copied: tuple[str, ...],
                 held: frozenset[PaymentStatus] | None = None) -> dict[str, tuple[str, str, str]]:
    """name: (when it fires, on which table, what it runs)"""
    return {
        "oro_invoice_open_due_state": (f"BEFORE INSERT OR UPDATE OF {_state_columns(held)}", STATE,
                                       "oro_invoice_open_due_of_state"),
        "oro_invoice_open_due_invoice": (f"AFTER UPDATE OF {', '.join(_invoice_columns(copied))}", INVOICE,
                                         "oro_invoice_open_due_of_invoice"),
    }


def create_statements(dialect: str, copied: tuple[str, ...], closing: frozenset[PaymentStatus] = CLOSING, *,
                      held: frozenset[PaymentStatus] | None = None) -> list[str]:
    """The DDL installing the triggers on ``dialect`` ("sqlite" or "postgresql") that keep the
    open due date (left by the ``closing`` statuses), the ``copied`` columns and, with ``held``
    (revision 0037 on), ``held_in_full`` (true in the ``held`` statuses besides)."""
    if dialect == "sqlite":
        return list(_sqlite(copied, closing, held).values())
    if dialect == "postgresql":
        return [*_pg_functions(copied, closing, held).values(), *(
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {func}()"
            for name, (when, table, func) in _pg_triggers(copied, held).items())]
    raise ValueError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")


def drop_statements(dialect: str) -> list[str]:
    """The DDL removing them again."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in _sqlite(COPIED)]
    return [*(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, (_, table, _) in _pg_triggers(COPIED).items()),
            *(f"DROP FUNCTION IF EXISTS {name}()" for name in _pg_functions(COPIED))]
