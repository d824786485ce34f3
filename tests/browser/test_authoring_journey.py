"""A trainer writes a lesson with the editor's toolbar, sees the live and phone previews,
keeps a draft across a reload and saves; a learner on a phone sees the small photo and the
audio player."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.catalog.models import Lesson
from lms.extensions import db
from tests.catalog.test_media import photo
from tests.support.courses import SAMPLE, run_import
from tests.support.users import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, login: str) -> None:
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")


def _until(page, check, tries: int = 100) -> None:
    """Poll a condition (the pages' CSP forbids wait_for_function's eval)."""
    for _ in range(tries):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not met")


@pytest.fixture
def desk_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.base_url = live_server
    page.errors = errors
    yield page
    context.close()
    assert errors == []


def test_trainer_writes_a_lesson_with_the_toolbar(app, desk_page, make_user):
    assert run_import(app.test_cli_runner(), SAMPLE).exit_code == 0
    make_user(roles=("trainer",), email="tac-gia@example.vn")
    page = desk_page
    _log_in(page, "tac-gia@example.vn")
    page.goto(page.base_url + "/author/courses/lam-quen-ocop/lessons/new")
    page.fill("input[name=slug]", "bai-moi")
    page.fill("input[name=title]", "Bài mới")
    editor = page.locator(".CodeMirror")
    editor.click()
    page.keyboard.type("Nội dung chính")
    page.get_by_role("button", name="Ghi nhớ").click()
    page.keyboard.type("Điều cần nhớ")
    page.locator(".live-preview .admonition.note").wait_for()
    assert "Điều cần nhớ" in page.locator(".live-preview").inner_text()

    # A photo from the toolbar: the trainer is asked for its description.
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.once("dialog", lambda dialog: dialog.accept("Bao bì mẫu"))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Hình ảnh").click()
    chooser.value.set_files({"name": "bao-bi.jpg", "mimeType": "image/jpeg", "buffer": photo()})
    page.locator(".live-preview img[alt='Bao bì mẫu']").wait_for()

    # The phone view is 360 px wide.
    page.get_by_role("button", name="Xem trên điện thoại (360 px)").click()
    assert page.locator(".preview-frame.phone").evaluate("e => e.getBoundingClientRect().width") == 360

    # A reload keeps the unsaved text (a local draft).
    page.reload()
    page.locator(".draft-note").wait_for()
    assert "Điều cần nhớ" in page.locator(".CodeMirror").inner_text()

    page.fill("input[name=slug]", "bai-moi")
    page.fill("input[name=title]", "Bài mới")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(page.base_url + "/author/courses/lam-quen-ocop")
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).filter_by(slug="bai-moi"))
        assert '!!! note "Ghi nhớ"' in lesson.current_version.body_md
        assert "![Bao bì mẫu](../images/bao-bi.jpg)" in lesson.current_version.body_md
        assert 'class="admonition note"' in lesson.current_version.body_html
    # Saved: the draft is gone.
    drafts = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('lms-draft:'))")
    assert drafts == []


def test_learner_on_a_phone_gets_the_small_photo_and_plays_the_audio(app, phone_page, users):
    from lms.auth.models import User
    from lms.catalog import services
    from lms.catalog.models import Course
    from tests.catalog.test_authoring import add_lesson, make_course
    from tests.catalog.test_media import upload
    from tests.support.client import csrf_token, login, post_form
    from tests.support.courses import REPO

    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    make_course(trainer)
    assert upload(trainer, photo(2400, 1600), "bao-bi.jpg").status_code == 200
    assert add_lesson(trainer, app, "co-anh", "## Bao bì\n\n![Bao bì mẫu](../images/bao-bi.jpg)").status_code == 302
    narration = (REPO / "courses" / "quan-tri-san-xuat-kinh-doanh" / "audio" / "diem-hoa-von.opus").read_bytes()
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).filter_by(slug="co-anh"))
    url = f"/author/courses/tu-viet/lessons/{lesson_id}"
    answer = trainer.post(url + "/audio", data={"csrf_token": csrf_token(trainer, url),
                                                "file": (__import__("io").BytesIO(narration), "doc.opus")},
                          content_type="multipart/form-data")
    assert answer.status_code == 302
    post_form(trainer, "/author/courses/tu-viet/publish", {"published": "1"}, token_from="/author/courses/tu-viet")
    with app.app_context():
        learner = db.session.scalar(select(User).filter_by(email="learner@example.vn"))
        services.enrol(learner, db.session.scalar(select(Course).filter_by(slug="tu-viet")))
        db.session.commit()

    page = phone_page
    ranges: list[str] = []
    page.on("request", lambda r: ranges.append(r.headers.get("range", "")) if "/audio/" in r.url else None)
    _log_in(page, "learner@example.vn")
    page.goto(page.base_url + "/courses/tu-viet/lessons/co-anh")
    assert ranges == []  # preload="none": nothing is downloaded before play
    image = page.locator("article.lesson img[alt='Bao bì mẫu']")
    image.scroll_into_view_if_needed()
    _until(page, lambda: image.evaluate("img => img.complete && img.naturalWidth > 0"))
    assert image.evaluate("img => img.currentSrc").endswith("/images/bao-bi.720.jpg")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert "Nghe bài học" in page.content() and "Tải về bản ghi âm" in page.content()
    page.evaluate("document.querySelector('audio').muted = true; document.querySelector('audio').play()")
    _until(page, lambda: page.evaluate("document.querySelector('audio').currentTime > 0.2"))
    assert any(r.startswith("bytes=") for r in ranges)
