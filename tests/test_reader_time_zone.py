"""One time zone per reader (issue 25): every time a logged-in person reads is on their own
clock, with the event's own beside it where the clocks differ; zones are named by Babel in the
reader's language; certificate dates say which zone they are on, and the dashboard agrees; the
zone picker is localised, grouped by region, and guesses a zone without JavaScript."""

import re
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.i18n import writing_in
from app.core.permissions import Role
from app.core.places import guess_zone, time_zone_choices
from app.core.timezones import format_when, zone_label, zone_short
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.operations import enrol
from tests.factories import enrolled_learner, make_user
from tests.learning_helpers import quiz_url, take_quiz
from tests.test_pages import visible_text

# The clock of every test here: Monday 15 February 2027, 12:00 UTC (21:00 in Seoul, 13:00 in
# Madrid, 07:00 in Bogotá), before the example course's Spring 2027 cohort closes its
# applications (Monday 1 March 2027, 23:59 in Madrid) and holds its sessions (from 15 March).
NOW = datetime(2027, 2, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def main_text(response) -> str:
    html = response.get_data(as_text=True)
    return visible_text(re.search(r"<main.*?</main>", html, re.S).group(0))


# What the reader reads ---------------------------------------------------------------------


def test_a_seoul_learner_reads_a_madrid_cohort_on_her_clock_with_madrid_beside(
    course, spring, lea, lea_browser
):
    text = main_text(lea_browser.client.get(f"/courses/{course.slug}"))
    # The sessions: Seoul's clock, Madrid's beside (CET, an hour before summer time).
    assert "Monday 15 March 2027, 17:00–19:00 GMT+9 (09:00–11:00 GMT+1 in Madrid)" in text
    # The deadline (23:59 in Madrid is the next morning in Seoul): both days named.
    assert "Open until Tuesday 2 March 2027, 07:59 GMT+9 (Monday 1 March, 23:59 in Madrid)" in text
    # No raw zone and no other clock without its zone.
    assert "Europe/Madrid" not in text and "Asia/Seoul" not in text
    assert "23:59 CET" not in text and "09:00–11:00 CET" not in text


def test_a_visitor_reads_the_cohort_s_own_clock_and_its_place(course, spring, client):
    text = main_text(client.get(f"/courses/{course.slug}"))
    assert "Monday 15 March 2027, 09:00–11:00 GMT+1 (Madrid time)" in text
    assert "Open until Monday 1 March 2027, 23:59 GMT+1 (Madrid time)" in text
    assert "Europe/Madrid" not in text


def test_in_spanish_the_zone_has_its_spanish_names(course, spring, lea, lea_browser):
    lea.preferred_language = "es"
    db.session.commit()
    text = main_text(lea_browser.client.get(f"/courses/{course.slug}"))
    assert "lunes, 15 de marzo de 2027, 17:00–19:00 GMT+9" in text
    # Spanish has a well-known abbreviation for Central European Time; English has none.
    assert "09:00–11:00 CET" in text
    assert "Europe/Madrid" not in text


def test_the_schedule_names_the_reader_s_zone_in_her_language(course, spring, lea, lea_browser):
    text = main_text(
        lea_browser.client.get(f"/courses/{course.slug}/cohorts/{spring.slug}/schedule")
    )
    assert "Times are shown in your time zone, Seoul (Korean Time)" in text
    lea.preferred_language = "ko"
    db.session.commit()
    text = main_text(
        lea_browser.client.get(f"/courses/{course.slug}/cohorts/{spring.slug}/schedule")
    )
    assert "서울 (한국 시간)" in text and "Asia/Seoul" not in text


def test_format_when_in_each_case(app):
    madrid_morning = datetime(2027, 7, 8, 7, 0, tzinfo=UTC)  # 09:00 CEST
    madrid_evening = datetime(2027, 7, 8, 16, 0, tzinfo=UTC)  # 18:00 CEST
    with writing_in("en"):
        assert format_when(madrid_morning, "Europe/Madrid", "Asia/Seoul") == (
            "Thursday 8 July 2027, 16:00 GMT+9 (09:00 in Madrid)"
        )
        assert format_when(madrid_evening, "Europe/Madrid", "Asia/Seoul") == (
            "Friday 9 July 2027, 01:00 GMT+9 (Thursday 8 July, 18:00 in Madrid)"
        )
        # A visitor reads the event's clock; the same clock (Paris) is shown once.
        assert format_when(madrid_morning, "Europe/Madrid", None) == (
            "Thursday 8 July 2027, 09:00 GMT+2 (Madrid time)"
        )
        assert format_when(madrid_morning, "Europe/Madrid", "Europe/Paris") == (
            "Thursday 8 July 2027, 09:00 GMT+2"
        )
        assert format_when(madrid_morning, None, "America/Bogota") == (
            "Thursday 8 July 2027, 02:00 GMT-5"
        )
    with writing_in("ko"):
        assert format_when(madrid_morning, None, "Asia/Seoul").startswith("2027년 7월 8일 목요일")
    # Abbreviations only where Babel knows a common one for the language; else the offset.
    assert zone_short(madrid_morning, "Europe/Madrid", "es") == "CEST"
    assert zone_short(madrid_morning, "America/New_York", "en") == "EDT"
    assert zone_short(madrid_morning, "Asia/Kolkata", "en") == "GMT+5:30"
    assert zone_short(madrid_morning, "America/Bogota", "fr") == "UTC-5"
    assert zone_short(madrid_morning, "UTC", "en") == "UTC"
    assert zone_label("America/Bogota", "es") == "Bogotá (hora de Colombia)"
    assert zone_label("UTC", "en") == "UTC (Coordinated Universal Time)"


# Audit rows and attempts, on the reader's clock ---------------------------------------------


def test_audit_rows_are_on_the_admin_s_clock(app, logged_in, cohort):
    admin = make_user(Role.ADMIN, email="yuna@seoul.example", name="Yuna", time_zone="Asia/Seoul")
    learner = make_user(email="ana@bogota.example", name="Ana")
    enrol(learner, cohort)  # writes an audit event now: 12:00 UTC
    db.session.commit()
    assert db.session.scalar(select(AuditEvent.occurred_at).limit(1)) == NOW
    text = main_text(logged_in(admin).client.get("/admin/audit"))
    assert "newest first (times in Seoul)" in text
    assert "Monday 15 February 2027, 21:00" in text
    assert "12:00" not in text


def test_quiz_attempts_are_on_the_learner_s_clock(course, quiz_module, quiz, lea, lea_browser):
    assert take_quiz(lea_browser, course, quiz_module).status_code == 302
    text = main_text(lea_browser.client.get(quiz_url(course, quiz_module)))
    assert "Monday 15 February 2027, 21:00" in text  # 12:00 UTC in Seoul


# Completion dates: the dashboard and the certificate agree, and say on which clock ----------


def pdf_text(data: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def test_the_dashboard_s_completion_date_is_the_certificate_s(app, clock, cohort, admin, logged_in):
    # Ana, in Bogotá, completes at 23:30 on Sunday 21 March: already Monday 22 in Madrid,
    # the cohort's clock, which every date of a certificate is on.
    ana = enrolled_learner(cohort, email="ana@bogota.example", name="Ana María Pérez")
    ana.certificate_name = ana.name
    ana.certificate_name_confirmed_at = NOW
    enrollment = db.session.scalars(select(Enrollment).where(Enrollment.user_id == ana.id)).one()
    completed = datetime(2027, 3, 21, 23, 30, tzinfo=ZoneInfo("America/Bogota"))
    enrollment.completed_at = completed
    clock.move_to(completed + timedelta(hours=1))
    from app.certificates.operations import issue_certificate

    certificate = issue_certificate(enrollment, actor=admin, now=completed + timedelta(hours=1))
    db.session.commit()
    assert str(certificate.completed_on) == "2027-03-22"

    browser = logged_in(ana)
    dashboard = main_text(browser.client.get("/dashboard"))
    assert "Completed on 22 March 2027 (Madrid time)." in dashboard
    # Issued at 00:30 in Bogotá on 22 March, 05:30 in Madrid: the same day either way.
    assert "Issued on 22 March 2027 (Madrid time)" in dashboard

    response = browser.client.get(f"/certificates/{certificate.display_serial}.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Completed on 22 March 2027 (Madrid time)" in text
    assert "Issued on 22 March 2027 (Madrid time)" in text

    # The public page states the same dates on the same clock, to anyone.
    public = main_text(app.test_client().get(f"/verify/{certificate.display_serial}"))
    assert "Completed on 22 March 2027 (Madrid time)" in public


def test_a_certificate_of_a_utc_cohort_says_utc(app, course, make_cohort, admin, logged_in):
    cohort = make_cohort(course, "online", title="Online")
    cohort.time_zone = "UTC"
    ana = enrolled_learner(cohort, email="ana@bogota.example", name="Ana")
    ana.certificate_name, ana.certificate_name_confirmed_at = ana.name, NOW
    enrollment = db.session.scalars(select(Enrollment).where(Enrollment.user_id == ana.id)).one()
    enrollment.completed_at = NOW - timedelta(hours=13)  # 23:00 UTC on Sunday 14 February
    from app.certificates.operations import issue_certificate

    certificate = issue_certificate(enrollment, actor=admin, now=NOW)
    db.session.commit()
    browser = logged_in(ana)
    text = pdf_text(browser.client.get(f"/certificates/{certificate.display_serial}.pdf").data)
    assert "Completed on 14 February 2027 (UTC)" in text
    assert "Issued on 15 February 2027 (UTC)" in text
    # Ana's own clock (Bogotá) says 14 February too, but the dashboard names the clock.
    assert "Completed on 14 February 2027 (UTC)." in main_text(browser.client.get("/dashboard"))


# The zone picker ---------------------------------------------------------------------------


def zone_select(html: str) -> str:
    return re.search(r'<select[^>]*name="time_zone".*?</select>', html, re.S).group(0)


def selected_zone(html: str) -> str:
    return re.search(r'<option[^>]*selected[^>]*value="([^"]+)"', zone_select(html)).group(1)


def test_the_picker_speaks_spanish_grouped_by_region_and_sorted(client):
    html = client.get("/register", headers={"Accept-Language": "es"}).get_data(as_text=True)
    select_html = zone_select(html)
    groups = re.findall(r'<optgroup label="([^"]+)"', select_html)
    assert groups[:3] == ["África", "América", "Asia"] and "Europa" in groups
    assert groups[-1] == "UTC" and len(groups) == 9
    assert '<option value="Asia/Seoul">Seúl (hora de Corea)</option>' in select_html
    assert '<option value="Europe/Madrid">Madrid (hora de Europa central)</option>' in select_html
    assert ">Ciudad de México (hora central)<" in select_html
    # Sorted the Spanish way inside a group: accents do not send a city to the end.
    america = re.search(r'<optgroup label="América">(.*?)</optgroup>', select_html).group(1)
    cities = re.findall(r">([^<(]+) \(", america)
    assert cities.index("Bogotá") < cities.index("Buenos Aires") < cities.index("Ciudad de México")
    # Never a raw IANA name or an English city as a label.
    assert ">Asia/Seoul<" not in select_html and ">Mexico City (" not in select_html


def test_the_picker_speaks_korean(client):
    html = client.get("/register", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    select_html = zone_select(html)
    assert '<optgroup label="UTC">' in select_html
    assert '<option selected value="Asia/Seoul">서울 (한국 시간)</option>' in select_html
    assert ">보고타 (콜롬비아 시간)<" in select_html
    choices = dict(time_zone_choices("ko"))
    labels = [label for _zone, label, _aliases in choices["Asia"]]
    assert labels == sorted(labels)  # Hangul in dictionary order


@pytest.mark.parametrize(
    ("accept_language", "zone"),
    [
        ("es-CO,es;q=0.9,en;q=0.8", "America/Bogota"),  # a country: Babel's territory zones
        ("es-MX", "America/Mexico_City"),
        ("pt-BR", "America/Sao_Paulo"),
        ("fr-SN", "Africa/Dakar"),
        ("es", "America/Bogota"),  # a language alone
        ("es-419", "America/Bogota"),  # Latin America is no country
        ("fr", "Europe/Paris"),
        ("ko", "Asia/Seoul"),
        ("ar", "Asia/Amman"),
        ("en", "Europe/London"),
    ],
)
def test_without_javascript_the_picker_starts_at_a_guess_from_the_browser(
    client, accept_language, zone
):
    html = client.get("/register", headers={"Accept-Language": accept_language}).get_data(
        as_text=True
    )
    assert selected_zone(html) == zone


def test_the_guess_is_never_utc():
    assert guess_zone([], "en") == "Europe/London"
    assert guess_zone([], None) == "Europe/London"
    assert guess_zone(["*"], "es") == "America/Bogota"
    assert guess_zone(["tr"], "en") == "Europe/Istanbul"  # Babel's likely country for Turkish
    assert guess_zone(["de-AT"], "en") == "Europe/Vienna"


def test_the_browser_script_is_a_file_and_knows_old_zone_names(client):
    html = client.get("/register").get_data(as_text=True)
    # CSP: no inline script; the file preselects the browser's zone by its name or old name.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "data-browser-zone" in zone_select(html)
    assert 'data-aliases="Asia/Calcutta" value="Asia/Kolkata"' in zone_select(html)


def test_a_profile_saved_under_an_old_zone_name_shows_its_current_one(app, logged_in):
    user = make_user(email="ravi@city.example", time_zone="Asia/Calcutta")
    html = logged_in(user).client.get("/account").get_data(as_text=True)
    assert selected_zone(html) == "Asia/Kolkata"
