"""onboarding: self-registration national IDs encrypted, with their keyed hash

Revision ID: 0018_request_nid
Revises: 0017_media
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_request_nid'
down_revision = '0017_media'
branch_labels = None
depends_on = None


def _table(*names):
    return sa.table('registration_request', sa.column('id', sa.Integer),
                    *(sa.column(name, sa.String) for name in names))


def upgrade():
    with op.batch_alter_table('registration_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id_enc', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('national_id_hash', sa.String(length=64), nullable=True))

    # Encrypt the numbers already stored (the key: LMS_DATA_KEY, see lms.core.crypto).
    from lms.core.crypto import encrypt_identifier, identifier_hash

    conn = op.get_bind()
    request = _table('national_id', 'national_id_enc', 'national_id_hash')
    rows = conn.execute(sa.select(request.c.id, request.c.national_id)
                        .where(request.c.national_id.is_not(None))).all()
    for rid, nid in rows:
        conn.execute(request.update().where(request.c.id == rid).values(
            national_id_enc=encrypt_identifier(nid), national_id_hash=identifier_hash(nid)))

    with op.batch_alter_table('registration_request', schema=None) as batch_op:
        batch_op.drop_column('national_id')


def downgrade():
    with op.batch_alter_table('registration_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id', sa.String(length=12), nullable=True))

    from lms.core.crypto import decrypt_identifier

    conn = op.get_bind()
    request = _table('national_id', 'national_id_enc')
    rows = conn.execute(sa.select(request.c.id, request.c.national_id_enc)
                        .where(request.c.national_id_enc.is_not(None))).all()
    for rid, token in rows:
        conn.execute(request.update().where(request.c.id == rid).values(national_id=decrypt_identifier(token)))

    with op.batch_alter_table('registration_request', schema=None) as batch_op:
        batch_op.drop_column('national_id_hash')
        batch_op.drop_column('national_id_enc')
