"""Courses, modules, lessons, enrolment, lesson progress, completion and authoring."""
