"""E-invoices as import records: CII or UBL XML, or a Factur-X / ZUGFeRD PDF carrying CII.

One file is one posted invoice (or credit note) whose fields come from the XML
(``documents.einvoice.reading``, ``ubl_reading``). A hybrid PDF becomes the invoice's stored PDF byte for
byte, so its embedded XML stays the one **Download XML** gives. Beside the fields, the
record keeps the document's own totals and the seller's and buyer's VAT ids
(``Record.einvoice``): ``totals_problems`` holds the totals worked out from the lines to the
ones the document states, ``seller_problems`` its seller to the organization's, and
``match_customer`` links the invoice to the host customer with the buyer's VAT id.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oro_invoices.adapters.commerce import Customers, customers_with_vat_id, normal_vat_id
from oro_invoices.documents.storage import sha256_hex
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.limits import MAX_PDF_BYTES, quoted
from oro_invoices.domain.messages import N_, Amount, Message
from oro_invoices.domain.money import from_minor, minor_units, too_many_decimals
from oro_invoices.services.einvoicing import xml_in
from oro_invoices.services.import_reading import Problem, Record

if TYPE_CHECKING:
    from oro_invoices.services.facade import InvoiceService

__all__ = ["compared_seller_address", "einvoice_record", "einvoice_xml_path", "is_pdf", "match_customer", "read_einvoice", "seller_address",
           "seller_problems", "totals_problems", "zugferd_1"]

#: the document's totals that are checked, and their business terms
TOTAL_TERMS = {"subtotal": "BT-109", "tax_amount": "BT-110", "total_amount": "BT-112"}
#: what the document states against what its lines make, per total
_STATED = {"subtotal": N_("The e-invoice states a total without VAT of %(stated)s; its lines make %(made)s."),
           "tax_amount": N_("The e-invoice states a VAT total of %(stated)s; its lines make %(made)s."),
           "total_amount": N_("The e-invoice states a total with VAT of %(stated)s; its lines make %(made)s.")}


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` is a PDF (a Factur-X / ZUGFeRD hybrid), not XML, by its first bytes."""
    return data[:5] == b"%PDF-"


def read_einvoice(path: Path) -> Record:
    """The record of the e-invoice at ``path`` (a hybrid PDF, else CII or UBL XML)."""
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Record(where, {}, problems=[Problem(where, "", Message("Cannot read the file: %(reason)s.",
                                                                      reason=exc.strerror or str(exc)))])
    pdf = is_pdf(data)
    if not pdf and path.suffix.lower() == ".pdf":
        return Record(where, {}, problems=[Problem(where, "", Message("Not a PDF."))])
    record = einvoice_record(data, where)
    if record.payload and record.einvoice is not None:
        if pdf:
            record.pdf_path = path
        else:  # kept with the invoice, for its PDF to carry (``InvoiceService.create(einvoice_xml=)``)
            record.einvoice["xml_path"] = str(path)
    return record


def zugferd_1(pdf: bytes) -> bool:
    """Whether ``pdf`` carries a ZUGFeRD 1.0 invoice (and so no EN 16931 one)."""
    from oro_invoices.documents.einvoice import hybrid
    return hybrid.ZUGFERD_1_FILENAME in hybrid.attached_names(pdf)


def seller_address(record: Record) -> str:
    """The seller's electronic address (BT-34) the e-invoice of ``record`` states; "" for none
    (or a record that is no e-invoice)."""
    return str((record.einvoice or {}).get("seller_electronic_address") or "")


def compared_seller_address(service: InvoiceService, doc: InvoiceDocument, stated: str,
                            sent: Callable[[], tuple[bytes | None, bytes | None]]) -> str:
    """The seller's electronic address (BT-34) an e-invoice sent again for the posted ``doc``
    is compared with (``upsert.changed_fields``): ``stated``, or "" when ``doc`` was imported
    from the very bytes ``sent()`` gives (its hybrid PDF, or else its XML) and so was imported
    before BT-34 was kept with the invoice (it keeps none, or the setting's): the same file is
    no change."""
    if not stated or not doc.is_posted or doc.seller.electronic_address == stated:
        return stated
    pdf, xml = sent()
    if pdf is not None:
        same = doc.pdf is not None and doc.pdf.sha256 == sha256_hex(pdf)
    else:
        same = xml is not None and service.documents.einvoicing.keeps(doc.id, xml)
    return "" if same else stated


def einvoice_xml_path(record: Record) -> Path | None:
    """The XML file (CII or UBL) ``record`` was read from, or None (not an e-invoice, or a PDF)."""
    path = (record.einvoice or {}).get("xml_path")
    return Path(path) if path else None


