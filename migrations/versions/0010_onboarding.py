"""onboarding: activation codes and registration requests

Revision ID: 0010_onboarding
Revises: 0013_quiz_review
Create Date: 2026-12-07 12:03:58.944693

"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0010_onboarding'
down_revision = '0013_quiz_review'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activation_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tries', sa.Integer(), server_default='0', nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), server_default='slip', nullable=False),
    sa.CheckConstraint("purpose IN ('activate', 'reset')", name=op.f('ck_activation_code_purpose_known')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_activation_code_issued_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_activation_code_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_activation_code_code_hash'))
    )
    with op.batch_alter_table('activation_code', schema=None) as batch_op:
        batch_op.create_index('ix_activation_code_person_purpose', ['person_id', 'purpose'], unique=False)

    op.create_table('registration_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('pending_phone', sa.String(length=20), nullable=True),
    sa.Column('national_id', sa.String(length=12), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('org_code', sa.String(length=20), nullable=True),
    sa.Column('is_official', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('agency', sa.String(length=300), nullable=True),
    sa.Column('position', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('times', sa.Integer(), server_default='1', nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name=op.f('ck_registration_request_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_registration_request_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_registration_request_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_unit.id'], name=op.f('fk_registration_request_unit_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_request')),
    sa.UniqueConstraint('pending_phone', name=op.f('uq_registration_request_pending_phone'))
    )
    with op.batch_alter_table('registration_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_request_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_request_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('registration_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_request_unit_id'))
        batch_op.drop_index(batch_op.f('ix_registration_request_status'))
        batch_op.drop_index(batch_op.f('ix_registration_request_phone'))

    op.drop_table('registration_request')
    with op.batch_alter_table('activation_code', schema=None) as batch_op:
        batch_op.drop_index('ix_activation_code_person_purpose')

    op.drop_table('activation_code')
