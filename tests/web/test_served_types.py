"""The Content-Type a stored file is downloaded with: text says it is UTF-8 when it is."""
from __future__ import annotations

import pytest

from oro_invoices.web.downloads import served_type


@pytest.mark.parametrize("content_type,data,served", [
    ("text/csv", "Müller & Söhne".encode(), "text/csv; charset=utf-8"),
    ("text/plain", b"plain ASCII", "text/plain; charset=utf-8"),
    ("text/csv", "Müller".encode("latin-1"), "text/csv"),            # not UTF-8: its charset is unknown
    ("text/csv; charset=iso-8859-1", "Müller".encode("latin-1"), "text/csv; charset=iso-8859-1"),
    ("text/csv; charset=UTF-8", b"a,b", "text/csv; charset=UTF-8"),  # says it already
    ("application/pdf", b"%PDF-1.7", "application/pdf"),
    ("application/xml", b"<?xml version='1.0'?><a/>", "application/xml"),
])
def test_a_text_file_says_it_is_utf_8_when_it_is(content_type, data, served):
    assert served_type(content_type, data) == served