def einvoice_record(data: bytes, where: str) -> Record:
    """The record of an e-invoice's bytes (a PDF when they start as one, else CII or UBL XML);
    ``where`` names it in its problems."""
    if len(data) > MAX_PDF_BYTES:
        return Record(where, {}, problems=[Problem(where, "", Message("Larger than %(size)s MiB.",
                                                                      size=MAX_PDF_BYTES // (1024 * 1024)))])
    try:
        from oro_invoices.documents.einvoice.reading import read_xml
    except ImportError:
        return Record(where, {}, problems=[Problem(where, "", Message(
            "Importing e-invoices needs the einvoice extra (pip install 'oro-invoices[einvoice]')."))])
    if is_pdf(data):
        try:
            xml = xml_in(data)
        except ValueError as exc:
            return Record(where, {}, problems=[Problem(where, "", Message("Cannot read the PDF: %(reason)s.",
                                                                          reason=str(exc)))])
        if xml is None and zugferd_1(data):
            return Record(where, {}, problems=[Problem(where, "", Message(
                "The PDF carries a ZUGFeRD 1.0 invoice (ZUGFeRD-invoice.xml), which is older than EN 16931 and "
                "cannot be imported; only Factur-X and ZUGFeRD 2 PDFs can."))])
        if xml is None:
            return Record(where, {}, problems=[Problem(where, "", Message(
                "The PDF carries no e-invoice (no factur-x.xml, zugferd-invoice.xml or xrechnung.xml attached); "
                "only Factur-X / ZUGFeRD PDFs can be imported."))])
        data = xml
    found = read_xml(data)
    record = Record(where, found.payload, None, [Problem(where, f, m) for f, m in found.problems])
    record.einvoice = {"buyer_vat_id": found.buyer_vat_id, "seller_vat_id": found.seller_vat_id,
                       "seller_tax_id": found.seller_tax_id,
                       "seller_electronic_address": found.seller_electronic_address, **found.totals}
    return record


def totals_problems(record: Record, loaded: Mapping[str, Any]) -> list[Problem]:
    """Where the totals worked out from ``loaded``'s lines differ from the e-invoice's own."""
    stated = record.einvoice or {}
    if not any(name in stated for name in TOTAL_TERMS):
        return []
    from oro_invoices.services.import_pricing import line_sums
    currency = loaded["currency"]
    sums = line_sums(loaded["lines"], currency)
    if sums is None:
        return []
    worked_out = dict(zip(("subtotal", "tax_amount", "total_amount"), sums[1:4], strict=True))
    problems = []
    for name, term in TOTAL_TERMS.items():
        if name not in stated:
            continue
        try:
            given = Decimal(stated[name])
        except InvalidOperation:
            problems.append(Problem(record.location, term, Message("The total %(value)s is not an amount.",
                                                                   value=quoted(stated[name]))))
            continue
        if given != from_minor(worked_out[name], currency):
            problems.append(Problem(record.location, term, _stated_problem(name, given, worked_out[name], currency)))
    return problems


def _stated_problem(name: str, given: Decimal, made: int, currency: str) -> Message:
    """The document states ``given`` as its total ``name``, its lines make ``made`` minor units.
    A stated amount with more decimals than the currency has is shown as written (the page's
    money format would round it to what the lines make) and the reason is said."""
    made_amount = Amount(from_minor(made, currency), currency)
    places = minor_units(currency)
    in_minor = given.scaleb(places)
    if in_minor == in_minor.to_integral_value():
        return Message(_STATED[name], stated=Amount(given, currency), made=made_amount)
    stated = Message(_STATED[name], stated=f"{given} {currency}", made=made_amount)
    return Message("%(problem)s %(more)s", problem=stated, more=too_many_decimals(currency))


def seller_problems(record: Record, organization_vat_id: str, organization_tax_id: str = "") -> list[Problem]:
    """An e-invoice another seller issued (an invoice received, in the wrong folder, or one of
    another organization): its seller's VAT id (BT-31) is not ``organization_vat_id``, the
    organization's own; or, for an organization with no VAT id but a tax number
    (``organization_tax_id``), neither its VAT id nor its tax registration (BT-32) is that number."""
    stated = record.einvoice or {}
    given = stated.get("seller_vat_id", "")
    if organization_vat_id:
        if not given or normal_vat_id(given) == normal_vat_id(organization_vat_id):
            return []
        return [Problem(record.location, "BT-31", Message(
            "The seller's VAT id is %(given)s, not this organization's (%(own)s): only invoices the organization "
            "issued can be imported.", given=given, own=organization_vat_id))]
    tax_id = stated.get("seller_tax_id", "")
    if not organization_tax_id or not (given or tax_id) or normal_vat_id(organization_tax_id) in {
            normal_vat_id(given), normal_vat_id(tax_id)}:
        return []
    return [Problem(record.location, "BT-32" if tax_id else "BT-31", Message(
        "The seller's tax registration is %(given)s, not this organization's (%(own)s): only invoices the "
        "organization issued can be imported.", given=tax_id or given, own=organization_tax_id))]


def match_customer(record: Record, loaded: dict[str, Any], customers: Customers) -> list[Problem]:
    """Set the customer of ``record`` (and of what it ``loaded`` to) to the organization's
    customer with the buyer's VAT id.

    Among several customers with that VAT id, the one named as the buyer is taken; none
    or several so named is a problem. No customer with it: the invoice keeps the buyer's
    name and addresses only. Needs the host's optional ``customers_with_vat_id``.
    """
    vat_id = (record.einvoice or {}).get("buyer_vat_id", "")
    if not vat_id or loaded.get("customer_id") is not None:
        return []
    found = customers_with_vat_id(customers, loaded["organization_id"], vat_id)
    if found is None or not found:
        return []
    if len(found) > 1:
        name = (loaded.get("customer_name") or "").casefold()
        named = [c for c in found if c.name.casefold() == name]
        if len(named) != 1:
            values = {"vat_id": vat_id, "customers": tuple(f"{c.name} ({c.id})" for c in found),
                      "buyer": loaded.get("customer_name") or "—"}
            return [Problem(record.location, "BT-48", Message(
                "Several customers have the buyer's VAT id %(vat_id)s (%(customers)s); none of them is named "
                "%(buyer)s, as the buyer (BT-44) is.", **values) if not named else Message(
                "Several customers have the buyer's VAT id %(vat_id)s (%(customers)s); more than one of them is "
                "named %(buyer)s, as the buyer (BT-44) is.", **values))]
        found = named
    # both: a record is written from what it loaded to, or through the service from its payload
    loaded["customer_id"] = record.payload["customer_id"] = found[0].id
    return []
