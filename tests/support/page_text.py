"""What a reader sees of a page, in pieces, and which of those pieces are English leftovers.

``visible_text`` reads a page as a person does: its text nodes, the text of each block (inline
elements joined), and the attributes read aloud or shown (title, placeholder, aria-label, alt,
the value of a button, the labels the scripts show). ``Catalog`` knows the add-on's English
messages that a language says in other words (``english_in``: which one a piece shows), and
``looks_english`` recognises English written outside the catalogs, the shop's data aside.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from oro_invoices.hosts.reference.testing import INLINE_ELEMENTS
from oro_invoices.i18n import LOCALE_DIR

#: Elements that continue the sentence around them; any other tag ends a block (as ``text_of`` reads them).
INLINE = INLINE_ELEMENTS
#: Content people do not read as the page's words: scripts, styles, and what they typed or will send
#: (a textarea holds the note or email body, in the language it was written in).
SKIPPED = frozenset({"script", "style", "textarea", "template"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                  "track", "wbr"})
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-label")
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})


class _Reader(HTMLParser):
    def __init__(self, language: str, skip_ids: frozenset[str]):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.skip_ids = skip_ids
        self.nodes: list[str] = []
        self.blocks: list[str] = []
        self.attributes: list[str] = []
        self._block: list[str] = []
        self._stack: list[tuple[str, bool]] = []   # (tag, skipped)

    @property
    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        other_language = bool(a.get("lang")) and tag != "html" and \
            a["lang"].split("-")[0].lower() != self.language
        skipped = self._skipping or tag in SKIPPED or a.get("id") in self.skip_ids or other_language
        if not skipped:
            for name in READ_ATTRIBUTES:
                if a.get(name):
                    self.attributes.append(a[name])
            if tag == "input" and a.get("type", "").lower() in BUTTON_INPUTS and a.get("value"):
                self.attributes.append(a["value"])
            self.attributes += [v for k, v in a.items() if k.startswith("data-message") and v]
        if tag not in INLINE:
            self._end_block()
        if tag not in VOID:
            self._stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._pop(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self._pop(tag)
        if tag not in INLINE:
            self._end_block()

    def _pop(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):  # tolerate unclosed <p>, <li>, <option>
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        text = " ".join(data.split())
        if text:
            self.nodes.append(text)
            self._block.append(text)

    def _end_block(self) -> None:
        text = " ".join(" ".join(self._block).split())
        if text:
            self.blocks.append(text)
        self._block = []

    def close(self) -> None:
        super().close()
        self._end_block()


@dataclass(frozen=True)
class PageText:
    """A page's readable pieces: text nodes, block texts and read attributes."""

    nodes: tuple[str, ...]
    blocks: tuple[str, ...]
    attributes: tuple[str, ...]

    @property
    def pieces(self) -> frozenset[str]:
        return frozenset(self.nodes + self.blocks + self.attributes)


def parts_of(piece: str) -> list[str]:
    """The parts of ``piece`` between separators ("guest payment link" of "guest payment link ·
    30.11.2026, 18:39 UTC", "Amount" of "Amount: must be more than 0"); none for a single part."""
    parts = [p.strip() for p in _SEPARATORS.split(piece) if p.strip()]
    return parts if len(parts) > 1 else []


def visible_text(html: str, language: str, *, skip_ids: Iterable[str] = ()) -> PageText:
    """The readable pieces of ``html`` shown in ``language``; parts marked with another ``lang``
    and elements whose id is in ``skip_ids`` (content in the document's own language) are left out."""
    reader = _Reader(language, frozenset(skip_ids))
    reader.feed(html)
    reader.close()
    return PageText(tuple(reader.nodes), tuple(reader.blocks), tuple(reader.attributes))


# -- the catalog's English ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _plain(message: str) -> str:
    return " ".join(unescape(_TAG.sub(" ", message)).split())


@dataclass(frozen=True)
class English:
    """One English message of the catalog as it may appear on a page."""

    msgid: str
    pattern: re.Pattern[str]
    sentence: bool     # long enough to be recognised inside a longer text
    anchor: str        # its longest word: a text without it cannot show the message
    plain: bool        # no placeholders: recognised as a part of a text too ("Configuration – …")


#: What a placeholder of a short message stands for on a page: values (numbers, dates, amounts,
#: names, codes), not words of a sentence ("Payment of 5 EUR started" is not "%(a)s of %(b)s").
_VALUE = r"(?:[^\sa-z]\S*|\S+@\S+)(?:\s+(?:[^\sa-z]\S*|\S+@\S+)){0,4}"


