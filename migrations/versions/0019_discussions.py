"""cohort discussions: threads, posts, helpful marks, reports, subscriptions; mail digests

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 09:00:00

discussion_threads: a cohort's conversations, one per module (made when first opened) and free
ones with a title; pinned and locked by the course staff; the last post's time for the list.
discussion_posts: Markdown and its sanitised HTML, in reply to another post or not; edited,
hidden (by whom, why) and erased (its author's account erased) times.
discussion_helpful_marks: one per reader and post. discussion_reports: one per reader and post,
with a reason, resolved when the staff hide or keep the post. discussion_subscriptions: who
follows a thread. mail_digests: a person takes a mail topic as a daily digest, sent up to when.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('discussion_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_pinned', sa.Boolean(), nullable=False),
    sa.Column('is_locked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_discussion_threads_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_discussion_threads_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_discussion_threads_started_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_threads')),
    sa.UniqueConstraint('cohort_id', 'module_id', name=op.f('uq_discussion_threads_cohort_id_module_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('discussion_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_threads_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_threads_last_posted_at'), ['last_posted_at'], unique=False)

    op.create_table('discussion_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('reply_to_id', sa.Integer(), nullable=True),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discussion_posts_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_discussion_posts_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reply_to_id'], ['discussion_posts.id'], name=op.f('fk_discussion_posts_reply_to_id_discussion_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_threads.id'], name=op.f('fk_discussion_posts_thread_id_discussion_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_posts')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('discussion_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_posts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_posts_thread_id'), ['thread_id'], unique=False)

    op.create_table('discussion_helpful_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_posts.id'], name=op.f('fk_discussion_helpful_marks_post_id_discussion_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_helpful_marks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_helpful_marks')),
    sa.UniqueConstraint('post_id', 'user_id', name=op.f('uq_discussion_helpful_marks_post_id_user_id'))
    )
    with op.batch_alter_table('discussion_helpful_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_helpful_marks_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_helpful_marks_user_id'), ['user_id'], unique=False)

    op.create_table('discussion_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_posts.id'], name=op.f('fk_discussion_reports_post_id_discussion_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_reports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_reports')),
    sa.UniqueConstraint('post_id', 'user_id', name=op.f('uq_discussion_reports_post_id_user_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('discussion_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_reports_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_reports_user_id'), ['user_id'], unique=False)

    op.create_table('discussion_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subscribed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_threads.id'], name=op.f('fk_discussion_subscriptions_thread_id_discussion_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_subscriptions')),
    sa.UniqueConstraint('thread_id', 'user_id', name=op.f('uq_discussion_subscriptions_thread_id_user_id'))
    )
    with op.batch_alter_table('discussion_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_subscriptions_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('mail_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_digests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_digests')),
    sa.UniqueConstraint('user_id', 'topic', name=op.f('uq_mail_digests_user_id_topic'))
    )
    with op.batch_alter_table('mail_digests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_digests_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_digests_user_id'))
    op.drop_table('mail_digests')
    with op.batch_alter_table('discussion_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_discussion_subscriptions_thread_id'))
    op.drop_table('discussion_subscriptions')
    with op.batch_alter_table('discussion_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_reports_user_id'))
        batch_op.drop_index(batch_op.f('ix_discussion_reports_post_id'))
    op.drop_table('discussion_reports')
    with op.batch_alter_table('discussion_helpful_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_helpful_marks_user_id'))
        batch_op.drop_index(batch_op.f('ix_discussion_helpful_marks_post_id'))
    op.drop_table('discussion_helpful_marks')
    with op.batch_alter_table('discussion_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_posts_thread_id'))
        batch_op.drop_index(batch_op.f('ix_discussion_posts_created_at'))
        batch_op.drop_index(batch_op.f('ix_discussion_posts_author_id'))
    op.drop_table('discussion_posts')
    with op.batch_alter_table('discussion_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_threads_last_posted_at'))
        batch_op.drop_index(batch_op.f('ix_discussion_threads_cohort_id'))
    op.drop_table('discussion_threads')
