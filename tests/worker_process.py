"""A job queue worker in a process of its own: `python -m tests.worker_process SETTINGS.json`.

The settings (written by tests/test_jobs.py) name the instance folder and the configuration
(the database, the queue, the mail server); the process runs `flask worker`'s consumer until
SIGTERM, or until a test kills it.
"""

import json
import sys
from pathlib import Path

from app import create_app
from app.core.jobs import run_worker
from tests.clock import travel_from_environment


def main(path: str) -> None:
    travel_from_environment()
    settings = json.loads(Path(path).read_text(encoding="utf-8"))
    app = create_app(settings["config"], instance_path=settings["instance"])
    run_worker(app, threads=settings.get("threads", 2), name=settings.get("name"))


if __name__ == "__main__":
    main(sys.argv[1])
