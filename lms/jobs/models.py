"""The job table: long work (a big import, 500 certificates, a large export) queued by a
request and run by ``flask lms worker``, with its progress and its result kept in the
database, so that any app server can show the progress page and serve the download."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
STATUS_LABELS = {QUEUED: _l("Waiting for the worker"), RUNNING: _l("Working"), DONE: _l("Finished"),
                 FAILED: _l("Stopped with an error")}


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        # What a worker looks for: the oldest queued job, or a running one whose lease ran out.
        Index("ix_job_claim", "status", "id"),
        # "My jobs".
        Index("ix_job_owner", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # What the owner sees in the list (e.g. "Certificates (ZIP), 312"); set when queued.
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    message: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Where the owner goes when the job is done and has no file (e.g. the people list).
    result_url: Mapped[str | None] = mapped_column(String(300))
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_type: Mapped[str | None] = mapped_column(String(100))
    result_size: Mapped[int | None] = mapped_column(Integer)
    # The file itself: in the database, so that any app server can serve it. Loaded only
    # by the download.
    result: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # The file is encrypted (``lms.core.crypto.seal``): it holds secrets, such as the plain
    # activation codes of a PDF of slips. Opened only by the download.
    result_sealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The claim of the worker that runs it: its token, and the time after which another
    # worker may take the job over (a worker killed mid-job never extends it).
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        if not self.total:
            return 0
        return max(0, min(100, self.done * 100 // self.total))

    def can_view(self, user) -> bool:
        from lms.core.security import is_admin

        return user.is_authenticated and (user.id == self.owner_id or is_admin(user))
