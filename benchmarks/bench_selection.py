"""Send to Customer for the invoices ticked on the grid: N drafts posted and emailed at once.

In the reference shop (SQLite, PDFs rendered at posting in the request: the embedded default),
``services.selected_invoices.send`` of N drafts of 10 lines, each posted (its PDF made) and its
email queued with the PDF attached, beside a baseline in the same run: the same work done one
invoice at a time the way the view page's Send to Customer and Send do it (``post``,
``prepare``, ``send``), on N other drafts of the same shop. Also the confirmation page's plan
(``plan_sends``), which writes nothing.

    python benchmarks/bench_selection.py [--count 100]
"""
from __future__ import annotations

import argparse
import time

from _common import drafts_like, print_per_invoice, seeded_shop

from oro_invoices.services import selected_invoices


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=selected_invoices.MAX_SELECTED)
    args = parser.parse_args()
    with seeded_shop() as addon:
        service, mail = addon.service, addon.mail
        template = service.find_id(external_id="ERP-SO-1004-4")
        ticked, one_by_one = drafts_like(service, args.count, template), drafts_like(service, args.count, template)
        service.post(drafts_like(service, 1, template)[0], actor="bench")     # the renderer warmed up

        start = time.perf_counter()
        selected_invoices.plan_sends(service, mail, ticked, organization_id=1)
        planned = time.perf_counter() - start

        start = time.perf_counter()
        for invoice_id in one_by_one:
            doc = service.post(invoice_id, actor="bench")
            draft = mail.prepare(invoice_id)
            mail.send(invoice_id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
                      attach_pdf=doc.pdf is not None, actor="bench", template=draft.template)
        baseline = time.perf_counter() - start

        start = time.perf_counter()
        results = selected_invoices.send(service, mail, ticked, organization_id=1, actor="bench", once="bench")
        sent = time.perf_counter() - start
        assert all(r.outcome == selected_invoices.SENT for r in results), results[:3]
    print_per_invoice(f"{args.count} drafts of 10 lines, SQLite, PDFs made at posting (inline)", args.count,
                      [("confirmation page's plan", planned), ("Send N invoices (ticked)", sent),
                       ("baseline: one at a time", baseline)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
