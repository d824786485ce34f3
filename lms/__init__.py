"""OCOP LMS: a training platform for Vietnam's OCOP programme."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from lms import (
    apitokens,
    assessments,
    auth,
    catalog,
    certification,
    classes,
    coverage,
    jobs,
    main,
    messages,
    onboarding,
    privacy,
    registry,
)
from lms.config import BASE_DIR, load_config
from lms.core.cli import lms_group

# The domains in layer order (low to high); create_app calls each one's init_app.
DOMAINS = (
    messages, jobs, registry, auth, apitokens, catalog, assessments, certification, coverage, onboarding, classes, privacy,
    main,
)


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides values read from the environment."""
    app = Flask(
        __name__,
        instance_path=str(BASE_DIR / "instance"),
        instance_relative_config=True,
    )
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_errors(app)
    register_templates(app)
    lms_group(app)
    # Each domain wires itself in (blueprints, commands, navigation, hooks, signal
    # receivers), lowest layer first; see ARCHITECTURE.md for the layers.
    for domain in DOMAINS:
        domain.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_babel import get_locale  # noqa: F401 - keeps Babel's jinja helpers registered

    from lms.core.db import configure_sqlite
    from lms.core.i18n import install_template_gettext, select_locale
    from lms.core.params import register_converters
    from lms.core.security import SessionCookies, register_security_headers
    from lms.extensions import babel, csrf, db, login_manager, migrate

    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_converters(app)
    app.session_interface = SessionCookies()
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(
                engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], app.config["SQLITE_SYNCHRONOUS"]
            )
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    register_security_headers(app)

    # Models must be imported so that metadata (and Alembic) know every table.
    import lms.models  # noqa: F401


def register_errors(app: Flask) -> None:
    from lms.core.errors import register_error_handlers

    register_error_handlers(app)


def register_templates(app: Flask) -> None:
    from lms.core.static import register_static_fingerprints
    from lms.core.templating import register_template_helpers

    register_template_helpers(app)
    register_static_fingerprints(app)
