"""Object-level access matrix: every route that takes an object id (or a unit in its query
string) × every actor × learner A's object and learner B's object.

tests/test_access_matrix.py checks each route × role with one set of objects; this file
checks *whose* objects: learner B never reaches learner A's attempt, certificate PDF or
class; the manager of commune Y never sees commune X's people, classes, certificates,
coverage, gap lists or exports; the trainer sees the classes they teach and the people of
the unit assigned to them. The world is tests/support/world.py.

The rules asserted, as the code intends them:

- registry people and organisations, certificates, completions to issue, coverage and gap
  lists: the area (``person_scope`` / ``unit_scope``) — trainers and managers their
  assigned units, administrators everything;
- classes: administrators; managers the classes in their units; trainers the classes they
  teach;
- quiz results (attempt reviews, gradebooks): the learner their own; trainers and
  administrators every learner (as in the catalog, trainers are not tied to an area for
  course content); managers the people of their area;
- an attempt's answer pages: its learner only; a certificate's "my" PDF: its holder only;
  API tokens and registry imports: their owner only (404 for anybody else, like an
  unknown id).

Id convention (kept, not changed here): the role check comes first (403), then the object
is loaded (404 when it does not exist), then the object check (403). So a trainer or
manager can tell "exists elsewhere" from "does not exist" by id, and nothing more: a
refusal never shows the object's content, which every check below verifies.

Each test builds the world once and collects every mismatch as
``actor METHOD path: got X expected Y`` before asserting the list is empty.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import load_workbook

from tests.support import world as W
from tests.support.client import CSRF_RE

ANON = "anonymous"
LEARNERS = ("learner_a", "learner_b")
STAFF = ("trainer", "manager_x", "manager_y", "admin")
MANAGERS = ("manager_x", "manager_y", "admin")  # managers and administrators
AUTHORS = ("trainer", "admin")
LOGGED_IN = LEARNERS + STAFF

OWNER = {"a": "learner_a", "b": "learner_b"}
MANAGER = {"a": "manager_x", "b": "manager_y"}
OTHER = {"a": "b", "b": "a"}
# The area rule: who sees side a's (commune X) and side b's (commune Y) people and units.
AREA = {"a": {"trainer", "manager_x", "admin"}, "b": {"manager_y", "admin"}}
# The class rule: class X is taught by the trainer and lies in X; class Y lies in Y.
CLASS = {"a": {"trainer", "manager_x", "admin"}, "b": {"manager_y", "admin"}}
# Quiz results: the learner, trainers and administrators, and the manager of the area.
RESULTS = {side: {OWNER[side], "trainer", "admin", MANAGER[side]} for side in W.SIDES}

MISSING = 999999
UNKNOWN_CODE = "0000000000000000000000000000"


@dataclass(frozen=True)
class Check:
    method: str
    path: str
    expect: dict[str, int | str]
    data: dict = field(default_factory=dict)
    json: object = None
    headers: dict = field(default_factory=dict)


def expect(roles, allowed=None, *, ok: int | str = 200, denied: int | str = 403, anonymous: int | str = "login",
           role_denied: int | str = 403) -> dict[str, int | str]:
    """Anonymous → ``anonymous``; an actor without one of ``roles`` → ``role_denied``;
    one in ``allowed`` (default: all of ``roles``) → ``ok``; the others → ``denied``."""
    allowed = set(roles if allowed is None else allowed)
    result: dict[str, int | str] = {}
    for actor in W.ACTORS:
        if actor == ANON:
            result[actor] = anonymous
        elif actor not in roles:
            result[actor] = role_denied
        else:
            result[actor] = ok if actor in allowed else denied
    return result


def _outcome(response) -> int | str:
    """The status; "login" for a redirect to the login page."""
    if response.status_code == 302 and response.headers.get("Location", "").startswith("/login"):
        return "login"
    return response.status_code


def _text(response) -> str:
    kind = response.headers.get("Content-Type", "")
    if "spreadsheetml" in kind:
        sheet = load_workbook(io.BytesIO(response.data)).active
        return "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    if kind.startswith(("text/", "application/json", "image/svg")):
        return response.get_data(as_text=True)
    return ""


def _secrets(actor: str) -> list[str]:
    """What a refusal must never show: the names of the world's people, organisations and
    classes (except the actor's own name, which the page header shows)."""
    own = {W.NAMES[side] for side, owner in OWNER.items() if owner == actor}
    values = [*W.NAMES.values(), *W.ORG_NAMES.values(), *W.CLASS_TITLES.values()]
    return [v for v in values if v not in own]


class Session:
    """The actors' clients and their CSRF tokens; collects the mismatches."""

    def __init__(self, app):
        self.clients = W.clients(app)
        self.tokens = {}
        for actor, client in self.clients.items():
            page = client.get("/login" if actor == ANON else "/account")
            self.tokens[actor] = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        self.problems: list[str] = []
        self.performed = 0

    def request(self, actor: str, check: Check):
        client = self.clients[actor]
        if check.method == "GET":
            return client.get(check.path, headers=check.headers)
        if check.json is not None:
            return client.open(check.path, method=check.method, json=check.json,
                               headers={"X-CSRFToken": self.tokens[actor], **check.headers})
        return client.open(check.path, method=check.method,
                           data={**check.data, "csrf_token": self.tokens[actor]}, headers=check.headers)

    def run(self, checks: list[Check]) -> None:
        for check in checks:
            for actor, wanted in check.expect.items():
                response = self.request(actor, check)
                got = _outcome(response)
                self.performed += 1
                label = f"{actor} {check.method} {check.path}"
                if got != wanted:
                    self.problems.append(f"{label}: got {got} expected {wanted}")
                if got in (401, 403, 404, "login"):
                    body = response.get_data(as_text=True)
                    shown = [s for s in _secrets(actor) if s in body]
                    if shown:
                        self.problems.append(f"{label}: the refusal ({got}) shows {shown}")
                response.close()

    def visible(self, path: str, markers: dict[str, str], sees: dict[str, set[str]]) -> None:
        """For each actor of ``sees`` (all must get 200): exactly the sides it lists show
        their marker in the page or export."""
        for actor, sides in sees.items():
            response = self.clients[actor].get(path)
            self.performed += 1
            if response.status_code != 200:
                self.problems.append(f"{actor} GET {path}: got {response.status_code} expected 200")
                continue
            text = _text(response)
            found = {side for side, marker in markers.items() if marker in text}
            if found != set(sides):
                self.problems.append(f"{actor} GET {path}: shows sides {sorted(found)} expected {sorted(sides)}")

    def assert_clean(self, minimum: int) -> None:
        assert self.problems == [], "\n".join(self.problems)
        # The matrix really ran (a table that silently shrank would prove nothing).
        assert self.performed >= minimum, self.performed


def _both(make) -> list[Check]:
    return [check for side in W.SIDES for check in make(side)]


# --- registry, coverage, accounts, tokens ---------------------------------------------------


def _registry_checks(w: dict) -> list[Check]:
    def per_side(s: str) -> list[Check]:
        unit, legacy = w[f"unit_code_{s}"], w[f"legacy_code_{s}"]
        coverage = expect(MANAGERS, AREA[s] - {"trainer"})
        return [
            Check("GET", f"/registry/people/{w[f'person_{s}']}", expect(STAFF, AREA[s])),
            Check("GET", f"/registry/organisations/{w[f'org_{s}']}", expect(STAFF, AREA[s])),
            Check("GET", f"/registry/people?unit={unit}", expect(STAFF, AREA[s])),
            Check("GET", f"/registry/organisations?unit={unit}", expect(STAFF, AREA[s])),
            Check("GET", f"/registry/people?unit={legacy}&scheme=legacy", expect(STAFF, AREA[s])),
            # Uploads waiting for confirmation belong to their uploader alone.
            Check("GET", f"/registry/import/{w[f'batch_{s}']}", expect(MANAGERS, {MANAGER[s]}, denied=404)),
            Check("GET", f"/coverage/?unit={unit}", coverage),
            Check("GET", f"/coverage/?unit={unit}&scheme=2025&as_of=2030-01-01&group=cooperative_leader", coverage),
            Check("GET", f"/coverage/?unit={legacy}&scheme=legacy", coverage),
            Check("GET", f"/coverage/gaps?unit={unit}", coverage),
            Check("GET", f"/coverage/gaps?unit={legacy}&scheme=legacy", coverage),
            Check("GET", f"/coverage/gaps.csv?unit={unit}", coverage),
            Check("GET", f"/coverage/gaps.xlsx?unit={unit}", coverage),
            Check("GET", f"/api/v1/coverage?unit={unit}", expect(MANAGERS, AREA[s] - {"trainer"}, anonymous=401)),
            # A personal token carries its owner's area, for any caller.
            *[Check("GET", f"/api/v1/coverage?unit={unit}",
                    {actor: (200 if MANAGER[t] in AREA[s] else 403) for actor in W.ACTORS},
                    headers={"Authorization": f"Bearer {w[f'secret_{t}']}"}) for t in W.SIDES],
            Check("GET", f"/admin/users/{w[f'user_learner_{s}']}", expect(("admin",))),
        ]

    province = expect(MANAGERS, {"admin"})
    probes = [
        Check("GET", f"/registry/people/{MISSING}", expect(STAFF, ok=404)),
        Check("GET", f"/registry/organisations/{MISSING}", expect(STAFF, ok=404)),
        Check("GET", "/registry/people?unit=99999", expect(STAFF, ok=404)),
        Check("GET", f"/registry/import/{MISSING}", expect(MANAGERS, ok=404)),
        Check("GET", "/coverage/?unit=99999", expect(MANAGERS, ok=404)),
        Check("GET", "/coverage/gaps.csv?unit=99999", expect(MANAGERS, ok=404)),
        Check("GET", "/api/v1/coverage?unit=99999", expect(MANAGERS, ok=404, anonymous=401)),
        Check("GET", f"/admin/users/{MISSING}", expect(("admin",), ok=404)),
        Check("POST", f"/account/tokens/{MISSING}/revoke", expect(MANAGERS, ok=404)),
        # The province holding both communes: only the administrator.
        Check("GET", f"/coverage/?unit={W.PROVINCE}", province),
        Check("GET", f"/coverage/gaps.xlsx?unit={W.PROVINCE}", province),
        Check("GET", f"/registry/people?unit={W.PROVINCE}", expect(STAFF, {"admin"})),
    ]
    # Last: revoking a token, confirming an import (their owner may; anybody else gets 404).
    revokes = _both(lambda s: [
        Check("POST", f"/account/tokens/{w[f'token_{s}']}/revoke", expect(MANAGERS, {MANAGER[s]}, ok=302, denied=404)),
        Check("POST", f"/registry/import/{w[f'batch_{s}']}", expect(MANAGERS, {MANAGER[s]}, ok=302, denied=404)),
    ])
    return _both(per_side) + probes + revokes


def test_registry_coverage_and_accounts(app):
    w = W.build(app)
    session = Session(app)
    session.run(_registry_checks(w))
    names = dict(W.NAMES)
    orgs = dict(W.ORG_NAMES)
    x, y = w["unit_code_a"], w["unit_code_b"]
    by_area = {"trainer": {"a"}, "manager_x": {"a"}, "manager_y": {"b"}, "admin": {"a", "b"}}
    session.visible("/registry/people", names, by_area)
    session.visible("/registry/people?q=Alpha", names, {"trainer": {"a"}, "manager_x": {"a"}, "manager_y": set(),
                                                       "admin": {"a"}})
    session.visible("/registry/organisations", orgs, by_area)
    session.visible(f"/registry/organisations/{w['org_a']}", names, {"trainer": {"a"}, "manager_x": {"a"}, "admin": {"a"}})
    session.visible(f"/registry/people?unit={x}", names, {"trainer": {"a"}, "manager_x": {"a"}, "admin": {"a"}})
    session.visible("/coverage/gaps", names, {"manager_x": {"a"}, "manager_y": {"b"}, "admin": {"a", "b"}})
    session.visible(f"/coverage/gaps.csv?unit={x}", names, {"manager_x": {"a"}, "admin": {"a"}})
    session.visible(f"/coverage/gaps.xlsx?unit={y}", names, {"manager_y": {"b"}, "admin": {"b"}})
    session.visible("/admin/users", names, {"admin": {"a", "b"}})
    session.assert_clean(minimum=300)


# --- classes ----------------------------------------------------------------------------------


def _class_checks(w: dict) -> list[Check]:
    def per_side(s: str) -> list[Check]:
        c, d, other_day = w[f"class_{s}"], w[f"day_{s}"], w[f"day_{OTHER[s]}"]
        base = f"/classes/{c}"
        view = expect(STAFF, CLASS[s])
        post = expect(STAFF, CLASS[s], ok=302)
        stranger = w[f"person_{OTHER[s]}"]  # never on this class's roster
        return [
            *[Check("GET", base + suffix, view) for suffix in (
                "", "/edit", "/people", "/people?q=Alpha", "/signin", "/print", f"/print?day={d}", "/scores",
                "/report", "/report.csv", "/report.xlsx", f"/days/{d}", f"/days/{d}/marks.json",
                f"/days/{d}/code", f"/days/{d}/qr.svg",
            )],
            # Another class's day through this class: unknown here (404) to those who see this class.
            Check("GET", f"{base}/days/{other_day}", expect(STAFF, CLASS[s], ok=404)),
            Check("GET", f"{base}/days/{other_day}/marks.json", expect(STAFF, CLASS[s], ok=404)),
            Check("GET", f"{base}/print?day={other_day}", expect(STAFF, CLASS[s], ok=404)),
            Check("POST", f"{base}/days/{other_day}/marks.json", expect(STAFF, CLASS[s], ok=404),
                  json={"marks": [{"person_id": stranger, "status": "present"}]}),
            # Harmless posts: the access decision is made before the form is read.
            Check("POST", f"{base}/status", expect(STAFF, CLASS[s], ok=400), {"status": "bogus"}),
            Check("POST", f"{base}/edit", view, {"title": ""}),
            Check("POST", f"{base}/people", post),
            Check("POST", f"{base}/signin", view),
            Check("POST", f"{base}/scores", post),
            Check("POST", f"{base}/days/{d}", post, {"person_id": str(stranger), "status": "present"}),
            Check("POST", f"{base}/days/{d}/marks.json", view, json={"marks": []}),
            Check("POST", f"{base}/people/{stranger}/remove", post),
            # No certificate issued for the class's course: staff are sent back to the class.
            Check("GET", f"{base}/certificates.pdf", expect(STAFF, CLASS[s], ok=302)),
        ]

    probes = [
        Check("GET", f"/classes/{MISSING}", expect(STAFF, ok=404)),
        Check("GET", f"/classes/{MISSING}/days/{w['day_a']}", expect(STAFF, ok=404)),
        Check("POST", f"/classes/{MISSING}/finish", expect(STAFF, ok=404)),
        Check("GET", f"/classes/{w['class_a']}/days/{MISSING}", expect(STAFF, CLASS["a"], ok=404)),
    ]
    # Last, as they change the class: every mark present, the gap list added, finished.
    final = _both(lambda s: [
        Check("POST", f"/classes/{w[f'class_{s}']}/days/{w[f'day_{s}']}/all-present",
              expect(STAFF, CLASS[s], ok=302)),
        Check("POST", f"/classes/{w[f'class_{s}']}/people/gap", expect(STAFF, CLASS[s], ok=302)),
        Check("POST", f"/classes/{w[f'class_{s}']}/finish", expect(STAFF, CLASS[s], ok=302)),
    ])
    return _both(per_side) + probes + final


def test_classes(app):
    from lms.classes.models import Attendance, RosterEntry
    from lms.extensions import db

    w = W.build(app)
    session = Session(app)
    session.run(_class_checks(w))
    titles = dict(W.CLASS_TITLES)
    session.visible("/classes/", titles, {"trainer": {"a"}, "manager_x": {"a"}, "manager_y": {"b"},
                                         "admin": {"a", "b"}})
    session.visible("/my/classes", titles, {"learner_a": {"a"}, "learner_b": {"b"}, "trainer": set()})
    for s in W.SIDES:
        session.visible(f"/classes/{w[f'class_{s}']}", dict(W.NAMES), {actor: {s} for actor in CLASS[s]})
    session.assert_clean(minimum=450)
    with app.app_context():
        rosters = set(db.session.execute(db.select(RosterEntry.class_id, RosterEntry.person_id)).all())
        marked = set(db.session.execute(
            db.select(Attendance.person_id).where(Attendance.day_id.in_([w["day_a"], w["day_b"]]))
        ).scalars())
    # Nobody reached another class's roster or marks through the posts above.
    assert rosters == {(w["class_a"], w["person_a"]), (w["class_b"], w["person_b"])}
    assert marked == {w["person_a"], w["person_b"]}


# --- quizzes, certificates, catalog -------------------------------------------------------------


def _learning_checks(w: dict) -> list[Check]:
    def per_side(s: str) -> list[Check]:
        owner, code = OWNER[s], w[f"cert_{s}"]
        own = expect(LOGGED_IN, {owner})
        area = expect(STAFF, AREA[s])
        return [
            # Attempts: answering is the learner's alone; results as RESULTS says.
            Check("GET", f"/attempts/{w[f'open_{s}']}", own),
            Check("GET", f"/attempts/{w[f'open_{s}']}/submit", own),
            Check("POST", f"/attempts/{w[f'open_{s}']}", expect(LOGGED_IN, {owner}, ok=302), {"seq": "5"}),
            Check("POST", f"/attempts/{w[f'open_{s}']}/autosave", own, json={"seq": 6, "fields": []}),
            Check("GET", f"/attempts/{w[f'done_{s}']}/review", expect(LOGGED_IN, RESULTS[s])),
            # An open attempt's review: its learner is sent to the attempt; staff see its state.
            Check("GET", f"/attempts/{w[f'open_{s}']}/review",
                  {**expect(LOGGED_IN, RESULTS[s]), owner: 302}),
            Check("GET", f"/marking/{w[f'essay_{s}']}", expect(AUTHORS)),
            Check("POST", f"/marking/{w[f'essay_{s}']}", expect(AUTHORS), {"points": "-5"}),
            # A draft of an open attempt is not there to mark (nor to read) yet.
            Check("GET", f"/marking/{w[f'draft_{s}']}", expect(AUTHORS, ok=404)),
            Check("POST", f"/marking/{w[f'draft_{s}']}", expect(AUTHORS, ok=404), {"points": "1"}),
            # Certificates: the holder's own PDF; staff pages by area; verification is public.
            Check("GET", f"/my/certificates/{code}.pdf", own),
            Check("GET", f"/certificates/{code}", area),
            Check("GET", f"/certificates/{code[:4]}-{code[4:]}".lower(), area),
            Check("GET", f"/certificates/{code}/pdf", area),
            # (An unknown version: the access decision without drawing the PDF again.)
            Check("GET", f"/certificates/{code}/versions/99.pdf", expect(STAFF, AREA[s], ok=404)),
            Check("GET", f"/certificates/{code}/correct", area),
            Check("POST", f"/certificates/{code}/correct", area, {"holder_name": ""}),
            Check("GET", f"/certificates/{code}/revoke", area),
            Check("POST", f"/certificates/{code}/revoke", area, {"reason": ""}),
            Check("GET", f"/certificates/issue/{w[f'pending_{s}']}", area),
            Check("POST", f"/certificates/issue/{w[f'pending_{s}']}", area, {"issuer": ""}),
            Check("GET", f"/verify/{code}", expect(LOGGED_IN, anonymous=200)),
            Check("GET", f"/certificates/export.csv?unit={w[f'unit_code_{s}']}", expect(STAFF)),
            # Bulk printing filtered by unit: the certificates of one's area, or nothing to print
            # (sent back to the list).
            Check("GET", f"/certificates/print.pdf?unit={w[f'unit_code_{s}']}", expect(STAFF, AREA[s], denied=302)),
        ]

    probes = [
        Check("GET", f"/attempts/{MISSING}", expect(LOGGED_IN, ok=404)),
        Check("GET", f"/attempts/{MISSING}/review", expect(LOGGED_IN, ok=404)),
        Check("POST", f"/attempts/{MISSING}/autosave", expect(LOGGED_IN, ok=404), json={"seq": 1, "fields": []}),
        Check("GET", f"/marking/{MISSING}", expect(AUTHORS, ok=404)),
        Check("GET", f"/my/certificates/{UNKNOWN_CODE}.pdf", expect(LOGGED_IN, ok=404)),
        Check("GET", f"/certificates/{UNKNOWN_CODE}", expect(STAFF, ok=404)),
        Check("GET", f"/certificates/{UNKNOWN_CODE}/pdf", expect(STAFF, ok=404)),
        Check("GET", "/certificates/not-a-code", expect(STAFF, ok=404)),
        Check("GET", f"/certificates/issue/{MISSING}", expect(STAFF, ok=404)),
        Check("GET", f"/verify/{UNKNOWN_CODE}", expect(LOGGED_IN, ok=404, anonymous=404)),
    ]
    # Last: the learner submits their open attempt (nobody else can).
    final = _both(lambda s: [
        Check("POST", f"/attempts/{w[f'open_{s}']}/submit", expect(LOGGED_IN, {OWNER[s]}, ok=302)),
    ])
    return _both(per_side) + probes + final


def test_quizzes_certificates_and_courses(app):
    from lms.assessments.models import Attempt, AttemptAnswer
    from lms.certification.models import Certificate
    from lms.extensions import db

    w = W.build(app)
    session = Session(app)
    session.run(_learning_checks(w))
    names = dict(W.NAMES)
    certs = {s: w[f"cert_{s}"] for s in W.SIDES}
    x, y = w["unit_code_a"], w["unit_code_b"]
    by_area = {"trainer": {"a"}, "manager_x": {"a"}, "manager_y": {"b"}, "admin": {"a", "b"}}
    everyone = {"trainer": {"a", "b"}, "manager_x": {"a"}, "manager_y": {"b"}, "admin": {"a", "b"}}
    session.visible(f"/courses/{W.COURSE}/learners", names, everyone)
    # The enrolled learners are listed, then what the search found: A for everyone but manager Y.
    session.visible(f"/courses/{W.COURSE}/learners?find=Alpha", names, everyone)
    session.visible(f"/quizzes/{W.QUIZ}/gradebook", names, everyone)
    session.visible(f"/quizzes/{W.QUIZ}/gradebook.csv", names, everyone)
    session.visible(f"/quizzes/{W.QUIZ}/gradebook.xlsx", names, everyone)
    session.visible("/marking", names, {"trainer": {"a", "b"}, "admin": {"a", "b"}})
    session.visible("/certificates", names, by_area)
    session.visible("/certificates", certs, by_area)
    session.visible(f"/certificates?unit={x}", names, {"trainer": {"a"}, "manager_x": {"a"}, "manager_y": set(),
                                                        "admin": {"a"}})
    session.visible(f"/certificates?q={certs['a']}", names, {"trainer": {"a"}, "manager_x": {"a"}, "manager_y": set(),
                                                                 "admin": {"a"}})
    session.visible("/certificates/export.csv", names, by_area)
    session.visible(f"/certificates/export.xlsx?unit={y}", names, {"trainer": set(), "manager_x": set(),
                                                                   "manager_y": {"b"}, "admin": {"b"}})
    session.visible("/certificates/pending", names, by_area)
    session.visible("/my/certificates", certs, {"learner_a": {"a"}, "learner_b": {"b"}, "admin": set()})
    reviews = {s: f"/attempts/{w[f'done_{s}']}/review" for s in W.SIDES}
    session.visible(f"/quizzes/{W.QUIZ}", reviews, {"learner_a": {"a"}, "learner_b": {"b"}, "trainer": set()})
    session.assert_clean(minimum=300)
    with app.app_context():
        # The refused posts changed nothing: no essay marked, no certificate revoked or
        # corrected, no certificate issued by hand; each learner submitted only their own.
        assert db.session.scalars(db.select(AttemptAnswer.points).where(
            AttemptAnswer.id.in_([w["essay_a"], w["essay_b"]]))).all() == [None, None]
        certificates = db.session.scalars(db.select(Certificate)).all()
        assert len(certificates) == 2
        assert all(c.revoked_at is None and c.version == 1 for c in certificates)
        attempts = {a.id: (a.user_id, a.status) for a in db.session.scalars(db.select(Attempt))}
        for s in W.SIDES:
            assert attempts[w[f"open_{s}"]][0] == w[f"user_learner_{s}"]
            assert attempts[w[f"open_{s}"]][1] != "open"
