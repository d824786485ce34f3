"""Message texts: Jinja files a province can reword, rendered once when a message is queued.

The folder is ``LMS_MESSAGE_TEMPLATES_DIR`` (``message_templates/`` by default; its
README documents every template and its variables). A template is one file per language,
``<name>.<locale>.jinja``, with three blocks:

- ``subject``: the e-mail subject and the title of an in-app notification (one line);
- ``text``: the e-mail's plain-text part and the in-app notification's text;
- ``sms``: the SMS text; it is folded to ASCII without accents (as SMS in Vietnam usually
  is) and its spaces collapsed, and should fit one 160-character segment.

The HTML part of an e-mail is ``text`` laid into ``_email.html`` (paragraphs, links).
Templates run in Jinja's sandbox: administrators edit them, and they get only the
variables the code passes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, Undefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

SMS_SEGMENT = 160
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_URL = re.compile(r"https?://[^\s<>\"']+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ASCII_EXTRA = str.maketrans({
    "đ": "d", "Đ": "D", "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...",
    "«": '"', "»": '"', "\u00a0": " ", "•": "-", "№": "No",
})


class TemplateError(ValueError):
    """A message template is missing or cannot be rendered."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str | None = None


def ascii_text(text: str) -> str:
    """Vietnamese without accents, in ASCII, on one line: "Đào tạo" → "Dao tao"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_ASCII_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_only = stripped.encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_only.split())


def one_line(text: str, limit: int = 300) -> str:
    """A header-safe line: no control characters (no CR/LF header injection), single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


def _format_date(value, locale: str = "vi") -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def _environment(app, strict: bool | None = None) -> SandboxedEnvironment:
    """The folder's Jinja environment. ``strict``: an unknown variable is an error (tests and
    ``flask lms message-templates``); otherwise it renders empty, so that a reworded text
    naming a variable that does not exist never stops a message."""
    if strict is None:
        strict = bool(app.config.get("TESTING"))
    cache = app.extensions.setdefault("lms.message_texts", {})
    folder = app.config["MESSAGE_TEMPLATES_DIR"]
    env = cache.get((folder, strict))
    if env is None:
        env = SandboxedEnvironment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
            undefined=StrictUndefined if strict else Undefined,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=True,
        )
        env.filters["date"] = _format_date
        cache[(folder, strict)] = env
    return env


def template_names() -> list[str]:
    """The message templates present in the folder (any language)."""
    folder = Path(current_app.config["MESSAGE_TEMPLATES_DIR"])
    names = {p.name.split(".", 1)[0] for p in folder.glob("*.jinja") if not p.name.startswith("_")}
    return sorted(names)


def _load(env, name: str, locale: str):
    if not _NAME.fullmatch(name):
        raise TemplateError(f"not a template name: {name!r}")
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")
    for candidate in dict.fromkeys((locale, default, "vi")):
        try:
            return env.get_template(f"{name}.{candidate}.jinja"), candidate
        except TemplateNotFound:
            continue
    raise TemplateError(f"no message template {name!r} in {current_app.config['MESSAGE_TEMPLATES_DIR']}")


def _block(template, name: str, context: dict) -> str | None:
    block = template.blocks.get(name)
    if block is None:
        return None
    ctx = template.new_context(dict(context))
    return "".join(block(ctx)).strip()


def _html(env, subject: str, text: str) -> str:
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = []
        for line in chunk.strip().splitlines():
            pieces, last = [], 0
            for match in _URL.finditer(line):
                pieces.append(escape(line[last:match.start()]))
                url = match.group(0).rstrip(".,;)")
                pieces.append(Markup('<a href="{0}">{0}</a>').format(url))
                last = match.start() + len(url)
            pieces.append(escape(line[last:]))
            lines.append(Markup("").join(pieces))
        if lines:
            paragraphs.append(Markup("<br>\n").join(lines))
    return env.get_template("_email.html").render(subject=subject, paragraphs=paragraphs)


def render(name: str, channel: str, context: dict, locale: str | None = None, *,
           strict: bool | None = None) -> Rendered:
    """Render template ``name`` for ``channel`` in ``locale`` (falling back to the default)."""
    app = current_app._get_current_object()
    env = _environment(app, strict)
    locale = locale or app.config.get("BABEL_DEFAULT_LOCALE", "vi")
    template, used = _load(env, name, locale)
    try:
        with force_locale(used):
            subject = one_line(_block(template, "subject", context) or "")
            text = _block(template, "text", context) or ""
            if channel == "sms":
                sms = _block(template, "sms", context)
                return Rendered(subject=subject, body=ascii_text(sms if sms is not None else text))
            if channel == "email":
                return Rendered(subject=subject, body=text, html=_html(env, subject, text))
            return Rendered(subject=subject, body=text)
    except TemplateError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken template file must say which one
        raise TemplateError(f"{name}.{used}.jinja: {exc}") from exc
