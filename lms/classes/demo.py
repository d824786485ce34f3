"""Demo classes in the demo province (Quảng Trị, 2025 code 44): two finished classes with
attendance and completions, two upcoming ones (the demo learner is on one of them) and one
with a class day open all day on the day of seeding (the demo learner can check in at once).

Runs after the registry demo (it uses its people). Classes are found again by title, so
running it twice changes nothing. Finished classes have fixed dates (like the registry
demo's); upcoming ones are placed two and three weeks after the first seeding.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from lms.auth.services import find_user_by_login
from lms.catalog.models import Course
from lms.classes import services
from lms.classes.models import TrainingClass
from lms.extensions import db
from lms.registry.models import AdminUnit, Person
from lms.registry.queries import assigned_units
from lms.registry.services import assign_unit

PROVINCE = "44"
TRAINER = "trainer@demo.ocop.vn"
LEARNER = "0912345678"
MORNING = (time(7, 30), time(11, 30))
AFTERNOON = (time(13, 30), time(16, 30))

TODAY_TITLE = "Lớp thử điểm danh (demo, hôm nay)"
# (title, course slug, commune index, days, roster size, finished?)
CLASSES = (
    ("Lớp tập huấn quản trị sản xuất (demo, đã kết thúc)", "quan-tri-san-xuat-kinh-doanh", 0,
     [date(2026, 5, 12), date(2026, 5, 13)], 14, True),
    ("Lớp hướng dẫn hồ sơ OCOP (demo, đã kết thúc)", "tieu-chi-ocop-ho-so", 1,
     [date(2026, 6, 2), date(2026, 6, 3), date(2026, 6, 4)], 12, True),
    ("Lớp tập huấn quản trị sản xuất (demo, sắp tới)", "quan-tri-san-xuat-kinh-doanh", 2,
     [14, 15], 10, False),
    ("Lớp làm quen OCOP (demo, sắp tới)", "lam-quen-ocop", 0, [21], 8, False),
    # A class day open all day on the day of seeding, so that check-in can be tried at once.
    (TODAY_TITLE, "lam-quen-ocop", 1, [0], 6, False),
)
TODAY_SLOT = (time(0, 0), time(23, 59))
# A repeatable pattern of marks for finished classes (most attend; some late, excused, absent).
PATTERN = ("present", "present", "late", "present", "excused", "present", "absent", "present", "present")


def seed_demo() -> int:
    province = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == "2025", AdminUnit.code == PROVINCE))
    if province is None:
        return 0
    # The communes with the most registered leaders (one GROUP BY), for fuller rosters.
    busiest = (
        select(Person.unit_id).join(AdminUnit, AdminUnit.id == Person.unit_id)
        .where(AdminUnit.scheme == "2025", AdminUnit.parent_id == province.id, Person.target_group.is_not(None))
        .group_by(Person.unit_id).order_by(func.count().desc(), Person.unit_id).limit(3)
    )
    communes = [db.session.get(AdminUnit, uid) for uid in db.session.scalars(busiest)]
    if not communes:
        return 0
    trainer = find_user_by_login(TRAINER)
    learner = find_user_by_login(LEARNER)
    if trainer is not None and not assigned_units(trainer):
        # The demo trainer works in the demo province, so that creating a class works at once.
        assign_unit(trainer, province)
    created = 0
    for index, (title, slug, commune_index, days, size, finished) in enumerate(CLASSES):
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        if course is None or db.session.scalar(select(TrainingClass.id).where(TrainingClass.title == title)):
            continue
        unit = communes[commune_index % len(communes)]
        slot = TODAY_SLOT if title == TODAY_TITLE else AFTERNOON if index % 2 else MORNING
        today = services.local_today()
        days = [d if isinstance(d, date) else today + timedelta(days=d) for d in days]
        training_class = services.save_class(None, services.ClassData(
            course=course, title=title, venue=f"Hội trường UBND {unit.name}", unit_id=unit.id, capacity=30,
            threshold_percent=80, posttest_required=False, pass_mark=70, quiz_id=None,
            days=[(d, *slot) for d in days], trainer_ids=[trainer.id] if trainer else [],
        ), actor=None)
        people = list(db.session.scalars(
            select(Person.id).where(Person.unit_id == unit.id, Person.target_group.is_not(None))
            .order_by(Person.id).limit(size)
        ))
        if learner is not None and not finished and (index == 2 or title == TODAY_TITLE):
            people.append(learner.person_id)
        services.add_people(training_class, people, actor=None)
        if finished:
            for n, pid in enumerate(people):
                for k, day in enumerate(training_class.days):
                    services.mark(day, pid, PATTERN[(n * 3 + k) % len(PATTERN)], actor=None,
                                  now=services.day_bounds(day)[0])
            services.finish_class(training_class, actor=None)
        created += 1
    db.session.flush()
    return created

