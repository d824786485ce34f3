"""Per-user API tokens for the JSON API (``Authorization: Bearer …``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.apitokens import views

    app.register_blueprint(views.bp)
