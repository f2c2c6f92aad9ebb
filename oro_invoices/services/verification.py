"""``oro-invoices verify``: walk the hash chains and check stored PDFs."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oro_invoices.documents.storage import Storage
from oro_invoices.persistence import chain
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Invoice, InvoiceDocumentRow, NumberSequence


@dataclass
class VerifyReport:
    checked_invoices: int = 0
    checked_pdfs: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _label(inv: Invoice) -> str:
    return f"invoice {inv.invoice_number or inv.id} (id {inv.id})"


def verify(db: Database, storage: Storage | None = None, *, batch: int = 1000) -> VerifyReport:
    """Check every posted invoice's chain link and, with ``storage``, every stored PDF."""
    report = VerifyReport()
    with db.session() as s:
        heads = {chain.chain_key(r.organization_id, r.period): r
                 for r in s.execute(select(NumberSequence)).scalars()}
        stmt = (select(Invoice).where(Invoice.status == "posted")
                .order_by(Invoice.chain_key, Invoice.chain_seq)
                .options(selectinload(Invoice.lines))
                .execution_options(yield_per=batch))
        seen_keys = set()
        for key, group in groupby(s.execute(stmt).scalars(), key=lambda inv: inv.chain_key):
            seen_keys.add(key)
            expected_prev: str | None = chain.GENESIS
            expected_seq = 1
            for inv in group:
                report.checked_invoices += 1
                if inv.chain_seq != expected_seq:
                    report.problems.append(
                        f"{_label(inv)}: chain {key} position {inv.chain_seq}, expected {expected_seq} "
                        "(an invoice is missing from the chain)")
                if inv.prev_hash != expected_prev:
                    report.problems.append(f"{_label(inv)}: previous-hash link is broken")
                if chain.link_hash(inv, inv.prev_hash or "") != inv.content_hash:
                    report.problems.append(f"{_label(inv)}: content does not match its recorded hash (altered)")
                expected_prev, expected_seq = inv.content_hash, (inv.chain_seq or 0) + 1
            head = heads.get(key)
            if head is None or head.head_hash != expected_prev or head.chain_length != expected_seq - 1:
                report.problems.append(f"chain {key}: its recorded head does not match the last posted invoice "
                                       "(an invoice at the end of the chain is missing or altered)")
        for key, head in heads.items():
            if key not in seen_keys and head.chain_length:
                report.problems.append(f"chain {key}: {head.chain_length} posted invoice(s) recorded but none found")
        if storage is not None:
            docs = s.execute(select(InvoiceDocumentRow, Invoice.invoice_number)
                             .join(Invoice, Invoice.id == InvoiceDocumentRow.invoice_id)
                             .order_by(InvoiceDocumentRow.invoice_id)).all()
            for doc, number in docs:
                report.checked_pdfs += 1
                problem = storage.check(doc.sha256, size=doc.size)
                if problem:
                    report.problems.append(f"invoice {number} (id {doc.invoice_id}): PDF {doc.sha256[:12]}…: {problem}")
    return report
