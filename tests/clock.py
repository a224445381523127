"""The test run's clock: `TEST_CLOCK=2027-06-01` runs the suite, and every server it starts, then.

The clock travels with time-machine and keeps ticking from there. The first process that reads
TEST_CLOCK notes in TEST_CLOCK_SINCE the real moment its clock read that date; the processes it
starts (xdist workers, test servers, gunicorn workers) inherit both variables and so read the
same time as it does, however much later they start.
"""

import os
import time
from datetime import UTC, datetime, timedelta

import time_machine

CLOCK = "TEST_CLOCK"
SINCE = "TEST_CLOCK_SINCE"


def clock_start(value: str) -> datetime:
    """The moment TEST_CLOCK names: a date (midnight UTC) or an ISO 8601 time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{CLOCK}={value!r} is not a date: write it as 2027-06-01 or 2027-06-01T09:30+02:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def travel_from_environment() -> time_machine.Traveller | None:
    """Move this process's clock to TEST_CLOCK, if set, for the rest of its life.

    Returns the traveller, whose clock ticks (None without TEST_CLOCK); raises ValueError for
    a value that is not a date.
    """
    value = os.environ.get(CLOCK, "")
    if not value.strip():
        return None
    start = clock_start(value)
    # The real time is read before travelling; children get the parent's anchor.
    since = float(os.environ.setdefault(SINCE, repr(time.time())))
    traveller = time_machine.travel(start + timedelta(seconds=time.time() - since)).start()
    # time-machine's clock starts ticking at its first reading: read it now, or a process
    # that first asks the time later (a gunicorn worker at its first request) lags behind.
    time.time()
    return traveller
