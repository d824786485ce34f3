"""The course zip upload: size limit (413), wrong type, and zip bombs — honest and lying."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from tests.support.client import csrf_token, login

COURSE_MD = "---\ntitle: Bom\n---\nNội dung.\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _lie_about_size(data: bytes, name: str, declared: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local header and central directory."""
    raw, target = bytearray(data), name.encode()
    for signature, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        i = raw.find(signature)
        while i != -1:
            length = struct.unpack("<H", raw[i + name_len_at:i + name_len_at + 2])[0]
            if raw[i + name_at:i + name_at + length] == target:
                raw[i + size_at:i + size_at + 4] = struct.pack("<I", declared)
            i = raw.find(signature, i + 4)
    return bytes(raw)


def _upload(client, data: bytes, filename: str = "course.zip"):
    token = csrf_token(client, "/author/import")
    return client.post("/author/import", data={"csrf_token": token, "archive": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.fixture
def trainer(client, users):
    login(client, "trainer@example.vn")
    return client


def _course_count(app):
    from sqlalchemy import func, select

    from lms.catalog.models import Course
    from lms.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Course))


def test_a_zip_that_lies_about_its_size_is_refused_not_inflated(app, trainer):
    # 60 MB of zeros compress to ~60 KB; the zip claims the file is 100 bytes.
    bomb = _lie_about_size(_zip({"course.md": COURSE_MD, "images/a.png": b"\0" * (60 * 1024 * 1024)}),
                           "images/a.png", 100)
    response = _upload(trainer, bomb)
    assert response.status_code == 200
    assert "damaged zip entry images/a.png" in response.get_data(as_text=True)
    assert _course_count(app) == 0


def test_an_honest_zip_bomb_is_refused_before_unpacking(app, trainer):
    entries = {"course.md": COURSE_MD, **{f"f{i}.png": b"\0" * (30 * 1024 * 1024) for i in range(4)}}
    response = _upload(trainer, _zip(entries))
    assert response.status_code == 200
    assert "100 MB" in response.get_data(as_text=True)
    assert _course_count(app) == 0


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"not a zip at all", "course.zip", "not a valid zip file"),
    (b"PK\x03\x04 broken", "course.zip", "not a valid zip file"),
    (_zip({"course.md": COURSE_MD}), "course.txt", ".zip"),
    (_zip({"readme.txt": b"x"}), "course.zip", "no course.md"),
    (_zip({"../evil/course.md": COURSE_MD}), "course.zip", "unsafe path"),
])
def test_wrong_files_get_a_clear_message(app, trainer, data, filename, message):
    response = _upload(trainer, data, filename)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _course_count(app) == 0


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 64 * 1024}])
def test_a_body_over_the_limit_gets_413(app, trainer):
    response = _upload(trainer, b"\0" * (128 * 1024))
    assert response.status_code == 413
    assert _course_count(app) == 0
