"""Access matrix entries for the job pages: a job is its owner's (and administrators')."""

from tests.support.access import LOGGED_IN, Case

# The manager's finished job: others get 404, as for a job that does not exist.
OWNER_AND_ADMIN = {"anonymous": 302, "learner": 404, "trainer": 404, "manager": 200, "admin": 200}

MATRIX = {
    "jobs.mine": [Case("GET", "/jobs", LOGGED_IN)],
    "jobs.show": [Case("GET", "/jobs/{job_id}", OWNER_AND_ADMIN)],
    "jobs.download": [Case("GET", "/jobs/{job_id}/download", OWNER_AND_ADMIN)],
}


def objects(app, users) -> dict:
    from lms.core.db import utcnow
    from lms.extensions import db
    from lms.jobs.models import DONE, Job

    with app.app_context():
        job = Job(kind="certificates", params={"fmt": "zip"}, owner_id=users["manager"].id, title="Giấy chứng nhận",
                  status=DONE, done=1, total=1, result=b"PK\x05\x06" + bytes(18), result_name="certificates.zip",
                  result_type="application/zip", result_size=22, attempts=1, finished_at=utcnow())
        db.session.add(job)
        db.session.commit()
        return {"job_id": job.id}
