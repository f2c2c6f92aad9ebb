"""Match Bank Statement: reading a statement of 2,000 payments and matching them to invoices.

In the reference shop (SQLite, the embedded default) with N posted invoices of 10 lines, a CSV
statement of 2,000 payments received (``bank_statement_files.MAX_ENTRIES``), three in four naming
one or two of the invoices in its reference among other words, as a bank gives it, and the fourth
naming none (so looked up by its amount, some owing exactly what one of the invoices owes, a
quarter paid by the invoices' customer, whose open invoices adding up to it are looked for). Measured: reading
the file alone (the baseline, in the same run), then reading and matching it
(``bank_matching.match_entries``): what the page does before it answers.

    python benchmarks/bench_bank_statement.py [--invoices 500]
"""
from __future__ import annotations

import argparse
import random
import time

from _common import posted_like, print_per_invoice, seeded_shop

from oro_invoices.services.bank_matching import match_entries
from oro_invoices.services.bank_statement_files import MAX_ENTRIES, read_statement


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(7)
    with seeded_shop(pdfs_at_posting=False) as addon:
        service = addon.service
        template = service.find_id(external_id="ERP-SO-1003-3")
        owed = service.get(template).amount_due
        numbers = [service.get(i).invoice_number for i in posted_like(service, args.invoices, template)]
        rows = ["date,amount,currency,reference,payer"]
        for n in range(MAX_ENTRIES):
            if n % 4 == 3:          # names no invoice: looked up by its amount
                amount = owed if n % 8 == 7 else rng.randint(100, 99999) / 100
                # half of the others paid by the invoices' customer: its open invoices adding up are looked for
                payer = "Acme Industries AG" if n % 16 == 3 else f"Payer {n % 50}"
                rows.append(f"2026-12-0{1 + n % 9},{amount:.2f},EUR,Order 55{n:04d},{payer}")
                continue
            named = " and ".join(rng.sample(numbers, rng.choice((1, 1, 1, 2))))
            rows.append(f"2026-12-0{1 + n % 9},{rng.randint(100, 99999) / 100:.2f},EUR,"
                        f"\"Order 55{n:04d} invoices {named}, customer 10{n % 97:03d}\",Payer {n % 50}")
        data = ("\n".join(rows) + "\n").encode()

        start = time.perf_counter()
        statement = read_statement("statement.csv", data)
        read_seconds = time.perf_counter() - start

        start = time.perf_counter()
        matches = match_entries(service, read_statement("statement.csv", data).entries, organization_id=1)
        matched_seconds = time.perf_counter() - start
        assert len(matches) == MAX_ENTRIES and sum(1 for m in matches if m.invoices) == MAX_ENTRIES * 3 // 4
    print_per_invoice(f"a CSV statement of {len(statement.entries)} payments ({len(data) // 1024} KiB), "
                      f"{args.invoices} posted invoices, SQLite", len(statement.entries),
                      [("baseline: reading the file", read_seconds), ("reading and matching", matched_seconds)],
                      per="payment")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
