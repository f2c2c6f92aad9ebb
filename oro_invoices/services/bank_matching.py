"""Matching the payments of a bank statement (``services.bank_statement_files``) to the invoices
they pay, so that each is recorded with the grid's Record Payment (``services.remittances``).

A payment's remittance information names the invoices it pays: every word of it with a digit is
looked up as an invoice number and as an external id among the admin's organization's invoices
(``find_id``: exact, as printed on the invoice). A payment that names no invoice it can pay is
**suggested** one when a single open invoice of the organization owes exactly its amount in its
currency, none of the statement's other payments names it and no other payment was suggested it;
among several such invoices, the one whose customer name shares a word with the payer's (legal
forms aside). Failing that, it is suggested **several** invoices of the payer's customer (the one
named as the payer, legal forms aside, else the one sharing the most words with the payer's
name), when their amounts due add up to exactly its amount: the oldest
due first (as customers pay), else the one set of two to four of their ``SEVERAL_MAX`` oldest
open invoices that does (several such sets: none). A suggestion is only that: it is never
recorded with the exact matches. A payment is **recorded** already when its statement line is
(``times_recorded``): its invoices (named, or, naming none, those charged exactly its amount)
have a payment recorded by hand, not reversed, received the day it was booked under its
reference, of its whole amount in its currency, and of its bank entry reference when the payment
keeps one (``BANK_NOTE``); of several identical lines in one statement, the n-th is recorded when
n such payments are (``EntryMatch.occurrence``). Uploading a statement again shows what is done.

Matching writes nothing: each match leads to the Record Payment form, filled in with the invoices,
the amount received, the day, the reference and the bank entry reference, for the admin to
check and record. The payments that pay exactly what their invoices owe can also be recorded
together (``record_matched``), each as that form would; a key made from the statement line and
its invoices makes recording the same one again record nothing more. A payment that brings more
than its invoices owe, every invoice it names (paid or not) of one customer
(``EntryMatch.keeps_surplus``), is recorded so too when asked (``MatchedPayment.keep_surplus``):
what is over their amount due is kept as that customer's credit, as Record Payment keeps it
(``remittances.record``'s ``surplus``), and only that much when the admin confirmed an amount
(``MatchedPayment.surplus``).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.limits import MAX_INT64, is_storable_text
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import AMOUNT_LIMIT, given_money, is_decimal_text, to_minor
from oro_invoices.persistence.owing import charged_exactly, open_customers, owing_exactly, owing_of_customer
from oro_invoices.persistence.read_models import TransactionView
from oro_invoices.services import remittances
from oro_invoices.services.bank_statement_entries import MAX_ENTRIES, bank_reference, iso_day
from oro_invoices.services.bank_statement_files import REFERENCE_MAX, StatementEntry
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.manual_payments import reversed_payments
from oro_invoices.services.selected_invoices import MAX_SELECTED

#: A word that may be an invoice number or an external id: letters, digits and ``/_.-``, with a digit.
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\-]{1,63}")
#: How a payment compares with what its invoices owe.
MATCHED, PARTLY, MORE, NOT_FOUND, RECORDED = "matched", "partly", "more", "not_found", "recorded"
#: A payment naming no invoice, with one open invoice owing exactly its amount.
SUGGESTED = "suggested"
#: Words of a name that say what kind of company it is, not which.
_LEGAL_FORMS = frozenset({"ag", "gmbh", "kg", "ohg", "ug", "ev", "ltd", "llc", "llp", "inc", "corp", "co", "plc", "sa",
                          "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "ab", "as", "kk", "the", "und", "and"})
#: The most words of one payment looked up.
WORDS_MAX = 40
#: Among how many of a customer's open invoices (the oldest due) several adding up to a payment are looked for.
SEVERAL_MAX = 20
#: The most invoices a set adding up to a payment holds (besides the oldest due first, which may hold more).
SET_MAX = 4
#: The longest payment a page sends back (``MatchedPayment.to_text``: ``MAX_SELECTED`` ids and a
#: reference escaped as JSON fit well within it); longer is refused before it is parsed.
PAYMENT_TEXT_MAX = 8 * 1024
_CURRENCY = re.compile(r"[A-Z]{3}")
#: What a payment's text that the page did not write is said to be.
DAMAGED = Message("The list of payments is damaged; upload the statement again.")
#: How the notes of a payment recorded from a statement line keep the bank's reference of the entry.
BANK_NOTE = "Bank entry reference: "
_BANK_NOTE = re.compile(re.escape(BANK_NOTE) + r"(\S+)")


@dataclass(frozen=True)
class EntryMatch:
    """A payment of the statement and the invoices it names.

    :param invoices: the organization's invoices its remittance information names, in that order.
    :param recorded: one of them has this payment recorded already (by hand, same day and reference).
    :param suggested: naming no invoice it can pay, the invoices found by its amount: the one open
        invoice owing exactly that, or several of the payer's adding up to it (``SUGGESTED``), or
        those (not named) it was recorded for (``RECORDED``).
    :param occurrence: it is the n-th line of the statement identical to it (``line_identity``).
    """

    entry: StatementEntry
    invoices: tuple[InvoiceDocument, ...] = ()
    recorded: bool = False
    suggested: tuple[InvoiceDocument, ...] = ()
    occurrence: int = 1

    @property
    def named_payable(self) -> list[InvoiceDocument]:
        """The named invoices that can take a share of it: posted, payable, in its currency."""
        return [d for d in self.invoices if remittances.share_problem(d, self.entry.currency) is None]

    @property
    def problems(self) -> dict[int, Message]:
        """Why each named invoice takes no share of it (by id): a draft, paid, in another currency…"""
        found = {d.id: remittances.share_problem(d, self.entry.currency) for d in self.invoices}
        return {invoice_id: problem for invoice_id, problem in found.items() if problem is not None}

    @property
    def payable(self) -> list[InvoiceDocument]:
        """The invoices it would be recorded for: those named that can take a share, else the suggested ones."""
        named = self.named_payable
        return named if named else list(self.suggested)

    @property
    def due(self) -> Decimal:
        return sum((d.amount_due for d in self.payable), Decimal(0))

    @property
    def outcome(self) -> str:
        """``RECORDED``, ``NOT_FOUND`` (no invoice it can pay), ``SUGGESTED`` (none named, invoices
        owing exactly its amount), or how its amount compares with their amount due: ``MATCHED``,
        ``PARTLY`` (less), ``MORE``."""
        if self.recorded:
            return RECORDED
        if not self.named_payable:
            return SUGGESTED if self.suggested else NOT_FOUND
        if self.entry.amount == self.due:
            return MATCHED
        return PARTLY if self.entry.amount < self.due else MORE

    @property
    def one_customer(self) -> bool:
        """Whether every invoice it names (paid or not), else those suggested, is one customer's."""
        return _one_customer(self.invoices or self.suggested)

    @property
    def keeps_surplus(self) -> bool:
        """Whether it brings more than its invoices owe (``MORE``) and every invoice it names is
        one customer's, so that what is over may be kept as that customer's credit."""
        return self.outcome == MORE and self.one_customer

    @property
    def why_not_kept(self) -> Message | None:
        """Why what it brings over its invoices' amount due cannot be kept as credit (``MORE`` only)."""
        return _SEVERAL_CUSTOMERS if self.outcome == MORE and not self.one_customer else None


