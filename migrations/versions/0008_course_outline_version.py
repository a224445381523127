"""course outline version

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 10:40:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outline_version', sa.String(length=32), nullable=True))
    # Each course its own random version, as app/catalog/models.py gives new ones.
    courses = sa.table('courses', sa.column('id', sa.Integer), sa.column('outline_version'))
    connection = op.get_bind()
    for (course_id,) in connection.execute(sa.select(courses.c.id)).all():
        connection.execute(
            courses.update()
            .where(courses.c.id == course_id)
            .values(outline_version=uuid.uuid4().hex)
        )
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.alter_column('outline_version', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('outline_version')
