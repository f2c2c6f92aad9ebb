"""Structural PDF/A-3b checks with pikepdf, for tests.

No full PDF/A validator (veraPDF, Java) is installable here, so these check the parts of
ISO 19005-3 level B that the add-on's files are made to meet and that can be read off the
file's objects: fonts embedded, an sRGB output intent, XMP metadata declaring PDF/A-3B with
every extension property described, the document information dictionary matching the XMP,
associated files described as PDF/A-3 asks, and nothing forbidden (encryption, JavaScript,
launch actions). A file can pass these and still fail a full validator.
"""
from __future__ import annotations

import io

import pikepdf
from lxml import etree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
#: XMP namespaces PDF/A predefines: their properties need no extension schema.
PREDEFINED = {"http://purl.org/dc/elements/1.1/", "http://ns.adobe.com/xap/1.0/", "http://ns.adobe.com/pdf/1.3/",
              "http://ns.adobe.com/xap/1.0/mm/", PDFAID, EXTENSION, SCHEMA, "http://www.aiim.org/pdfa/ns/property#",
              RDF, "http://ns.adobe.com/xap/1.0/rights/", "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
              "http://ns.adobe.com/xap/1.0/sType/ResourceRef#"}
#: Info dictionary key → the XMP property it must equal (ISO 19005-3, 6.6.3).
INFO_XMP = {"/Title": "{http://purl.org/dc/elements/1.1/}title", "/Creator": "{http://ns.adobe.com/xap/1.0/}CreatorTool",
            "/Producer": "{http://ns.adobe.com/pdf/1.3/}Producer"}


def pdfa3b_problems(pdf: bytes) -> list[str]:
    """What in ``pdf`` breaks the PDF/A-3b rules these checks cover (empty: none found)."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        if doc.is_encrypted:
            problems.append("the file is encrypted")
        if "/ID" not in doc.trailer:
            problems.append("the trailer has no /ID")
        problems += _xmp_problems(doc)
        problems += _output_intent_problems(doc)
        problems += _font_problems(doc)
        problems += _attachment_problems(doc)
        problems += _action_problems(doc)
    return problems


def _xmp_problems(doc: pikepdf.Pdf) -> list[str]:
    stream = doc.Root.get("/Metadata")
    if stream is None:
        return ["no XMP metadata stream in the catalog"]
    if stream.get("/Filter") is not None:
        return ["the XMP metadata stream is compressed"]
    root = etree.fromstring(bytes(stream.read_bytes()))
    problems = []
    values = {f"{{{PDFAID}}}{k}": "" for k in ("part", "conformance")}
    declared = {uri.text for uri in root.iter(f"{{{SCHEMA}}}namespaceURI")} | {
        node.get(f"{{{SCHEMA}}}namespaceURI") for node in root.iter(f"{{{RDF}}}Description")}
    properties: dict[str, list[str]] = {}  # property → values, written as elements or attributes
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        properties.setdefault(node.tag, []).append(" ".join("".join(node.itertext()).split()))
        if node.tag == f"{{{RDF}}}Description":
            for name, value in node.attrib.items():
                properties.setdefault(name, []).append(value)
        if node.tag in values:
            values[node.tag] = (node.text or "").strip()
        elif node.tag == f"{{{RDF}}}Description":
            for key in values:
                values[key] = node.get(key, values[key])
        namespace = node.tag[1:].split("}")[0] if node.tag.startswith("{") else ""
        if node.getparent() is not None and node.getparent().tag == f"{{{RDF}}}Description" \
                and namespace not in PREDEFINED and namespace not in declared:
            problems.append(f"XMP property {node.tag} has no extension schema description")
        for name in node.attrib:
            attr_ns = name[1:].split("}")[0] if name.startswith("{") else ""
            if node.tag == f"{{{RDF}}}Description" and attr_ns and attr_ns not in PREDEFINED | {RDF} \
                    and attr_ns not in declared:
                problems.append(f"XMP property {name} has no extension schema description")
    for key, want in ((f"{{{PDFAID}}}part", "3"), (f"{{{PDFAID}}}conformance", "B")):
        if values[key] != want:
            problems.append(f"XMP {key} is {values[key]!r}, not {want!r}")
    info = doc.trailer.get("/Info")
    if info is not None:
        for key, prop in INFO_XMP.items():
            if key in info:
                found = properties.get(prop, [])
                if str(info[key]) not in found:
                    problems.append(f"Info {key} {str(info[key])!r} is not the XMP {prop} {found}")
    return problems


def _output_intent_problems(doc: pikepdf.Pdf) -> list[str]:
    intents = doc.Root.get("/OutputIntents") or []
    pdfa = [i for i in intents if i.get("/S") == pikepdf.Name.GTS_PDFA1]
    if not pdfa:
        return ["no GTS_PDFA1 output intent"]
    profile = pdfa[0].get("/DestOutputProfile")
    if profile is None or int(profile.get("/N", 0)) not in (1, 3, 4):
        return ["the PDF/A output intent has no ICC profile with 1, 3 or 4 components"]
    return []


def _font_problems(doc: pikepdf.Pdf) -> list[str]:
    problems, seen = [], set()
    for page_number, page in enumerate(doc.pages, start=1):
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for name, font in fonts.items():
            for each in [font, *font.get("/DescendantFonts", [])]:
                if each.get("/Subtype") == pikepdf.Name.Type3 or each.objgen in seen:
                    continue
                seen.add(each.objgen)
                descriptor = each.get("/FontDescriptor")
                if each.get("/Subtype") == pikepdf.Name.Type0:
                    continue  # checked through its descendant
                if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    problems.append(f"page {page_number}: font {name} ({each.get('/BaseFont')}) is not embedded")
    return problems


def _attachment_problems(doc: pikepdf.Pdf) -> list[str]:
    problems = []
    associated = {spec.objgen for spec in doc.Root.get("/AF", [])}
    for name, spec in doc.attachments.items():
        obj = spec.obj
        if obj.objgen not in associated:
            problems.append(f"{name} is not an associated file of the document (/AF)")
        if "/AFRelationship" not in obj:
            problems.append(f"{name} has no /AFRelationship")
        if "/F" not in obj or "/UF" not in obj:
            problems.append(f"{name}'s file specification lacks /F or /UF")
        stream = obj.EF.F
        if "/Subtype" not in stream:
            problems.append(f"{name} has no MIME type (/Subtype)")
        if "/ModDate" not in stream.get("/Params", {}):
            problems.append(f"{name} has no modification date (/Params /ModDate)")
    return problems


def _action_problems(doc: pikepdf.Pdf) -> list[str]:
    problems = []
    names = doc.Root.get("/Names", {})
    if "/JavaScript" in names:
        problems.append("the document has JavaScript")
    if "/AA" in doc.Root or "/OpenAction" in doc.Root and doc.Root.OpenAction.get("/S") == pikepdf.Name.JavaScript:
        problems.append("the catalog has additional or JavaScript actions")
    for page_number, page in enumerate(doc.pages, start=1):
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A", {})
            if action.get("/S") in (pikepdf.Name.Launch, pikepdf.Name.JavaScript):
                problems.append(f"page {page_number}: an annotation launches or runs script")
            if annot.get("/Subtype") != pikepdf.Name.Popup and annot.get("/Subtype") != pikepdf.Name.Link \
                    and "/AP" not in annot and annot.get("/Subtype") != pikepdf.Name.Widget:
                problems.append(f"page {page_number}: an annotation has no appearance stream")
    return problems
