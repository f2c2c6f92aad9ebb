"""Record Payment for the invoices ticked on the grid: one transfer shared among N invoices.

In the reference shop (SQLite, the embedded default), ``services.remittances.record`` of one
payment for N posted invoices (each share its amount due: N payments by hand, each with its
status recalculated and announced), beside a baseline in the same run: the same N payments
recorded one invoice at a time as the view page's Record Payment does
(``record_received_payment``), on N other invoices of the same shop. Also the form's plan
(``remittances.plan``), which writes nothing.

    python benchmarks/bench_remittance.py [--count 100]
"""
from __future__ import annotations

import argparse
import datetime as dt
import secrets
import time

from _common import posted_like, print_per_invoice, seeded_shop

from oro_invoices.services import remittances
from oro_invoices.services.selected_invoices import MAX_SELECTED


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=MAX_SELECTED)
    args = parser.parse_args()
    today = dt.datetime.now(dt.UTC).date()
    with seeded_shop(pdfs_at_posting=False) as addon:
        service = addon.service
        template = service.find_id(external_id="ERP-SO-1003-3")
        ticked, one_by_one = posted_like(service, args.count, template), posted_like(service, args.count, template)

        start = time.perf_counter()
        planned = remittances.plan(service, ticked, organization_id=1)
        plan_seconds = time.perf_counter() - start

        start = time.perf_counter()
        for invoice_id in one_by_one:
            service.record_received_payment(invoice_id, amount=service.get(invoice_id).amount_due,
                                            method="bank_transfer", received_on=today, reference="BENCH",
                                            actor="bench", request_key=secrets.token_urlsafe(24))
        baseline = time.perf_counter() - start

        start = time.perf_counter()
        done = remittances.record(service, ticked, {s.invoice_id: s.amount for s in planned.takers},
                                  organization_id=1, method="bank_transfer", received_on=today, reference="BENCH",
                                  actor="bench", request_key=secrets.token_urlsafe(24))
        recorded = time.perf_counter() - start
        assert all(s.outcome == remittances.RECORDED for s in done.shares), done.shares[:3]
    print_per_invoice(f"one payment for {args.count} posted invoices of 10 lines, SQLite", args.count,
                      [("the form's plan", plan_seconds), ("Record Payment (ticked)", recorded),
                       ("baseline: one at a time", baseline)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
