"""Instructors' reports: a cohort's progress (`progress`), quiz item analysis
(`item_analysis`, with the pure `item_statistics`) and a course summary (`summary`).

Each report is read in a fixed number of queries however many learners, lessons and quizzes
there are.
"""

from app.catalog.models import Cohort, Course


def find_cohort(course: Course, cohort_slug: str) -> Cohort | None:
    """A cohort of a course whose cohorts are loaded."""
    return next((cohort for cohort in course.cohorts if cohort.slug == cohort_slug), None)
