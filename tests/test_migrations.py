"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, update

from app import create_app
from app.accounts.models import User
from app.authoring.reports.counters import counter_differences
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.operations import mark_lesson_done
from app.quizzes.models import AttemptState, QuizAttempt, QuizBest
from tests import factories

pytestmark = pytest.mark.slow  # every migration, up and down


# SQLite's reflection cannot read an index on an expression (ix_users_lower_name); Alembic
# leaves such indexes out of the comparison.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_on_an_empty_database_matches_the_models(make_database, tmp_path):
    empty = make_database()
    app = create_app({"SECRET_KEY": "x", **empty.config()}, instance_path=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            assert {"courses", "lessons", "quizzes", "users", "alembic_version"} <= tables
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_the_activity_revision_fills_in_each_enrolments_last_step(make_database, tmp_path):
    """0015 reads what was recorded before it, so nobody active is taken for stalled."""
    empty = make_database()
    app = create_app(
        {"SECRET_KEY": "x", "JOBS_IMMEDIATE": True, **empty.config()}, instance_path=str(tmp_path)
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    done_at = datetime(2027, 3, 4, 10, tzinfo=UTC)
    with app.app_context():
        course = factories.import_example()
        cohort = factories.cohort_of(course)
        reader = factories.enrolled_learner(cohort, "reader@city.example")
        factories.enrolled_learner(cohort, "idle@city.example")
        lesson = course.modules[0].lessons[0]
        mark_lesson_done(reader, lesson, now=done_at)
        db.session.execute(update(Enrollment).values(last_active_at=None))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert runner.invoke(args=["db", "downgrade", "0014"]).exit_code == 0
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        found = db.session.execute(
            select(User.email, Enrollment.last_active_at, Enrollment.nudged_at)
            .join(Enrollment.user)
            .order_by(User.email)
        ).all()
        db.session.remove()
        db.engine.dispose()
    assert found == [("idle@city.example", None, None), ("reader@city.example", done_at, None)]


def test_the_counters_revision_counts_what_was_recorded_before_it(make_database, tmp_path):
    """0023 fills each enrolment's lessons done and sessions attended and each best score from
    the rows stored before it, as `flask reports check-counters` counts them."""
    empty = make_database()
    app = create_app(
        {"SECRET_KEY": "x", "JOBS_IMMEDIATE": True, **empty.config()}, instance_path=str(tmp_path)
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        course = factories.import_example()
        cohort = factories.cohort_of(course)
        reader = factories.enrolled_learner(cohort, "reader@city.example")
        for lesson in course.visible_lessons()[:2]:
            mark_lesson_done(reader, lesson, now=datetime(2027, 3, 4, 10, tzinfo=UTC))
        quiz = course.published_quizzes()[0]
        db.session.add_all(
            QuizAttempt(
                quiz_id=quiz.id, user_id=reader.id, number=number, state=AttemptState.SUBMITTED,
                layout=[], question_count=3, score=score,
            )
            for number, score in ((1, 80), (2, 40))
        )  # fmt: skip
        db.session.commit()
        reader_id = reader.id
        db.session.remove()
        db.engine.dispose()
    assert runner.invoke(args=["db", "downgrade", "0022"]).exit_code == 0
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        counters = select(Enrollment.lessons_done, Enrollment.sessions_attended)
        assert db.session.execute(counters).all() == [(2, 0)]
        bests = select(QuizBest.user_id, QuizBest.best_score)
        assert db.session.execute(bests).all() == [(reader_id, 80)]
        assert counter_differences() == []
        db.session.remove()
        db.engine.dispose()
