"""privacy: data requests, restriction and anonymisation marks, encrypted national IDs

Revision ID: 0015_privacy
Revises: 0010_onboarding
Create Date: 2026-12-07 12:10:00

"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0015_privacy'
down_revision = '0010_onboarding'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ack_due', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('correct', 'restrict', 'delete')", name=op.f('ck_data_request_kind_known')),
    sa.CheckConstraint("status IN ('open', 'done', 'rejected')", name=op.f('ck_data_request_status_known')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], name=op.f('fk_data_request_handled_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_data_request_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_data_request_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_request'))
    )
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_request_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_status'), ['status'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restricted_at', lms.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', lms.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('national_id_enc', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('national_id_hash', sa.String(length=64), nullable=True))

    # Encrypt the national IDs already stored (the key: LMS_DATA_KEY, see lms.core.crypto).
    from lms.core.crypto import encrypt_identifier, identifier_hash

    conn = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('national_id', sa.String),
                      sa.column('national_id_enc', sa.String), sa.column('national_id_hash', sa.String))
    rows = conn.execute(sa.select(person.c.id, person.c.national_id).where(person.c.national_id.is_not(None))).all()
    for pid, nid in rows:
        conn.execute(person.update().where(person.c.id == pid).values(
            national_id_enc=encrypt_identifier(nid), national_id_hash=identifier_hash(nid)))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint('uq_person_national_id', type_='unique')
        batch_op.drop_column('national_id')
        batch_op.create_unique_constraint(batch_op.f('uq_person_national_id_hash'), ['national_id_hash'])


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id', sa.String(length=12), nullable=True))

    from lms.core.crypto import decrypt_identifier

    conn = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('national_id', sa.String),
                      sa.column('national_id_enc', sa.String))
    rows = conn.execute(sa.select(person.c.id, person.c.national_id_enc)
                        .where(person.c.national_id_enc.is_not(None))).all()
    for pid, token in rows:
        conn.execute(person.update().where(person.c.id == pid).values(national_id=decrypt_identifier(token)))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_person_national_id_hash'), type_='unique')
        batch_op.drop_column('national_id_hash')
        batch_op.drop_column('national_id_enc')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('restricted_at')
        batch_op.create_unique_constraint(batch_op.f('uq_person_national_id'), ['national_id'])

    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_request_status'))
        batch_op.drop_index(batch_op.f('ix_data_request_person_id'))

    op.drop_table('data_request')
