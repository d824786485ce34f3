"""The certificate factories of tests/certification, for the job tests."""

from tests.certification.conftest import complete, make_course, make_person  # noqa: F401