def _one_customer(documents: tuple[InvoiceDocument, ...] | list[InvoiceDocument]) -> bool:
    customers = {d.customer_id for d in documents}
    return len(customers) == 1 and None not in customers


_SEVERAL_CUSTOMERS = Message("Its invoices are not all of one customer, so what it brings over their amount due "
                             "cannot be kept as a customer's credit: record it from the list.")


def line_identity(entry: StatementEntry) -> tuple[dt.date, str, Decimal, str, str]:
    """What tells a statement line from another: its day, reference, amount, currency and the
    bank's reference of the entry (where the layout has one)."""
    return entry.booked_on, entry.reference, entry.amount, entry.currency, entry.bank_reference


def candidate_words(text: str) -> list[str]:
    """The words of ``text`` that may name an invoice (with a digit), once each, in order."""
    words = (w.rstrip("./-_") for w in _WORD.findall(text))
    return list(dict.fromkeys(w for w in words if len(w) >= 3 and any(c.isdigit() for c in w)))[:WORDS_MAX]


def match_entries(invoices: InvoiceService, entries: list[StatementEntry], *,
                  organization_id: int) -> list[EntryMatch]:
    """Each entry with the invoices of ``organization_id`` it names, or those suggested by its
    amount (nothing is written)."""
    found: dict[str, int | None] = {}
    documents: dict[int, InvoiceDocument] = {}

    def document(invoice_id: int) -> InvoiceDocument:
        if invoice_id not in documents:
            documents[invoice_id] = invoices.get(invoice_id)
        return documents[invoice_id]

    named_ids: list[list[int]] = []
    for entry in entries:
        ids: list[int] = []
        for word in candidate_words(entry.reference):
            if word not in found:
                found[word] = _lookup(invoices, organization_id, word)
            invoice_id = found[word]
            if invoice_id is not None and invoice_id not in ids:
                ids.append(invoice_id)
        named_ids.append(ids)
    seen: dict[tuple[dt.date, str, Decimal, str, str], int] = {}
    occurrences = []
    for entry in entries:
        identity = line_identity(entry)
        seen[identity] = seen.get(identity, 0) + 1
        occurrences.append(seen[identity])
    named = [EntryMatch(entry, tuple(document(i) for i in ids), occurrence=n)
             for entry, ids, n in zip(entries, named_ids, occurrences, strict=True)]
    unmatched = [m for m in named if not m.named_payable]
    before = _recorded_by_amount(invoices, unmatched, organization_id)
    taken = {i for ids in named_ids for i in ids}
    open_matches = [m for m in unmatched if id(m.entry) not in before]
    suggestions = _suggestions(invoices, open_matches, organization_id, taken=taken)
    suggestions.update(_several(invoices, [m for m in open_matches if id(m.entry) not in suggestions],
                                organization_id, taken=taken))
    matches = []
    for match, ids in zip(named, named_ids, strict=True):
        key = id(match.entry)
        if key in before:         # the invoices named are listed already
            matches.append(EntryMatch(match.entry, match.invoices, True,
                                      tuple(document(i) for i in before[key] if i not in ids), match.occurrence))
            continue
        recorded = times_recorded(invoices, match.entry, ids) >= match.occurrence
        matches.append(EntryMatch(match.entry, match.invoices, recorded,
                                  tuple(document(i) for i in suggestions.get(key, ())), match.occurrence))
    return matches


