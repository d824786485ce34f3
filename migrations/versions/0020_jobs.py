"""jobs: the queue of long work (imports, certificate files, exports) run by flask lms worker

Revision ID: 0020_jobs
Revises: 0019_renewals
Create Date: 2026-12-07 15:40:00

One table: a job's kind, parameters and owner, its status and progress, the claim of the
worker that runs it (token and lease), and its result (a file kept in the row, so that any
app server can serve it). Downgrade drops the table and the jobs in it.
"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0020_jobs'
down_revision = '0019_renewals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('done', sa.Integer(), server_default='0', nullable=False),
        sa.Column('total', sa.Integer(), server_default='0', nullable=False),
        sa.Column('message', sa.String(length=300), server_default='', nullable=False),
        sa.Column('result_url', sa.String(length=300), nullable=True),
        sa.Column('result_name', sa.String(length=200), nullable=True),
        sa.Column('result_type', sa.String(length=100), nullable=True),
        sa.Column('result_size', sa.Integer(), nullable=True),
        sa.Column('result', sa.LargeBinary(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('lease_until', lms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_job_status_known')),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_job_owner_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_claim', ['status', 'id'], unique=False)
        batch_op.create_index('ix_job_owner', ['owner_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_owner')
        batch_op.drop_index('ix_job_claim')
    op.drop_table('job')
