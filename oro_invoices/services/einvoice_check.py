"""Checking an e-invoice file against the official rules of its profile (``oro-invoices
check-einvoice``): CII or UBL XML, or the XML a Factur-X / ZUGFeRD PDF carries, by the XSD and
schematron the add-on checks its own e-invoices with (``documents.einvoice.rules``), in-process.

The profile is the one the file names in its specification identifier (BT-24) unless one is
given. A Peppol BIS Billing invoice is checked by the CEN EN 16931 UBL rules and, with the
``xrechnung`` extra, by the Peppol rules its KoSIT XRechnung UBL schematron includes
(``rules.check_peppol``); the result says which Peppol rules were not run.
"""
from __future__ import annotations

from dataclasses import dataclass

from oro_invoices.domain.errors import ConfigurationError

__all__ = ["CHECKED_PROFILES", "FileCheck", "check_file"]

#: The profiles a file can be checked against.
CHECKED_PROFILES = ("basic", "en16931", "extended", "xrechnung", "ubl", "xrechnung_ubl")
_PEPPOL_NOTE = ("Peppol BIS Billing 3.0: checked by the CEN EN 16931 UBL rules; the Peppol rules "
                "(PEPPOL-EN16931-R*) are not checked.")
_PEPPOL_PARTLY = ("Peppol BIS Billing 3.0: checked by the CEN EN 16931 UBL rules and the Peppol rules the KoSIT "
                  "XRechnung rules include (PEPPOL-EN16931-{checked}); the others (among them R002–R004, R006, "
                  "R007, R080, PEPPOL-COMMON and the code lists) are not checked.")


_NOT_EINVOICE = "it is not an e-invoice (CII or UBL XML, or a PDF carrying one)"
#: How XML may open before its first ``<``: byte order marks of UTF-8, UTF-16 and UTF-32.
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class FileCheck:
    """What the rules of ``profile`` say of one file: ``errors`` and ``warnings`` as
    ``(rule, message)`` pairs; ``note``: what was not checked."""

    profile: str
    errors: list[tuple[str, str]]
    warnings: list[tuple[str, str]]
    note: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors


def check_file(data: bytes, profile: str | None = None) -> FileCheck:
    """Check ``data`` (XML, or a PDF carrying ``factur-x.xml``) against ``profile``, else the
    profile it names.

    :raises ValueError: an empty or binary file (neither XML nor PDF), a PDF that carries no
        e-invoice XML, or an unknown ``profile``.
    :raises ConfigurationError: the rules of the profile are not installed (an extra is missing).
    """
    if profile is not None and profile not in CHECKED_PROFILES:
        raise ValueError(f"Unknown e-invoice profile {profile!r}; use one of {', '.join(CHECKED_PROFILES)}.")
    try:
        from lxml import etree

        from oro_invoices.documents.einvoice import rules
        from oro_invoices.documents.einvoice.reading import profile_of
    except ImportError as exc:
        raise ConfigurationError("Checking e-invoices needs the einvoice extra "
                                 f"(pip install 'oro-invoices[einvoice]'): {exc}") from None
    from oro_invoices.services.einvoicing import xml_in
    from oro_invoices.services.import_einvoices import is_pdf, zugferd_1
    if is_pdf(data):
        try:
            xml = xml_in(data)
        except ValueError as exc:
            raise ValueError(f"Cannot read the PDF: {exc}.") from None
        if xml is None and zugferd_1(data):
            raise ValueError("The PDF carries a ZUGFeRD 1.0 invoice (ZUGFeRD-invoice.xml), which is older than "
                             "EN 16931: there is no profile to check it by.")
        if xml is None:
            raise ValueError("The PDF carries no e-invoice (no factur-x.xml, zugferd-invoice.xml or "
                             "xrechnung.xml attached).")
    else:
        xml = _xml_or_refused(data)
    note, peppol = "", False
    if profile is None:
        try:
            profile = profile_of(xml)
        except etree.XMLSyntaxError:
            profile = "en16931"                      # the check names the syntax error
        if profile == "peppol":
            profile, note, peppol = "ubl", _PEPPOL_NOTE, True
    try:
        found = rules.check(xml, profile)
    except ImportError as exc:                       # the XRechnung rules are a separate extra
        raise ConfigurationError(f"The {profile} rules cannot be run: {exc}") from None
    if peppol and not any(v.rule in ("XML", "XSD") for v in found):
        try:
            found += rules.check_peppol(xml)
            note = _PEPPOL_PARTLY.format(checked=rules.PEPPOL_RULES_CHECKED)
        except ImportError:                          # without the xrechnung extra: the CEN rules only
            pass
    return FileCheck(profile, [(v.rule, v.message) for v in found if not v.warning],
                     [(v.rule, v.message) for v in found if v.warning], note)


def _xml_or_refused(data: bytes) -> bytes:
    """``data`` when it may be XML (text, whose syntax errors the rules then name).

    :raises ValueError: an empty file, or binary content that is neither XML nor PDF.
    """
    if not data.strip():
        raise ValueError(f"The file is empty: {_NOT_EINVOICE}.")
    if data.lstrip().startswith(b"<") or data.startswith(_BOMS) or data[:2] in (b"<\x00", b"\x00<"):
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        binary = True
    else:
        binary = b"\x00" in data
    if binary:
        raise ValueError(f"The file is neither XML nor PDF (binary content): {_NOT_EINVOICE}.")
    return data
