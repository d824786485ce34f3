"""Learners: catalogue, search, enrolment, lessons, progress, completion; trainers' lists."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lms.catalog.models import Course, CourseCompletion, Enrolment, Lesson, LessonProgress
from lms.extensions import db
from lms.registry.models import Person
from tests.support.client import login, post_form
from tests.support.courses import PNG, run_import, write_course


def set_group(app, user, group):
    with app.app_context():
        db.session.get(Person, user.person_id).target_group = group
        db.session.commit()


def test_catalogue_is_filtered_to_the_learners_audience(app, client, runner, courses_root, make_user):
    write_course(courses_root, "for-households")
    write_course(courses_root, "for-officials", course_meta=(
        "title: Quản lý nhà nước\nsummary: Cho cán bộ\naudience: [official_commune]\n"))
    assert run_import(runner, courses_root).exit_code == 0
    learner = make_user(email="hh@example.vn")
    set_group(app, learner, "household_head")
    login(client, "hh@example.vn")
    html = client.get("/courses").get_data(as_text=True)
    assert "/courses/for-households" in html and "/courses/for-officials" not in html


@pytest.mark.parametrize("query", ["quản trị", "quan tri", "QUAN TRI", "Quản Trị cơ", "ho kinh doanh"])
def test_search_with_and_without_diacritics(client, mini_course, make_user, query):
    make_user(email="s@example.vn")
    login(client, "s@example.vn")
    html = client.get("/courses", query_string={"q": query}).get_data(as_text=True)
    assert "/courses/mini" in html


def test_search_that_matches_nothing(client, mini_course, make_user):
    make_user(email="s@example.vn")
    login(client, "s@example.vn")
    html = client.get("/courses", query_string={"q": "thủy sản"}).get_data(as_text=True)
    assert "/courses/mini" not in html


def test_enrol_read_mark_done_and_complete(app, client, mini_course, make_user):
    user = make_user(email="hoc@example.vn")
    login(client, "hoc@example.vn")
    assert client.get("/courses/mini/lessons/mot").headers["Location"].endswith("/courses/mini")
    response = post_form(client, "/courses/mini/enrol", {}, token_from="/courses/mini")
    assert response.headers["Location"].endswith("/courses/mini/lessons/mot")
    page = client.get("/courses/mini/lessons/mot").get_data(as_text=True)
    assert "Bài một" in page and 'src="/courses/mini/files/images/h.png"' in page

    response = post_form(client, "/courses/mini/lessons/mot/done", {}, token_from="/courses/mini/lessons/mot")
    assert response.headers["Location"].endswith("/courses/mini/lessons/hai")
    course_page = client.get("/courses/mini").get_data(as_text=True)
    assert "Đã xong 1/2 bài bắt buộc" in course_page
    assert 'href="/courses/mini/lessons/hai"' in course_page

    response = post_form(client, "/courses/mini/lessons/hai/done", {}, token_from="/courses/mini/lessons/hai")
    assert response.headers["Location"].endswith("/courses/mini")  # completed: back to the course
    with app.app_context():
        completion = db.session.scalar(select(CourseCompletion).filter_by(person_id=user.person_id))
        assert completion.via == "online"
    # The optional lesson was not needed; doing it again changes nothing.
    post_form(client, "/courses/mini/lessons/ba/done", {}, token_from="/courses/mini/lessons/ba")
    post_form(client, "/courses/mini/lessons/hai/done", {}, token_from="/courses/mini/lessons/hai")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CourseCompletion)) == 1
    my = client.get("/my-learning").get_data(as_text=True)
    assert "Khóa học nhỏ" in my


def test_completion_is_recorded_once_under_concurrent_mark_done(app, mini_course, make_user):
    from lms.catalog import services

    user = make_user()
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="mini"))
        services.enrol(user, course)
        first = db.session.scalar(select(Lesson).filter_by(slug="mot"))
        services.mark_done(user, first)
        db.session.commit()
        last_id = db.session.scalar(select(Lesson.id).filter_by(slug="hai"))
    errors = []
    barrier = threading.Barrier(6)

    def worker():
        try:
            barrier.wait(timeout=10)  # before any query: on SQLite the first write holds the lock
            with app.test_request_context("/", method="POST"):
                from lms.auth.models import User

                me = db.session.get(User, user.id)
                lesson = db.session.get(Lesson, last_id)
                services.mark_done(me, lesson)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CourseCompletion)) == 1
        assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 2


def test_unmet_prerequisite_blocks_enrolment_with_a_message(app, client, runner, courses_root, make_user):
    write_course(courses_root, "first")
    write_course(courses_root, "second", course_meta=(
        "title: Khóa nâng cao\nsummary: Sau khóa cơ bản\naudience: [household_head]\nprerequisites: [first]\n"))
    assert run_import(runner, courses_root).exit_code == 0
    make_user(email="p@example.vn")
    login(client, "p@example.vn")
    page = client.get("/courses/second").get_data(as_text=True)
    assert "Khóa học nhỏ" in page  # names the course that comes first
    response = post_form(client, "/courses/second/enrol", {}, token_from="/courses/second")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_course_without_self_enrolment(app, client, runner, courses_root, make_user):
    write_course(courses_root, "closed", course_meta=(
        "title: Lớp riêng\nsummary: Giảng viên ghi danh\naudience: [household_head]\nself_enrol: false\n"))
    assert run_import(runner, courses_root).exit_code == 0
    make_user(email="c@example.vn")
    login(client, "c@example.vn")
    post_form(client, "/courses/closed/enrol", {}, token_from="/courses/closed")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


@pytest.mark.parametrize("path", [
    "../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "images/../../course.md", "%2e%2e/%2e%2e/etc/passwd",
    "/etc/passwd", "images/h.png/../../../x", "course.md", "01-dau/01-mot.md", "images/H.PNG",
])
def test_asset_route_refuses_traversal_and_other_files(client, mini_course, make_user, path):
    make_user(email="a@example.vn")
    login(client, "a@example.vn")
    response = client.get(f"/courses/mini/files/{path}", follow_redirects=True)
    assert response.status_code == 404
    assert b"root:" not in response.data and b"title:" not in response.data


def test_asset_route_serves_only_this_courses_assets(client, runner, courses_root, make_user):
    write_course(courses_root, "one")
    write_course(courses_root, "two", extra={"images/secret.png": PNG + b"2"})
    assert run_import(runner, courses_root).exit_code == 0
    make_user(email="a@example.vn")
    login(client, "a@example.vn")
    response = client.get("/courses/one/files/images/h.png")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert client.get("/courses/one/files/images/secret.png").status_code == 404
    assert client.get("/courses/two/files/images/secret.png").status_code == 200


def test_unpublished_course_is_hidden_from_learners(app, client, mini_course, make_user):
    with app.app_context():
        db.session.scalar(select(Course).filter_by(slug="mini")).published = False
        db.session.commit()
    make_user(email="l@example.vn")
    login(client, "l@example.vn")
    assert client.get("/courses/mini").status_code == 404
    assert "/courses/mini" not in client.get("/courses").get_data(as_text=True)


def test_trainer_enrols_a_pasted_list_and_sees_progress(app, client, mini_course, make_user, users):
    make_user(phone="0912000111", name="Lê Thị Mai")
    make_user(email="b@example.vn", name="Trần Văn Bình")
    login(client, "trainer@example.vn")
    response = post_form(client, "/courses/mini/learners", {
        "identifiers": "+84 912 000 111\nb@example.vn, nobody@example.vn\n0912.000.111",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "nobody@example.vn" in html  # reported as not found
    assert "Lê Thị Mai" in html and "Trần Văn Bình" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 2


def test_trainer_enrols_from_a_csv_file(app, client, mini_course, make_user, users):
    import io

    make_user(phone="0912000222")
    login(client, "trainer@example.vn")
    csv_bytes = "name,phone\nMột,0912 000 222\nHai,0999999999\n".encode()
    response = post_form(client, "/courses/mini/learners", {"csv_file": (io.BytesIO(csv_bytes), "list.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    assert "0999999999" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_manager_cannot_enrol_people_outside_their_area(app, client, mini_course, make_user, users):
    make_user(phone="0912000333")
    login(client, "manager@example.vn")
    response = post_form(client, "/courses/mini/learners", {"identifiers": "0912000333"})
    assert "0912000333" in response.get_data(as_text=True)  # not found (outside the area)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_learner_cannot_see_the_learners_list(client, mini_course, users):
    login(client, "learner@example.vn")
    assert client.get("/courses/mini/learners").status_code == 403


def test_trainer_finds_and_selects_people_to_enrol(app, client, mini_course, make_user, users):
    chosen = make_user(name="Hồ Thị Xuân", phone="0912000444")
    make_user(name="Hồ Văn Đông", phone="0912000555")
    login(client, "trainer@example.vn")
    html = client.get("/courses/mini/learners", query_string={"find": "hồ"}).get_data(as_text=True)
    assert "Hồ Thị Xuân" in html and "Hồ Văn Đông" in html
    response = post_form(client, "/courses/mini/learners", {"user_ids": [str(chosen.id)]})
    assert response.status_code == 200
    with app.app_context():
        enrolled = db.session.scalars(select(Enrolment.user_id)).all()
    assert enrolled == [chosen.id]


def test_manager_selection_is_limited_to_their_area(app, client, mini_course, make_user, users):
    outsider = make_user(name="Người ngoài vùng", phone="0912000666")
    login(client, "manager@example.vn")
    html = client.get("/courses/mini/learners", query_string={"find": "ngoài"}).get_data(as_text=True)
    assert "Người ngoài vùng" not in html
    post_form(client, "/courses/mini/learners", {"user_ids": [str(outsider.id)]})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_the_last_lesson_points_to_the_final_quiz(app, client, mini_course, make_user):
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="mini"))
        course.completion = {"lessons": "required", "quizzes": ["cuoi-khoa"]}
        db.session.commit()
    make_user(email="hoc@example.vn")
    login(client, "hoc@example.vn")
    post_form(client, "/courses/mini/enrol", {}, token_from="/courses/mini")
    first = client.get("/courses/mini/lessons/mot").get_data(as_text=True)
    assert "Tiếp theo: bài kiểm tra cuối khoá" not in first
    post_form(client, "/courses/mini/lessons/mot/done", {}, token_from="/courses/mini/lessons/mot")
    response = post_form(client, "/courses/mini/lessons/hai/done", {}, token_from="/courses/mini/lessons/hai")
    # Not complete yet (the quiz is missing): the learner goes on, and is pointed to the quiz.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tiếp theo: bài kiểm tra cuối khoá" in page
    assert 'href="/courses/mini#quiz-panel-title"' in page
    # The required lessons are done before the (optional) last one: said so on them too.
    assert "Bạn đã học xong các bài bắt buộc" in client.get("/courses/mini/lessons/hai").get_data(as_text=True)
    last = client.get("/courses/mini/lessons/ba").get_data(as_text=True)
    assert "Tiếp theo: bài kiểm tra cuối khoá" in last and "Đây là bài học cuối cùng" in last


def test_a_course_without_a_final_quiz_has_no_pointer(app, client, mini_course, make_user):
    make_user(email="hoc@example.vn")
    login(client, "hoc@example.vn")
    post_form(client, "/courses/mini/enrol", {}, token_from="/courses/mini")
    assert "Tiếp theo: bài kiểm tra cuối khoá" not in client.get("/courses/mini/lessons/ba").get_data(as_text=True)
