"""decision number and date on certificates: per class and per course

Revision ID: 0014_journeys
Revises: 0012_sessions
Create Date: 2026-12-07 12:45:00

"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0014_journeys'
down_revision = '0012_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_decision',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_decision_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_certificate_decision'))
    )
    with op.batch_alter_table('training_class', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_number', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('decision_date', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('training_class', schema=None) as batch_op:
        batch_op.drop_column('decision_date')
        batch_op.drop_column('decision_number')
    op.drop_table('certificate_decision')
