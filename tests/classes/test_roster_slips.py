"""The class roster's "Print activation slips": the roster's people, as a PDF or CSV."""

from __future__ import annotations

import csv
import io

from lms.extensions import db
from tests.support.classes import make_class
from tests.support.client import CSRF_RE, login


def test_the_roster_prints_slips_for_its_people(app, users, world):
    from lms.auth.models import User
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = make_class(app, world, trainers=(users["trainer"].id,))
    with app.app_context():
        services.add_people(db.session.get(TrainingClass, class_id), world["people"][:3],
                            actor=db.session.get(User, users["manager"].id))
        db.session.commit()
    client = app.test_client()
    login(client, "trainer@example.vn")
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert 'action="/onboarding/slips"' in page
    ids = ",".join(str(i) for i in world["people"][:3])
    assert f'value="{ids}"' in page
    token = CSRF_RE.search(page).group(1)
    response = client.post("/onboarding/slips", data={"csrf_token": token, "source": "people", "person_ids": ids,
                                                      "fmt": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["person_id"] for r in rows) == sorted(ids.split(","))
