"""The core imports and builds an add-on with none of the optional extras installed.

A subprocess hides flask, weasyprint, segno and apispec (a meta-path finder refusing them),
imports the core modules, builds the add-on on SQLite with the memory host and posts an
invoice; no PDF is made because there is no renderer.
"""
from __future__ import annotations

import subprocess

from support.extras import run_without

EXTRAS = ("flask", "weasyprint", "segno", "apispec")

BUILD = '''
    import sys
    import json

    import oro_invoices.composition
    import oro_invoices.services.facade
    import oro_invoices.web.api
    from oro_invoices.composition import AddonConfig, build_addon

    database_url, storage_url = sys.argv[1], sys.argv[2]
    config = AddonConfig(database_url=database_url, storage_url=storage_url, host="memory",
                         migrate=True, load_entrypoints=False)
    with build_addon(config) as addon:
        addon.settings.set("oro_invoices.storefront_base_url", "https://shop.example")
        customer = addon.host.add_customer("Acme Corp")
        user = addon.host.add_customer_user(customer.id, "buyer@acme.test", "Bea Buyer")
        draft = addon.invoices.create({
            "invoice_date": "2026-11-02", "due_date": "2026-12-02", "currency": "EUR",
            "customer_id": customer.id, "customer_user_id": user.id,
            "bill_to": {"name": "Acme Corp", "street": "1 Main St", "city": "Springfield",
                        "postal_code": "12345", "country": "US"},
            "lines": [{"description": "Widget", "quantity": "2", "unit_price": "10.00"}],
        }, actor="test")
        posted = addon.invoices.post(draft.id, actor="test")
        result = {
            "renderer": addon.renderer, "host": addon.host.name,
            "number": posted.invoice_number, "pdf": posted.pdf is not None,
            "customer_name": posted.customer_name,
            "payment_link": addon.payment_link(posted),
            "sender": addon.mail.sender,
        }
    leaked = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
    print(json.dumps({"leaked": leaked, **result}))
'''

PDF_REQUIRED = '''
    import sys
    from oro_invoices.composition import AddonConfig, build_addon
    from oro_invoices.domain.errors import ConfigurationError

    try:
        build_addon(AddonConfig(database_url=sys.argv[1], pdf=True, load_entrypoints=False))
    except ConfigurationError as exc:
        print(exc.message)
'''


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_without(EXTRAS, script, *args)


def test_core_builds_an_addon_without_flask_weasyprint_segno_or_apispec(tmp_path):
    import json
    result = run(BUILD, f"sqlite:///{tmp_path / 'invoices.db'}", (tmp_path / "pdf").as_uri())
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["leaked"] == []
    assert out["renderer"] is None and out["pdf"] is False
    assert out["host"] == "memory"
    assert out["number"].startswith("INV-")              # the schema's default prefix
    assert out["customer_name"] == "Acme Corp"            # filled in by the host's customers
    assert out["payment_link"].startswith("https://shop.example/")  # the configured base URL
    assert out["sender"] == "invoices@example.com"        # the schema's default sender


def test_asking_for_pdfs_without_the_extra_names_the_extra(tmp_path):
    result = run(PDF_REQUIRED, f"sqlite:///{tmp_path / 'invoices.db'}")
    assert result.returncode == 0, result.stderr
    assert "pip install 'oro-invoices[pdf]'" in result.stdout
