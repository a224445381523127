"""Names cannot impersonate: the short-text rule, the forms that use it, and <bdi> on pages."""

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.models import EnrolmentMode
from app.core.text import UnsafeText, clean_short_text
from app.core.types import utcnow
from app.extensions import db
from app.learning.operations import submit_application
from tests.conftest import Browser
from tests.test_accounts import REGISTRATION
from tests.test_applications import MOTIVATION
from tests.test_pages import visible_text

REAL_NAMES = [
    "Görsev Argın",
    "İsmail Çağlayan",  # Turkish dotted capital I
    "محمد عبد الله الأحمد",  # Arabic, letters joined by the font alone
    "نیک‌نام فرهادی",  # Persian: the ZWNJ keeps نیک and نام apart inside one word
    "لکشمی‌پور",
    "김민준",
    "लक्‍ष्मी शर्मा",  # Devanagari: a ZWJ after the virama picks the half form
    "Seán O'Brien",
    "D’Angelo Ruiz-Tagle",
    "Jean-Luc Ångström",
    "葛\U000e0100飾 花子",  # Japanese: an ideographic variation selector picks the kanji's form
    "Nguyễn Thị Minh Khai",
    "Ана Петровна",
]

ATTACKS = [
    ("Ana\nPérez", "U+000A"),
    ("Ana\r\nPérez", "U+000D"),
    ("Ana\tPérez", "U+0009"),
    ("Ana\u2028Pérez", "U+2028 LINE SEPARATOR"),
    ("Ana\u202ezepéR", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("Ana\u202aPérez", "U+202A LEFT-TO-RIGHT EMBEDDING"),
    ("\u2066Ana\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("Ana\u200f", "U+200F RIGHT-TO-LEFT MARK"),
    ("Ana\u200ePérez", "U+200E LEFT-TO-RIGHT MARK"),
    ("أحمد\u061c", "U+061C ARABIC LETTER MARK"),
    ("Ana\u200bPérez", "U+200B ZERO WIDTH SPACE"),
    ("ad\u200cmin", "U+200C ZERO WIDTH NON-JOINER"),  # between Latin letters it changes nothing
    ("ad\u200dmin", "U+200D ZERO WIDTH JOINER"),
    ("\u200cنام", "U+200C ZERO WIDTH NON-JOINER"),  # not between two letters
    ("Ana\u2060Pérez", "U+2060 WORD JOINER"),
    ("Ana\u2063", "U+2063 INVISIBLE SEPARATOR"),
    ("\ufeffAna", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("An\u00ada", "U+00AD SOFT HYPHEN"),
    ("Ana\u180e", "U+180E MONGOLIAN VOWEL SEPARATOR"),
    ("Ana\ufe0f", "U+FE0F VARIATION SELECTOR-16"),
    ("Ana\u034fPérez", "U+034F COMBINING GRAPHEME JOINER"),
    ("\u3164", "U+3164 HANGUL FILLER"),
    ("Ana\x00", "U+0000"),
    ("Ana\x85", "U+0085"),
    ("Ana\U000f0000", "U+F0000"),  # private use
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_in_every_script_are_accepted_as_typed(name):
    assert clean_short_text(name) == name


@pytest.mark.parametrize(("text", "character"), ATTACKS)
def test_controls_and_invisible_characters_are_refused_by_name(text, character):
    with pytest.raises(UnsafeText) as refused:
        clean_short_text(text)
    assert refused.value.description.startswith(character)


def test_text_is_composed_trimmed_and_single_spaced():
    assert clean_short_text("  Pe\u0301rez   Gómez ") == "Pérez Gómez"


def test_paragraphs_keep_their_line_breaks_but_not_overrides():
    assert clean_short_text(" First line.\nSecond.\n", multiline=True) == "First line.\nSecond."
    with pytest.raises(UnsafeText):
        clean_short_text("Name misspelt\u202e", multiline=True)


PROFILE = {
    "name": "Ana María Pérez",
    "organisation": "Alcaldía de Bogotá",
    "position": "Secretary for Women",
    "city": "Bogotá",
    "country": "CO",
    "preferred_language": "en",
    "time_zone": "America/Bogota",
}


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("name", "Ana\u202eadmin", "remove U+202E RIGHT-TO-LEFT OVERRIDE."),
        ("name", "Ana\nPérez (admin)", "This field cannot contain line breaks"),
        ("organisation", "Alcaldía\u200b de Bogotá", "remove U+200B ZERO WIDTH SPACE."),
        ("city", "Bogotá\u2066", "remove U+2066 LEFT-TO-RIGHT ISOLATE."),
        ("position", "Head\u00adof care", "remove U+00AD SOFT HYPHEN."),
    ],
)
def test_profile_refuses_unsafe_text_and_stores_nothing(browser, make_user, field, typed, message):
    user = make_user(email="ana@city.example", name="Ana Pérez")
    browser.login("ana@city.example")
    response = browser.post_form("/account", {**PROFILE, field: typed})
    assert response.status_code == 400
    assert message in visible_text(response.text)
    db.session.refresh(user)
    assert (user.name, user.organisation, user.city) == ("Ana Pérez", "City of Bogotá", "Bogotá")


def test_profile_stores_names_composed(browser, make_user):
    user = make_user(email="ana@city.example")
    browser.login("ana@city.example")
    response = browser.post_form("/account", {**PROFILE, "name": " نیک‌نام  فرهادی "})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.name == "نیک‌نام فرهادی"


def test_registration_refuses_an_override_in_the_name(client):
    response = Browser(client).post_form(
        "/register", {**REGISTRATION, "name": "Görsev\u202e Argın"}
    )
    assert response.status_code == 400
    assert "remove U+202E RIGHT-TO-LEFT OVERRIDE." in visible_text(response.text)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


ARABIC_ADMIN = "محمد الأحمد (admin)"
ISOLATED = f'<bdi dir="auto">{ARABIC_ADMIN}</bdi>'


def test_admin_pages_isolate_user_written_names(
    admin_browser, make_user, make_cohort, imported_example
):
    cohort = make_cohort(imported_example, mode=EnrolmentMode.APPROVAL)
    learner = make_user(
        email="m@city.example", name=ARABIC_ADMIN, organisation="أمانة عمّان", city="عمّان"
    )
    application = submit_application(
        learner, cohort, motivation=MOTIVATION, confirms_public_official=True, now=utcnow()
    )
    db.session.commit()
    pages = {
        "/admin/users": [ISOLATED, '<bdi dir="auto">أمانة عمّان</bdi>'],
        f"/admin/users/{learner.id}": [ISOLATED, '<bdi dir="auto">m@city.example</bdi>'],
        "/admin/applications": [ISOLATED, '<bdi dir="auto">عمّان</bdi>'],
        f"/admin/applications/{application.id}": [ISOLATED],
        "/admin/audit": [ISOLATED],
    }
    for url, expected in pages.items():
        page = admin_browser.client.get(url).text
        for fragment in expected:
            assert fragment in page, url


def test_a_name_stored_before_the_rule_renders_isolated(admin_browser, make_user):
    # Rows written before the rule may hold an override: the <bdi> keeps it inside the name.
    spoof = make_user(email="old@city.example", name="Ana\u202e(nimda)")
    page = admin_browser.client.get("/admin/users").text
    assert '<bdi dir="auto">Ana\u202e(nimda)</bdi>' in page
    assert admin_browser.client.get(f"/admin/users/{spoof.id}").status_code == 200
