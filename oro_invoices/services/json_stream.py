"""Reading the items of a top-level JSON array one by one, in bounded memory.

``json.JSONDecoder.raw_decode`` decodes one item at a time from a buffer that holds the
unread rest of the current chunk; consumed text is dropped, so memory holds about one item
and one chunk, whatever the size of the file. A syntax error says on which line, and in
which item of the array, it was found. An item nested more deeply than ``JSON_MAX_DEPTH``
comes as ``TOO_DEEP`` and reading goes on with the next (one too deep for the decoder's
recursion is passed over without decoding it).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any, Final, TextIO

from oro_invoices.domain.limits import JSON_MAX_DEPTH

__all__ = ["CHUNK", "TOO_DEEP", "JsonStreamError", "NotAnArray", "TooDeep", "deeper_than", "iter_json_array",
           "nesting", "trailing_comma_hint"]

#: characters read at a time
CHUNK = 1 << 16
_WHITESPACE = " \t\n\r"
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
#: a string, the start of one cut off (or never closed), or a bracket
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|"|[\[\]{}]')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting(text: str) -> int:
    """How deeply the JSON ``text`` nests arrays and objects (brackets in strings do not count),
    found without decoding it."""
    return _bracket_depth(_STRING.sub("", text))


def deeper_than(limit: int, text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether the JSON in ``text[start:end]`` nests more than ``limit`` arrays and objects; the
    cheap bounds first (counting the brackets in strings too can only find it deeper)."""
    part = text[start:end]
    if part.count("[") + part.count("{") <= limit or _bracket_depth(part) <= limit:
        return False
    return nesting(part) > limit


def _bracket_depth(text: str) -> int:
    return max(accumulate(map(_STEP.__getitem__, _NOT_BRACKET.sub("", text))), default=0)


class TooDeep:
    """Stands for an item nested more deeply than the limit (``TOO_DEEP``)."""

    def __repr__(self) -> str:
        return "TOO_DEEP"


TOO_DEEP: Final = TooDeep()


class JsonStreamError(ValueError):
    """The text is not a JSON array: what is wrong (``message``), on which ``line`` and
    ``column`` (None when not known) and, inside the array, in which item (``index``, None
    before the array starts). ``message`` ends in a hint where the cause is a common slip
    (a trailing comma)."""

    def __init__(self, message: str, line: int, index: int | None = None, column: int | None = None):
        super().__init__(f"line {line}: {message}")
        self.message, self.line, self.index, self.column = message, line, index, column


def trailing_comma_hint(text: str, pos: int) -> str:
    """`` ; …`` saying how to mend a trailing comma when the JSON error at ``pos`` of ``text``
    is one (a ``]`` or ``}`` right after a comma), else ""."""
    closing = text[pos:pos + 1]
    if closing not in ("]", "}") or not text[:pos].rstrip(_WHITESPACE).endswith(","):
        return ""
    return f"; JSON allows no comma before '{closing}': remove the trailing comma"


class NotAnArray(JsonStreamError):
    """The text is valid JSON, but not an array: ``found`` is what it is (``object``, ``string`` …);
    ``wrapper``: the key of an object whose only value is an array (``{"invoices": [...]}``), else None."""

    def __init__(self, message: str, line: int, found: str = "", wrapper: str | None = None):
        super().__init__(message, line)
        self.found, self.wrapper = found, wrapper


