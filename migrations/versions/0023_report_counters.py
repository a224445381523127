"""the progress report's counters: enrolments' lessons done and sessions attended, quiz_bests

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 02:30:00

enrollments.lessons_done (the learner's lessons of the course marked done, whatever their
state) and enrollments.sessions_attended (the cohort's live sessions they attended), with
indexes by cohort for the report's sorts; quiz_bests: each learner's best submitted score at
each quiz; ix_users_lower_name, users by lower(name) and id (the report's page in name
order). The counters are filled here from the rows they count, as `flask reports
check-counters --fix` would.

SQLite cannot reflect an index on an expression: a later migration that rebuilds `users` in
batch mode must create ix_users_lower_name again after it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lessons_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sessions_attended', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_enrollments_cohort_completed_at', ['cohort_id', 'completed_at'], unique=False)
        batch_op.create_index('ix_enrollments_cohort_lessons_done', ['cohort_id', 'lessons_done'], unique=False)
        batch_op.create_index('ix_enrollments_cohort_sessions_attended', ['cohort_id', 'sessions_attended'], unique=False)
    op.create_table('quiz_bests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('best_score', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_bests_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_bests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_bests')),
    sa.UniqueConstraint('user_id', 'quiz_id', name=op.f('uq_quiz_bests_user_id_quiz_id'))
    )
    with op.batch_alter_table('quiz_bests', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_bests_quiz_best_score', ['quiz_id', 'best_score'], unique=False)
    op.create_index('ix_users_lower_name', 'users', [sa.text('lower(name)'), 'id'], unique=False)
    # The same counts as learning.counter_operations.recount_enrollments and
    # quizzes.operations.recount_best_scores, written out: a migration does not import the app.
    op.execute(
        "UPDATE enrollments SET"
        " lessons_done = (SELECT count(*) FROM lesson_progress"
        "  JOIN lessons ON lessons.id = lesson_progress.lesson_id"
        "  JOIN cohorts ON cohorts.course_id = lessons.course_id"
        "  WHERE lesson_progress.user_id = enrollments.user_id"
        "  AND cohorts.id = enrollments.cohort_id),"
        " sessions_attended = (SELECT count(*) FROM attendances"
        "  JOIN live_sessions ON live_sessions.id = attendances.session_id"
        "  WHERE attendances.user_id = enrollments.user_id"
        "  AND live_sessions.cohort_id = enrollments.cohort_id)"
    )
    op.execute(
        "INSERT INTO quiz_bests (user_id, quiz_id, best_score)"
        " SELECT user_id, quiz_id, max(score) FROM quiz_attempts"
        " WHERE state = 'submitted' AND score IS NOT NULL"
        " GROUP BY user_id, quiz_id"
    )


def downgrade():
    op.drop_index('ix_users_lower_name', table_name='users')
    with op.batch_alter_table('quiz_bests', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_bests_quiz_best_score')
    op.drop_table('quiz_bests')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_cohort_sessions_attended')
        batch_op.drop_index('ix_enrollments_cohort_lessons_done')
        batch_op.drop_index('ix_enrollments_cohort_completed_at')
        batch_op.drop_column('sessions_attended')
        batch_op.drop_column('lessons_done')
