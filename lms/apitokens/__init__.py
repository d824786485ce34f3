"""Per-user API tokens for the JSON API (``Authorization: Bearer …``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.apitokens import services, views
    from lms.auth import hooks as auth_hooks
    from lms.core.signals import credentials_revoked

    app.register_blueprint(views.bp)
    credentials_revoked.connect(services.on_credentials_revoked)
    auth_hooks.user_panels.register(app, views.user_tokens_panel)
