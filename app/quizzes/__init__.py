"""Quizzes: attempts at a module's quiz, graded on the server, with feedback.

The blueprint lives in `views.py` (not here, as in the other packages) because the
learning package reads quiz models, and importing those must not import the quiz pages.
"""
