"""certificate credential_ld: the credential as JSON-LD with a Data Integrity proof

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:40:00

Certificates signed from now on keep, beside their VC-JWT, the same credential with an
embedded eddsa-rdfc-2022 proof (the file the holder downloads). Certificates signed before
have none until it is first asked for, when the active key signs it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_ld', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('credential_ld')
