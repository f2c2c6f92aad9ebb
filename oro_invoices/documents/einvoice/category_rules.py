"""The EN 16931 rules of the VAT categories an imported e-invoice must meet for what the
invoice keeps of it: the buyer's VAT id, the date and the country of supply, the lines'
categories.

A reverse-charge line (``AE``) needs the buyer's VAT id or legal registration id (BR-AE-02,
-03, -04); an intra-community supply (``K``) the buyer's VAT id (BR-IC-02, -03, -04), a date
of supply (BR-IC-11) and the country delivered to (BR-IC-12); a line outside the scope of VAT
(``O``) no buyer VAT id (BR-O-02, -03, -04) and no line of another category beside it
(BR-O-11). The rates (BR-AE-05 …) and an exempt line's reason (BR-E-10) are the lines' own
checks (``domain.invoice.tax_category_problem``); the seller's ids are the organization's.
Each rule broken is one problem naming the rule, the lines that need it and what is missing.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oro_invoices.domain.messages import N_, Message, PluralMessage

__all__ = ["LineKind", "category_problems"]

#: What a line of the payload was in the e-invoice: an invoice line, an allowance or a charge
#: (EN 16931 numbers the rules of each category's lines 02, allowances 03, charges 04).
LineKind = str
LINE, ALLOWANCE, CHARGE = "line", "allowance", "charge"
_RULE_NUMBER = {LINE: "02", ALLOWANCE: "03", CHARGE: "04"}
_NAMES = {"AE": N_("reverse charge"), "K": N_("intra-community supply")}


def category_problems(payload: Mapping[str, Any], kinds: Sequence[LineKind], *, buyer_vat_id: str,
                      buyer_legal_id: str) -> list[tuple[str, Message]]:
    """The category rules ``payload`` (an e-invoice's fields) breaks, as ``(field, message)``;
    ``kinds[i]`` is what ``payload["lines"][i]`` was, ``buyer_vat_id`` BT-48, ``buyer_legal_id``
    BT-47 ("" when not given)."""
    lines = [line for line in payload.get("lines") or [] if isinstance(line, Mapping)]
    in_category = {code: [i for i, line in enumerate(lines) if line.get("tax_category") == code]
                   for code in ("AE", "K", "O")}
    problems: list[tuple[str, Message]] = []
    if not buyer_vat_id and not buyer_legal_id:
        problems += _missing("BR-AE", "AE", in_category["AE"], lines, kinds, "BT-48", Message(
            "the buyer's VAT identifier (BT-48) or legal registration identifier (BT-47)"))
    if not buyer_vat_id:
        problems += _missing("BR-IC", "K", in_category["K"], lines, kinds, "BT-48",
                             Message("the buyer's VAT identifier (BT-48)"))
    if in_category["K"]:
        if not (payload.get("delivery_date") or payload.get("delivery_period_start")
                or payload.get("delivery_period_end")):
            problems += _needs("BR-IC-11", "K", in_category["K"], lines, "BT-72", Message(
                "the actual delivery date (BT-72) or the invoicing period (BG-14)"))
        ship_to = payload.get("ship_to")
        if not (isinstance(ship_to, Mapping) and ship_to.get("country")):
            problems += _needs("BR-IC-12", "K", in_category["K"], lines, "BT-80",
                               Message("the deliver-to country code (BT-80)"))
    if in_category["O"]:
        if buyer_vat_id:
            by_rule = _by_rule("BR-O", in_category["O"], kinds)
            problems += [("BT-48", PluralMessage(
                "[%(rule)s] Line %(lines)s is not subject to VAT (category O), so the e-invoice must not name the "
                "buyer's VAT identifier (BT-48); it names %(vat_id)s.",
                "[%(rule)s] Lines %(lines)s are not subject to VAT (category O), so the e-invoice must not name the "
                "buyer's VAT identifier (BT-48); it names %(vat_id)s.",
                len(indexes), rule=rule, lines=_described(indexes, lines), vat_id=buyer_vat_id))
                for rule, indexes in by_rule]
        others = [i for i, line in enumerate(lines) if line.get("tax_category", "") != "O"]
        if others:
            problems.append((f"lines[{others[0]}].tax_category", PluralMessage(
                "[BR-O-11] An e-invoice with lines not subject to VAT (category O) has no lines of another "
                "category; line %(lines)s is in another.",
                "[BR-O-11] An e-invoice with lines not subject to VAT (category O) has no lines of another "
                "category; lines %(lines)s are in others.", len(others), lines=_described(others, lines))))
    return problems


def _missing(prefix: str, code: str, indexes: list[int], lines: Sequence[Mapping[str, Any]],
             kinds: Sequence[LineKind], field: str, what: Message) -> list[tuple[str, Message]]:
    """One problem per rule (lines, allowances, charges) of ``code`` that ``what`` is missing for."""
    return [problem for rule, found in _by_rule(prefix, indexes, kinds)
            for problem in _needs(rule, code, found, lines, field, what)]


def _needs(rule: str, code: str, indexes: list[int], lines: Sequence[Mapping[str, Any]], field: str,
           what: Message) -> list[tuple[str, Message]]:
    if not indexes:
        return []
    return [(field, PluralMessage(
        "[%(rule)s] Line %(lines)s is in VAT category %(code)s (%(name)s), which needs %(what)s; the e-invoice "
        "does not give it.",
        "[%(rule)s] Lines %(lines)s are in VAT category %(code)s (%(name)s), which needs %(what)s; the e-invoice "
        "does not give it.", len(indexes), rule=rule, lines=_described(indexes, lines), code=code,
        name=Message(_NAMES[code]), what=what))]


def _by_rule(prefix: str, indexes: list[int], kinds: Sequence[LineKind]) -> list[tuple[str, list[int]]]:
    """``indexes`` grouped by the rule of their kind (``BR-AE-02`` for lines, ``-03`` allowances …)."""
    groups: dict[str, list[int]] = {}
    for i in indexes:
        kind = kinds[i] if i < len(kinds) else LINE
        groups.setdefault(f"{prefix}-{_RULE_NUMBER[kind]}", []).append(i)
    return sorted(groups.items())


def _described(indexes: list[int], lines: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Each line as the reader finds it: its number (from 1) and description."""
    return tuple(f"{i + 1} ({lines[i].get('description') or '—'})" for i in indexes)
