"""Markdown to safe HTML, for every text a learner sees (lessons, stems, rationales)."""

from __future__ import annotations

from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "sub",
    "sup",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "figure",
    "figcaption",
    "span",
    "div",
    "dl",
    "dt",
    "dd",
    "abbr",
    "mark",
    "small",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
}


def sanitize_html(html: str) -> SafeString:
    """Removes scripts, event handlers and anything not on the allow-list."""
    return mark_safe(  # nh3 has just sanitised it
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer",
        )
    )


@lru_cache(maxsize=8192)
def _markdown_to_safe_html(text: str) -> str:
    # A pure function of the text, so it is memoised: every attempt start renders the same
    # stems, options and rationales again, and Markdown is the slowest part of it.
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return str(sanitize_html(html))


def render_markdown(text: str) -> SafeString:
    return mark_safe(_markdown_to_safe_html(text or ""))  # sanitised


def render_inline(text: str) -> SafeString:
    """Markdown for a short text (a choice): no surrounding paragraph."""
    html = str(render_markdown(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)  # already sanitised
