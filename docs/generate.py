"""Rewrite the generated parts of the docs from the code: ``python docs/generate.py``.

A generated part sits between ``<!-- generated: WHAT -->`` and ``<!-- end generated -->``:

- ``page-routes`` / ``api-routes``: the route tables (``oro_invoices.web.route_docs``);
- ``file PATH``: the file at PATH (relative to the repository) as a Python code block.

``python docs/generate.py --check`` changes nothing and exits 1 when a doc is out of date;
tests/adapters/test_docs_generated.py runs the same check.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from oro_invoices.web.route_docs import api_table, page_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("docs/web.md", "docs/adapters.md")
BLOCK = re.compile(r"(<!-- generated: (?P<what>[^>]+?) -->\n)(?P<body>.*?)(<!-- end generated -->)",
                   re.S)


def render(what: str) -> str:
    if what == "page-routes":
        return page_table()
    if what == "api-routes":
        return api_table()
    if what.startswith("file "):
        path = what.removeprefix("file ").strip()
        return f"```python\n# {path}\n{(ROOT / path).read_text(encoding='utf-8').rstrip()}\n```"
    raise ValueError(f"unknown generated part {what!r}")


def regenerate(text: str) -> str:
    """``text`` with every generated part made again."""
    return BLOCK.sub(lambda m: m.group(1) + render(m.group("what")) + "\n" + m.group(4), text)


def out_of_date() -> list[str]:
    """The docs whose generated parts differ from the code."""
    return [doc for doc in DOCS
            if regenerate((ROOT / doc).read_text(encoding="utf-8"))
            != (ROOT / doc).read_text(encoding="utf-8")]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = out_of_date()
        for doc in stale:
            print(f"{doc} is out of date: run python docs/generate.py")
        return 1 if stale else 0
    for doc in DOCS:
        path = ROOT / doc
        path.write_text(regenerate(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
