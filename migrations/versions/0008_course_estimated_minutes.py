"""course estimated online study minutes

Revision ID: 0008_course_estimated_minutes
Revises: 0007_class_certificate_template
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_course_estimated_minutes'
down_revision = '0007_class_certificate_template'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimated_minutes', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('estimated_minutes')
