"""Fingerprinted static URLs: a repeated visit fetches nothing but the HTML.

``url_for('static', filename='css/app.css')`` — in every template, unchanged — gives
``/static/css/app.css?v=<hash>``, the first 12 hex digits of the file's SHA-256. Served with
that hash, the file is cached for a year and never revalidated
(``Cache-Control: public, max-age=31536000, immutable``): a changed file has a new hash, so
a new URL, and the pages that use it ask for the new file. Any other request for a static
file (no ``v``, or a ``v`` that is not the file's current hash, such as a page rendered by
an older release during an upgrade) gets a short cache (``public, max-age=300``) and can be
revalidated (Werkzeug's ETag and Last-Modified).

Hashes are computed once per file and process (static files belong to the release); in
debug mode, or with ``TEMPLATES_AUTO_RELOAD``, a file is hashed again when its size or
modification time changes, so an edited stylesheet shows at once.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request
from werkzeug.security import safe_join

LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
HASH_LENGTH = 12


class StaticFingerprints:
    """The hash of each static file of one app, computed on first use."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._hashes: dict[str, tuple[int, int, str]] = {}

    def __call__(self, filename: str | None) -> str | None:
        """The fingerprint of ``filename`` (relative to the static folder), None if it is not a file."""
        if not filename:
            return None
        cached = self._hashes.get(filename)
        if cached is not None and not (self.app.debug or self.app.config.get("TEMPLATES_AUTO_RELOAD")):
            return cached[2]
        folder = self.app.static_folder
        path = safe_join(folder, filename) if folder else None
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if stat is None or not os.path.isfile(path):
            self._hashes.pop(filename, None)
            return None
        if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
            return cached[2]
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:HASH_LENGTH]
        self._hashes[filename] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def assets_version(self) -> str:
        """One hash over every static file: changes whenever any of them changes (for
        validators of pages that link to static files)."""
        folder = self.app.static_folder or ""
        names = sorted(
            os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
            for root, _dirs, files in os.walk(folder) for name in files
        )
        combined = hashlib.sha256()
        for name in names:
            combined.update(f"{name}={self(name)}\n".encode())
        return combined.hexdigest()[:HASH_LENGTH]


def fingerprints(app: Flask) -> StaticFingerprints:
    return app.extensions["lms.static"]


def register_static_fingerprints(app: Flask) -> None:
    app.extensions["lms.static"] = fingerprint = StaticFingerprints(app)

    @app.url_defaults
    def _fingerprint_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            digest = fingerprint(values.get("filename"))
            if digest:
                values["v"] = digest

    @app.after_request
    def _static_cache_control(response):
        if request.endpoint == "static" and response.status_code in (200, 206, 304):
            wanted = request.args.get("v")
            current = fingerprint((request.view_args or {}).get("filename")) if wanted else None
            response.headers["Cache-Control"] = LONG_CACHE if wanted and wanted == current else SHORT_CACHE
        return response
