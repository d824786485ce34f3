"""job result sealed: a job's file that holds secrets is kept encrypted

Revision ID: 0022_job_result_sealed
Revises: 0021_quiz_raw_hash
Create Date: 2026-12-07 20:40:00

``job.result_sealed``: the job's file is encrypted like a national ID, under the data key
(``lms.core.crypto.seal``): a PDF of activation slips made by the worker holds the plain codes.
Existing jobs keep their plain files (false). Downgrade drops the column and the sealed files
with it (their jobs stay, without a file to download).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_job_result_sealed'
down_revision = '0021_quiz_raw_hash'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_sealed', sa.Boolean(), nullable=False, server_default='0'))


def downgrade():
    # A sealed file read as a plain one would be served as garbage: drop it first.
    op.execute("UPDATE job SET result = NULL, result_name = NULL, result_size = NULL WHERE result_sealed")
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('result_sealed')
