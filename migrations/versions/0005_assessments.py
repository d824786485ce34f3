"""assessments

Revision ID: 0005_assessments
Revises: 0004_certification
Create Date: 2026-11-29 01:48:58.073573

"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0005_assessments'
down_revision = '0004_certification'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('is_bank', sa.Boolean(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=False),
    sa.Column('opens_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('shuffle_questions', sa.Boolean(), nullable=False),
    sa.Column('shuffle_choices', sa.Boolean(), nullable=False),
    sa.Column('draw', sa.JSON(), nullable=True),
    sa.Column('review', sa.String(length=16), nullable=False),
    sa.Column('review_after_close', sa.Boolean(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('source_path', sa.String(length=500), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("review IN ('score', 'correctness', 'answers')", name=op.f('ck_quiz_review_known')),
    sa.CheckConstraint('pass_mark >= 0 AND pass_mark <= 100', name=op.f('ck_quiz_pass_mark_range')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_quiz_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['course_module.id'], name=op.f('fk_quiz_module_id_course_module'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz')),
    sa.UniqueConstraint('slug', name=op.f('uq_quiz_slug'))
    )
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_course_id'), ['course_id'], unique=False)

    op.create_table('quiz_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('preview', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('submitted_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=16), nullable=True),
    sa.Column('graded_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('max_points', sa.Float(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'submitted', 'pending_review', 'graded')", name=op.f('ck_quiz_attempt_status_known')),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_quiz_attempt_quiz_id_quiz'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_quiz_attempt_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt')),
    sa.UniqueConstraint('quiz_id', 'user_id', 'number', name=op.f('uq_quiz_attempt_quiz_id_user_id_number'))
    )
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempt_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempt_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempt_user_id'), ['user_id'], unique=False)

    op.create_table('quiz_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('ident', sa.String(length=200), nullable=False),
    sa.Column('qtype', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('html', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_quiz_question_quiz_id_quiz'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_question')),
    sa.UniqueConstraint('quiz_id', 'ident', 'content_hash', name=op.f('uq_quiz_question_quiz_id_ident_content_hash'))
    )
    with op.batch_alter_table('quiz_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_question_quiz_id'), ['quiz_id'], unique=False)

    op.create_table('attempt_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('response_key', sa.String(length=200), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('saved_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fraction', sa.Float(), nullable=True),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('graded_by_id', sa.Integer(), nullable=True),
    sa.Column('graded_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempt.id'], name=op.f('fk_attempt_answer_attempt_id_quiz_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graded_by_id'], ['user.id'], name=op.f('fk_attempt_answer_graded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['quiz_question.id'], name=op.f('fk_attempt_answer_question_id_quiz_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_answer')),
    sa.UniqueConstraint('attempt_id', 'question_id', name=op.f('uq_attempt_answer_attempt_id_question_id'))
    )
    with op.batch_alter_table('attempt_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_answer_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_answer_needs_review'), ['needs_review'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_answer_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attempt_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_answer_question_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_answer_needs_review'))
        batch_op.drop_index(batch_op.f('ix_attempt_answer_attempt_id'))

    op.drop_table('attempt_answer')
    with op.batch_alter_table('quiz_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_question_quiz_id'))

    op.drop_table('quiz_question')
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_user_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_status'))
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_quiz_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_deadline'))

    op.drop_table('quiz_attempt')
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_course_id'))

    op.drop_table('quiz')
