"""Live sessions: the schedule in each learner's zone, joining, calendars, attendance, recordings.

The blueprint lives in `views.py`, as in the quizzes package, because the learning package
reads attendance (`live.queries`), and that must not import the live pages.
"""
