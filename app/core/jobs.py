"""Work off the request: a job queue on Huey, and the worker that runs it (`flask worker`).

The queue lives on Redis when REDIS_URL is set (what several nodes share), else in a SQLite file
in the instance folder (the embedded default: `make run` starts a worker beside the app). Under
JOBS_IMMEDIATE (the tests) a job runs in the process at the moment it is queued. Jobs are plain
functions registered with `@job` and queued by name with `enqueue`; each runs in an application
context. A job must be safe to run twice: the queue may deliver it again after a worker dies,
and what it acts on (an outgoing mail) records in the database whether it is done.
docs/architecture.md says why Huey.
"""

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.types import UTCDateTime, utcnow
from app.extensions import db

# A worker that has not been seen for this long is reported by /readyz.
WORKER_SILENT_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class JobSpec:
    function: Callable[..., Any]
    every_minute: bool = False  # a periodic job, run by every worker each minute
    every_hour: bool = False  # a periodic job, run by every worker at minute 0 of each hour


_JOBS: dict[str, JobSpec] = {}


def job(name: str, *, every_minute: bool = False, every_hour: bool = False):
    """Register a function as the job `name` (the name is what the queue stores). A job that
    fails is not retried by the queue: what it acts on records its own tries (mail.py)."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _JOBS[name] = JobSpec(function, every_minute, every_hour)
        return function

    return register


@dataclass
class Queue:
    """The app's Huey and its registered tasks, by job name; and what a worker process runs
    before its first job (`create_app`'s warm_up: fonts for the PDFs, catalogues, templates)."""

    huey: Huey
    tasks: dict[str, Any] = field(default_factory=dict)
    warm_up: Callable[[Flask], None] | None = None


def _make_huey(app: Flask) -> Huey:
    config = app.config
    name = config["JOBS_QUEUE_NAME"]
    if config.get("JOBS_IMMEDIATE"):
        return MemoryHuey(name, immediate=True, results=False)
    if config.get("REDIS_URL"):
        return RedisHuey(name, url=config["REDIS_URL"], results=False)
    path = config.get("JOBS_DATABASE") or str(Path(app.instance_path) / "jobs.sqlite3")
    return SqliteHuey(name, filename=path, results=False)


def register_jobs(app: Flask, warm_up: Callable[[Flask], None] | None = None) -> None:
    """Give the app its queue, with every job registered so far (call after the blueprints)."""
    huey = _make_huey(app)
    queue = Queue(huey, warm_up=warm_up)
    for name, spec in _JOBS.items():
        queue.tasks[name] = _register_task(app, huey, name, spec)
    app.extensions["jobs"] = queue
    app.cli.add_command(worker_command)


def _register_task(app: Flask, huey: Huey, name: str, spec: JobSpec):
    def run(*args: Any) -> Any:
        with app.app_context():
            try:
                return spec.function(*args)
            finally:
                db.session.remove()

    run.__name__ = name
    if spec.every_minute:
        return huey.periodic_task(crontab(), name=name)(run)
    if spec.every_hour:
        return huey.periodic_task(crontab(minute="0"), name=name)(run)
    return huey.task(name=name)(run)


def enqueue(name: str, *args: Any, delay: float | None = None) -> None:
    """Queue the job `name` with these arguments, to run now or after `delay` seconds."""
    task = current_app.extensions["jobs"].tasks[name]
    if delay:
        task.schedule(args=args, delay=delay)
    else:
        task(*args)


# The worker


class WorkerHeartbeat(db.Model):
    """When each worker was last seen running its periodic jobs (for /readyz)."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


@job("heartbeat", every_minute=True)
def heartbeat() -> None:
    name = current_app.config.get("WORKER_NAME") or "worker"
    row = db.session.get(WorkerHeartbeat, name)
    if row is None:
        db.session.add(WorkerHeartbeat(name=name, seen_at=utcnow()))
    else:
        row.seen_at = utcnow()
    db.session.commit()


def last_seen_worker() -> datetime | None:
    """When any worker was last seen, or None if none ever was."""
    return db.session.scalar(select(db.func.max(WorkerHeartbeat.seen_at)))


def worker_status(now: datetime) -> str:
    """ "ok" when a worker ran its periodic jobs lately, else since when none has."""
    seen = last_seen_worker()
    if seen is None:
        return "never seen (start one: flask worker)"
    if now - seen > WORKER_SILENT_AFTER:
        return f"not seen since {seen:%Y-%m-%d %H:%M} UTC (start one: flask worker)"
    return "ok"


def run_worker(app: Flask, threads: int, name: str | None = None) -> None:
    """Run the queue's consumer in this process until it is stopped (SIGTERM, SIGINT)."""
    app.config["WORKER_NAME"] = name or f"{socket.gethostname()}:{os.getpid()}"
    queue: Queue = app.extensions["jobs"]
    if queue.huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is set: jobs run where they are queued")
    consumer = queue.huey.create_consumer(workers=threads, worker_type="thread", periodic=True)
    if queue.warm_up is not None:
        started = time.perf_counter()
        queue.warm_up(app)  # the first certificate PDF must not pay for reading the fonts
        click.echo(f"Worker warmed up in {time.perf_counter() - started:.1f} s")
    with app.app_context():
        heartbeat()  # seen from the start, then each minute
    storage = type(queue.huey).__name__
    click.echo(f"Worker {app.config['WORKER_NAME']}: {threads} threads on {storage}")
    consumer.run()


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at once.")
@click.option("--name", default=None, help="Its name in the heartbeats (default: host:pid).")
def worker_command(threads: int, name: str | None) -> None:
    """Run the job queue's worker: mail, reminders and other work off the request."""
    run_worker(current_app._get_current_object(), threads, name)
