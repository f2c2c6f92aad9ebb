"""Keeping words whole where a line may break.

Line breaking (Unicode UAX #14, as Pango applies it) may break between any two Japanese or
Chinese characters, which splits a product name in the middle of a word. CSS's
``word-break: keep-all`` would keep such runs together, but WeasyPrint does not support it;
``keep_words`` does the same with WORD JOINERs (U+2060, invisible and not extracted as text)
between adjacent ideographs and kana, so a line breaks at spaces and punctuation only.
"""
from __future__ import annotations

import re

WORD_JOINER = "\u2060"
# Hiragana, Katakana (with the prolonged sound mark), CJK ideographs and extension A,
# compatibility ideographs, half-width Katakana. Not CJK punctuation (U+3000–303F) nor the
# middle dot between words (U+30FB): a line may still break after "、", "。" or "・".
_CJK = "\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])(?=[{_CJK}])")


def keep_words(text: str | None) -> str:
    """``text`` with no line break allowed inside a run of Japanese or Chinese characters."""
    return _BETWEEN_CJK.sub(WORD_JOINER, text) if text else ""
