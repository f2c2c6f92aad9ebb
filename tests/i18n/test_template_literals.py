"""No template shows a reader words that bypass the catalogs."""
from __future__ import annotations

from pathlib import Path

import pytest
from support.template_text import parsing_environment, templates_under, untranslated

import oro_invoices

PACKAGE = Path(oro_invoices.__file__).parent
ROOTS = [PACKAGE / "web" / "templates", PACKAGE / "documents" / "templates",
         PACKAGE / "services" / "mail" / "templates", PACKAGE / "hosts" / "reference" / "templates"]
TEMPLATES = templates_under(*ROOTS, patterns=("*.html", "*.txt", "*.subject"))


def test_every_template_kind_is_checked():
    names = {p.relative_to(PACKAGE).as_posix() for p in TEMPLATES}
    assert {"web/templates/storefront/list.html", "documents/templates/invoice.html",
            "services/mail/templates/invoice_notification_template.txt",
            "services/mail/templates/invoice_reminder_template.subject"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_template_has_no_untranslated_words(path):
    found = untranslated(path.read_text(encoding="utf-8"), parsing_environment())
    assert not found, f"wrap these in {{{{ _(...) }}}}: {found}"


@pytest.mark.parametrize("source, expected", [
    ("<p>Invoice number</p>", ["Invoice number"]),
    ('<a title="Download the PDF">⬇</a>', ['title="Download the PDF"']),
    ('{{ "Posted" if posted else "Draft" }}', ["'Posted'", "'Draft'"]),
    ('<td>{{ value or "—" }}</td> · {{ x }}', []),
    ('<p>{{ _("Invoice number") }}</p><b title="{{ _("Due") }}">#</b>', []),
    ('{{ sort_th(page, "invoice_date", _("Invoice Date")) }}', []),
    ("<style>.a { color: red }</style><script>var a = 'x';</script>", []),
])
def test_the_check_finds_literal_words(source, expected):
    assert untranslated(source, parsing_environment()) == expected
