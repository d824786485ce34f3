"""Per-user API tokens for the JSON API (``Authorization: Bearer …``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.apitokens import services, views
    from lms.core.signals import credentials_revoked

    app.register_blueprint(views.bp)
    credentials_revoked.connect(services.on_credentials_revoked)
