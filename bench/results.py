"""bench/RESULTS.md: the machine, and one section per run kind that each run rewrites."""

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench import common

PATH = common.BENCH / "RESULTS.md"


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    versions = []
    for package in ("flask", "sqlalchemy", "gunicorn", "psycopg"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            continue
    try:
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        wrk_version = wrk.split("\n")[0]
    except FileNotFoundError:  # bench/scheduler.py runs without it
        wrk_version = "wrk: not installed"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (`nproc`), shared with other work while it ran",
        f"- RAM: {memory}",
        f"- {platform.platform()}; Python {platform.python_version()}; {', '.join(versions)}",
        f"- {wrk_version.strip()}",
    ]


def write_section(name: str, lines: list[str]) -> None:
    """Replace the section `name` of bench/RESULTS.md (or add it at the end); the others stay."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    section = f"{start}\n" + "\n".join(lines) + f"\n{end}"
    text = PATH.read_text(encoding="utf-8") if PATH.exists() else ""
    header = "\n".join(
        [
            "# Benchmark results",
            "",
            "Written by `make bench` (bench/run.py, bench/capacity.py, bench/scheduler.py): "
            "the last run of each kind on each database.",
            "",
            "Machine:",
            "",
            *machine(),
            "",
        ]
    )
    body = text.split("\n<!-- ", 1)[1] if "\n<!-- " in text else ""
    body = "<!-- " + body if body else ""
    if start in body:
        before, rest = body.split(start, 1)
        body = before + section + rest.split(end, 1)[1]
    else:
        body = (body.rstrip() + "\n\n" + section).lstrip()
    PATH.write_text(header + "\n" + body.rstrip() + "\n", encoding="utf-8")
