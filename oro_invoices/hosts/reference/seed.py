"""Demo data for the reference host: two organizations, customers, users of every role, invoices.

``seed(app)`` fills an empty shop and returns what ``demo.json`` lists (logins,
ids, the API tokens; and, per organization, its admin, API token, customers,
websites and orders, so a script can act as each organization). Invoices are made through the add-on's service, as an
importing ERP would, some posted (with their PDFs), some paid.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from oro_invoices.adapters.commerce import InvoiceRole, OrderLine
from oro_invoices.adapters.identity import PERMISSIONS
from oro_invoices.domain.invoice import Address
from oro_invoices.hosts.reference import models as m
from oro_invoices.integration.config import Settings

if TYPE_CHECKING:  # pragma: no cover
    import flask

    from oro_invoices.hosts.reference.reference import ReferenceHost
    from oro_invoices.services.facade import InvoiceService

DEMO_PASSWORD = "demo1234"
ADMIN = {"username": "admin", "password": "admin1234"}
ADMIN_JP = {"username": "admin.jp", "password": "admin1234"}

PRODUCTS = {
    "EUR": [("Cordless drill 18 V", "DRL-18V", "item", "149.90", "0.19"),
            ("Safety gloves, size L (pair)", "GLV-L", "pair", "4.75", "0.19"),
            ("Technical handbook, 3rd edition", "BOOK-TH3", "item", "39.00", "0.07"),
            ("Hex bolt M8x40, box of 100", "BLT-M8-40", "box", "12.60", "0.19"),
            ("On-site installation", "SVC-INST", "hour", "85.00", "0.19")],
    "USD": [("Shop vacuum 12 gal", "VAC-12", "item", "129.00", "0.0725"),
            ("Work light LED 5000 lm", "LGT-5K", "item", "59.50", "0.0725"),
            ("Freight", "FREIGHT", "shipment", "45.00", "0")],
    "JPY": [("Precision screwdriver set", "PSD-24", "set", "3800", "0.10"),
            ("Sencha green tea, 1 kg", "TEA-1KG", "bag", "2400", "0.08"),
            ("Delivery", "DELIV", "shipment", "1100", "0.10")],
}


#: The sellers' payment terms in each language the demo's documents are written in: free text,
#: so a customer's own terms (set at its scope) are how its documents carry them in its language.
TERMS = {"en_US": "Payable within 30 days without deduction.",
         "de_DE": "Zahlbar innerhalb von 30 Tagen ohne Abzug.",
         "fr_FR": "Payable à 30 jours, sans escompte.",
         "ja_JP": "請求書発行日から30日以内にお支払いください。"}

#: The French customer of the demo (``seed(languages=True)``).
LUMIERE = "Lumière Équipements SARL"


def _address(name: str, company: str, street: str, city: str, postal: str, country: str) -> Address:
    return Address(name=name, organization=company, street=street, city=city,
                   postal_code=postal, country=country)


def seed(app: flask.Flask, today: dt.date | None = None, *, languages: bool = False,
         einvoices: bool = False) -> dict[str, Any]:
    """Fill the reference shop with demo data; returns the logins and ids for ``demo.json``.

    ``languages`` (``oro-invoices demo``): customers in German, French, Japanese and English
    (each customer's ``oro_invoices.locale``), so their PDFs and emails are in their language;
    a French customer, Lumière Équipements, is added with a user and an invoice.

    ``einvoices`` (``oro-invoices demo``): e-invoicing on for the whole shop before any invoice
    is posted, so every posted invoice is a Factur-X PDF/A-3 (docs/einvoicing.md).
    """
    host: ReferenceHost = app.extensions["oro_reference_host"]
    service: InvoiceService = app.extensions["oro_invoices"].service
    rec = host.records
    today = today or service.today()   # the services' clock in the global oro_invoices.timezone (UTC unless set)

    org1 = rec.add_organization("Northwind Supply GmbH")
    org2 = rec.add_organization("Sakura Trading K.K.")
    web_eu = rec.add_website(org1, "Northwind EU Store")
    web_us = rec.add_website(org1, "Northwind US Store")
    web_jp = rec.add_website(org2, "Sakura Online")
    wholesale = rec.add_customer_group("Wholesale", organization_id=org1)
    retail = rec.add_customer_group("Retail", organization_id=org1)
    wholesale_jp = rec.add_customer_group("Wholesale", organization_id=org2)

    acme = rec.add_customer("Acme Industries AG", group_id=wholesale, organization_id=org1,
                            vat_id="DE136695976", country_code="DE", buyer_reference="ACME-AP-7")
    acme_berlin = rec.add_customer("Acme Industries – Berlin Branch", parent_id=acme,
                                   group_id=wholesale, organization_id=org1,
                                   vat_id="DE136695976", country_code="DE")
    globex = rec.add_customer("Globex Corporation", group_id=retail, organization_id=org1,
                              country_code="US")
    initech = rec.add_customer("Initech GmbH", group_id=retail, organization_id=org1,
                               vat_id="DE129273398", country_code="DE")
    tanaka = rec.add_customer("Tanaka Seisakusho", group_id=wholesale_jp, organization_id=org2,
                              country_code="JP")
    # (id, name, parent, organization)
    customers = [(acme, "Acme Industries AG", None, org1),
                 (acme_berlin, "Acme Industries – Berlin Branch", acme, org1),
                 (globex, "Globex Corporation", None, org1), (initech, "Initech GmbH", None, org1),
                 (tanaka, "Tanaka Seisakusho", None, org2)]
    lumiere = 0
    if languages:
        lumiere = rec.add_customer(LUMIERE, group_id=retail, organization_id=org1,
                                   vat_id="FR40303265045", country_code="FR")
        customers.append((lumiere, LUMIERE, None, org1))

    users_spec = [
        (acme, "amanda.cole@acme.example", "Amanda Cole", InvoiceRole.CORPORATE),
        (acme, "ben.ortiz@acme.example", "Ben Ortiz", InvoiceRole.DEPARTMENT),
        (acme, "carla.nguyen@acme.example", "Carla Nguyen", InvoiceRole.OWN),
        (acme, "no.access@acme.example", "Nate Noaccess", InvoiceRole.NONE),
        (acme_berlin, "dieter.berg@acme.example", "Dieter Berg", InvoiceRole.OWN),
        (globex, "gina.park@globex.example", "Gina Park", InvoiceRole.DEPARTMENT),
        (initech, "peter.gibbons@initech.example", "Peter Gibbons", InvoiceRole.OWN),
        (tanaka, "hiro.tanaka@tanaka.example", "Hiro Tanaka", InvoiceRole.DEPARTMENT),
    ]
    if languages:
        users_spec.append((lumiere, "claire.martin@lumiere.example", "Claire Martin", InvoiceRole.DEPARTMENT))
    users: list[dict[str, Any]] = []
    for cid, email, name, role in users_spec:
        uid = rec.add_customer_user(cid, email, name, password=DEMO_PASSWORD, invoice_role=role)
        users.append({"id": uid, "email": email, "password": DEMO_PASSWORD, "customer_id": cid,
                      "role": role.value, "name": name})
    by_email = {u["email"]: u for u in users}

    admin_id = rec.add_admin(ADMIN["username"], ADMIN["password"], name="Alex Admin",
                             email="alex.admin@northwind.example", organization_id=org1)
    # Sakura's admin configures Sakura only; the global scope is Northwind's admin's
    admin_jp_id = rec.add_admin(ADMIN_JP["username"], ADMIN_JP["password"], name="Yuki Sato",
                                email="yuki.sato@sakura.example", organization_id=org2,
                                permissions=set(PERMISSIONS) - {"oro_invoices.configure_global"})
    token = rec.add_api_token(admin_id, name="demo ERP")
    token_jp = rec.add_api_token(admin_jp_id, name="demo ERP (Sakura)")

    settings = Settings.of_host(host)
    settings.set("oro_invoices.enabled", True)
    if einvoices:
        settings.set("oro_invoices.einvoice.enabled", True)
    for key, value in {"company_name": "Northwind Supply GmbH",
                       "phone": "+49 40 555 0100", "contact_email": "billing@northwind.example",
                       "website_url": "https://northwind.example", "tax_id": "22/815/08154",
                       "vat_id": "DE123456788", "legal_registration_id": "HRB 123456",
                       "street": "Hafenstraße 12", "postal_code": "20457", "city": "Hamburg",
                       "country_code": "DE", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
                       "payment_terms": TERMS["en_US"]}.items():
        settings.set(f"oro_invoices.seller.{key}", value, "organization", org1)
    for key, value in {"company_name": "Sakura Trading K.K.",
                       "phone": "+81 3 5555 0100", "contact_email": "seikyu@sakura.example",
                       "website_url": "https://sakura.example", "tax_id": "T1234567890123",
                       "legal_registration_id": "1010001000001",
                       "street": "丸の内1-2-3", "street2": "丸の内ビル 5階", "postal_code": "100-0005",
                       "city": "千代田区", "region": "東京都", "country_code": "JP"}.items():
        settings.set(f"oro_invoices.seller.{key}", value, "organization", org2)
    settings.set("oro_invoices.seller.payment_terms", TERMS["ja_JP"], "organization", org2)
    for org in (org1, org2):  # as the terms say: an invoice created without a due date is due in 30 days
        settings.set("oro_invoices.seller.payment_days", "30", "organization", org)
    settings.set("oro_invoices.number_prefix", "SAK-", "organization", org2)
    settings.set("oro_invoices.locale", "ja_JP", "organization", org2)
    if languages:  # each customer's documents, payment terms included, in its language (docs/i18n.md)
        for cid, locale in ((acme, "de_DE"), (acme_berlin, "de_DE"), (initech, "de_DE"),
                            (globex, "en_US"), (lumiere, "fr_FR"), (tanaka, "ja_JP")):
            settings.set("oro_invoices.locale", locale, "customer", cid)
            if locale in ("de_DE", "fr_FR"):
                settings.set("oro_invoices.seller.payment_terms", TERMS[locale], "customer", cid)

    addresses = {
        acme: _address("Accounts Payable", "Acme Industries AG", "Industriestraße 5", "Stuttgart", "70565", "DE"),
        acme_berlin: _address("Dieter Berg", "Acme Industries – Berlin Branch", "Friedrichstraße 100", "Berlin", "10117", "DE"),
        globex: _address("Gina Park", "Globex Corporation", "500 Market Street", "San Francisco", "94105", "US"),
        initech: _address("Peter Gibbons", "Initech GmbH", "Bürostraße 9", "Munich", "80331", "DE"),
        tanaka: _address("Hiro Tanaka", "Tanaka Seisakusho", "4-5-6 Umeda, Kita-ku", "Osaka", "530-0001", "JP"),
    }
    if languages:
        addresses[lumiere] = _address("Claire Martin", LUMIERE, "12 rue de la République", "Lyon", "69002", "FR")

    # (customer, buyer email, website, currency, product indexes with quantities, days ago, plan)
    plan = [
        (acme, "amanda.cole@acme.example", web_eu, "EUR", [(0, "2"), (2, "5"), (4, "3.5")], 40, "paid"),
        (acme, "ben.ortiz@acme.example", web_eu, "EUR", [(1, "40"), (3, "6")], 33, "partial"),
        (acme, "carla.nguyen@acme.example", web_eu, "EUR", [(0, "1"), (2, "2")], 26, "posted"),
        (acme, "carla.nguyen@acme.example", web_eu, "EUR", [(3, "12"), (1, "10")], 5, "draft"),
        (acme_berlin, "dieter.berg@acme.example", web_eu, "EUR", [(0, "3"), (4, "8")], 21, "posted"),
        (acme_berlin, "dieter.berg@acme.example", web_eu, "EUR", [(2, "1")], 2, "draft"),
        (globex, "gina.park@globex.example", web_us, "USD", [(0, "2"), (1, "4"), (2, "1")], 30, "external"),
        (globex, "gina.park@globex.example", web_us, "USD", [(1, "10"), (2, "1")], 12, "posted"),
        (globex, "gina.park@globex.example", web_us, "USD", [(0, "1")], 1, "draft"),
        (initech, "peter.gibbons@initech.example", web_eu, "EUR", [(4, "16"), (2, "4")], 18, "forced"),
        (tanaka, "hiro.tanaka@tanaka.example", web_jp, "JPY", [(0, "3"), (1, "5"), (2, "1")], 15, "posted"),
        (tanaka, "hiro.tanaka@tanaka.example", web_jp, "JPY", [(1, "2"), (2, "1")], 3, "draft"),
    ]
    if languages:
        plan.append((lumiere, "claire.martin@lumiere.example", web_eu, "EUR", [(1, "20"), (2, "3")], 9, "posted"))
    # Lines of an order (by its place in the plan) delivered later, so invoiced by a second invoice
    back_ordered = {1: [(1, "10")]}
    # The PO numbers some buyers gave at checkout (by the order's place in the plan)
    purchase_orders = {2: "PO-ACME-4471", 5: "4500012877", 8: "GX-PO-2026-118"}
    orders = []
    for n, (cid, email, website, currency, items, days, state) in enumerate(plan, start=1):
        org = org2 if cid == tanaka else org1
        buyer = by_email[email]
        lines = [_line(currency, i, qty) for i, qty in items + back_ordered.get(n, [])]
        created = dt.datetime.combine(today - dt.timedelta(days=days + 2), dt.time(9, 30),
                                      tzinfo=dt.UTC)
        order_id = rec.add_order(identifier=f"SO-{1000 + n}", currency=currency,
                                 organization_id=org, customer_id=cid, customer_user_id=buyer["id"],
                                 website_id=website, lines=lines, bill_to=addresses[cid],
                                 ship_to=addresses[cid], created_at=created,
                                 purchase_order=purchase_orders.get(n, ""))
        orders.append({"id": order_id, "customer_id": cid, "customer_user_id": buyer["id"],
                       "identifier": f"SO-{1000 + n}", "organization_id": org})
        _invoice(service, order_id, host, today - dt.timedelta(days=days), state, n, first=len(items))

    # The first order's back-ordered lines (a partial delivery): a draft invoice of them, to show
    # several invoices on the order's tab, one posted and one draft, together invoicing the order.
    _invoice(service, orders[0]["id"], host, today - dt.timedelta(days=8), "draft", 99,
             skip=len(plan[0][4]))

    return {
        "admin": dict(ADMIN), "admins": [dict(ADMIN), dict(ADMIN_JP)], "api_token": token,
        "customer_users": [{k: u[k] for k in ("id", "email", "password", "customer_id", "role")}
                           for u in users],
        "customers": [{"id": cid, "name": name, "parent_id": parent, "organization_id": org}
                      for cid, name, parent, org in customers],
        "orders": orders,
        "organizations": [
            _organization(org1, "Northwind Supply GmbH", ADMIN, token, customers, orders,
                          [web_eu, web_us]),
            _organization(org2, "Sakura Trading K.K.", ADMIN_JP, token_jp, customers, orders,
                          [web_jp]),
        ],
    }


def _organization(org: int, name: str, admin: dict[str, str], api_token: str,
                  customers: list[tuple[int, str, int | None, int]], orders: list[dict[str, Any]],
                  websites: list[int]) -> dict[str, Any]:
    """One organization as ``demo.json`` lists it: what a script needs to act as it."""
    return {"id": org, "name": name, "admin": dict(admin), "api_token": api_token,
            "customers": [cid for cid, _, _, owner in customers if owner == org],
            "websites": websites,
            "orders": [o["id"] for o in orders if o["organization_id"] == org]}


def _line(currency: str, index: int, quantity: str) -> OrderLine:
    description, sku, unit, price, rate = PRODUCTS[currency][index]
    return OrderLine(description, Decimal(quantity), Decimal(price), Decimal(rate), sku, unit)


def _invoice(service: InvoiceService, order_id: int, host: ReferenceHost, invoice_date: dt.date,
             state: str, n: int, *, skip: int = 0, first: int | None = None) -> None:
    """An invoice of the order's lines after the first ``skip``, up to line ``first``."""
    order = host.orders.get(order_id)
    if order is None:
        raise LookupError(f"order {order_id} was just added but cannot be read back")
    payload: dict[str, Any] = {
        "external_id": f"ERP-{order.identifier}-{n}",
        "invoice_date": invoice_date.isoformat(),
        "due_date": (invoice_date + dt.timedelta(days=30)).isoformat(),
        "currency": order.currency, "organization_id": order.organization_id,
        "website_id": order.website_id, "customer_id": order.customer_id,
        "customer_user_id": order.customer_user_id, "order_id": order.id,
        "order_identifier": order.identifier, "purchase_order": order.purchase_order or None,
        "bill_to": order.bill_to.as_dict() if order.bill_to else None,
        "ship_to": order.ship_to.as_dict() if order.ship_to else None,
        "lines": [{"description": l.description, "sku": l.sku, "unit": l.unit,
                   "quantity": str(l.quantity), "unit_price": str(l.unit_price),
                   "tax_rate": str(l.tax_rate)} for l in order.lines[skip:first]],
    }
    if state == "external":
        payload["external_payment_url"] = "https://pay.example.com/checkout/" + order.identifier
    doc = service.create(payload, actor="ERP import")
    if state == "draft":
        return
    doc = service.post(doc.id, actor="ERP import")
    if state == "paid":
        service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge",
                                        "amount": str(doc.total_amount),
                                        "provider_reference": f"BANK-{doc.id}",
                                        "notes": "Received by bank transfer"}, actor="Accounting")
    elif state == "partial":
        half = (doc.total_amount / 2).quantize(Decimal("0.01"))
        service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge",
                                        "amount": str(half), "provider_reference": f"BANK-{doc.id}",
                                        "notes": "First instalment"}, actor="Accounting")
    elif state == "forced":
        service.force_payment_status(doc.id, "invoiced", actor="ERP import")


def is_seeded(app: flask.Flask) -> bool:
    host: ReferenceHost = app.extensions["oro_reference_host"]
    return host.records.count(m.organizations) > 0
