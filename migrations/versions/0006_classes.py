"""classes

Revision ID: 0006_classes
Revises: 0005_assessments
Create Date: 2026-11-29 02:33:16.199858

"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = "0006_classes"
down_revision = '0005_assessments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('venue', sa.String(length=300), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('threshold_percent', sa.Integer(), server_default='80', nullable=False),
    sa.Column('posttest_required', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('pass_mark', sa.Float(), server_default='70', nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('planned', 'running', 'finished', 'cancelled')", name=op.f('ck_training_class_status_known')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_training_class_capacity_positive')),
    sa.CheckConstraint('pass_mark >= 0 AND pass_mark <= 100', name=op.f('ck_training_class_pass_mark_range')),
    sa.CheckConstraint('threshold_percent >= 0 AND threshold_percent <= 100', name=op.f('ck_training_class_threshold_range')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_training_class_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_training_class_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_training_class_quiz_id_quiz'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_unit.id'], name=op.f('fk_training_class_unit_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_class'))
    )
    with op.batch_alter_table('training_class', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_class_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_class_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_class_unit_id'), ['unit_id'], unique=False)

    op.create_table('class_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('checkin_code', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['training_class.id'], name=op.f('fk_class_day_class_id_training_class'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_day')),
    sa.UniqueConstraint('checkin_code', name=op.f('uq_class_day_checkin_code')),
    sa.UniqueConstraint('class_id', 'day', 'starts_at', name=op.f('uq_class_day_class_id_day_starts_at'))
    )
    with op.batch_alter_table('class_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_day_class_id'), ['class_id'], unique=False)

    op.create_table('class_roster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('added_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('posttest_score', sa.Float(), nullable=True),
    sa.CheckConstraint('posttest_score IS NULL OR (posttest_score >= 0 AND posttest_score <= 100)', name=op.f('ck_class_roster_score_range')),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_class_roster_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['class_id'], ['training_class.id'], name=op.f('fk_class_roster_class_id_training_class'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_class_roster_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_roster')),
    sa.UniqueConstraint('class_id', 'person_id', name=op.f('uq_class_roster_class_id_person_id'))
    )
    with op.batch_alter_table('class_roster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_roster_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_roster_person_id'), ['person_id'], unique=False)

    op.create_table('class_trainer',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['training_class.id'], name=op.f('fk_class_trainer_class_id_training_class'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_class_trainer_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_id', 'user_id', name=op.f('pk_class_trainer'))
    )
    with op.batch_alter_table('class_trainer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_trainer_user_id'), ['user_id'], unique=False)

    op.create_table('class_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('marked_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('trainer', 'checkin', 'paper')", name=op.f('ck_class_attendance_source_known')),
    sa.CheckConstraint("status IN ('present', 'late', 'excused', 'absent')", name=op.f('ck_class_attendance_status_known')),
    sa.ForeignKeyConstraint(['day_id'], ['class_day.id'], name=op.f('fk_class_attendance_day_id_class_day'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user.id'], name=op.f('fk_class_attendance_marked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_class_attendance_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_attendance')),
    sa.UniqueConstraint('day_id', 'person_id', name=op.f('uq_class_attendance_day_id_person_id'))
    )
    with op.batch_alter_table('class_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_attendance_day_id'), ['day_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_attendance_person_id'), ['person_id'], unique=False)



def downgrade():
    with op.batch_alter_table('class_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_attendance_person_id'))
        batch_op.drop_index(batch_op.f('ix_class_attendance_day_id'))

    op.drop_table('class_attendance')
    with op.batch_alter_table('class_trainer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_trainer_user_id'))

    op.drop_table('class_trainer')
    with op.batch_alter_table('class_roster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_roster_person_id'))
        batch_op.drop_index(batch_op.f('ix_class_roster_class_id'))

    op.drop_table('class_roster')
    with op.batch_alter_table('class_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_day_class_id'))

    op.drop_table('class_day')
    with op.batch_alter_table('training_class', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_class_unit_id'))
        batch_op.drop_index(batch_op.f('ix_training_class_status'))
        batch_op.drop_index(batch_op.f('ix_training_class_course_id'))

    op.drop_table('training_class')
