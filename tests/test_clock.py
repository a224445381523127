"""TEST_CLOCK: the suite, and the processes it starts, can run at another date (tests/clock.py)."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from time_machine import escape_hatch

from tests.clock import CLOCK, SINCE, clock_start
from tests.conftest import REPO

pytestmark = pytest.mark.slow  # other processes started at another date


def test_the_clock_is_a_date_or_a_time():
    assert clock_start("2027-06-01") == datetime(2027, 6, 1, tzinfo=UTC)
    assert clock_start(" 2028-01-01T09:30+02:00 ") == datetime(
        2028, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))
    )


@pytest.mark.parametrize("value", ["2027-13-01", "2027-02-30", "next year", "01/06/2027"])
def test_a_clock_that_is_not_a_date_is_refused(value):
    with pytest.raises(ValueError, match=f"TEST_CLOCK='{value}' is not a date"):
        clock_start(value)


def real_time() -> float:
    """The real time, also when this run's clock has travelled (TEST_CLOCK)."""
    return escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {CLOCK, SINCE}}
    return subprocess.run(
        [sys.executable, *code.split()] if code.startswith("-m") else [sys.executable, "-c", code],
        cwd=REPO,
        env={**environment, "PYTHONPATH": str(REPO), **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_process_started_later_reads_the_same_clock_as_the_run():
    # The run's clock read 2027-06-01 an hour ago (in real time): a server started now is an
    # hour past it, and stays in step with the run however long it waits before asking.
    since = real_time() - 3600
    started = run_python(
        "from tests.clock import travel_from_environment; travel_from_environment(); "
        "import time; from time_machine import escape_hatch; time.sleep(1.5); "
        "from app.core.types import utcnow; print(utcnow().timestamp(), escape_hatch.time.time())",
        TEST_CLOCK="2027-06-01",
        TEST_CLOCK_SINCE=repr(since),
    )

    assert started.returncode == 0, started.stderr
    now, real = map(float, started.stdout.split())
    expected = datetime(2027, 6, 1, tzinfo=UTC).timestamp() + (real - since)
    assert abs(now - expected) < 0.5


def test_a_run_with_a_clock_that_is_not_a_date_stops_before_any_test():
    run = run_python(
        "-m pytest -q -p no:cacheprovider -p no:xdist --collect-only tests/test_clock.py",
        TEST_CLOCK="2027-02-30",
    )

    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "TEST_CLOCK='2027-02-30' is not a date" in run.stderr