def _recorded_by_amount(invoices: InvoiceService, unmatched: list[EntryMatch],
                        organization_id: int) -> dict[int, tuple[int, ...]]:
    """The invoices each payment naming none it can pay was recorded for already (by ``id`` of its
    entry): one charged exactly its amount, or those of one payment of it for several, by hand,
    the day it was booked, under its reference."""
    recorded: dict[int, tuple[int, ...]] = {}
    for currency, matches in _by_currency(unmatched).items():
        amounts = {id(m.entry): _minor(m.entry.amount, currency) for m in matches}
        earliest = min(m.entry.booked_on for m in matches)
        with invoices.db.session() as s:       # recorded after the money arrived: since the statement's first day
            charged = charged_exactly(s, organization_id, currency, [a for a in amounts.values() if a is not None],
                                      recorded_since=earliest)
        for match in matches:
            entry = match.entry
            candidates = list(dict.fromkeys(c.invoice_id for c in charged if c.received == amounts[id(entry)]
                                            and c.received_on == entry.booked_on and c.reference == entry.reference))
            if candidates and times_recorded(invoices, entry, candidates) >= match.occurrence:
                recorded[id(entry)] = tuple(candidates)
    return recorded


def _by_currency(matches: list[EntryMatch]) -> dict[str, list[EntryMatch]]:
    grouped: dict[str, list[EntryMatch]] = {}
    for match in matches:
        grouped.setdefault(match.entry.currency, []).append(match)
    return grouped


def _suggestions(invoices: InvoiceService, unmatched: list[EntryMatch], organization_id: int, *,
                 taken: set[int]) -> dict[int, tuple[int, ...]]:
    """The invoice suggested to each payment naming none it can pay (by ``id`` of its entry): the
    one open invoice owing exactly its amount that no payment names and none was suggested before."""
    suggested: dict[int, tuple[int, ...]] = {}
    for currency, matches in _by_currency(unmatched).items():
        amounts = {id(m.entry): _minor(m.entry.amount, currency) for m in matches}
        wanted = [a for a in amounts.values() if a is not None]
        if not wanted:
            continue
        with invoices.db.session() as s:
            owing = owing_exactly(s, organization_id, currency, wanted)
        for match in matches:
            candidates = [o for o in owing if o.amount == amounts[id(match.entry)] and o.invoice_id not in taken]
            alike = [o for o in candidates if _share_a_word(o.customer_name, match.entry.payer)]
            chosen = alike if alike else candidates
            if len(chosen) == 1:
                suggested[id(match.entry)] = (chosen[0].invoice_id,)
                taken.add(chosen[0].invoice_id)
    return suggested


