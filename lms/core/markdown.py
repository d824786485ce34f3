"""The one Markdown pipeline: Python-Markdown, then nh3 with an allow-list.

Lessons, course overviews, quiz text and feedback all pass through ``render_markdown``.
The result is stored once per content version; pages show that stored HTML.

Python-Markdown and nh3 are imported when something is rendered (importing, authoring), not
when a web worker starts: the pages only show stored HTML. The allow-list below is plain data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

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
    "img": {"src", "alt", "title", "width", "height", "srcset", "sizes", "loading", "decoding"},
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

# Images of a course have a phone-sized variant beside them (photo.jpg → photo.720.jpg, made on
# upload): the page offers both with srcset, and a phone downloads the small one.
PHONE_WIDTH = 720  # a 360 px phone at 2× density; see bench/media_bench.py
IMAGE_SIZES = "(max-width: 60rem) calc(100vw - 2rem), 58rem"  # the page's column (app.css, main)
_RESIZABLE = re.compile(r"\.(jpe?g|png|webp)$", re.I)
_SRCSET_ITEM = re.compile(r"^(\S+)\s+(\d{1,5})w$")
_FIXED_VALUES = {("img", "sizes"): IMAGE_SIZES, ("img", "loading"): "lazy", ("img", "decoding"): "async"}


def phone_variant(path: str) -> str:
    """images/photo.jpg → images/photo.720.jpg."""
    stem, dot, ext = path.rpartition(".")
    return f"{stem}.{PHONE_WIDTH}.{ext}" if dot else path


@cache
def _images_extension() -> type:
    """The Python-Markdown extension for images (defined on first use, like the import)."""
    from markdown.extensions import Extension
    from markdown.treeprocessors import Treeprocessor

    class Images(Treeprocessor):
        """Lazy images; a relative image also offers its phone-sized variant (srcset)."""

        def run(self, root):
            for img in root.iter("img"):
                img.set("loading", "lazy")
                img.set("decoding", "async")
                src = img.get("src") or ""
                if is_relative_url(src) and _RESIZABLE.search(src.split("?", 1)[0].split("#", 1)[0]):
                    img.set("srcset", f"{phone_variant(src)} {PHONE_WIDTH}w, {src} 1280w")
                    img.set("sizes", IMAGE_SIZES)

    class ImagesExtension(Extension):
        def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
            md.treeprocessors.register(Images(md), "lms_images", 0)

    return ImagesExtension


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
    import markdown
    import nh3

    md = markdown.Markdown(extensions=[*EXTENSIONS, _images_extension()()], extension_configs=EXTENSION_CONFIGS)
    raw_html = md.convert(text or "")

    def srcset(value: str) -> str | None:
        # Only a course's own files, each resolved like src; anything else drops the attribute.
        if resolve_url is None:
            return None
        items = []
        for candidate in value.split(","):
            match = _SRCSET_ITEM.match(candidate.strip())
            if not match or not is_relative_url(match.group(1)):
                return None
            url = resolve_url("img", match.group(1))
            if url is None:
                return None
            items.append(f"{url} {match.group(2)}w")
        return ", ".join(items) or None

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if (tag, attr) in _FIXED_VALUES:
            return value if value == _FIXED_VALUES[(tag, attr)] else None
        if (tag, attr) == ("img", "srcset"):
            return srcset(value)
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
