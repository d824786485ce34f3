"""National IDs: encrypted at rest, matched through the keyed hash, rotated, and required
keys in production."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select, text

from lms.extensions import db
from tests.support import registry as r
from tests.support.client import login, post_form


def test_round_trip_and_tamper_detection(app):
    from lms.core.crypto import DataKeyError, decrypt_identifier, encrypt_identifier, identifier_hash

    with app.app_context():
        token = encrypt_identifier("044123456789")
        assert "044123456789" not in token and token.startswith("v1.")
        assert decrypt_identifier(token) == "044123456789"
        assert identifier_hash("044123456789") == identifier_hash("044123456789") != identifier_hash("044123456780")
        forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        with pytest.raises(DataKeyError):
            decrypt_identifier(forged)
        app.config["DATA_KEY"] = "another-key-of-at-least-thirty-two-characters"
        with pytest.raises(DataKeyError, match="no configured key"):
            decrypt_identifier(token)


def test_database_holds_no_national_id_in_clear(app, database_url):
    from lms.registry.models import Person

    with app.app_context():
        r.load_test_units()
        db.session.add(Person(full_name="Trần Văn Bảy", national_id="079123456781", target_group="household_head"))
        db.session.commit()
        raw = db.session.execute(text("SELECT * FROM person")).all()
        assert "079123456781" not in repr(raw)
        assert db.session.scalar(select(Person.full_name).where(Person.national_id == "079123456781")) == "Trần Văn Bảy"
        db.session.remove()
        db.engine.dispose()
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        data = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        assert "Trần Văn Bảy".encode() in data  # the row is in the files read…
        assert b"079123456781" not in data  # …and its national ID is not


def test_import_matches_an_existing_person_by_national_id(app, client, users):
    from lms.registry.models import Person

    with app.app_context():
        r.load_test_units()
        db.session.add(Person(full_name="Lê Thị Tám", national_id="001090000001", target_group="official_commune",
                              unit_id=r.unit(r.HOME_COMMUNE).id))
        db.session.commit()
        commune = r.unit(r.HOME_COMMUNE).code
    login(client, "admin@example.vn")
    csv = ("full_name,phone,national_id,level,unit_code\n"
           f"Lê Thị Tám,0912000111,001090000001,xã,{commune}\n").encode()
    response = post_form(client, "/registry/import", {"file": (io.BytesIO(csv), "can-bo.csv"), "scheme": "2025",
                                                      "kind": ""}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    confirm = post_form(client, response.headers["Location"], {}, token_from=response.headers["Location"])
    assert page.status_code == 200 and confirm.status_code == 302
    with app.app_context():
        people = list(db.session.scalars(select(Person).where(Person.full_name == "Lê Thị Tám")))
        assert len(people) == 1 and people[0].phone == "0912000111"
        assert people[0].national_id == "001090000001"


def test_rotation_re_encrypts_under_the_new_key(app, runner):
    from lms.core.crypto import token_kid
    from lms.registry.models import Person

    with app.app_context():
        db.session.add(Person(full_name="Xoay Khóa", national_id="044999888777"))
        db.session.commit()
        before = db.session.scalar(select(Person.national_id_enc))
    app.config["DATA_KEY_OLD"] = app.config.get("DATA_KEY") or ""
    if not app.config["DATA_KEY_OLD"]:
        app.config["DATA_KEY_OLD"] = "dev:" + app.config["SECRET_KEY"]
    app.config["DATA_KEY"] = "the-new-province-key-with-enough-characters"
    result = runner.invoke(args=["lms", "rotate-data-key"])
    assert result.exit_code == 0 and "1" in result.output, result.output
    with app.app_context():
        person = db.session.scalar(select(Person))
        assert token_kid(person.national_id_enc) != token_kid(before)
        assert person.national_id == "044999888777"
        assert db.session.scalar(select(Person.id).where(Person.national_id == "044999888777")) == person.id
    assert "re-encrypted: 0" in runner.invoke(args=["lms", "rotate-data-key"]).output


def test_production_refuses_to_start_without_a_key_when_ids_are_stored(app, database_url):
    from lms import create_app
    from lms.config import ConfigError
    from lms.registry.models import Person

    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "LMS_ENV": "production", "DATA_KEY": ""}

    def start(**overrides):
        try:
            return create_app({**settings, **overrides})
        finally:
            for engine in list(db._app_engines.values()):
                for each in engine.values():
                    each.dispose()

    start()  # nothing stored yet: starts
    with app.app_context():
        db.session.add(Person(full_name="Có CCCD", national_id="044111222333"))
        db.session.commit()
    with pytest.raises(ConfigError, match="LMS_DATA_KEY"):
        start()
    with pytest.raises(ConfigError, match="at least"):
        start(DATA_KEY="short")
    start(DATA_KEY="x" * 40)
