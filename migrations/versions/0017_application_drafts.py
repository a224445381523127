"""applications saved as drafts, for the deadline reminders

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 18:05:00

application_drafts: one per person and cohort, an application begun and saved but not sent
(deleted when it is sent). The deadline reminders go to the people who have one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('application_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('motivation', sa.Text(), nullable=False),
    sa.Column('confirms_public_official', sa.Boolean(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_application_drafts_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_application_drafts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_drafts')),
    sa.UniqueConstraint('user_id', 'cohort_id', name=op.f('uq_application_drafts_user_id_cohort_id'))
    )
    with op.batch_alter_table('application_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_drafts_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_drafts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('application_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_drafts_user_id'))
        batch_op.drop_index(batch_op.f('ix_application_drafts_cohort_id'))
    op.drop_table('application_drafts')
