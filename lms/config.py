"""Configuration read from LMS_* environment variables.

Only this module reads the environment; the rest of the code reads ``app.config``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment does not allow the app to start safely."""


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("LMS_SECRET_KEY", "").strip()
    if key:
        return key
    if production:
        raise ConfigError(
            "LMS_SECRET_KEY must be set when LMS_ENV=production "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    # Local use: generate once and keep it in the instance folder (not in git).
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(instance_path: str) -> dict:
    """Build the configuration mapping from the environment."""
    instance = Path(instance_path)
    env = os.environ.get("LMS_ENV", "development").strip().lower()
    production = env == "production"
    https = _flag("LMS_HTTPS", default=False)
    database_url = os.environ.get("LMS_DATABASE_URL") or f"sqlite:///{instance / 'lms.db'}"
    return {
        "LMS_ENV": env,
        "SECRET_KEY": _secret_key(instance, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("LMS_SQLITE_BUSY_TIMEOUT_MS", "15000")),
        "SQLITE_SYNCHRONOUS": os.environ.get("LMS_SQLITE_SYNCHRONOUS", "FULL").upper(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_NAME": "lms_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "LMS_HTTPS": https,
        "MAX_CONTENT_LENGTH": int(os.environ.get("LMS_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("LMS_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "BABEL_TRANSLATION_DIRECTORIES": str(BASE_DIR / "lms" / "translations"),
        "LANGUAGES": ("vi", "en"),
        # Moving windows kept in the database (lms.core.ratelimit), shared by all workers.
        "LOGIN_RATE_LIMIT": os.environ.get("LMS_LOGIN_RATE_LIMIT", "10/minute"),  # per account and address
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("LMS_LOGIN_ADDRESS_RATE_LIMIT", "60/minute"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LMS_LOGIN_ACCOUNT_RATE_LIMIT", "100/hour"),
        "CHECKIN_RATE_LIMIT": os.environ.get("LMS_CHECKIN_RATE_LIMIT", "10/minute"),
        # Sessions end after this much inactivity, and in any case this long after login.
        "SESSION_IDLE_MINUTES": int(os.environ.get("LMS_SESSION_IDLE_MINUTES", "120")),
        "SESSION_MAX_HOURS": int(os.environ.get("LMS_SESSION_MAX_HOURS", "24")),
        "PROXY_FIX": int(os.environ.get("LMS_PROXY_FIX", "0")),
        "PUBLIC_BASE_URL": os.environ.get("LMS_PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "COURSES_DIR": os.environ.get("LMS_COURSES_DIR", str(BASE_DIR / "courses")),
        "QUIZZES_DIR": os.environ.get("LMS_QUIZZES_DIR", str(BASE_DIR / "quizzes")),
        # Markdown files offered by "New lesson from a template" (a province may add its own).
        "LESSON_TEMPLATES_DIR": os.environ.get("LMS_LESSON_TEMPLATES_DIR", str(BASE_DIR / "courses" / "_templates")),
        "CERTIFICATES_DIR": os.environ.get("LMS_CERTIFICATES_DIR", str(BASE_DIR / "certificates")),
        "CERTIFICATE_DEFAULT_TEMPLATE": os.environ.get("LMS_CERTIFICATE_TEMPLATE", "vi"),
        "CERTIFICATE_VERIFY_RATE_LIMIT": os.environ.get("LMS_CERTIFICATE_VERIFY_RATE_LIMIT", "30/minute"),
        "CERTIFICATE_BULK_MAX": int(os.environ.get("LMS_CERTIFICATE_BULK_MAX", "500")),
        # Seconds after a quiz attempt's time limit during which saves and submits still count.
        "QUIZ_GRACE_SECONDS": int(os.environ.get("LMS_QUIZ_GRACE_SECONDS", "60")),
        "CLASS_LATE_AFTER_MINUTES": int(os.environ.get("LMS_CLASS_LATE_AFTER_MINUTES", "15")),
        "PASSWORD_MIN_LENGTH": int(os.environ.get("LMS_PASSWORD_MIN_LENGTH", "10")),
        "IMPORT_MAX_MB": int(os.environ.get("LMS_IMPORT_MAX_MB", "20")),
        # Files a trainer uploads to a course (images, forms, audio), stored in the database.
        "COURSE_FILE_MAX_BYTES": int(os.environ.get("LMS_COURSE_FILE_MAX_MB", "10")) * 1024 * 1024,
        "COURSE_FILES_MAX_BYTES": int(os.environ.get("LMS_COURSE_FILES_MAX_MB", "100")) * 1024 * 1024,
        # Uploaded registry files never confirmed are deleted after this many hours.
        "IMPORT_KEEP_HOURS": int(os.environ.get("LMS_IMPORT_KEEP_HOURS", "24")),
        "IMPORT_MAX_UNCOMPRESSED_MB": int(os.environ.get("LMS_IMPORT_MAX_UNCOMPRESSED_MB", "400")),
        # Messages (lms/messages): channels, sending and the reminder rules.
        "SMTP_URL": os.environ.get("LMS_SMTP_URL", "").strip(),
        "MAIL_FROM": os.environ.get("LMS_MAIL_FROM", "").strip(),
        "SMS_GATEWAY_URL": os.environ.get("LMS_SMS_GATEWAY_URL", "").strip(),
        "SMS_GATEWAY_TOKEN": os.environ.get("LMS_SMS_GATEWAY_TOKEN", "").strip(),
        "SMS_ADAPTER": os.environ.get("LMS_SMS_ADAPTER", "json").strip(),
        "SMS_QUIET_HOURS": os.environ.get("LMS_SMS_QUIET_HOURS", "21:00-07:00").strip(),
        "MESSAGE_TEMPLATES_DIR": os.environ.get("LMS_MESSAGE_TEMPLATES_DIR", str(BASE_DIR / "message_templates")),
        "MESSAGES_MAX_ATTEMPTS": int(os.environ.get("LMS_MESSAGES_MAX_ATTEMPTS", "8")),
        "MESSAGES_RETRY_SECONDS": int(os.environ.get("LMS_MESSAGES_RETRY_SECONDS", "120")),
        "MESSAGES_LEASE_SECONDS": int(os.environ.get("LMS_MESSAGES_LEASE_SECONDS", "600")),
        # Jobs (lms/jobs): the worker's queue of long work, and what stays inline below a size.
        "JOBS_LEASE_SECONDS": int(os.environ.get("LMS_JOBS_LEASE_SECONDS", "600")),
        "JOBS_MAX_ATTEMPTS": int(os.environ.get("LMS_JOBS_MAX_ATTEMPTS", "3")),
        "JOBS_POLL_SECONDS": float(os.environ.get("LMS_JOBS_POLL_SECONDS", "2")),
        "JOBS_SEND_MESSAGES_SECONDS": float(os.environ.get("LMS_JOBS_SEND_MESSAGES_SECONDS", "10")),
        "JOBS_KEEP_DAYS": int(os.environ.get("LMS_JOBS_KEEP_DAYS", "7")),
        # Below these sizes the work is done in the request, as before (a few seconds at most).
        "JOBS_INLINE_IMPORT_ROWS": int(os.environ.get("LMS_JOBS_INLINE_IMPORT_ROWS", "2000")),
        "JOBS_INLINE_CERTIFICATES": int(os.environ.get("LMS_JOBS_INLINE_CERTIFICATES", "10")),
        # A PDF of more activation slips than this is made by the worker (about 30 ms a slip).
        "JOBS_INLINE_SLIPS": int(os.environ.get("LMS_JOBS_INLINE_SLIPS", "16")),
        "JOBS_INLINE_EXPORT_ROWS": int(os.environ.get("LMS_JOBS_INLINE_EXPORT_ROWS", "5000")),
        "REMIND_AFTER_DAYS": int(os.environ.get("LMS_REMIND_AFTER_DAYS", "14")),
        "REMIND_EVERY_DAYS": int(os.environ.get("LMS_REMIND_EVERY_DAYS", "14")),
        "REMIND_MAX": int(os.environ.get("LMS_REMIND_MAX", "4")),
        "REMIND_URGENT_DAYS": int(os.environ.get("LMS_REMIND_URGENT_DAYS", "60")),
        # Onboarding (lms/onboarding): activation codes, slips, self-registration.
        "ACTIVATION_DAYS": int(os.environ.get("LMS_ACTIVATION_DAYS", "60")),
        "ACTIVATION_MAX_TRIES": int(os.environ.get("LMS_ACTIVATION_MAX_TRIES", "5")),
        "ACTIVATION_RATE_LIMIT": os.environ.get("LMS_ACTIVATION_RATE_LIMIT", "10/minute;60/hour"),
        "RESET_PHONE_RATE_LIMIT": os.environ.get("LMS_RESET_PHONE_RATE_LIMIT", "3/hour"),
        "SELF_REGISTRATION": _flag("LMS_SELF_REGISTRATION", default=True),
        "SLIPS_MAX": int(os.environ.get("LMS_SLIPS_MAX", "500")),
        "NEUTRAL_RESPONSE_MS": int(os.environ.get("LMS_NEUTRAL_RESPONSE_MS", "250")),
        # "Remind these people" on the gap list reaches one person at most once in this many days.
        "REMIND_MANUAL_EVERY_DAYS": int(os.environ.get("LMS_REMIND_MANUAL_EVERY_DAYS", "7")),
        # Personal data (lms/privacy, docs/privacy.md): the controller named in the notice,
        # the key of the national-ID encryption, request deadlines and retention periods.
        "DATA_CONTROLLER_NAME": os.environ.get("LMS_DATA_CONTROLLER_NAME", "").strip(),
        "DATA_CONTROLLER_ADDRESS": os.environ.get("LMS_DATA_CONTROLLER_ADDRESS", "").strip(),
        "DATA_CONTROLLER_CONTACT": os.environ.get("LMS_DATA_CONTROLLER_CONTACT", "").strip(),
        "DATA_KEY": os.environ.get("LMS_DATA_KEY", "").strip(),
        "DATA_KEY_OLD": os.environ.get("LMS_DATA_KEY_OLD", "").strip(),
        "PRIVACY_NOTICE_VERSION": os.environ.get("LMS_PRIVACY_NOTICE_VERSION", "2026-01").strip(),
        "PRIVACY_ACK_DAYS": int(os.environ.get("LMS_PRIVACY_ACK_DAYS", "2")),
        "PRIVACY_DUE_DAYS": int(os.environ.get("LMS_PRIVACY_DUE_DAYS", "15")),
        "RETAIN_IMPORT_DAYS": int(os.environ.get("LMS_RETAIN_IMPORT_DAYS", "30")),
        "RETAIN_CODE_DAYS": int(os.environ.get("LMS_RETAIN_CODE_DAYS", "30")),
        "RETAIN_REGISTRATION_DAYS": int(os.environ.get("LMS_RETAIN_REGISTRATION_DAYS", "90")),
        "RETAIN_MESSAGE_BODY_DAYS": int(os.environ.get("LMS_RETAIN_MESSAGE_BODY_DAYS", "90")),
        "RETAIN_LEFT_YEARS": int(os.environ.get("LMS_RETAIN_LEFT_YEARS", "5")),
        "RETAIN_AUDIT_DAYS": int(os.environ.get("LMS_RETAIN_AUDIT_DAYS", str(5 * 365))),
    }
