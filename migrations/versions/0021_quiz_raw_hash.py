"""quiz raw hash: an unchanged quiz file is re-imported without being parsed

Revision ID: 0021_quiz_raw_hash
Revises: 0020_jobs
Create Date: 2026-12-07 18:30:00

``quiz.raw_hash``: the hash of the quiz file's bytes (and its question file's), bound to the
parser's code and to the state the import stored. Existing quizzes have none: the next
``flask lms import-quizzes`` parses them once and fills it. Downgrade drops the column.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_quiz_raw_hash'
down_revision = '0020_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_column('raw_hash')
