"""Reading the back-office view page: why it did not open the dialog a link asked for."""
from __future__ import annotations

import re
from html import unescape
from typing import Any


def dialog_notice(resp: Any) -> str:
    """The notice the view page shows instead of the dialog its link asked for."""
    found = re.search(r'<div class="oi-flash oi-flash--info" role="status" id="oi-dialog-notice">([^<]*)</div>',
                      resp.get_data(as_text=True))
    assert found, "the page says nothing about the dialog"
    return unescape(found.group(1))