def _english(msgid: str) -> English | None:
    plain = _plain(msgid)
    literal = _PLACEHOLDER.sub(" ", plain)
    words = _WORD.findall(literal)
    if not words:
        return None  # placeholders and punctuation only ("%(a)s · %(b)s")
    sentence = len(words) >= 3
    parts = [r"\s+".join(re.escape(w) for w in piece.split(" ")) if piece.strip() else r"\s*"
             for piece in _PLACEHOLDER.split(plain)]
    body = (r"\S.*?" if sentence else _VALUE).join(parts)
    pattern = re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])")
    return English(msgid, pattern, sentence, max(words, key=len), not _PLACEHOLDER.search(plain))


@dataclass
class Catalog:
    """The English messages whose translation into ``language`` is different words."""

    language: str
    messages: list[English] = field(default_factory=list)
    english_words: set[str] = field(default_factory=set)   # of every msgid, lowercased
    own_words: set[str] = field(default_factory=set)       # Latin-letter words of the translations
    _seen: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, language: str) -> Catalog:
        path = Path(LOCALE_DIR) / language / "LC_MESSAGES" / "oro_invoices.po"
        with path.open("rb") as fh:
            po = read_po(fh)
        catalog = cls(language)
        for message in po:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            catalog.english_words.update(w.lower() for i in ids for w in _WORD.findall(_plain(i)))
            catalog.own_words.update(w.lower() for t in strings if t for w in _WORD.findall(_plain(t)))
            for msgid in ids:
                if any(_plain(s) == _plain(msgid) for s in strings if s):
                    continue  # the same words in this language ("Status", "Total", "PDF")
                english = _english(msgid)
                if english is not None:
                    catalog.messages.append(english)
        # the most specific first: plain words before placeholders, long before short
        catalog.messages.sort(key=lambda m: ("%" in m.msgid, -len(_PLACEHOLDER.sub("", m.msgid))))
        return catalog

    def english_in(self, piece: str) -> str | None:
        """The msgid shown in English in ``piece``: the whole piece, a part of it between
        separators ("Configuration – Payments"), or a sentence inside it."""
        if piece not in self._seen:
            self._seen[piece] = self._find(piece)
        return self._seen[piece]

    def _find(self, piece: str) -> str | None:
        parts = parts_of(piece)
        for message in self.messages:
            if message.anchor not in piece:
                continue
            if message.pattern.fullmatch(piece) or (message.sentence and message.pattern.search(piece)) \
                    or (message.plain and any(message.pattern.fullmatch(part) for part in parts)):
                return message.msgid
        return None

    def english_words_only(self, piece: str) -> bool:
        """``piece`` is words of the catalog's English only, one of them never used in this
        language ("Customer Group" on a German page; not "Status", "Global" or a name)."""
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", piece)]
        return bool(words) and all(w in self.english_words for w in words) and \
            any(w not in self.own_words for w in words) and not re.search(r"[^\x00-\x7f–—…’“”·]", piece)


_SEPARATORS = re.compile(r"\s+[·–—/|]\s+|:\s+")


# -- English not in the catalog ---------------------------------------------------------------------

_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|/\S*|\b\S*\d\S*\b|[A-Z]{2,}\S*|[\w-]+(?:\.[\w-]+)+")
_RAW_CODE = re.compile(r"(?<![\w./@-])[a-z]+(?:_[a-z0-9]+)+(?![\w./@-])")
_ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")


def without_data(piece: str, data: Iterable[str]) -> str:
    """``piece`` with the shop's own data in it (names, products, typed notes) replaced by "DATA"."""
    for value in sorted(data, key=len, reverse=True):
        if len(value) > 2 and value in piece:
            piece = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "DATA", piece)
    return piece


def strip_values(piece: str, data: Iterable[str]) -> str:
    """``piece`` without the shop's data, numbers, codes, addresses and links: its words."""
    return _NOT_WORDS.sub(" ", without_data(piece, data).replace("DATA", " "))


def looks_english(piece: str, data: Iterable[str]) -> bool:
    """A sentence of English words (at least two, one of them lowercase: not a name of a company,
    a person or a place) or a raw code ("bank_transfer"), once the shop's own data, numbers,
    codes, addresses and links are taken out."""
    if _RAW_CODE.search(without_data(piece, data)):
        return True
    rest = strip_values(piece, data)
    if re.search(r"[^\x00-\x7f–—…’“”€£¥·×]", rest):
        return False  # words of another script or accented words: not English
    words = re.findall(r"[A-Za-z]+", rest)
    return len([w for w in words if len(w) > 1]) >= 2 and bool(_ENGLISH_WORD.search(rest))


def literals_of(path: Path) -> set[str]:
    """The names and texts written in a Python module (the demo data the seed puts in the shop):
    its strings of several words or starting with a capital or digit, not its lowercase keys and
    codes ("currency", "bank_transfer"), which the pages must never show as they are."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 2
            and (" " in node.value.strip() or not node.value[0].islower())}
