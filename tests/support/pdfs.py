"""A PDF's text as its reader sees it, read back with poppler's pdftotext."""
from __future__ import annotations

import subprocess


def pdf_text(pdf: bytes, *, layout: bool = True) -> str:
    """The text as pdftotext reads it (UTF-8), laid out as on the page unless ``layout`` is False."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"], input=pdf,
                          capture_output=True, check=True, timeout=60).stdout.decode("utf-8")


def pdf_lines(pdf: bytes) -> str:
    """The lines as laid out, each with its whitespace collapsed (one per line, blank ones kept)."""
    return "\n".join(" ".join(line.split()) for line in pdf_text(pdf).splitlines())


def pdf_words(pdf: bytes) -> str:
    """The text in reading order with all whitespace collapsed to single spaces."""
    return " ".join(pdf_text(pdf, layout=False).split())
