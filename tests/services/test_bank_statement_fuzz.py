"""Any file an admin uploads as a bank statement is read or refused in words: hypothesis edits the
example statement of each layout at random places (bytes that are digits to Python but not to a
bank, line endings, huge numbers, DOCTYPEs, cut and doubled pieces) and every outcome is either
``UnreadableStatement`` or payments a page can show and Record Payment can take."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import AMOUNT_LIMIT, round_money
from oro_invoices.services.bank_statement_entries import REFERENCE_MAX
from oro_invoices.services.bank_statement_files import UnreadableStatement, read_statement

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
FILES = {name: (EXAMPLES / name).read_bytes() for name in (
    "bank-statement-camt053.xml", "bank-statement-camt054.xml", "bank-statement-mt940.sta",
    "bank-statement-bai2.bai", "bank-statement.csv")}
#: What the edits insert: what broke readers before, and what a bank's file may hold.
PIECES = [b"\xb2", b"\xb9", "\u0663".encode(), "\uff11".encode(), b"\r", b"\r\n", b"\n", b"\x00", b",", b";",
          b"'", b'"', b":61:", b":86:", b"?20", b"16,", b"88,", b"/", b"-", b".", b"9" * 40, b"1e400",
          b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"<Amt Ccy=\"EUR\">", b"</Amt>", b"<Ntry>", b"x" * 300,
          b"2026-02-30", b"20261203", b"2026W491", b"0001-01-01", "Müller".encode("latin-1")]


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(FILES)))
    data = bytearray(FILES[name])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "replace", "cut", "double"]))
        piece = draw(st.one_of(st.sampled_from(PIECES), st.binary(min_size=1, max_size=8)))
        end = min(len(data), at + draw(st.integers(1, 40)))
        if kind == "insert":
            data[at:at] = piece
        elif kind == "replace":
            data[at:end] = piece
        elif kind == "cut":
            del data[at:end]
        else:
            data[at:at] = data[at:end]
    return name, bytes(data)


@hsettings(max_examples=2000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_an_edited_statement_is_read_as_payments_a_page_can_show_or_refused_in_words(file: tuple[str, bytes]):
    name, data = file
    try:
        found = read_statement(name, data)
    except UnreadableStatement as exc:
        assert isinstance(exc.message, Message) and str(exc.message)
        return
    for entry in found.entries:
        assert len(entry.currency) == 3 and entry.currency.isascii() and entry.currency.isupper()
        assert 0 < entry.amount < AMOUNT_LIMIT and entry.amount.is_finite()
        round_money(entry.amount, entry.currency)                  # what the page's money filter does
        assert isinstance(entry.booked_on, dt.date)
        assert len(entry.reference) <= REFERENCE_MAX and len(entry.payer) <= REFERENCE_MAX
        assert str(entry.where)
    assert all(isinstance(problem, Message) and str(problem) for problem in found.problems)
