"""Coverage: requirements per target group, coverage figures, gap lists, dashboard, API, exports.

Reads the registry and CourseCompletion; writes only its own Requirement tables.
"""
