"""email confirmation

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True)
        )
    # Accounts made before confirmation existed count as confirmed (since they were created):
    # their owners have applied, been approved and received mail at these addresses.
    users = sa.table('users', sa.column('created_at'), sa.column('email_confirmed_at'))
    op.execute(users.update().values(email_confirmed_at=users.c.created_at))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
