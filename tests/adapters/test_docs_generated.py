"""The route tables and example hosts in the docs are the code's (``python docs/generate.py``)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from oro_invoices.web import api
from oro_invoices.web.pages import ROUTES
from oro_invoices.web.route_docs import PAGE_SUMMARIES, page_table

ROOT = Path(__file__).resolve().parents[2]


def generator():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_match_the_code():
    assert generator().out_of_date() == [], "run: python docs/generate.py"


def test_every_page_and_api_route_is_in_web_md():
    text = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    for route in ROUTES:
        assert f"| `{route.endpoint}` |" in text, route.endpoint
    assert "`oro_invoices.admin.email_decision`" in text
    for route in api.ROUTES:
        assert f"| {route.method} | `/api{route.path}` |" in text, (route.method, route.path)


def test_every_page_says_what_the_user_sees_there():
    """Each page's row names the button or page it serves, not only its handler."""
    assert [r.endpoint for r in ROUTES if r.endpoint not in PAGE_SUMMARIES] == []


def test_a_changed_route_makes_the_docs_out_of_date(monkeypatch):
    gen = generator()
    text = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    monkeypatch.setattr(gen, "page_table", lambda: page_table({"backoffice": "/bo"}))
    assert gen.regenerate(text) != text


def test_the_examples_are_shown_whole():
    text = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    for name in ("starlette_host.py", "flask_host.py"):
        source = (ROOT / "examples" / name).read_text(encoding="utf-8").rstrip()
        assert f"# examples/{name}\n{source}\n```" in text
