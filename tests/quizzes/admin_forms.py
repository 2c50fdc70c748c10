"""Read an admin page's form the way a browser would submit it, so tests can post it back."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            checkable = a.get("type") in ("checkbox", "radio")
            if checkable and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if checkable else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data[self._textarea] = ["".join(self._text).removeprefix("\n")]
            self._textarea = None


def form_data(html: str) -> dict:
    """Every field of the page's forms with its current value (lists for multiple values)."""
    reader = _FormReader()
    reader.feed(html)
    data = {}
    for name, values in reader.data.items():
        if "__prefix__" in name:
            continue
        data[name] = values if len(values) != 1 else values[0]
    return data


def errors(html: str) -> list[str]:
    """The error messages an admin page shows, as plain text."""
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return [
        unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for block in found
        for item in block.split("</li>")
        if item.strip()
    ]