def _several(invoices: InvoiceService, unmatched: list[EntryMatch], organization_id: int, *,
             taken: set[int]) -> dict[int, tuple[int, ...]]:
    """The invoices suggested to each payment naming none it can pay and owed by no one invoice
    (by ``id`` of its entry): several open invoices of the payer's customer (``_payers_customer``)
    adding up to exactly its amount (``adding_up``), none named or suggested before."""
    suggested: dict[int, tuple[int, ...]] = {}
    for currency, matches in _by_currency([m for m in unmatched if m.entry.payer.strip()]).items():
        with invoices.db.session() as s:
            customers = open_customers(s, organization_id, currency)
            for match in matches:
                amount = _minor(match.entry.amount, currency)
                payer = _payers_customer(customers, match.entry.payer)
                if amount is None or payer is None:
                    continue
                owing = [o for o in owing_of_customer(s, organization_id, payer, currency, limit=SEVERAL_MAX)
                         if o.invoice_id not in taken]
                chosen = adding_up([(o.invoice_id, o.amount) for o in owing], amount)
                if chosen:
                    suggested[id(match.entry)] = chosen
                    taken.update(chosen)
    return suggested


def adding_up(owing: list[tuple[int, int]], amount: int) -> tuple[int, ...]:
    """The invoices of ``owing`` (id, amount due; oldest due first) whose amounts due add up to
    exactly ``amount``: two or more of the oldest, else the one set of two to ``SET_MAX`` that
    does (each set is found once: its indexes in increasing order); () when none does or several
    sets do."""
    total = 0
    for count, (_invoice_id, due) in enumerate(owing, start=1):
        total += due
        if total == amount and count >= 2:
            return tuple(invoice_id for invoice_id, _ in owing[:count])
        if total > amount:
            break
    dues = [due for _, due in owing]
    pairs: dict[int, list[tuple[int, int]]] = {}
    for i, j in itertools.combinations(range(len(dues)), 2):
        pairs.setdefault(dues[i] + dues[j], []).append((i, j))
    found: list[tuple[int, ...]] = list(pairs.get(amount, []))                                  # two
    found += [(k, i, j) for k, due in enumerate(dues) for i, j in pairs.get(amount - due, []) if i > k]  # three
    found += [(i, j, k, m) for (i, j) in itertools.chain.from_iterable(pairs.values())              # four
              for k, m in pairs.get(amount - dues[i] - dues[j], []) if k > j]
    if len(found) != 1:
        return ()
    return tuple(owing[index][0] for index in found[0])


def _minor(amount: Decimal, currency: str) -> int | None:
    try:
        return to_minor(amount, currency)
    except (ValidationError, ArithmeticError, ValueError):
        return None       # more decimals than the currency has: no invoice owes it


def _share_a_word(name: str, payer: str) -> bool:
    """Whether a customer's name and a payer's share a word of three letters or more (legal forms aside)."""
    return bool(_name_words(name) & _name_words(payer))


def _payers_customer(customers: dict[int, str], payer: str) -> int | None:
    """The one of ``customers`` (id → name) the payer is: the one named as the payer is (legal
    forms aside), else the one sharing the most words with the payer's name; None when no one
    or several are."""
    said = _name_words(payer)
    if not said:
        return None
    same = [c for c, name in customers.items() if _name_words(name) == said]
    if len(same) == 1:
        return same[0]
    shared = {c: len(_name_words(name) & said) for c, name in customers.items()}
    most = max(shared.values(), default=0)
    best = [c for c, count in shared.items() if count == most]
    return best[0] if most and len(best) == 1 else None


def _name_words(text: str) -> set[str]:
    """The words of a name that tell it apart: three letters or more, legal forms aside, any case."""
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) >= 3 and w not in _LEGAL_FORMS}


