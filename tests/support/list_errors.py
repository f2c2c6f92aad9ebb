"""What a list page (the grid, the storefront list) says about a bad query, per field."""
from __future__ import annotations

import re
from html import unescape
from typing import Any


def inline_error(resp: Any, field: str) -> str:
    """The message a 422 list page shows for ``field``: next to its input (which points at it
    with ``aria-describedby``), or above the list for the sort and the page number."""
    assert resp.status_code == 422, resp.status_code
    html = resp.get_data(as_text=True)
    found = re.search(rf'<(span|p) class="oi-field__error" id="f-error-{field}" data-oi-error="{field}"'
                      r'[^>]*>([^<]*)</\1>', html)
    assert found, f"the page says nothing about {field}"
    if found.group(1) == "span":
        assert f'aria-describedby="f-error-{field}"' in html
    assert "Traceback" not in html
    return unescape(found.group(2))
