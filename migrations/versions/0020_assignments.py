"""assignments, submissions and peer reviews

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 19:54:58

assignments: a module's assignment from assignment.yaml (prompt, template sections, rubric and
themes as JSON, review counts, gallery), and assignment_dates: its due dates in each cohort.
submissions: a learner's plan in one cohort (text by section, the save counter that tells two
tabs apart, submitted once; the course team's assessment); draft_copies: text saved from an
older page, kept beside the draft; submission_files: images and PDFs. peer_reviews: a review
given to a reviewer (assigned, submitted or replaced), its levels, comments, points and the
author's rating. review_rounds: when reviews opened (and closed) in a cohort.
assignment_extensions: later dates the course team gave one learner.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('prompt_md', sa.Text(), nullable=False),
    sa.Column('prompt_html', sa.Text(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('reviews_per_submission', sa.Integer(), nullable=False),
    sa.Column('reviews_per_learner', sa.Integer(), nullable=False),
    sa.Column('anonymous_reviews', sa.Boolean(), nullable=False),
    sa.Column('late_work', sa.Boolean(), nullable=False),
    sa.Column('gallery', sa.Enum('none', 'cohort', 'course', name='galleryreach', native_enum=False, length=20), nullable=False),
    sa.Column('max_files', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='status', native_enum=False, length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_assignments_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('module_id', name=op.f('uq_assignments_module_id')),
    sqlite_autoincrement=True
    )
    op.create_table('assignment_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('submission_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submission_due_zone', sa.String(length=64), nullable=False),
    sa.Column('reviews_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviews_due_zone', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_dates_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_assignment_dates_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_dates')),
    sa.UniqueConstraint('assignment_id', 'cohort_id', name=op.f('uq_assignment_dates_assignment_id_cohort_id'))
    )
    with op.batch_alter_table('assignment_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_dates_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_dates_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('review_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_review_rounds_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_review_rounds_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_rounds')),
    sa.UniqueConstraint('assignment_id', 'cohort_id', name=op.f('uq_review_rounds_assignment_id_cohort_id'))
    )
    with op.batch_alter_table('review_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_rounds_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_rounds_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('assignment_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('submission_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviews_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_extensions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_assignment_extensions_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_assignment_extensions_granted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_extensions')),
    sa.UniqueConstraint('assignment_id', 'enrollment_id', name=op.f('uq_assignment_extensions_assignment_id_enrollment_id'))
    )
    with op.batch_alter_table('assignment_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_extensions_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_extensions_enrollment_id'), ['enrollment_id'], unique=False)

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.String(length=80), nullable=True),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_late', sa.Boolean(), nullable=False),
    sa.Column('shows_in_gallery', sa.Boolean(), nullable=False),
    sa.Column('staff_levels', sa.JSON(), nullable=True),
    sa.Column('staff_comments', sa.JSON(), nullable=True),
    sa.Column('staff_points', sa.Integer(), nullable=True),
    sa.Column('staff_grade', sa.Integer(), nullable=True),
    sa.Column('staff_grade_counts', sa.Boolean(), nullable=False),
    sa.Column('staff_assessed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('staff_assessed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_submissions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_submissions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_submissions_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_assessed_by_id'], ['users.id'], name=op.f('fk_submissions_staff_assessed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('assignment_id', 'enrollment_id', name=op.f('uq_submissions_assignment_id_enrollment_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_user_id'), ['user_id'], unique=False)

    op.create_table('draft_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_draft_copies_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_copies'))
    )
    with op.batch_alter_table('draft_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_copies_submission_id'), ['submission_id'], unique=False)

    op.create_table('peer_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('assigned', 'submitted', 'replaced', name='reviewstate', native_enum=False, length=20), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('helpfulness', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_peer_reviews_reviewer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_peer_reviews_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_reviews')),
    sa.UniqueConstraint('submission_id', 'reviewer_id', name=op.f('uq_peer_reviews_submission_id_reviewer_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('peer_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_reviews_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_reviews_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_reviews_submission_id'), ['submission_id'], unique=False)

    op.create_table('submission_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_files_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_files')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_files_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_files_submission_id'))

    op.drop_table('submission_files')
    with op.batch_alter_table('peer_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_reviews_submission_id'))
        batch_op.drop_index(batch_op.f('ix_peer_reviews_state'))
        batch_op.drop_index(batch_op.f('ix_peer_reviews_reviewer_id'))

    op.drop_table('peer_reviews')
    with op.batch_alter_table('draft_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_copies_submission_id'))

    op.drop_table('draft_copies')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_user_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_submissions_enrollment_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_assignment_id'))

    op.drop_table('submissions')
    with op.batch_alter_table('assignment_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_extensions_enrollment_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_extensions_assignment_id'))

    op.drop_table('assignment_extensions')
    with op.batch_alter_table('review_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_rounds_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_review_rounds_assignment_id'))

    op.drop_table('review_rounds')
    with op.batch_alter_table('assignment_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_dates_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_dates_assignment_id'))

    op.drop_table('assignment_dates')
    op.drop_table('assignments')
