"""Unbound extension objects; ``create_app`` binds them to an app."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lms.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class _DatabaseLimits:
    """Rate limits are ``lms.core.ratelimit``'s: moving windows in the database, declared
    on the routes that need them (login, ``/verify``, check-in, activation). Flask-Limiter
    is no longer installed, so a request to any other route pays nothing for limits (its
    before- and after-request bookkeeping was a fifth of a bare logged-in request).
    ``reset()`` remains for the callers that reset limits between runs; the database's
    tries are emptied with the other tables."""

    def reset(self) -> None:
        return None


limiter = _DatabaseLimits()