class _Buffer:
    """The unread text of ``fh``: ``text[pos:]``, topped up a chunk at a time."""

    def __init__(self, fh: TextIO, chunk: int):
        self.fh, self.chunk = fh, chunk
        self.text, self.pos, self.line, self.eof = "", 0, 1, False
        self.column = 0         # the 0-based column of ``text[0]``

    def more(self, at_least: int = 0) -> bool:
        """Read another chunk (at least ``at_least`` characters), dropping consumed text."""
        if self.eof:
            return False
        self.line += self.text.count("\n", 0, self.pos)
        self.column = self.column_at(self.pos) - 1
        self.text, self.pos = self.text[self.pos:], 0
        data = self.fh.read(max(self.chunk, at_least))
        if not data:
            self.eof = True
            return False
        self.text += data
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end), without consuming it."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos:self.pos + 1]

    def line_at(self, pos: int) -> int:
        return self.line + self.text.count("\n", 0, pos)

    def column_at(self, pos: int) -> int:
        """The 1-based column of ``text[pos]`` on its line."""
        newline = self.text.rfind("\n", 0, pos)
        return pos - newline if newline >= 0 else self.column + pos + 1

    def error(self, message: str, pos: int, index: int | None) -> JsonStreamError:
        """``message`` as an error at ``text[pos]``."""
        return JsonStreamError(message, self.line_at(pos), index, self.column_at(pos))

    def value(self, decoder: json.JSONDecoder, index: int | None, max_depth: int = JSON_MAX_DEPTH) -> Any:
        """Decode the value that starts here (at a non-blank character); ``TOO_DEEP`` when it
        nests more than ``max_depth`` arrays and objects."""
        want = 0
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except RecursionError:
                if not self.skip():
                    raise JsonStreamError("Unterminated array or object", self.line_at(self.pos), index) from None
                return TOO_DEEP
            except json.JSONDecodeError as exc:
                offset = exc.pos - self.pos  # reading on moves the item to the buffer's start
                if self.more(want):  # perhaps cut off by the chunk's end: read on and retry
                    want = 2 * len(self.text)  # a large item grows the reads, so retries stay few
                    continue
                at = self.pos + offset
                raise self.error(exc.msg + trailing_comma_hint(self.text, at), at, index) from None
            except ValueError:  # an integer of more digits than Python converts
                raise JsonStreamError("A number has more digits than any field takes; amounts are decimal "
                                      'strings such as "19.99"', self.line_at(self.pos), index) from None
            if end == len(self.text) and self.more(want):  # a number may go on in the next chunk
                want = 2 * len(self.text)
                continue
            start, self.pos = self.pos, end
            return TOO_DEEP if deeper_than(max_depth, self.text, start, end) else value

    def skip(self) -> bool:
        """Move past the array or object that starts here without decoding it; False when the
        text ends before it does."""
        depth, at = 0, self.pos
        while True:
            found = _TOKEN.search(self.text, at)
            if found is None or found.group() == '"':   # read on: more text, or the rest of a string
                resume = (len(self.text) if found is None else found.start()) - self.pos
                if not self.more(2 * len(self.text)):
                    return False
                at = self.pos + resume
                continue
            at, token = found.end(), found.group()
            if token in ("[", "{"):
                depth += 1
            elif token in ("]", "}"):
                depth -= 1
                if depth == 0:
                    self.pos = at
                    return True


def iter_json_array(fh: TextIO, *, chunk: int = CHUNK,
                    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
                    ) -> Iterator[tuple[int, Any]]:
    """``(index, item)`` for each item of the JSON array that ``fh`` holds (``TOO_DEEP`` for
    one nested more than ``JSON_MAX_DEPTH`` levels deep); ``object_pairs_hook`` as ``json.loads`` takes it.

    :raises JsonStreamError: the text is not valid JSON (``NotAnArray``: valid, but not an array).
    """
    decoder = json.JSONDecoder(object_pairs_hook=object_pairs_hook)
    buf = _Buffer(fh, chunk)
    first = buf.peek()
    if first != "[":
        if first == "":
            raise JsonStreamError("Expecting value", buf.line_at(buf.pos))
        value = buf.value(decoder, None)  # raises for invalid JSON
        wrapper = next(iter(value)) if isinstance(value, dict) and len(value) == 1 \
            and isinstance(next(iter(value.values())), list) else None
        raise NotAnArray("Expected a JSON array.", 1, _kind(value), wrapper)
    buf.pos += 1
    index = 0
    if buf.peek() == "]":
        buf.pos += 1
    else:
        while True:
            following = buf.peek()
            if following in ("", "]"):    # the array ends, or a comma ends it
                if following:       # no invoice [index] to name: the comma is after the last one
                    raise buf.error("Expecting value; JSON allows no comma before ']': remove the trailing comma",
                                    buf.pos, None)
                raise buf.error("Expecting value", buf.pos, index)
            yield index, buf.value(decoder, index)
            index += 1
            separator = buf.peek()
            buf.pos += 1
            if separator == "]":
                break
            if separator != ",":
                raise buf.error("Expecting ',' delimiter" if separator else "Unterminated array", buf.pos - 1, index)
    if buf.peek() != "":
        raise buf.error("Extra data", buf.pos, None)


def _kind(value: Any) -> str:
    """What JSON calls the type of ``value``."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"
