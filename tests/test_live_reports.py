"""Reading a meeting provider's participant report, with the mess real files have."""

import pytest

from app.live.reports import ReportError, decode, read_report

ZOOM_REPORT = (
    "\ufeffMeeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\r\n"
    "812 3456 7890,Caring Cities: Session 1,07/08/2027 08:55:12 AM,07/08/2027 11:02:40 AM,"
    "host@metropolis.example,128,5\r\n"
    "\r\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
    "Lea Kim, LEA@City.Example ,07/08/2027 08:58:01 AM,07/08/2027 09:40:10 AM,43,No\r\n"
    "Lea Kim,lea@city.example,07/08/2027 09:45:00 AM,07/08/2027 11:00:00 AM,75,No\r\n"
    "Omar Haddad,omar@amman.example,07/08/2027 09:00:00 AM,07/08/2027 09:20:00 AM,20,No\r\n"
    "Omar Haddad,omar@amman.example,07/08/2027 09:00:00 AM,07/08/2027 09:20:00 AM,20,No\r\n"
    "Görsev Argın,gorsev@istanbul.example,07/08/2027 09:01:00 AM,07/08/2027 11:00:00 AM,119,No\r\n"
    "+57 601 555 0100,,07/08/2027 09:05:00 AM,07/08/2027 10:00:00 AM,55,Yes\r\n"
    "Someone,someone@else.example,07/08/2027 09:05:00 AM,07/08/2027 10:00:00 AM,lots,No\r\n"
)


def by_email(report):
    return {participant.email: participant for participant in report.participants}


def test_rejoins_are_added_up_and_emails_read_without_case_or_spaces():
    report = read_report(decode(ZOOM_REPORT.encode("utf-8")))
    found = by_email(report)
    assert found["lea@city.example"].minutes == 43 + 75
    assert found["lea@city.example"].rows == 2
    assert found["gorsev@istanbul.example"].name == "Görsev Argın"
    # The meeting's summary block before the participants is not a participant.
    assert "host@metropolis.example" not in found


def test_a_repeated_identical_row_counts_once():
    report = read_report(ZOOM_REPORT)
    assert by_email(report)["omar@amman.example"].minutes == 20
    assert report.duplicates == 1


def test_rows_without_email_are_kept_by_name_and_bad_durations_are_reported():
    report = read_report(ZOOM_REPORT)
    assert by_email(report)[""].name == "+57 601 555 0100"
    assert report.problems == ["Line 11: the duration “lots” is not a number of minutes."]
    assert "someone@else.example" not in by_email(report)


def test_a_plain_report_with_only_the_needed_columns():
    report = read_report("User Email,Duration (Minutes)\nA@B.example,30\na@b.example,15\n")
    assert [(p.email, p.minutes) for p in report.participants] == [("a@b.example", 45)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("Name,Email,Minutes\nLea,lea@city.example,30\n", "no participants' header"),
        ("just some words", "no participants' header"),
    ],
)
def test_files_that_are_not_reports_are_refused(text, message):
    with pytest.raises(ReportError, match=message):
        read_report(text)


def test_a_file_that_is_not_utf8_is_refused_with_advice():
    with pytest.raises(ReportError, match="CSV UTF-8"):
        decode("User Email,Duration (Minutes)\nmüller@x.example,3\n".encode("utf-16"))
