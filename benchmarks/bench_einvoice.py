"""Posting with the PDF vs posting with the PDF and the e-invoice, in the same run.

Each invoice (10 lines, German seller and buyer) is created and posted on SQLite with a
stored PDF; the e-invoice run also builds the EN 16931 XML, checks it against the XSD and
the schematron (Saxon-HE, in-process), and renders a PDF/A-3b with the XML attached (CII
profiles) or keeps the XML beside the plain PDF (``ubl``). The two kinds of posting
alternate, so both see the same machine load. Target: ≤ +25 %.
The schematron is compiled once per process (reported apart, before the timed postings).

    python benchmarks/bench_einvoice.py [--count 40] [--profile en16931|basic|ubl]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from oro_invoices.documents.einvoice import rules
from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.services.facade import InvoiceService

SELLER = {"company_name": "Northwind Supply GmbH", "vat_id": "DE123456788", "street": "Hafenstraße 12",
          "postal_code": "20457", "city": "Hamburg", "country_code": "DE",
          "iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
          "payment_terms": "Payable within 30 days without deduction."}
LINES = [{"description": f"Item {n}", "sku": f"SKU-{n}", "unit": "pcs", "quantity": str(n),
          "unit_price": "9.99", "tax_rate": "0.19" if n % 2 else "0.07"} for n in range(1, 11)]


def service(root: Path, name: str, einvoice: bool, profile: str) -> tuple[InvoiceService, int]:
    host = MemoryHost()
    settings = Settings.of_host(host)
    settings.apply({"oro_invoices.einvoice.enabled": einvoice, "oro_invoices.einvoice.profile": profile,
                    **{f"oro_invoices.seller.{k}": v for k, v in SELLER.items()}})
    db = Database(f"sqlite:///{root / name}.db")
    upgrade(db)
    customer = host.add_customer("Acme Industries AG", vat_id="DE136695976", country_code="DE")
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=settings,
                         storage=LocalStorage(root / name), renderer=PdfRenderer(), host=host)
    return svc, customer.id


def payload(customer_id: int) -> dict:
    return {"invoice_date": "2026-11-02", "due_date": "2026-12-02", "currency": "EUR",
            "organization_id": 1, "customer_id": customer_id, "customer_name": "Acme Industries AG",
            "bill_to": {"organization": "Acme Industries AG", "street": "Industriestraße 5",
                        "city": "Stuttgart", "postal_code": "70565", "country": "DE"},
            "lines": LINES}


def timed_post(svc: InvoiceService, customer_id: int) -> float:
    draft = svc.create(payload(customer_id))
    start = time.perf_counter()
    posted = svc.post(draft.id)
    elapsed = (time.perf_counter() - start) * 1000
    assert posted.pdf is not None
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--profile", default="en16931", choices=["basic", "en16931", "ubl"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plain, plain_customer = service(root, "plain", False, args.profile)
        hybrid, hybrid_customer = service(root, "hybrid", True, args.profile)
        start = time.perf_counter()
        rules.warm(args.profile)
        compile_ms = (time.perf_counter() - start) * 1000
        for _ in range(3):  # warm the renderer, fonts and both databases
            timed_post(plain, plain_customer)
            timed_post(hybrid, hybrid_customer)
        base, with_xml = [], []
        for _ in range(args.count):
            base.append(timed_post(plain, plain_customer))
            with_xml.append(timed_post(hybrid, hybrid_customer))
        for svc in (plain, hybrid):
            svc.db.dispose()
    b, e = statistics.median(base), statistics.median(with_xml)
    overhead = (e / b - 1) * 100
    print(f"schematron compiled once per process: {compile_ms:.0f} ms ({args.profile})")
    print(f"{'posting':38} {'median ms':>10} {'min ms':>8}")
    print(f"{'baseline: PDF':38} {b:10.1f} {min(base):8.1f}")
    made = "PDF + UBL XML kept, checked" if args.profile == "ubl" else f"PDF/A-3 + {args.profile} XML, checked"
    print(f"{made:38} {e:10.1f} {min(with_xml):8.1f}")
    verdict = "PASS" if overhead <= 25 else "FAIL"
    print(f"overhead: {overhead:+.1f} % (target ≤ +25 %): {verdict}; {args.count} postings each")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
