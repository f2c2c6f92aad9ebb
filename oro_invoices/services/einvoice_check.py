"""Checking an e-invoice file against the official rules of its profile (``oro-invoices
check-einvoice``): CII or UBL XML, or the XML a Factur-X / ZUGFeRD PDF carries, by the XSD and
schematron the add-on checks its own e-invoices with (``documents.einvoice.rules``), in-process.

The profile is the one the file names in its specification identifier (BT-24) unless one is
given. A Peppol BIS Billing invoice is checked by the CEN EN 16931 UBL rules, as no Peppol rules
can be run here; the result says so.
"""
from __future__ import annotations

from dataclasses import dataclass

from oro_invoices.domain.errors import ConfigurationError

__all__ = ["CHECKED_PROFILES", "FileCheck", "check_file"]

#: The profiles a file can be checked against.
CHECKED_PROFILES = ("basic", "en16931", "extended", "xrechnung", "ubl", "xrechnung_ubl")
_PEPPOL_NOTE = ("Peppol BIS Billing 3.0: checked by the CEN EN 16931 UBL rules; the Peppol rules "
                "(PEPPOL-EN16931-R*) are not checked.")


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

    :raises ValueError: a PDF that carries no e-invoice XML, or an unknown ``profile``.
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
        xml = data
    note = ""
    if profile is None:
        try:
            profile = profile_of(xml)
        except etree.XMLSyntaxError:
            profile = "en16931"                      # the check names the syntax error
        if profile == "peppol":
            profile, note = "ubl", _PEPPOL_NOTE
    try:
        found = rules.check(xml, profile)
    except ImportError as exc:                       # the XRechnung rules are a separate extra
        raise ConfigurationError(f"The {profile} rules cannot be run: {exc}") from None
    return FileCheck(profile, [(v.rule, v.message) for v in found if not v.warning],
                     [(v.rule, v.message) for v in found if v.warning], note)
