"""requirement sets, milestones, validity; completion course version; union of cooperatives; product rating date

Revision ID: 0016_requirement_sets
Revises: 0014_journeys
Create Date: 2026-12-07 12:30:00

The one-set requirement tables are rebuilt keyed by set: existing rows move into a
primary set named "default" (target: the lowest target of the old rows; deadline: the
earliest). Downgrade keeps only the primary set's required courses (the one-set schema
cannot hold more): other sets, recommended courses, milestones and validity rules are lost,
and unions of cooperatives become cooperatives.
"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0016_requirement_sets'
down_revision = '0014_journeys'
branch_labels = None
depends_on = None

OLD_TYPES = "org_type IN ('enterprise', 'cooperative', 'cooperative_group', 'household')"
NEW_TYPES = "org_type IN ('enterprise', 'cooperative', 'cooperative_union', 'cooperative_group', 'household')"


def _typed(name, *columns):
    """A lightweight table for reading rows with their types (dates on SQLite)."""
    return sa.table(name, *(sa.column(c, t) for c, t in columns))


UPDATED = ('updated_at', lms.core.db.UTCDateTime(timezone=True))


def upgrade():
    conn = op.get_bind()
    old = _typed('requirement', ('target_group', sa.String()), ('target_percent', sa.Integer()),
                 ('deadline', sa.Date()), UPDATED)
    old_reqs = conn.execute(sa.select(old)).all()
    old_courses = conn.execute(sa.text(
        "SELECT target_group, course_slug, position FROM requirement_course")).all()
    op.drop_table('requirement_course')
    op.drop_table('requirement')

    set_table = op.create_table('requirement_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('target_percent', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target_percent >= 1 AND target_percent <= 100', name=op.f('ck_requirement_set_percent_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement_set')),
    sa.UniqueConstraint('name', name=op.f('uq_requirement_set_name'))
    )
    with op.batch_alter_table('requirement_set', schema=None) as batch_op:
        batch_op.create_index('uq_requirement_set_primary', ['is_primary'], unique=True,
                              sqlite_where=sa.text('is_primary = 1'), postgresql_where=sa.text('is_primary'))

    op.create_table('requirement_milestone',
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.CheckConstraint('percent >= 1 AND percent <= 100', name=op.f('ck_requirement_milestone_percent_range')),
    sa.ForeignKeyConstraint(['set_id'], ['requirement_set.id'], name=op.f('fk_requirement_milestone_set_id_requirement_set'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_id', 'due_on', name=op.f('pk_requirement_milestone'))
    )
    op.create_table('requirement_validity',
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=100), nullable=False),
    sa.Column('valid_months', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('min_version', sa.String(length=40), nullable=True),
    sa.CheckConstraint('valid_months IS NULL OR valid_months >= 1', name=op.f('ck_requirement_validity_months_positive')),
    sa.ForeignKeyConstraint(['set_id'], ['requirement_set.id'], name=op.f('fk_requirement_validity_set_id_requirement_set'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_id', 'course_slug', name=op.f('pk_requirement_validity'))
    )
    req_table = op.create_table('requirement',
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('target_group', sa.String(length=32), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_id'], ['requirement_set.id'], name=op.f('fk_requirement_set_id_requirement_set'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_id', 'target_group', name=op.f('pk_requirement'))
    )
    course_table = op.create_table('requirement_course',
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('target_group', sa.String(length=32), nullable=False),
    sa.Column('course_slug', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('required', 'recommended')", name=op.f('ck_requirement_course_kind_known')),
    sa.ForeignKeyConstraint(['set_id', 'target_group'], ['requirement.set_id', 'requirement.target_group'], name=op.f('fk_requirement_course_set_id_requirement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_id', 'target_group', 'course_slug', name=op.f('pk_requirement_course'))
    )
    if old_reqs:
        now = lms.core.db.utcnow()
        op.bulk_insert(set_table, [{
            'id': 1, 'name': 'default', 'title': 'Chỉ tiêu đào tạo', 'is_primary': True, 'position': 0,
            'target_percent': min(r.target_percent for r in old_reqs),
            'deadline': min((r.deadline for r in old_reqs if r.deadline), default=None), 'updated_at': now,
        }])
        op.bulk_insert(req_table, [{'set_id': 1, 'target_group': r.target_group, 'updated_at': r.updated_at}
                                   for r in old_reqs])
        op.bulk_insert(course_table, [{'set_id': 1, 'target_group': c.target_group, 'course_slug': c.course_slug,
                                       'kind': 'required', 'position': c.position} for c in old_courses])

    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('course_version', sa.String(length=40), nullable=True))
    with op.batch_alter_table('ocop_product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rated_on', sa.Date(), nullable=True))
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organisation_type_known'), type_='check')
        batch_op.create_check_constraint('type_known', NEW_TYPES)


def downgrade():
    conn = op.get_bind()
    # The older schema knows no union of cooperatives: they become cooperatives.
    conn.execute(sa.text("UPDATE organisation SET org_type = 'cooperative' WHERE org_type = 'cooperative_union'"))
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organisation_type_known'), type_='check')
        batch_op.create_check_constraint('type_known', OLD_TYPES)
    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.drop_column('course_version')
    with op.batch_alter_table('ocop_product', schema=None) as batch_op:
        batch_op.drop_column('rated_on')

    sets = _typed('requirement_set', ('id', sa.Integer()), ('target_percent', sa.Integer()),
                  ('deadline', sa.Date()), ('is_primary', sa.Boolean()))
    primary = conn.execute(sa.select(sets).where(sets.c.is_primary.is_(True))).first()
    reqs, courses = [], []
    if primary is not None:
        groups = _typed('requirement', ('set_id', sa.Integer()), ('target_group', sa.String()), UPDATED)
        reqs = conn.execute(sa.select(groups).where(groups.c.set_id == primary.id)).all()
        courses = conn.execute(sa.text(
            "SELECT target_group, course_slug, position FROM requirement_course "
            "WHERE set_id = :s AND kind = 'required'"), {"s": primary.id}).all()
    op.drop_table('requirement_course')
    op.drop_table('requirement')
    op.drop_table('requirement_validity')
    op.drop_table('requirement_milestone')
    with op.batch_alter_table('requirement_set', schema=None) as batch_op:
        batch_op.drop_index('uq_requirement_set_primary', sqlite_where=sa.text('is_primary = 1'),
                            postgresql_where=sa.text('is_primary'))
    op.drop_table('requirement_set')

    req_table = op.create_table('requirement',
    sa.Column('target_group', sa.String(length=32), nullable=False),
    sa.Column('target_percent', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target_percent >= 1 AND target_percent <= 100', name=op.f('ck_requirement_percent_range')),
    sa.PrimaryKeyConstraint('target_group', name=op.f('pk_requirement'))
    )
    course_table = op.create_table('requirement_course',
    sa.Column('target_group', sa.String(length=32), nullable=False),
    sa.Column('course_slug', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['target_group'], ['requirement.target_group'], name=op.f('fk_requirement_course_target_group_requirement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('target_group', 'course_slug', name=op.f('pk_requirement_course'))
    )
    if reqs:
        op.bulk_insert(req_table, [{'target_group': r.target_group, 'target_percent': primary.target_percent,
                                    'deadline': primary.deadline, 'updated_at': r.updated_at} for r in reqs])
        op.bulk_insert(course_table, [{'target_group': c.target_group, 'course_slug': c.course_slug,
                                       'position': c.position} for c in courses])
