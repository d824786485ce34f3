"""quiz review: 'answers_always' (answers after every attempt); 'answers' now waits until
the learner is done

Revision ID: 0013_quiz_review
Revises: 0009_messages
Create Date: 2026-12-07 12:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_quiz_review'
down_revision = '0009_messages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_quiz_review_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_quiz_review_known'),
            "review IN ('score', 'correctness', 'answers', 'answers_always')",
        )


def downgrade():
    # The older schema has no 'answers_always': keep the safer 'answers'.
    op.execute("UPDATE quiz SET review = 'answers' WHERE review = 'answers_always'")
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_quiz_review_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_quiz_review_known'), "review IN ('score', 'correctness', 'answers')"
        )