def _lookup(invoices: InvoiceService, organization_id: int, word: str) -> int | None:
    """The organization's invoice numbered ``word``, else the one whose external id it is."""
    try:
        return invoices.find_id(invoice_number=word, organization_id=organization_id)
    except NotFound:
        return invoices.id_of_external_id(organization_id, word)


def times_recorded(invoices: InvoiceService, entry: StatementEntry, ids: list[int]) -> int:
    """How many payments of ``ids`` recorded by hand (not reversed) are the statement line ``entry``:
    received the day it was booked under its reference, of its whole amount (a payment for several
    invoices: the amount received) in its currency, and, keeping a bank entry reference, of its
    own. A payment for several of ``ids`` counts once."""
    looked = set(ids)
    count = 0
    for invoice_id in ids:
        transactions = invoices.transactions(invoice_id)
        undone = reversed_payments(transactions)
        for t in transactions:
            if not (t.recorded_by_hand and t.action == "charge" and t.id not in undone and _is_line(t, entry)):
                continue
            shared = [i for i in (t.remittance.invoice_ids if t.remittance else ()) if i in looked]
            if not shared or invoice_id == min(shared):
                count += 1
    return count


def _is_line(payment: TransactionView, entry: StatementEntry) -> bool:
    received = payment.remittance.total if payment.remittance is not None else payment.amount
    kept = bank_reference_of(payment.notes)
    return (payment.received_on == entry.booked_on and payment.reference == entry.reference
            and payment.currency == entry.currency and received == entry.amount
            and (not kept or kept == entry.bank_reference))


def bank_note(entry_reference: str) -> str:
    """The notes of a payment recorded from a statement line with the bank's reference of its entry."""
    return BANK_NOTE + entry_reference if entry_reference else ""


def bank_reference_of(notes: str) -> str:
    """The bank entry reference a payment's notes keep (``bank_note``), else ""."""
    found = _BANK_NOTE.match(notes or "")
    return found.group(1) if found else ""


@dataclass(frozen=True)
class MatchedPayment:
    """A payment of the statement to record for the invoices it pays exactly (what the payments
    page sends back for **Record them**); ``keep_surplus``: or pays more, what is over their
    amount due kept as their customer's credit (asked apart from the text).

    :param invoice_ids: the invoices its line names that can take a share first, then the others
        it names (paid, or not payable), whose customers count too.
    :param bank_reference: the bank's reference of its entry; ``occurrence``: its line is the n-th
        identical one of the statement (both tell it from another line of the same key).
    :param surplus: what the admin confirmed is kept as credit (``keep_surplus``): recorded only
        while it is what is over their amount due; None: whatever is over (the API, the command).
    """

    invoice_ids: tuple[int, ...]
    amount: Decimal
    currency: str
    booked_on: dt.date
    reference: str
    keep_surplus: bool = False
    bank_reference: str = ""
    occurrence: int = 1
    surplus: Decimal | None = None

    def to_text(self) -> str:
        data: dict[str, Any] = {"invoices": list(self.invoice_ids), "amount": str(self.amount),
                                "currency": self.currency, "booked_on": self.booked_on.isoformat(),
                                "reference": self.reference}
        if self.bank_reference:
            data["bank_reference"] = self.bank_reference
        if self.occurrence > 1:
            data["occurrence"] = self.occurrence
        if self.surplus is not None:
            data["surplus"] = str(self.surplus)
        return json.dumps(data)

    @classmethod
    def from_text(cls, text: str) -> MatchedPayment:
        """The payment ``to_text`` wrote.

        :raises ValidationError: text that is no payment of the page (a damaged form).
        """
        values = _payment_values(text)
        if values is None:
            raise ValidationError([("", DAMAGED)])
        return values

    @classmethod
    def of(cls, match: EntryMatch, *, keep_surplus: bool = False, surplus: Decimal | None = None) -> MatchedPayment:
        """The payment of ``match`` for its invoices (``surplus``: what the admin confirmed keeping)."""
        entry = match.entry
        ids = tuple(dict.fromkeys([d.id for d in match.payable] + [d.id for d in match.invoices]))[:MAX_SELECTED]
        return cls(ids, entry.amount, entry.currency, entry.booked_on, entry.reference, keep_surplus,
                   entry.bank_reference, match.occurrence, surplus)

    def key(self, organization_id: int) -> str:
        """The Record Payment key of this payment: the same statement line and invoices, the same key."""
        parts = [str(organization_id), self.booked_on.isoformat(), str(self.amount), self.currency, self.reference,
                 ",".join(map(str, sorted(self.invoice_ids)))]
        parts += [f"bank:{self.bank_reference}"] if self.bank_reference else []
        parts += [f"#{self.occurrence}"] if self.occurrence > 1 else []
        return "bank-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


