"""translations of every course text: text_translations, and the revision each follows

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 22:50:00

text_translations: one row per translation file of a course (course.es.yaml, module.fr.md,
quiz.es.yaml...), its text tree and its file as written. lesson_translations.made_from: the
revision of the lesson a translation was made from. certificates.text_language: the language
of a certificate's words when it is the holder's, not the course's.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('text_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('original', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('made_from', sa.String(length=32), nullable=True),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('file_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_text_translations_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_translations')),
    sa.UniqueConstraint('course_id', 'path', name=op.f('uq_text_translations_course_id_path'))
    )
    with op.batch_alter_table('text_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_translations_course_id'), ['course_id'], unique=False)
    with op.batch_alter_table('lesson_translations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('made_from', sa.String(length=32), nullable=True))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_language', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('text_language')
    with op.batch_alter_table('lesson_translations', schema=None) as batch_op:
        batch_op.drop_column('made_from')
    with op.batch_alter_table('text_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_text_translations_course_id'))
    op.drop_table('text_translations')
