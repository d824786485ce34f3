"""Certificate templates (Jinja HTML + CSS in ``certificates/``) rendered to PDF.

Administrators edit the templates, so nothing in them is trusted:

- Jinja runs in an ``ImmutableSandboxedEnvironment`` with no globals; the context holds
  only plain strings, numbers and dicts built here (never a model object, the config,
  the request or a callable), so a template cannot reach the configuration, the
  database or Python internals. ``{% include %}`` can only load files of the
  certificates folder.
- WeasyPrint fetches resources through ``RestrictedFetcher``: ``data:`` URLs and files
  inside the bundled font folder or the certificates folder only. No network, no other
  file (WeasyPrint would otherwise embed ``<link rel=attachment href=file:///…>``).

Nothing is cached on disk: each PDF is rendered in memory on demand.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lms.certification.codes import format_code
from lms.certification.models import DATE_FIELDS

log = logging.getLogger("lms.certification")

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
TEMPLATE_FILE = "certificate.html"
STYLE_FILE = "certificate.css"
SETTINGS_FILE = "template.yaml"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")

FONT_CSS = """
@font-face { font-family: "Be Vietnam Pro"; font-weight: 400; font-style: normal;
  src: url("%(dir)s/BeVietnamPro-Regular.ttf"); }
@font-face { font-family: "Be Vietnam Pro"; font-weight: 700; font-style: normal;
  src: url("%(dir)s/BeVietnamPro-Bold.ttf"); }
@font-face { font-family: "Be Vietnam Pro"; font-weight: 400; font-style: italic;
  src: url("%(dir)s/BeVietnamPro-Italic.ttf"); }
"""


class CertificateTemplateError(RuntimeError):
    """A certificate template is missing, malformed or tried something not allowed."""


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    title: str
    language: str
    defaults: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)


def certificates_dir() -> Path:
    return Path(current_app.config["CERTIFICATES_DIR"]).resolve()


def _template_dir(name: str) -> Path:
    if not _NAME.fullmatch(name or ""):
        raise CertificateTemplateError(f"invalid template name: {name!r}")
    return certificates_dir() / name


def template_exists(name: str | None) -> bool:
    if not name or not _NAME.fullmatch(name):
        return False
    return (certificates_dir() / name / TEMPLATE_FILE).is_file()


def available_templates() -> list[str]:
    base = certificates_dir()
    if not base.is_dir():
        return []
    return sorted(p.parent.name for p in base.glob(f"*/{TEMPLATE_FILE}") if _NAME.fullmatch(p.parent.name))


def template_choices() -> list[tuple[str, str]]:
    """(name, title) of each template, for pickers: people choose "Giấy chứng nhận (tiếng
    Việt)", not "vi". A template whose settings cannot be read shows its folder name."""
    choices = []
    for name in available_templates():
        try:
            title = template_info(name).title or name
        except CertificateTemplateError:
            title = name
        choices.append((name, title))
    return choices


def default_template() -> str:
    return current_app.config.get("CERTIFICATE_DEFAULT_TEMPLATE", "vi")


def template_info(name: str) -> TemplateInfo:
    """Read ``template.yaml``: title, language, default details and free settings."""
    path = _template_dir(name) / SETTINGS_FILE
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CertificateTemplateError(f"{path.name}: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise CertificateTemplateError(f"{path.name}: expected a mapping")
        data = loaded or {}

    def strings(value) -> dict[str, str]:
        if not isinstance(value, dict):
            return {}
        return {str(k): "" if v is None else str(v) for k, v in value.items()}

    return TemplateInfo(
        name=name,
        title=str(data.get("title") or name),
        language=str(data.get("language") or "vi"),
        defaults=strings(data.get("defaults")),
        settings=strings(data.get("settings")),
    )


# --- Jinja sandbox ------------------------------------------------------------------

_environments: dict[str, ImmutableSandboxedEnvironment] = {}


def _environment() -> ImmutableSandboxedEnvironment:
    base = str(certificates_dir())
    env = _environments.get(base)
    if env is None:
        env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(base),
            autoescape=True,
            undefined=StrictUndefined,
        )
        # Nothing callable from outside: no range/lipsum/cycler/joiner/namespace/dict.
        env.globals.clear()
        _environments[base] = env
    return env


