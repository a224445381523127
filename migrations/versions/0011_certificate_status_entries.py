"""certificate status entries: each certificate's bit in a revocation status list

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 13:30:00

Certificates signed from now on carry a `credentialStatus` (W3C Bitstring Status List v1.0)
that names their place in a list published at /status/<list_number>. Certificates signed
before have no place: their credentials name no list, and their public page stays the way
to check them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_status_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('list_number', sa.Integer(), nullable=False),
    sa.Column('list_index', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_status_entries_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_status_entries')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_certificate_status_entries_certificate_id')),
    sa.UniqueConstraint('list_number', 'list_index', name=op.f('uq_certificate_status_entries_list_number_list_index'))
    )


def downgrade():
    op.drop_table('certificate_status_entries')
