"""The catalogs are complete: every message of the code and templates is translated (no fuzzy
entry) in every language, with the same placeholders, and each compiled .mo matches its .po."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from oro_invoices import i18n
from oro_invoices.i18n.schema_extract import extract_schema

ROOT = Path(__file__).resolve().parents[2]
#: The extraction keywords of docs/i18n.md and tox's i18n environment (`pybabel extract -k
#: lazy_gettext -k N_ -k Message -k PluralMessage:1,2`).
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None,
            "Message": None, "PluralMessage": (1, 2)}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?[sdifr%]")


def po_path(language: str) -> Path:
    return Path(i18n.LOCALE_DIR) / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


@pytest.fixture(scope="module")
def source_messages() -> set[str | tuple[str, ...]]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[str | tuple[str, ...]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message)
    return found


def schema_words() -> set[str]:
    """What the configuration pages show of ``config_schema.yaml``: group label and path, and
    every setting's label, section, help and choice labels."""
    with open(ROOT / "oro_invoices" / "config_schema.yaml", encoding="utf-8") as f:
        schema = yaml.safe_load(f)
    group = schema["group"]
    settings = schema["settings"].values()
    return {group["label"], *group["path"]} | {
        spec[name] for spec in settings for name in ("label", "section", "help") if spec.get(name)
    } | {label for spec in settings for label in (spec.get("choice_labels") or {}).values()}


def test_the_schema_extraction_keeps_the_yaml_text_and_says_where_it_is_shown():
    source = io.BytesIO(b"group: {key: g, label: Invoices, path: [Sales]}\nsettings:\n  a.flag:\n"
                        b"    label: Flag\n    section: General\n    default: false\n"
                        b"    help: >-\n      Folded over\n      two lines.\n"
                        b"    choices: [a4, letter]\n    choice_labels: {letter: US Letter}\n")
    found = [(message, comments) for _line, _name, message, comments
             in extract_schema(source, (), (), {})]
    assert found == [
        ("Invoices", ["Settings page: the heading of the invoice settings"]),
        ("Sales", ["Settings page: a step of the configuration menu path"]),
        ("Flag", ["Settings page: the label of the setting a.flag"]),
        ("General", ["Settings page: a section heading of the invoice settings"]),
        ("Folded over two lines.", ["Settings page: the help text under the setting a.flag"]),
        ("US Letter", ["Settings page: the choice 'letter' of the setting a.flag"])]


def placeholders(text: str) -> set[str]:
    return {m.group(0) if m.group(1) is None else m.group(1) for m in PLACEHOLDER.finditer(text)} - {"%%"}


def test_the_source_has_messages(source_messages):
    assert "Invoice number" in source_messages
    assert ("%(num)d day", "%(num)d days") in source_messages


def test_the_settings_schema_words_are_messages(source_messages):
    """babel.cfg extracts the schema's words, so the checks below cover them too."""
    missing = sorted(schema_words() - source_messages)
    assert not missing, f"not extracted from config_schema.yaml (babel.cfg): {missing}"
    assert {"Enable Invoices", "Seller Information", "US Letter"} <= source_messages


@pytest.mark.parametrize("language", i18n.SUPPORTED_LANGUAGES)
def test_every_message_is_translated_without_fuzzy_entries(language, source_messages):
    with open(po_path(language), "rb") as f:
        catalog = read_po(f, locale=language)
    assert not catalog.fuzzy, f"the {language} catalog's header is fuzzy"
    entries = {m.id: m for m in catalog if m.id}
    missing = sorted(str(m) for m in source_messages if m not in entries)
    assert not missing, f"{language}: not in the catalog (run the update of docs/i18n.md): {missing}"
    problems = []
    for msgid in source_messages:
        entry = entries[msgid]
        forms = list(entry.string) if isinstance(entry.string, (tuple, list)) else [entry.string]
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if len(forms) != catalog.num_plurals and isinstance(msgid, tuple):
            problems.append(f"{len(forms)} plural forms, {catalog.num_plurals} needed: {msgid!r}")
        if not all(form.strip() for form in forms):
            problems.append(f"untranslated: {msgid!r}")
        source = msgid if isinstance(msgid, str) else msgid[1]
        for form in forms:
            if form and placeholders(form) != placeholders(source):
                problems.append(f"placeholders differ: {msgid!r} → {form!r}")
    assert not problems, f"{language}: " + "; ".join(sorted(problems))


@pytest.mark.parametrize("language", i18n.SUPPORTED_LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language):
    with open(po_path(language), "rb") as f:
        source = {_key(m.id): _key(m.string) for m in read_po(f, locale=language) if m.id}
    with open(po_path(language).with_suffix(".mo"), "rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    stale = sorted(str(k) for k in source.keys() ^ compiled.keys()) + sorted(
        str(k) for k in source.keys() & compiled.keys() if source[k] != compiled[k])
    assert not stale, (f"{language}: the .mo is stale for {stale[:10]}; run "
                       f"`pybabel compile -d oro_invoices/i18n/locale -D oro_invoices` (docs/i18n.md)")


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def test_the_catalogs_are_shipped_in_the_wheel():
    """pyproject's package data names the compiled catalogs (what `pip install .` copies)."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '"i18n/locale/*/LC_MESSAGES/*.mo"' in text
    for language in i18n.SUPPORTED_LANGUAGES:
        assert po_path(language).with_suffix(".mo").is_file()
