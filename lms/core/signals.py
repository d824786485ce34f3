"""Signals that let domains react to the spine without importing each other.

``course_completed`` is sent (sender: the Flask app) with ``completion=`` after a
CourseCompletion has been added to the session; receivers join the same transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
