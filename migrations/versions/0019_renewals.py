"""completion renewals: the first completion date is kept; one certificate per renewal

Revision ID: 0019_renewals
Revises: 0018_request_nid
Create Date: 2026-12-07 14:05:00

A refresher renews a person's completion of a course (completed_at, course version, via,
``renewals`` + 1); ``first_completed_at`` keeps the date of the first one (existing rows are
backfilled from ``completed_at``). A certificate attests one renewal: the unique constraint
becomes (person, course, renewal). Downgrade deletes the certificates of renewals (the old
schema holds one certificate per person and course) and forgets the first dates.
"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0019_renewals'
down_revision = '0018_request_nid'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_completed_at', lms.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('renewals', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE course_completion SET first_completed_at = completed_at")
    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.alter_column('first_completed_at', existing_type=lms.core.db.UTCDateTime(timezone=True),
                              nullable=False)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewal', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint('uq_certificate_person_id_course_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_person_id_course_id_renewal'),
                                          ['person_id', 'course_id', 'renewal'])


def downgrade():
    op.execute("DELETE FROM certificate_version WHERE certificate_id IN "
               "(SELECT id FROM certificate WHERE renewal > 0)")
    op.execute("DELETE FROM certificate WHERE renewal > 0")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificate_person_id_course_id_renewal'), type_='unique')
        batch_op.create_unique_constraint('uq_certificate_person_id_course_id', ['person_id', 'course_id'])
        batch_op.drop_column('renewal')
    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.drop_column('renewals')
        batch_op.drop_column('first_completed_at')
