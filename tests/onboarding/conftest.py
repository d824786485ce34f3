"""Fixtures for onboarding: the test units, people on the registry, codes issued for them."""

from __future__ import annotations

import pytest

from lms.extensions import db
from tests.support import registry as reg


@pytest.fixture
def units(app):
    with app.app_context():
        reg.load_test_units()


@pytest.fixture
def make_person(app, units):
    """``make_person(name, group=..., unit_code=..., phone=...)`` → person id."""

    def factory(name="Nguyễn Thị Hoa", group="household_head", unit_code=reg.HOME_COMMUNE, **kwargs):
        with app.app_context():
            person = reg.person(name, group, unit_code, **kwargs)
            db.session.commit()
            return person.id

    return factory


@pytest.fixture
def people(make_person):
    """Two people with a phone in the home commune, one in another commune (ids by key)."""
    return {
        "home": make_person("Nguyễn Thị Hoa", phone="0912000001"),
        "home2": make_person("Trần Văn An", phone="0912000002", group="cooperative_leader"),
        "other": make_person("Lò Văn Pá", phone="0912000003", unit_code=reg.OTHER_COMMUNE),
    }


@pytest.fixture
def issue(app):
    """``issue(person_id, purpose=None, include_active=True)`` → the printed code (``XXXXX-XXXXX``)."""
    from lms.onboarding import services
    from lms.registry.models import Person

    def factory(person_id, purpose=None, include_active=True):
        with app.app_context():
            issued = services.issue_codes([db.session.get(Person, person_id)], purpose=purpose,
                                          include_active=include_active)
            db.session.commit()
            return issued[0].code

    return factory
