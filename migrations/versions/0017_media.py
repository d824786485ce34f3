"""media: a lesson's audio narration (the path of a course file, and its duration)

Revision ID: 0017_media
Revises: 0016_requirement_sets
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_media'
down_revision = '0016_requirement_sets'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audio_path', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('audio_seconds', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_column('audio_seconds')
        batch_op.drop_column('audio_path')
