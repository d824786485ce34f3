"""The one Markdown pipeline: Python-Markdown, then nh3 with an allow-list.

Lessons, course overviews, quiz text and feedback all pass through ``render_markdown``.
The result is stored once per content version; pages show that stored HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import markdown
import nh3

EXTENSIONS = ["tables", "fenced_code", "footnotes", "toc", "admonition", "sane_lists"]
EXTENSION_CONFIGS = {
    "toc": {"permalink": False, "toc_depth": "2-4"},
    "footnotes": {"BACKLINK_TEXT": "↩", "BACKLINK_TITLE": "%d"},
}

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
    "abbr": {"title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}
ALLOWED_CLASSES = {
    "div": {"admonition", "note", "tip", "hint", "important", "warning", "caution", "danger",
            "attention", "error", "footnote", "toc"},
    "p": {"admonition-title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {("a", "href"), ("img", "src")}

# (tag, url) -> the URL to use instead, or None to drop the attribute.
UrlResolver = Callable[[str, str], str | None]

_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def is_relative_url(url: str) -> bool:
    """A link into the same document set: no scheme, no host, not a fragment or absolute path."""
    cleaned = _CONTROL.sub("", url)
    if not cleaned or cleaned.startswith(("#", "/", "\\")):
        return False
    parts = urlsplit(cleaned)
    return not parts.scheme and not parts.netloc


def render_markdown(text: str, resolve_url: UrlResolver | None = None) -> str:
    """Markdown → sanitised HTML. ``resolve_url`` may rewrite relative links and images."""
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    raw_html = md.convert(text or "")

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if (tag, attr) in URL_ATTRIBUTES:
            # Defence in depth beyond nh3's scheme check: a scheme hidden by spaces or
            # control characters ("java script:") is dropped, not left for a browser to guess.
            squeezed = _CONTROL.sub("", value).lower()
            first_segment = re.split(r"[/?#]", squeezed, maxsplit=1)[0]
            if ":" in first_segment and first_segment.split(":", 1)[0] not in URL_SCHEMES:
                return None
            if resolve_url is not None and is_relative_url(value):
                return resolve_url(tag, value)
        return value

    return nh3.clean(
        raw_html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )

