"""A lesson's audio narration: checked by content, shown with a light player, served with
range requests, carried by the folder format and the zip."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from sqlalchemy import select

from lms.catalog import media
from lms.catalog.models import Course, Lesson
from lms.extensions import db
from tests.catalog.test_authoring import add_lesson, make_course
from tests.support.client import csrf_token, login, post_form
from tests.support.courses import run_import, write_course


def mp3(seconds: float = 10.0) -> bytes:
    """Silent MPEG-1 Layer III frames, 32 kbit/s, 44.1 kHz (104 bytes, 1152 samples each)."""
    frames = round(seconds * 44100 / 1152)
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + (b"\xff\xfb\x10\x00" + b"\x00" * 100) * frames


def m4a(seconds: int = 95) -> bytes:
    def box(name: bytes, body: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(body), name) + body
    mvhd = box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + b"\x00" * 80)
    return box(b"ftyp", b"M4A \x00\x00\x00\x00M4A isom") + box(b"moov", mvhd) + box(b"mdat", b"\x00" * 2000)


def opus(seconds: int = 7) -> bytes:
    def page(granule: int, body: bytes) -> bytes:
        return (b"OggS\x00\x00" + struct.pack("<qIIIB", granule, 1, 0, 0, 1) + bytes([len(body)]) + body)
    head = b"OpusHead\x01\x01" + struct.pack("<HIhB", 312, 48000, 0, 0)
    return page(0, head) + page(0, b"OpusTags" + b"\x00" * 8) + page(seconds * 48000 + 312, b"\x00" * 200)


@pytest.mark.parametrize(("data", "kind", "seconds"), [(mp3(10), "mp3", 10), (m4a(95), "m4a", 95), (opus(7), "opus", 7)])
def test_audio_is_recognised_with_its_duration(data, kind, seconds):
    assert media.sniff(data) == kind and media.audio_seconds(data, kind) == seconds


@pytest.fixture
def lesson_id(app, client, users):
    login(client, "trainer@example.vn")
    make_course(client)
    assert add_lesson(client, app, "nghe", "## Bài có bản đọc").status_code == 302
    with app.app_context():
        return db.session.scalar(select(Lesson.id).filter_by(slug="nghe"))


def send_audio(client, lesson_id, data, name):
    url = f"/author/courses/tu-viet/lessons/{lesson_id}"
    token = csrf_token(client, url)
    return client.post(url + "/audio", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_trainer_adds_audio_and_the_learner_gets_a_light_player(app, client, users, lesson_id):
    assert send_audio(client, lesson_id, mp3(75), "Bản đọc.mp3").status_code == 302
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert lesson.audio_path == "audio/nghe-ban-doc.mp3" and lesson.audio_seconds == 75
    page = client.get("/courses/tu-viet/lessons/nghe").get_data(as_text=True)
    assert '<audio controls preload="none" src="/courses/tu-viet/files/audio/nghe-ban-doc.mp3"></audio>' in page
    assert "1 phút 15 giây" in page and "KB" in page and "?download=1" in page

    whole = client.get("/courses/tu-viet/files/audio/nghe-ban-doc.mp3")
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Type"] == "audio/mpeg" and "attachment" not in whole.headers.get("Content-Disposition", "")
    part = client.get("/courses/tu-viet/files/audio/nghe-ban-doc.mp3", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == whole.data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(whole.data)}"
    tail = client.get("/courses/tu-viet/files/audio/nghe-ban-doc.mp3", headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.data == whole.data[-100:]
    beyond = client.get("/courses/tu-viet/files/audio/nghe-ban-doc.mp3", headers={"Range": f"bytes={len(whole.data) + 5}-"})
    assert beyond.status_code == 416
    download = client.get("/courses/tu-viet/files/audio/nghe-ban-doc.mp3?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    for response in (whole, part, tail, beyond, download):
        response.close()

    # Learners can finish the lesson without listening: marking it done does not ask.
    post_form(client, f"/author/courses/tu-viet/lessons/{lesson_id}/audio", {"action": "remove"},
              token_from=f"/author/courses/tu-viet/lessons/{lesson_id}")
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).audio_path is None


@pytest.mark.parametrize(("data", "name"), [
    (b"<html><script>alert(1)</script></html>", "doc.mp3"),
    (b"%PDF-1.4 not audio", "doc.mp3"),
    (mp3(2), "doc.m4a"),
])
def test_audio_is_checked_by_content(app, client, users, lesson_id, data, name):
    send_audio(client, lesson_id, data, name)
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).audio_path is None


def test_a_picture_is_not_audio(app, client, users, lesson_id):
    from tests.catalog.test_media import photo

    send_audio(client, lesson_id, photo(300, 200), "anh.jpg")
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).audio_path is None


def test_audio_round_trips_through_the_zip(app, client, users, lesson_id):
    send_audio(client, lesson_id, m4a(95), "doc.m4a")
    exported = client.get("/author/courses/tu-viet/export.zip").data
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert "tu-viet/audio/nghe-doc.m4a" in archive.namelist()
        lesson_file = next(n for n in archive.namelist() if n.endswith("-nghe.md"))
        assert "audio: ../audio/nghe-doc.m4a" in archive.read(lesson_file).decode()
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w") as out:
            for name in archive.namelist():
                out.writestr(name.replace("tu-viet/", "ban-sao/", 1), archive.read(name))
    response = post_form(client, "/author/import", {"archive": (io.BytesIO(copy.getvalue()), "ban-sao.zip")},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).join(Course).where(Course.slug == "ban-sao", Lesson.slug == "nghe"))
        assert lesson.audio_path == "audio/nghe-doc.m4a" and lesson.audio_seconds == 95


def test_folder_format_audio_must_be_an_audio_file(app, runner, courses_root):
    lessons = {"01-dau/02-hai.md": "---\ntitle: Bài hai\naudio: ../audio/hai.opus\n---\nNội dung.\n"}
    good = write_course(courses_root, lessons=lessons, extra={"audio/hai.opus": opus(7)})
    assert run_import(runner, good).exit_code == 0
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).filter_by(slug="hai"))
        assert lesson.audio_path == "audio/hai.opus" and lesson.audio_seconds == 7
    bad = write_course(courses_root, "sai", lessons={"01-dau/02-hai.md": "---\ntitle: Bài hai\naudio: ../images/h.png\n---\nx\n"})
    result = run_import(runner, bad)
    assert result.exit_code != 0 and "02-hai.md:3: 'audio' must link to an MP3, Opus or M4A file" in result.output


def test_a_shipped_lesson_has_narration(app, runner):
    from tests.support.courses import REPO

    assert run_import(runner, REPO / "courses" / "quan-tri-san-xuat-kinh-doanh").exit_code == 0
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).filter_by(slug="diem-hoa-von"))
        assert lesson.audio_path == "audio/diem-hoa-von.opus" and 30 < lesson.audio_seconds < 120