def render_html(template: str, context: dict[str, Any]) -> str:
    _template_dir(template)
    try:
        return _environment().get_template(f"{template}/{TEMPLATE_FILE}").render(context)
    except TemplateError as exc:
        raise CertificateTemplateError(f"{template}: {exc.__class__.__name__}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a broken template must not become a 500 trace
        raise CertificateTemplateError(f"{template}: {exc.__class__.__name__}: {exc}") from None


# --- the context a template sees -----------------------------------------------------


def verify_url(code: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/verify/" + code


def qr_data_uri(url: str) -> str:
    import segno  # on first use: a web worker that renders no certificate never loads it

    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=0, dark="#000")


def _date_value(value: date | None, language: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "day": value.day,
        "month": value.month,
        "year": value.year,
        "iso": value.isoformat(),
        "short": value.strftime("%d/%m/%Y"),
        "long": format_date(value, "long", locale=language),
    }


def _as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def certificate_context(
    code: str, details: dict[str, Any], info: TemplateInfo, *, version: int = 1
) -> dict[str, Any]:
    """Plain data only: strings, numbers and dicts of them."""
    language = info.language if info.language in ("vi", "en") else "vi"
    url = verify_url(code)
    hours = float(details.get("hours") or 0)
    cert: dict[str, Any] = {
        "code": format_code(code),
        "verify_url": url,
        "qr": qr_data_uri(url),
        "version": int(version),
        "hours": hours,
        "hours_text": format_decimal(hours, format="#,##0.#", locale=language),
    }
    for name, value in details.items():
        if name == "hours":
            continue
        if name in DATE_FIELDS:
            cert[name] = _date_value(_as_date(value), language)
        else:
            cert[name] = "" if value is None else str(value)
    return {"certificate": cert, "settings": dict(info.settings), "language": language}


# --- PDF ----------------------------------------------------------------------------


def _fetcher():
    """A WeasyPrint URL fetcher that only reads data: URLs and the allowed folders."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = (FONTS_DIR, certificates_dir())

    class RestrictedFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_file() and any(path.is_relative_to(root) for root in roots):
                    if path.suffix.lower() in {".py", ".yaml", ".yml", ".html"}:
                        raise ValueError(f"refused: {url}")
                    return URLFetcherResponse(path.as_uri(), path.read_bytes())
            log.warning("certificate template asked for a forbidden resource: %s", url[:200])
            raise ValueError(f"refused: {url[:200]}")

    return RestrictedFetcher(allowed_protocols=("data", "file"))


def _font_configuration():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _document(template: str, html: str, fonts=None):
    from weasyprint import CSS, HTML

    fetcher = _fetcher()
    fonts = fonts or _font_configuration()
    directory = _template_dir(template)
    base_url = directory.as_uri() + "/"
    stylesheets = [
        CSS(string=FONT_CSS % {"dir": FONTS_DIR.as_uri()}, url_fetcher=fetcher, font_config=fonts)
    ]
    css_path = directory / STYLE_FILE
    if css_path.is_file():
        stylesheets.append(
            CSS(string=css_path.read_text(encoding="utf-8"), base_url=base_url,
                url_fetcher=fetcher, font_config=fonts)
        )
    try:
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            stylesheets=stylesheets, font_config=fonts
        )
    except Exception as exc:  # noqa: BLE001 - a broken template must not become a 500 trace
        raise CertificateTemplateError(f"{template}: {exc.__class__.__name__}: {exc}") from None


@dataclass(frozen=True)
class Printable:
    """Everything needed to print one certificate (or one of its versions)."""

    code: str
    template: str
    details: dict[str, Any]
    version: int = 1
    filename: str = "certificate.pdf"


def resolve_template(name: str | None) -> str:
    if template_exists(name):
        return name  # type: ignore[return-value]
    fallback = default_template()
    if name:
        log.warning("certificate template %r not found; using %r", name, fallback)
    if not template_exists(fallback):
        raise CertificateTemplateError(f"the default certificate template {fallback!r} is missing")
    return fallback


def render_document(item: Printable, fonts=None):
    template = resolve_template(item.template)
    info = template_info(template)
    html = render_html(template, certificate_context(item.code, item.details, info, version=item.version))
    return _document(template, html, fonts)


def render_pdf(item: Printable) -> bytes:
    return render_document(item).write_pdf()


def render_many_pdf(items: Iterable[Printable], on_each: Callable[[int], None] | None = None) -> bytes:
    """One PDF, one certificate per page (A4 landscape in the bundled templates).

    ``on_each(n)`` is called after the n-th certificate is laid out (a job's progress).
    """
    fonts = _font_configuration()  # one font set-up for the whole batch
    documents = []
    for item in items:
        documents.append(render_document(item, fonts))
        if on_each is not None:
            on_each(len(documents))
    if not documents:
        raise ValueError("no certificate to print")
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def render_many_zip(items: Iterable[Printable], on_each: Callable[[int], None] | None = None) -> bytes:
    """A ZIP of one PDF per certificate, built in memory (``on_each(n)``: after the n-th)."""
    buffer = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            name = item.filename
            stem, n = name.removesuffix(".pdf"), 1
            while name in seen:
                n += 1
                name = f"{stem}-{n}.pdf"
            seen.add(name)
            archive.writestr(name, render_pdf(item))
            if on_each is not None:
                on_each(len(seen))
    return buffer.getvalue()
