"""certificate PDFs made by the worker: certificate_pdfs, in place of certificates.pdf

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 02:10:00

certificate_pdfs: a certificate's stored PDF with the fingerprint of everything it shows
(app/certificates/pdf_store.py). certificates.pdf goes: it held no fingerprint, so a PDF kept
there could not be told from a stale one. Each certificate's PDF is made again by its next
download, or at once by `flask certificates make-pdfs` (docs/certificates.md).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_pdfs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_pdfs_certificate_id_certificates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_pdfs')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_certificate_pdfs_certificate_id'))
    )
    # SQLite rebuilds the table: it keeps AUTOINCREMENT (app/core/types.py, IDS_NEVER_REUSED).
    with op.batch_alter_table(
        'certificates', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_column('pdf')


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))
    op.drop_table('certificate_pdfs')
