"""completion renewals: the first completion date is kept

Revision ID: 0019_renewals
Revises: 0016_requirement_sets
Create Date: 2026-12-07 14:05:00

A refresher renews a person's completion of a course (completed_at, course version, via);
``first_completed_at`` keeps the date of the first one. Existing rows are backfilled from
``completed_at``.
"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0019_renewals'
down_revision = '0016_requirement_sets'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_completed_at', lms.core.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE course_completion SET first_completed_at = completed_at")
    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.alter_column('first_completed_at', existing_type=lms.core.db.UTCDateTime(timezone=True),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.drop_column('first_completed_at')
