"""The reference shop's configuration form as a browser submits it."""
from __future__ import annotations

from html.parser import HTMLParser

from oro_invoices.hosts.reference.testing import ShopClient, form_token


class _FormParser(HTMLParser):
    """What a browser submits for the config form: enabled controls only, checked boxes only."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "disabled" in a and tag in ("input", "select", "textarea"):
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[a["name"]] = a.get("value") or "on"
            else:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value") or ""
                self.values.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.values[self._select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    """What the config form would submit as it is shown (disabled fields are not sent)."""
    form = html.split('id="h-config-form"')[1].split("</form>")[0]
    parser = _FormParser()
    parser.feed("<form " + form)
    return parser.values


def save(admin: ShopClient, url: str, changes: dict[str, str | None]):
    html = admin.get(url).get_data(as_text=True)
    data = form_values(html)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    data["csrf_token"] = form_token(html.split('id="h-config-form"')[1])
    return admin.client.post(url, data=data)