#: The keys of a payment's text, in the order ``MatchedPayment`` takes their values; those it may have.
_PAYMENT_KEYS = ("invoices", "amount", "currency", "booked_on", "reference")
_OPTIONAL_KEYS = frozenset({"bank_reference", "occurrence", "surplus"})


def _payment_values(text: str) -> MatchedPayment | None:
    """The payment of a payment's text (``MatchedPayment.to_text``), each value checked as the
    page writes it: 1 to ``MAX_SELECTED`` invoice ids of 64 bits, the amount a decimal string
    above zero and below ``AMOUNT_LIMIT``, a currency code, a ``YYYY-MM-DD`` day, a reference of
    at most ``REFERENCE_MAX`` storable characters, and, when given, a bank reference of at most
    35 visible characters, an occurrence from 2 to ``MAX_ENTRIES`` and a surplus (a decimal string
    below ``AMOUNT_LIMIT``); None when one is not."""
    if len(text) > PAYMENT_TEXT_MAX:            # before parsing: no depth or size to exhaust
        return None
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not set(_PAYMENT_KEYS) <= set(data) <= set(_PAYMENT_KEYS) | _OPTIONAL_KEYS:
        return None
    ids, amount, currency, booked_on, reference = (data[key] for key in _PAYMENT_KEYS)
    if not isinstance(ids, list) or not 0 < len(ids) <= MAX_SELECTED \
            or not all(type(i) is int and 0 < i <= MAX_INT64 for i in ids):
        return None
    if not isinstance(amount, str) or not is_decimal_text(amount) or not 0 < Decimal(amount) < AMOUNT_LIMIT:
        return None
    day = iso_day(booked_on) if isinstance(booked_on, str) and len(booked_on) == 10 else None
    if day is None or not isinstance(currency, str) or _CURRENCY.fullmatch(currency) is None:
        return None
    if not isinstance(reference, str) or len(reference) > REFERENCE_MAX or not is_storable_text(reference):
        return None
    bank_ref, occurrence, surplus = data.get("bank_reference", ""), data.get("occurrence", 1), data.get("surplus")
    if not isinstance(bank_ref, str) or bank_ref != bank_reference(bank_ref) \
            or type(occurrence) is not int or not 1 <= occurrence <= MAX_ENTRIES:
        return None
    if surplus is not None and (not isinstance(surplus, str) or not is_decimal_text(surplus)
                                or not 0 <= Decimal(surplus) < AMOUNT_LIMIT):
        return None
    return MatchedPayment(tuple(ids), Decimal(amount), currency, day, reference, bank_reference=bank_ref,
                          occurrence=occurrence, surplus=Decimal(surplus) if surplus is not None else None)


@dataclass(frozen=True)
class RecordedMatch:
    """What recording one matched payment did: ``remittance`` (its shares), or ``problem``."""

    payment: MatchedPayment
    remittance: remittances.Remittance | None = None
    problem: Message | str | None = None

    @property
    def recorded_shares(self) -> list[remittances.Share]:
        """The shares with their payment (recorded now or before)."""
        return [s for s in (self.remittance.shares if self.remittance else []) if s.transaction is not None]

    @property
    def kept(self) -> Decimal:
        """What its payments kept over their invoices' amount due as the customer's credit."""
        return sum((s.transaction.surplus or Decimal(0) for s in self.recorded_shares if s.transaction is not None),
                   Decimal(0))

    @property
    def outcome(self) -> str:
        """``RECORDED`` (now), ``"before"`` (from this statement line earlier) or ``"not_recorded"``."""
        outcomes = {s.outcome for s in self.recorded_shares}
        if not outcomes:
            return "not_recorded"
        return "before" if outcomes == {remittances.ALREADY_RECORDED} else RECORDED

    @property
    def why(self) -> Message | str | None:
        """Why it was not recorded: ``problem``, or the error that stopped its shares."""
        return self.problem or next((problem_of(s.error) for s in (self.remittance.shares if self.remittance else [])
                                     if s.error is not None), None)


