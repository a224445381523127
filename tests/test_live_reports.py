"""Reading a meeting provider's participant report, with the mess real files have."""

from pathlib import Path

import pytest

from app.live.reports import ReportError, decode, parse_time, read_report

REPORTS = Path(__file__).parent / "data" / "participant_reports"

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


# Each export Zoom writes, as a file (tests/data/participant_reports/): who counts, with minutes.


def counted(name: str) -> dict[str, int]:
    report = read_report(decode((REPORTS / name).read_bytes()))
    assert report.problems == []
    return {(p.email or p.name): p.minutes for p in report.participants}


def test_the_classic_english_report_leaves_out_the_waiting_room():
    report = read_report(decode((REPORTS / "classic_en.csv").read_bytes()))
    assert counted("classic_en.csv") == {
        "host@metropolis.example": 102,
        "lea@city.example": 42 + 47,  # her 5 minutes in the waiting room do not count
        "omar@amman.example": 89,  # his repeated row counts once
        "+57 601 555 0100": 50,
    }  # Nadia was only ever in the waiting room
    assert (report.waiting_room, report.duplicates) == (2, 1)
    assert report.first_join.isoformat() == "2027-03-31T18:22:10"


def test_the_web_export_with_iso_times():
    assert counted("web_export.csv") == {
        "host@metropolis.example": 102,
        "gorsev@istanbul.example": 90,
        "ana@bogota.example": 30,
        "Guest from Lahore": 70,
    }


def test_the_spanish_interface_s_report():
    report = read_report(decode((REPORTS / "spanish_interface.csv").read_bytes()))
    assert counted("spanish_interface.csv") == {
        "ana@bogota.example": 46 + 40,
        "omar@amman.example": 86,
    }  # Martín only waited ("Sí")
    assert report.first_join.isoformat() == "2027-03-31T18:30:00"


def test_the_classic_report_saved_again_by_a_spanish_excel():
    assert counted("excel_es_semicolons.csv") == {
        "lea@city.example": 41 + 46,  # "41,5" and "46,0": decimal commas
        "martin@buenosaires.example": 85,
    }


def test_the_french_interface_s_report_saved_again_by_a_french_excel_in_windows_1252():
    assert b"\xe9" in (REPORTS / "excel_fr_cp1252.csv").read_bytes()  # not UTF-8
    assert counted("excel_fr_cp1252.csv") == {
        "aissatou@dakar.example": 90,
        "helene@lyon.example": 49,  # her 7 minutes "Oui" in the waiting room do not count
    }
    names = {
        p.email: p.name
        for p in read_report(decode((REPORTS / "excel_fr_cp1252.csv").read_bytes())).participants
    }
    assert names["helene@lyon.example"] == "Hélène Martin"


def test_the_unique_users_export():
    assert counted("unique_users.csv") == {
        "host@metropolis.example": 102,
        "lea@city.example": 88,
        "omar@amman.example": 89,
        "+90 212 555 0100": 61,
    }


def test_the_webinar_attendee_report_reads_every_section_and_skips_absent_registrants():
    assert counted("webinar_attendees.csv") == {
        "host@metropolis.example": 102,
        "ana@bogota.example": 95,  # a panelist: she presented her city's work
        "lea@city.example": 75 + 13,
        "omar@amman.example": 88,
    }  # Nadia registered ("Attended: No", "--") but never came


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("03/31/2027 06:29:00 PM", "2027-03-31T18:29:00"),
        ("04/01/2027 12:05:09 AM", "2027-04-01T00:05:09"),
        ("31/03/2027 18:29:00", "2027-03-31T18:29:00"),
        ("01/04/2027 9:05", "2027-04-01T09:05:00"),
        ("2027-03-31 18:29:00", "2027-03-31T18:29:00"),
        ("2027-03-31T18:29:00-05:00", "2027-03-31T18:29:00"),
        ("--", None),
        ("13/13/2027 10:00", None),
    ],
)
def test_the_times_of_every_export_are_read(text, moment):
    found = parse_time(text)
    assert (found.isoformat() if found else None) == moment


@pytest.mark.parametrize("answer", ["Yes", "yes", "Sí", "si", "Oui"])
def test_the_waiting_room_in_every_language(answer):
    text = (
        f"User Email,Duration (Minutes),In Waiting Room\n"
        f"a@b.example,30,{answer}\nc@d.example,20,No\n"
    )
    report = read_report(text)
    assert [(p.email, p.minutes) for p in report.participants] == [("c@d.example", 20)]
    assert report.waiting_room == 1


def test_a_tab_separated_report_is_read():
    report = read_report("User Email\tDuration (Minutes)\na@b.example\t30\n")
    assert [(p.email, p.minutes) for p in report.participants] == [("a@b.example", 30)]
