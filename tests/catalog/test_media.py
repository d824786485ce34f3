"""Files uploaded from the editor: checked by content, cleaned, resized, capped, served, and
carried by the zip export and import."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from sqlalchemy import select

from lms.catalog.models import Course, CourseAsset, Lesson
from lms.extensions import db
from tests.catalog.test_authoring import add_lesson, make_course
from tests.support.client import csrf_token, login, post_form

JSON = {"Accept": "application/json"}


def photo(width=2000, height=1000, *, orientation=None, gps=True, fmt="JPEG") -> bytes:
    image = Image.new("RGB", (width, height), (200, 120, 40))
    for x in range(0, width, 50):  # some detail, so that sizes mean something
        image.paste((20, 90, 160), (x, 0, x + 10, height))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), quality=90)
    return out.getvalue()


def upload(client, data: bytes, name: str, slug="tu-viet", json=True):
    token = csrf_token(client, f"/author/courses/{slug}")
    response = client.post(f"/author/courses/{slug}/files",
                           data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", headers=JSON if json else {})
    response.close()
    return response


def asset(app, path):
    with app.app_context():
        found = db.session.scalar(select(CourseAsset).where(CourseAsset.path == path))
        return None if found is None else (found.content, found.mime_type, found.size)


@pytest.fixture
def trainer(app, client, users):
    login(client, "trainer@example.vn")
    make_course(client)
    return client


def test_photo_is_rotated_stripped_resized_with_a_phone_variant(app, trainer):
    response = upload(trainer, photo(orientation=6), "Ảnh bao bì.JPG")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == {**body, "kind": "image", "path": "images/anh-bao-bi.jpg", "markdown_path": "../images/anh-bao-bi.jpg"}
    content, mime, _size = asset(app, "images/anh-bao-bi.jpg")
    stored = Image.open(io.BytesIO(content))
    # Orientation 6 (rotate 90°): the 2000×1000 photo stands upright.
    assert mime == "image/jpeg" and stored.size == (1000, 2000)
    assert not stored.getexif() and "exif" not in stored.info and "icc_profile" not in stored.info
    assert Image.open(io.BytesIO(asset(app, "images/anh-bao-bi.720.jpg")[0])).size == (720, 1440)
    upload(trainer, photo(600, 400), "nho.jpg")
    assert asset(app, "images/nho.jpg") and asset(app, "images/nho.720.jpg") is None  # small: no variant

    upload(trainer, photo(), "wide.jpg")
    wide = Image.open(io.BytesIO(asset(app, "images/wide.jpg")[0]))
    small = Image.open(io.BytesIO(asset(app, "images/wide.720.jpg")[0]))
    assert wide.size == (1280, 640) and small.size == (720, 360) and not small.getexif()

    assert add_lesson(trainer, app, "anh", "![Bao bì](../images/wide.jpg)").status_code == 302
    with app.app_context():
        html = db.session.scalar(select(Lesson).filter_by(slug="anh")).current_version.body_html
    assert 'srcset="/courses/tu-viet/files/images/wide.720.jpg 720w, /courses/tu-viet/files/images/wide.jpg 1280w"' in html
    assert 'loading="lazy"' in html and 'alt="Bao bì"' in html


def test_the_same_picture_twice_is_one_file(app, trainer):
    data = photo(800, 600)
    first = upload(trainer, data, "a.jpg").get_json()
    second = upload(trainer, data, "a.jpg").get_json()
    other = upload(trainer, photo(800, 601), "a.jpg").get_json()
    assert first["path"] == second["path"] == "images/a.jpg" and other["path"] == "images/a-2.jpg"


@pytest.mark.parametrize(("data", "name"), [
    (b"<?php system($_GET['c']); ?>", "anh.jpg"),
    (b"<html><script>alert(1)</script></html>", "anh.jpg"),
    (b"\xff\xd8\xff\xe0 not really a jpeg", "anh.jpg"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>', "ve.svg"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "ve.png"),
    (b"%PDF-1.4 a pdf named as a picture", "anh.png"),
    (b"MZ\x90\x00 a program", "bieu-mau.pdf"),
])
def test_files_are_checked_by_content(app, trainer, data, name):
    response = upload(trainer, data, name)
    assert response.status_code == 400 and response.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(select(CourseAsset.id)) is None


def test_size_caps_per_file_and_per_course(app, trainer):
    app.config["COURSE_FILE_MAX_BYTES"] = 100_000
    big = b"%PDF-1.4\n" + b"0" * 100_000
    refused = upload(trainer, big, "lon.pdf")
    assert refused.status_code == 400 and "0,1 MB" in refused.get_json()["error"]
    app.config["COURSE_FILES_MAX_BYTES"] = 150_000
    half = b"%PDF-1.4\n" + b"0" * 80_000
    assert upload(trainer, half, "mot.pdf").status_code == 200
    refused = upload(trainer, half + b"1", "hai.pdf")
    assert refused.status_code == 400 and "0,1 MB" in refused.get_json()["error"]


def test_attachment_is_a_download_and_the_page_form_works_without_javascript(app, trainer, users):
    pdf = b"%PDF-1.4\n%%EOF\n"
    response = upload(trainer, pdf, "Phiếu tự chấm.pdf", json=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("#files")
    page = trainer.get("/author/courses/tu-viet").get_data(as_text=True)
    assert "files/phieu-tu-cham.pdf" in page and "[phieu-tu-cham.pdf](../files/phieu-tu-cham.pdf)" in page
    served = trainer.get("/courses/tu-viet/files/files/phieu-tu-cham.pdf")
    assert served.data == pdf and served.headers["Content-Disposition"].startswith("attachment")
    post_form(trainer, "/author/courses/tu-viet/files/remove", {"path": "files/phieu-tu-cham.pdf"},
              token_from="/author/courses/tu-viet")
    assert asset(app, "files/phieu-tu-cham.pdf") is None


def test_zip_round_trip_keeps_pictures_and_attachments(app, trainer):
    upload(trainer, photo(), "bao-bi.jpg")
    upload(trainer, b"%PDF-1.4\n%%EOF\n", "mau.pdf")
    add_lesson(trainer, app, "anh", "![Bao bì](../images/bao-bi.jpg) [Mẫu](../files/mau.pdf)")
    exported = trainer.get("/author/courses/tu-viet/export.zip").data
    names = set(zipfile.ZipFile(io.BytesIO(exported)).namelist())
    assert {"tu-viet/images/bao-bi.jpg", "tu-viet/images/bao-bi.720.jpg", "tu-viet/files/mau.pdf"} <= names
    copy = io.BytesIO()  # the same zip as another course
    with zipfile.ZipFile(copy, "w") as out, zipfile.ZipFile(io.BytesIO(exported)) as src:
        for name in src.namelist():
            out.writestr(name.replace("tu-viet/", "ban-sao/", 1), src.read(name))
    response = post_form(trainer, "/author/import", {"archive": (io.BytesIO(copy.getvalue()), "ban-sao.zip")},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        def files(slug):
            course = db.session.scalar(select(Course).filter_by(slug=slug))
            return {a.path: a.sha256 for a in db.session.scalars(select(CourseAsset).filter_by(course_id=course.id))}
        assert files("ban-sao") == files("tu-viet") and len(files("ban-sao")) == 3
        lesson = db.session.scalar(select(Lesson).join(Course).where(Course.slug == "ban-sao", Lesson.slug == "anh"))
        assert "ban-sao/files/images/bao-bi.720.jpg 720w" in lesson.current_version.body_html


def test_import_checks_pictures_by_content(app, trainer):
    exported = trainer.get("/author/courses/tu-viet/export.zip").data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out, zipfile.ZipFile(io.BytesIO(exported)) as src:
        for name in src.namelist():
            out.writestr(name, src.read(name))
        out.writestr("tu-viet/images/evil.jpg", b"<html><script>alert(1)</script></html>")
    response = post_form(trainer, "/author/import", {"archive": (io.BytesIO(buffer.getvalue()), "x.zip"),
                                                     "replace": "y"}, content_type="multipart/form-data")
    assert response.status_code == 200 and "images/evil.jpg" in response.get_data(as_text=True)


def test_a_picture_without_description_gets_a_warning(app, trainer):
    upload(trainer, photo(800, 600), "a.jpg")
    response = add_lesson(trainer, app, "khong-mo-ta", "![](../images/a.jpg)")
    assert response.status_code == 302
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Một số hình chưa có mô tả" in page