def problem_of(error: InvoiceError) -> Message | str:
    """What ``error`` says to the admin: a ``ValidationError``'s messages one after the other,
    without the fields they are on (the statement line is named beside them), else its message."""
    if isinstance(error, ValidationError) and error.errors:
        return functools.reduce(lambda said, more: Message("%(problem)s %(more)s", problem=said, more=more),
                                (message for _field, message in error.errors))
    return error.message


def record_matched(invoices: InvoiceService, payments: list[MatchedPayment], *, organization_id: int,
                   actor: str, receipts: bool = True) -> list[RecordedMatch]:
    """Record each payment that still pays exactly what its invoices owe, or (``keep_surplus``)
    at least that, what is over kept as their customer's credit, as Record Payment for them would
    (by bank transfer, received the day it was booked, under its reference); one that no longer
    does, or whose surplus cannot be kept, is left for the admin (``problem``: nothing of it is
    written), and the others go on. ``receipts`` False: no receipt email (over the API)."""
    done = []
    for payment in payments:
        key = payment.key(organization_id)
        try:
            planned = remittances.plan(invoices, list(payment.invoice_ids), organization_id=organization_id,
                                       received=payment.amount)
        except InvoiceError as exc:          # an amount with more decimals than its invoices' currency has
            done.append(RecordedMatch(payment, problem=problem_of(exc)))
            continue
        before = any(invoices.received_payment(i, f"{key}-{i}") is not None for i in payment.invoice_ids)
        surplus = Decimal(0)
        if before:                  # recorded from this list already: nothing more (said as such)
            amounts: dict[int, Decimal | str | None] = {}
        else:
            problem = _unrecordable(payment, planned)
            if problem is not None:
                done.append(RecordedMatch(payment, problem=problem))
                continue
            amounts = {s.invoice_id: s.amount for s in planned.takers}
            surplus = planned.unallocated
        try:
            recorded = remittances.record(
                invoices, list(payment.invoice_ids), amounts, organization_id=organization_id, method="bank_transfer",
                received_on=payment.booked_on, reference=payment.reference, notes=bank_note(payment.bank_reference),
                actor=actor, request_key=key, surplus=surplus, receipts=receipts)
        except InvoiceError as exc:
            done.append(RecordedMatch(payment, problem=problem_of(exc)))
            continue
        done.append(RecordedMatch(payment, recorded))
    return done


def _unrecordable(payment: MatchedPayment, planned: remittances.Remittance) -> Message | None:
    """Why ``payment`` is not recorded for its invoices as they are now (None: it is): in their
    currency, each that can take a share taking its whole amount due, and nothing left over
    unless it is kept as the one customer's credit of every invoice it names (paid or not), as
    much as the admin confirmed."""
    found = [s.invoice for s in planned.shares if s.invoice is not None]
    if found and planned.currency != payment.currency:
        return Message("Its invoices are in %(currency)s, the payment in %(payment)s: record it from the list.",
                       currency=planned.currency, payment=payment.currency)
    if payment.keep_surplus and not _one_customer(found):
        return _SEVERAL_CUSTOMERS
    if payment.keep_surplus and not planned.takers:
        return Message("None of its invoices can be paid any more, so there is no customer to keep what it brings "
                       "as credit for: record it from the list.")
    whole = bool(planned.takers) and all(s.amount == s.invoice.amount_due for s in planned.takers if s.invoice)
    if not payment.keep_surplus:
        return None if whole and not planned.unallocated else Message(
            "It no longer pays exactly what its invoices owe: record it from the list.")
    if not whole:
        return Message("It no longer pays at least what its invoices owe: record it from the list.")
    if payment.surplus is not None and planned.unallocated != payment.surplus:
        return Message("What it brings over their amount due is now %(now)s, not the %(confirmed)s ticked to keep as "
                       "credit (an invoice was paid or changed meanwhile): record it from the list.",
                       now=given_money(planned.unallocated, payment.currency),
                       confirmed=given_money(payment.surplus, payment.currency))
    return None
