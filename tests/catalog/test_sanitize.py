"""The Markdown pipeline against a corpus of XSS vectors."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from lms.core.markdown import render_markdown

VECTORS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](%6A%61%76%61%73%63%72%69%70%74:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://example.com/a.png)',
    '![x](https://example.com/a.png" onerror="alert(1))',
    '[x](https://example.com "title" onclick="alert(1)")',
    "[r][ref]\n\n[ref]: javascript:alert(1)",
    "[r][ref]\n\n[ref]: JAVASCRIPT:alert(1) \"t\"",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<!--<img src=x onerror=alert(1)>-->",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<a href=\"https://example.com\" target=\"_blank\">x</a>",
    "!!! note \"<img src=x onerror=alert(1)>\"\n    body",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "x[^1]\n\n[^1]: <script>alert(1)</script>",
]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul",
}


class Inspector(HTMLParser):
    """Collects what a browser would act on: tags, attribute names and URL values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "target", "formaction", "srcdoc"}:
                self.problems.append(f"attribute {name}")
            if name in {"href", "src"} and value is not None:
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                first = re.split(r"[/?#]", squeezed, maxsplit=1)[0]
                if ":" in first and not squeezed.startswith(("http:", "https:", "mailto:")):
                    self.problems.append(f"url {value}")


def inspect(html: str) -> list[str]:
    parser = Inspector()
    parser.feed(html)
    parser.close()
    return parser.problems


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_is_neutralised(vector):
    html = render_markdown(vector)
    assert inspect(html) == [], (vector, html)


def test_inspector_catches_what_it_should():
    assert inspect('<a href="javascript:alert(1)" onclick="x">a</a><script></script>') == [
        "url javascript:alert(1)", "attribute onclick", "tag script"]


def test_safe_markdown_keeps_its_structure():
    html = render_markdown("## Tiêu đề\n\n**đậm** [liên kết](https://example.com) | a |\n|---|\n| 1 |\n")
    assert '<h2 id="tieu-e">' in html or "<h2" in html
    assert "<strong>đậm</strong>" in html
    assert 'href="https://example.com" rel="noopener noreferrer"' in html


def test_every_link_gets_rel_noopener():
    html = render_markdown("[a](https://example.com) [b](mailto:x@example.vn) [c](/courses)")
    assert html.count('rel="noopener noreferrer"') == 3


def test_code_is_shown_as_text():
    html = render_markdown("```\n<script>alert(1)</script>\n```")
    assert "&lt;script&gt;" in html


def test_relative_links_can_only_be_rewritten_never_kept_raw():
    html = render_markdown("[x](../other.md) ![y](img.png)", lambda tag, url: None)
    assert "other.md" not in html and "img.png" not in html
