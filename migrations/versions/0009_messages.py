"""messages: the outbox and the reminder opt-out

Revision ID: 0009_messages
Revises: 0008_course_estimated_minutes
Create Date: 2026-11-30 05:10:01.044295

"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0009_messages'
down_revision = '0008_course_estimated_minutes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=254), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_try_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('provider_ref', sa.String(length=100), nullable=True),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('sms', 'email', 'inapp')", name=op.f('ck_message_channel_known')),
    sa.CheckConstraint("kind IN ('activation', 'reset', 'reminder', 'class_notice', 'digest', 'manual')", name=op.f('ck_message_kind_known')),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')", name=op.f('ck_message_status_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_message_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_message_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_message_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_message_idempotency_key'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_message_due', ['status', 'next_try_at'], unique=False)
        batch_op.create_index('ix_message_inbox', ['user_id', 'channel', 'read_at'], unique=False)
        batch_op.create_index('ix_message_person_topic', ['person_id', 'topic'], unique=False)

    op.create_table('message_opt_out',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_message_opt_out_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_message_opt_out'))
    )


def downgrade():
    op.drop_table('message_opt_out')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_person_topic')
        batch_op.drop_index('ix_message_inbox')
        batch_op.drop_index('ix_message_due')
        batch_op.drop_index(batch_op.f('ix_message_created_at'))

    op.drop_table('message')
