"""Keeping words whole where a line may break.

Line breaking (Unicode UAX #14, as Pango applies it) may break between any two Japanese or
Chinese characters, which splits a product name in the middle of a word. CSS's
``word-break: keep-all`` would keep such runs together, but WeasyPrint does not support it;
``keep_words`` does the same with WORD JOINERs (U+2060, invisible and not extracted as text)
between adjacent ideographs and kana, so a line breaks at spaces and punctuation only.
"""
from __future__ import annotations

import functools
import re
from typing import Any

WORD_JOINER = "\u2060"
# Hiragana, Katakana (with the prolonged sound mark), CJK ideographs and extension A,
# compatibility ideographs, half-width Katakana. Not CJK punctuation (U+3000–303F) nor the
# middle dot between words (U+30FB): a line may still break after "、", "。" or "・".
_CJK = "\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])(?=[{_CJK}])")


def keep_words(text: str | None) -> str:
    """``text`` with no line break allowed inside a run of Japanese or Chinese characters."""
    return _BETWEEN_CJK.sub(WORD_JOINER, text) if text else ""


SOFT_HYPHEN = "\u00ad"
_LONG_WORD = re.compile(r"\w{10,}")


@functools.cache
def _dictionary(language: str) -> Any:
    """pyphen's hyphenation patterns for ``language`` (``de``, ``fr``, …), or None without.
    Breaks leave five letters at least on each side: in a German compound word that is
    mostly where its parts meet ("Rechnungs|datum")."""
    try:
        import pyphen
    except ImportError:  # pragma: no cover - an install without it breaks no word
        return None
    found = pyphen.language_fallback(language)
    return pyphen.Pyphen(lang=found, left=5, right=5) if found else None


def soft_hyphens(text: str | None, language: str) -> str:
    """``text`` with SOFT HYPHENs (U+00AD, invisible unless a line breaks there) in each word
    of ten letters or more, where ``language``'s hyphenation patterns allow a break.

    A browser sizes a table column to its longest unbreakable word, so a German heading
    such as "Rechnungsdatum" would widen its column well past its figures; CSS
    ``hyphens: auto`` needs dictionaries a browser may not have. A language without
    patterns (Japanese) is left as it is."""
    if not text:
        return ""
    patterns = _dictionary(language)
    if patterns is None:
        return text
    return _LONG_WORD.sub(lambda word: patterns.inserted(word.group(), hyphen=SOFT_HYPHEN), text)
