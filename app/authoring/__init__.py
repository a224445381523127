"""Instructors' work in the browser: editing, revisions, publishing, uploads and reports.

The blueprint lives in `views.py`; the other `*_views.py` modules add their routes to it.
"""
