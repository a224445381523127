"""when each learner last took a step in their course, and when they were last nudged

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:40:00

enrollments.last_active_at: the learner's last step in the course (a lesson marked done, a
quiz attempt, a live session joined or taken part in, a recording watched), filled here from
what is already recorded, so nobody active is taken for stalled on the day this runs.
enrollments.nudged_at: when the stalled-learner mail was last written (none yet).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# Each source of activity, as the latest moment for the enrolment being updated.
ACTIVITY = [
    """SELECT MAX(lp.completed_at) FROM lesson_progress lp
       JOIN lessons l ON l.id = lp.lesson_id
       JOIN cohorts c ON c.course_id = l.course_id
       WHERE c.id = enrollments.cohort_id AND lp.user_id = enrollments.user_id""",
    """SELECT MAX(COALESCE(qa.submitted_at, qa.started_at)) FROM quiz_attempts qa
       JOIN quizzes q ON q.id = qa.quiz_id
       JOIN modules m ON m.id = q.module_id
       JOIN cohorts c ON c.course_id = m.course_id
       WHERE c.id = enrollments.cohort_id AND qa.user_id = enrollments.user_id""",
    """SELECT MAX(COALESCE(a.joined_at, a.recorded_at)) FROM attendances a
       JOIN live_sessions s ON s.id = a.session_id
       WHERE s.cohort_id = enrollments.cohort_id AND a.user_id = enrollments.user_id""",
    """SELECT MAX(r.watched_at) FROM recording_views r
       JOIN live_sessions s ON s.id = r.session_id
       WHERE s.cohort_id = enrollments.cohort_id AND r.user_id = enrollments.user_id""",
]


def upgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('nudged_at', sa.DateTime(timezone=True), nullable=True))
    for latest in ACTIVITY:
        op.execute(
            f"UPDATE enrollments SET last_active_at = ({latest}) "
            f"WHERE ({latest}) IS NOT NULL "
            f"AND (last_active_at IS NULL OR ({latest}) > last_active_at)"
        )


def downgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('nudged_at')
        batch_op.drop_column('last_active_at')
