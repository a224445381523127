"""Dates for people go through Babel in every language, English included (issue #21)."""

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.core.timezones import format_date, format_day, format_weekday

DAY = date(2027, 7, 8)  # a Thursday
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@pytest.mark.parametrize(
    ("language", "full", "long", "without_year"),
    [
        ("en", "Thursday 8 July 2027", "8 July 2027", "Thursday 8 July"),
        ("es", "jueves, 8 de julio de 2027", "8 de julio de 2027", "jueves, 8 de julio"),
        ("fr", "jeudi 8 juillet 2027", "8 juillet 2027", "jeudi 8 juillet"),
    ],
)
def test_each_language_writes_dates_in_its_own_words(language, full, long, without_year):
    assert format_date(DAY, language) == full
    assert format_day(DAY, language) == long
    assert format_weekday(DAY, language=language) == full
    assert format_weekday(DAY, year=False, language=language) == without_year


def test_english_dates_keep_the_day_month_year_order_on_every_day_of_two_years():
    # The strings strftime gave in the C locale, written out by hand, for 730 days.
    for offset in range(730):
        day = date(2027, 1, 1) + timedelta(days=offset)
        weekday, month = WEEKDAYS[day.weekday()], MONTHS[day.month - 1]
        assert format_day(day, "en") == f"{day.day} {month} {day.year}"
        assert format_date(day, "en") == f"{weekday} {day.day} {month} {day.year}"
        assert format_weekday(day, year=False, language="en") == f"{weekday} {day.day} {month}"


class ProcessLocaleDate(date):
    """A date whose strftime and format() answer what a process in another locale would."""

    def strftime(self, fmt):
        return "<strftime>"

    def __format__(self, spec):
        return "<strftime>" if spec else super().__format__(spec)


def test_english_dates_do_not_go_through_strftime():
    # strftime's names come from the process's locale (LC_TIME): a server started under
    # fr_FR would have written 'jeudi 8 juillet' in the English interface.
    day = ProcessLocaleDate(2027, 7, 8)
    assert format_date(day, "en") == "Thursday 8 July 2027"
    assert format_day(day, "en") == "8 July 2027"
    assert format_weekday(day, year=False, language="en") == "Thursday 8 July"


def test_english_dates_are_the_same_in_a_process_whose_locale_is_french(tmp_path):
    # Debian's `locales` (in the machine's image) compiles fr_FR into a folder of the test's own.
    subprocess.run(
        ["localedef", "-i", "fr_FR", "-f", "UTF-8", str(tmp_path / "fr_FR.UTF-8")],
        check=True,
        capture_output=True,
    )
    code = (
        "import locale\n"
        "from datetime import date\n"
        "from app.core.timezones import format_date, format_day, format_weekday\n"
        "locale.setlocale(locale.LC_ALL, '')\n"
        "day = date(2027, 7, 8)\n"
        "print(f'{day:%A %B}')\n"  # what the process's own locale says
        "print(format_date(day, 'en'), format_day(day, 'en'), sep='|')\n"
        "print(format_weekday(day, year=False, language='en'))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "LOCPATH": str(tmp_path),
        "LC_ALL": "fr_FR.UTF-8",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    lines = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines[0] == "jeudi juillet"  # the locale did take effect in that process
    assert lines[1:] == ["Thursday 8 July 2027|8 July 2027", "Thursday 8 July"]
