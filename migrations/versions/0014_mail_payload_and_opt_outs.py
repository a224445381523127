"""notifications written when sent, and the optional mails a person turned off

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:40:00

outgoing_mail.payload holds what a notification is about (a live session and its start), so a
pass over a cohort writes rows only and a worker writes each message when it sends it.
mail_opt_outs: one row per person and kind of optional mail they turned off (no row: sent).
A message already written keeps its bytes; nothing existing moves.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
    op.create_table('mail_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_opt_outs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_opt_outs')),
    sa.UniqueConstraint('user_id', 'topic', name=op.f('uq_mail_opt_outs_user_id_topic'))
    )
    with op.batch_alter_table('mail_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_opt_outs_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_opt_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_opt_outs_user_id'))
    op.drop_table('mail_opt_outs')
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_column('payload')
