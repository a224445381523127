"""The app as the benchmark serves it: `gunicorn bench.wsgi:app` (settings in bench/common.py)."""

from bench.common import make_app

app = make_app()
