"""Live-session times in other zones, across changes of clocks, and the join window."""

from datetime import UTC, datetime, timedelta

import pytest

from app.catalog.models import LiveSession
from app.core.timezones import parse_zoned_time
from app.live.times import ZonedSpan, session_spans, time_until


def session_at(text: str, minutes: int = 120) -> LiveSession:
    starts_at, zone = parse_zoned_time(text)
    return LiveSession(starts_at=starts_at, time_zone=zone, duration_minutes=minutes)


# A Madrid session at 09:00 every Thursday, on either side of the clock changes of 2027:
# Madrid moves to summer time on 28 March and back on 31 October; Sydney leaves its summer
# time on 4 April and starts it again on 3 October; Bogota and Seoul keep one offset all year.
@pytest.mark.parametrize(
    ("madrid", "bogota", "seoul", "sydney"),
    [
        (
            "Thursday 25 March 2027, 09:00–11:00 GMT+1",
            "Thursday 25 March 2027, 03:00–05:00 GMT-5",
            "Thursday 25 March 2027, 17:00–19:00 GMT+9",
            "Thursday 25 March 2027, 19:00–21:00 GMT+11",
        ),
        (
            "Thursday 1 April 2027, 09:00–11:00 GMT+2",
            "Thursday 1 April 2027, 02:00–04:00 GMT-5",
            "Thursday 1 April 2027, 16:00–18:00 GMT+9",
            "Thursday 1 April 2027, 18:00–20:00 GMT+11",
        ),
        (
            "Thursday 8 April 2027, 09:00–11:00 GMT+2",
            "Thursday 8 April 2027, 02:00–04:00 GMT-5",
            "Thursday 8 April 2027, 16:00–18:00 GMT+9",
            "Thursday 8 April 2027, 17:00–19:00 GMT+10",
        ),
        (
            "Thursday 30 September 2027, 09:00–11:00 GMT+2",
            "Thursday 30 September 2027, 02:00–04:00 GMT-5",
            "Thursday 30 September 2027, 16:00–18:00 GMT+9",
            "Thursday 30 September 2027, 17:00–19:00 GMT+10",
        ),
        (
            "Thursday 28 October 2027, 09:00–11:00 GMT+2",
            "Thursday 28 October 2027, 02:00–04:00 GMT-5",
            "Thursday 28 October 2027, 16:00–18:00 GMT+9",
            "Thursday 28 October 2027, 18:00–20:00 GMT+11",
        ),
        (
            "Thursday 4 November 2027, 09:00–11:00 GMT+1",
            "Thursday 4 November 2027, 03:00–05:00 GMT-5",
            "Thursday 4 November 2027, 17:00–19:00 GMT+9",
            "Thursday 4 November 2027, 19:00–21:00 GMT+11",
        ),
    ],
)
def test_a_madrid_session_seen_from_three_continents(madrid, bogota, seoul, sydney):
    written = madrid.split(",")[0].split(" ", 1)[1]
    day = datetime.strptime(written, "%d %B %Y").date()  # noqa: DTZ007 (a day, not a moment)
    session = session_at(f"{day:%Y-%m-%d} 09:00 Europe/Madrid")
    seen = {
        zone: session_spans(session, zone)
        for zone in ("America/Bogota", "Asia/Seoul", "Australia/Sydney", "Europe/Madrid")
    }
    assert seen["America/Bogota"][0].text() == bogota
    assert seen["Asia/Seoul"][0].text() == seoul
    assert seen["Australia/Sydney"][0].text() == sydney
    for zone in ("America/Bogota", "Asia/Seoul", "Australia/Sydney"):
        assert seen[zone][1].text() == madrid  # the session's own zone, beside
    # Seen from Madrid, the time is shown once.
    assert seen["Europe/Madrid"] == (seen["Europe/Madrid"][0], None)
    assert seen["Europe/Madrid"][0].text() == madrid


def test_an_evening_session_in_madrid_is_the_next_morning_in_seoul():
    session = session_at("2027-07-08 18:00 Europe/Madrid")
    seoul, madrid = session_spans(session, "Asia/Seoul")
    assert seoul.text() == "Friday 9 July 2027, 01:00–03:00 GMT+9"
    assert madrid.text(year=False) == "Thursday 8 July, 18:00–20:00 GMT+2"


def test_a_session_that_crosses_midnight_names_both_days():
    session = session_at("2027-07-08 23:30 Europe/Madrid")
    madrid, _ = session_spans(session, "Europe/Madrid")
    assert madrid.crosses_midnight
    assert madrid.text() == "Thursday 8 July 2027, 23:30 – Friday 9 July 01:30 GMT+2"
    bogota, _ = session_spans(session, "America/Bogota")
    assert not bogota.crosses_midnight
    assert bogota.text() == "Thursday 8 July 2027, 16:30–18:30 GMT-5"
    # On the night the clocks go back an hour, a two-hour session ends at 02:30 winter time.
    night = session_at("2027-10-31 01:30 Europe/Madrid")
    assert ZonedSpan.of(night.starts_at, night.ends_at, "Europe/Madrid").clock() == (
        "01:30 GMT+2 – 02:30 GMT+1"
    )
    assert night.ends_at - night.starts_at == timedelta(hours=2)


def test_a_visitor_without_a_zone_sees_the_session_s_own():
    session = session_at("2027-07-08 09:00 Europe/Madrid")
    own, beside = session_spans(session, None)
    assert own.text() == "Thursday 8 July 2027, 09:00–11:00 GMT+2"
    assert beside is None


def test_zones_with_the_same_clock_show_the_time_once():
    session = session_at("2027-07-08 09:00 Europe/Madrid")
    paris, beside = session_spans(session, "Europe/Paris")
    assert paris.text() == "Thursday 8 July 2027, 09:00–11:00 GMT+2"
    assert beside is None


START = datetime(2027, 7, 8, 7, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


@pytest.mark.parametrize(
    ("before_start", "expected"),
    [
        (timedelta(days=30), "in 30 days"),
        (timedelta(days=7), "in 7 days"),
        (timedelta(days=2, hours=3), "in 2 days and 3 hours"),
        (timedelta(days=1), "in 1 day"),
        (timedelta(hours=5, minutes=1), "in 5 hours and 1 minute"),
        (timedelta(hours=1), "in 1 hour"),
        (timedelta(minutes=14, seconds=10), "in 15 minutes"),
        (timedelta(seconds=1), "in 1 minute"),
        (timedelta(0), "on now"),
        (-timedelta(hours=1, minutes=59), "on now"),
        (-timedelta(hours=2), "over"),
    ],
)
def test_how_long_until_a_session(before_start, expected):
    assert time_until(START, END, START - before_start) == expected


@pytest.mark.parametrize(
    ("offset", "is_open"),
    [
        (-timedelta(minutes=15, seconds=1), False),
        (-timedelta(minutes=15), True),
        (timedelta(0), True),
        (timedelta(hours=2) - timedelta(seconds=1), True),
        (timedelta(hours=2), False),
    ],
)
def test_the_join_window_runs_from_15_minutes_before_the_start_to_the_end(offset, is_open):
    session = LiveSession(starts_at=START, time_zone="Europe/Madrid", duration_minutes=120)
    assert session.is_open_for_joining(START + offset) is is_open


def test_a_cancelled_session_never_opens():
    session = LiveSession(
        starts_at=START, time_zone="Europe/Madrid", duration_minutes=120, status="cancelled"
    )
    assert not session.is_open_for_joining(START)
