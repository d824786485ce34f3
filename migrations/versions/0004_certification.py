"""certification

Revision ID: 0004_certification
Revises: 0003_registry
Create Date: 2026-11-29 01:46:16.052514

"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0004_certification'
down_revision = '0003_registry'
branch_labels = None
depends_on = None


def upgrade():
    # Certificates (issue 7): one per person and course; versions; auto-issue policy.
    op.create_table('certificate_policy',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('auto_vias', sa.JSON(), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_policy_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_certificate_policy'))
    )
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('course_title', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('signer_title', sa.String(length=200), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('decision_number', sa.String(length=100), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('issued_automatically', sa.Boolean(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revocation_reason', sa.String(length=32), nullable=True),
    sa.Column('revocation_note', sa.Text(), nullable=True),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("revocation_reason IS NULL OR revocation_reason IN ('issued_in_error', 'wrong_person', 'misconduct', 'replaced', 'other')", name=op.f('ck_certificate_revocation_reason_known')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_certificate_version_positive')),
    sa.ForeignKeyConstraint(['completion_id'], ['course_completion.id'], name=op.f('fk_certificate_completion_id_course_completion'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_certificate_issued_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_certificate_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_certificate_revoked_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('person_id', 'course_id', name=op.f('uq_certificate_person_id_course_id'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_completion_id'), ['completion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_person_id'), ['person_id'], unique=False)

    op.create_table('certificate_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_version_certificate_id_certificate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_certificate_version_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_version')),
    sa.UniqueConstraint('certificate_id', 'number', name=op.f('uq_certificate_version_certificate_id_number'))
    )
    with op.batch_alter_table('certificate_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_version_certificate_id'), ['certificate_id'], unique=False)



def downgrade():
    # Certificates (issue 7): one per person and course; versions; auto-issue policy.
    with op.batch_alter_table('certificate_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_version_certificate_id'))

    op.drop_table('certificate_version')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_person_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_issued_on'))
        batch_op.drop_index(batch_op.f('ix_certificate_course_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_completion_id'))

    op.drop_table('certificate')
    op.drop_table('certificate_policy')
