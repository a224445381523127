"""gunicorn processes for the benchmarks: the settings each side runs with, start, stop, memory.

Two sets of settings:
- `bench_options()`: the project's gunicorn.conf.py with one sync worker and worker recycling
  off (`--max-requests 0`), the same for the app and for the raw WSGI app, so that a ratio
  compares code with code;
- `production_options()`: gunicorn.conf.py as it is (its workers, recycling and preload), for
  the production row and the capacity run.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench import common

ROOT = common.BENCH.parent
CONF = ROOT / "gunicorn.conf.py"
BIN = Path(sys.executable).parent
ONE_WORKER = ["--workers", "1", "--worker-class", "sync", "--threads", "1"]
NO_RECYCLING = ["--max-requests", "0", "--max-requests-jitter", "0"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_options() -> list[str]:
    """gunicorn.conf.py with one sync worker and no recycling: both sides of every ratio."""
    return ["-c", str(CONF), *ONE_WORKER, *NO_RECYCLING]


def production_options(workers: int | None = None) -> list[str]:
    """gunicorn.conf.py as deployed; `workers` overrides its count (the per-worker row)."""
    return ["-c", str(CONF), *(["--workers", str(workers)] if workers else [])]


def production_settings(env: dict | None = None) -> str:
    """What gunicorn.conf.py sets on this machine (workers, recycling, preload), in words."""
    code = (
        "import runpy; s = runpy.run_path('gunicorn.conf.py'); "
        "print(s['workers'], s['max_requests'], s['max_requests_jitter'], s['preload_app'])"
    )
    found = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    workers, max_requests, jitter, preload = found
    recycling = (
        f"max_requests {max_requests} (+ up to {jitter})"
        if max_requests != "0"
        else ("no recycling")
    )
    return f"{workers} sync workers, {recycling}, preload_app {preload}"


class Server:
    """gunicorn serving `module` (WSGI `module:app`) on a free port, optionally on some cores."""

    def __init__(self, module: str, options: list[str], env: dict, log: Path, cpus=None):
        self.port = free_port()
        self.log_path = log
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), *options, "--bind", f"127.0.0.1:{self.port}", module],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/__bench_ready__", timeout=2)
                return
            except (requests.ConnectionError, requests.Timeout):
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn {module} did not start: see {log}") from None
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn {module} did not answer in 60 s: see {log}")

    def workers(self) -> list[int]:
        """The worker processes' ids (the master's children)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def rss_mb(pid: int) -> float:
    """A process's resident memory (VmRSS in /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for process {pid}")
