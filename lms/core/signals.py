"""Signals that let domains react to the spine without importing each other.

``course_completed`` is sent (sender: the Flask app) with ``completion=`` after a
CourseCompletion has been added to the session; receivers join the same transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")

people_imported = _signals.signal("people-imported")
"""Sent (sender: the Flask app) after a registry file was applied, inside its transaction, with
``created`` (ids of the people the file added), ``changed`` (ids it updated), ``actor`` and
``create_accounts`` (the import's option for learner accounts, made without a usable password).
Receivers join the transaction: accounts are created by ``lms.auth``; ``lms.onboarding`` then
enrols them in their required courses."""

requirement_changed = _signals.signal("requirement-changed")
"""Sent (sender: the Flask app) by ``lms.coverage`` after a target group's requirement changed,
inside its transaction, with ``target_group`` and ``actor``. ``lms.onboarding`` enrols the
group's account holders in the courses now required."""

credentials_revoked = _signals.signal("credentials-revoked")
"""Sent (sender: the Flask app) with ``user`` and ``actor`` when an administrator resets the
password of an account or deactivates it, inside the transaction: every session has ended,
and receivers end the account's other credentials (``lms.apitokens`` revokes its tokens)."""
