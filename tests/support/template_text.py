"""Finding the words of a Jinja template that reach a reader without passing through gettext.

A template's literal text is what its ``TemplateData`` nodes hold. Joined (an expression
stands in as ``\\x00``) they are parsed as HTML: text between tags and the attributes a
reader or a screen reader meets (``title``, ``alt``, ``placeholder``, ``aria-label``) must
not contain a letter. String constants of expressions must go through ``_()`` when they
look like words people read (start with a capital, or hold a space).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
from jinja2 import nodes

LETTER = re.compile(r"[^\W\d_]")
VISIBLE_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label", "aria-description", "label"})
GETTEXT_NAMES = frozenset({"_", "gettext", "ngettext"})
#: Literal text that is the same in every language (codes, symbols, entity names).
ALLOWED = frozenset({"#", "·", "—", "–", "/", "×", "…", "|", "%", "(", ")", ",", ".", ":", ";"})
ENTITY = re.compile(r"&#?\w+;")
ATTRIBUTES_ONLY = re.compile(r'^\s*(?:[\w:-]+="[^"]*"\s*)+$')
# words people read: "Invoice", "Send to Customer"; not "oi-btn", "posted", "%Y-%m-%d"
HUMAN_CONSTANT = re.compile(r"^(?:[A-Z][a-z]+\b.*|.*[A-Za-z]+ [A-Za-z]+.*)$", re.S)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and _has_words(value):
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if ATTRIBUTES_ONLY.match(data):  # a macro that writes attributes into the tag around it
            return
        if not self._skip and _has_words(data):
            self.found.append(" ".join(data.split()))


def _has_words(text: str) -> bool:
    stripped = ENTITY.sub(" ", text.replace("\x00", " "))
    return any(LETTER.search(part) for part in stripped.split() if part not in ALLOWED)


def _literal_html(template: nodes.Template) -> str:
    parts: list[str] = []
    for output in template.find_all(nodes.Output):
        for node in output.nodes:
            parts.append(node.data if isinstance(node, nodes.TemplateData) else "\x00")
    return "".join(parts)


def _untranslated_constants(template: nodes.Template) -> list[str]:
    inside_gettext: set[int] = set()
    for call in template.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in GETTEXT_NAMES:
            for const in call.find_all(nodes.Const):
                inside_gettext.add(id(const))
    found = []
    for const in template.find_all(nodes.Const):
        value = const.value
        if (isinstance(value, str) and id(const) not in inside_gettext
                and HUMAN_CONSTANT.match(value) and _has_words(value)):
            found.append(repr(value))
    return found


def untranslated(source: str, env: jinja2.Environment) -> list[str]:
    """The reader-facing literal words of a template ``source`` outside gettext."""
    template = env.parse(source)
    finder = _TextFinder()
    finder.feed(_literal_html(template))
    finder.close()
    return finder.found + _untranslated_constants(template)


def parsing_environment() -> jinja2.Environment:
    return jinja2.Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def templates_under(*roots: Path, patterns: tuple[str, ...] = ("*.html",)) -> list[Path]:
    return sorted({path for root in roots for pattern in patterns for path in root.rglob(pattern)})
