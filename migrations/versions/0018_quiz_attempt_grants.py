"""attempts the course team gives a learner beyond a quiz's limit

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 18:10:00

quiz_attempt_grants: one row per learner and quiz, `extra` attempts allowed beyond the quiz's
max_attempts, with who gave the last one and when.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_attempt_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('extra', sa.Integer(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_quiz_attempt_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_attempt_grants_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_attempt_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt_grants')),
    sa.UniqueConstraint('user_id', 'quiz_id', name=op.f('uq_quiz_attempt_grants_user_id_quiz_id'))
    )
    with op.batch_alter_table('quiz_attempt_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_grants_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempt_grants_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('quiz_attempt_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_grants_user_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_grants_quiz_id'))
    op.drop_table('quiz_attempt_grants')
