"""No input gives a 500: NUL characters, ids beyond the database's range, endless digits.

The walker requests every route of the app as every role, with hostile values in each path
part, in the query parameters the views read and in form fields; the other tests pin down
what a person sees for the cases the issue named.
"""

import io
import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.inputs import MAX_INTEGER, parse_integer
from app.core.search import contains_text
from app.extensions import db
from tests.conftest import PASSWORD
from tests.test_access_matrix import ROLES, world  # noqa: F401 (the matrix's accounts and values)
from tests.test_pages import visible_text

pytestmark = pytest.mark.slow  # every route, with every kind of hostile input

NUL_REFUSED = "contains a character that cannot be used (a NUL character)"
HUGE = "9" * 5000
# Path parts: beyond PostgreSQL's integer, beyond SQLite's, a NUL, a long string, LIKE signs.
PATH_VALUES = ["2147483648", "9" * 25, "a%00b", "x" * 500 + "_%25%5C"]
# Every query parameter a view reads (and a few it might), and what is sent in them.
PARAMETERS = [
    "page", "cohort", "course", "to", "from", "q", "search", "status", "actor", "action",
    "object_type", "object_id", "since", "until", "sort", "order", "show", "country",
    "completed", "role", "serial", "text", "options", "next", "language",
]  # fmt: skip
QUERY_VALUES = ["\x00", HUGE, "2147483648", "-1²_%\\"]
# Form fields: the parameters above and the fields of the site's forms.
FIELDS = [
    *PARAMETERS, "email", "password", "confirm", "name", "version", "base_revision",
    "application_id", "user_id", "reason", "motivation", "title", "body", "minutes",
    "starts_at", "time_zone", "duration_minutes", "certificate_name", "organisation",
]  # fmt: skip

# The test database has no migration history, so /readyz says 503 to everyone (by design).
READINESS_ANSWER = ("/readyz", 503)


@pytest.fixture
def app_config():
    # Every POST reaches its view (CSRF is tested in test_access_matrix.py), and the walk logs
    # in more often than the per-address limit allows.
    return {"WTF_CSRF_ENABLED": False, "LOGIN_ATTEMPTS_PER_ADDRESS": "100000 per 15 minutes"}


def _log_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _paths(rule: str, values: dict) -> list[str]:
    """The rule with its valid values, then with each part in turn replaced by hostile ones."""
    parts = re.findall(r"<([^>]+)>", rule)

    def build(chosen: dict) -> str:
        path = rule
        for part in parts:
            path = path.replace(f"<{part}>", str(chosen[part]))
        return path

    paths = [build(values)]
    for part in parts:
        paths += [build({**values, part: hostile}) for hostile in PATH_VALUES]
    return paths


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_to_hostile_input(app, world, role):  # noqa: F811
    """Every route, as this role: hostile path parts, query parameters and form fields."""
    email = None if role == "anonymous" else world["accounts"][role].email
    client = _log_in(app, email) if email else app.test_client()
    failures = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, rule.rule) == ("POST", "/logout"):
                continue  # the walk goes on as this role
            valid, *hostile = _paths(rule.rule, world["values"])
            requests = [(path, {}, None) for path in hostile]
            for value in QUERY_VALUES:
                arguments = dict.fromkeys(PARAMETERS, value)
                if method == "GET":
                    requests.append((valid, arguments, None))
                else:
                    form = dict.fromkeys(FIELDS, value)
                    if value == "\x00":
                        form["image"] = (io.BytesIO(b"GIF89a"), "a\x00.gif")
                    requests.append((valid, {}, form))
            for path, arguments, form in requests:
                response = client.open(path, method=method, query_string=arguments, data=form)
                status = response.status_code
                if status >= 500 and (rule.rule, status) != READINESS_ANSWER:
                    sent = (arguments or form or {}).get("page", "")[:12]
                    failures.append(f"{method} {path[:80]} page={sent!r}: {status}")
    assert failures == []


# What a person sees ------------------------------------------------------------------------


def test_a_nul_character_is_refused_with_a_sentence_before_the_database(app, client, make_user):
    make_user(email="a@b.c")
    cases = [
        client.post("/login", data={"email": "a@b.c\x00", "password": PASSWORD}),
        client.get("/courses/%00"),
        client.get("/courses/example/media/a%00"),
        client.get("/verify", query_string={"serial": "A\x00"}),
        client.post(
            "/register",
            data={"email": "x@city.example", "photo": (io.BytesIO(b"x"), "me\x00.png")},
        ),
    ]
    for response in cases:
        assert response.status_code == 400
        assert NUL_REFUSED in visible_text(response.get_data(as_text=True))


def test_ids_beyond_the_database_s_range_are_not_found(app, world):  # noqa: F811
    admin = _log_in(app, world["accounts"]["admin"].email)
    for path in (
        "/admin/users/2147483648",
        "/admin/applications/99999999999",
        "/admin/certificates/99999999999999999999999",
    ):
        response = admin.get(path)
        assert response.status_code == 404, path
        assert "There is no page at this address" in visible_text(response.get_data(as_text=True))
    assert app.test_client().get("/live/2147483648.ics").status_code == 404
    assert admin.get(f"/admin/users/{MAX_INTEGER}").status_code == 404  # the largest id: a miss


def test_integer_parameters_beyond_range_are_ignored(app, world):  # noqa: F811
    admin = _log_in(app, world["accounts"]["admin"].email)
    applicant = world["applicant"].name
    for query in ({"cohort": "9" * 23}, {"page": HUGE}, {"cohort": "²"}):
        response = admin.get("/admin/applications", query_string=query)
        assert response.status_code == 200, query
        assert applicant in visible_text(response.get_data(as_text=True))
    lesson = world["lesson"]
    history = f"/author/{world['values']['slug']}/lessons/{lesson.slug}/history"
    for query in ({"to": "9" * 30}, {"from": "-3"}, {"page": HUGE}):
        assert admin.get(history, query_string=query).status_code == 200, query
    missing = admin.get(history, query_string={"to": str(MAX_INTEGER)}, follow_redirects=True)
    assert "There is no such revision" in visible_text(missing.get_data(as_text=True))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("0", 0),
        (str(MAX_INTEGER), MAX_INTEGER),
        (str(MAX_INTEGER + 1), None),
        ("9" * 5000, None),
        ("-1", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits
        (" 12", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_integer_takes_plain_whole_numbers_in_range(value, expected):
    assert parse_integer(value) == expected


def test_parse_integer_gives_the_default_for_anything_else():
    assert parse_integer("x", 7) == 7
    assert parse_integer("100", 1, maximum=99) == 1


# Searching people -------------------------------------------------------------------------


def test_searching_underscore_or_percent_matches_them_literally(app, make_user):
    make_user(email="ana_maria@city.example", name="Ana María")
    make_user(email="luis@city.example", name="Luis 100% Ortiz")
    make_user(email="kim@city.example", name="Kim")

    def found(text: str) -> list[str]:
        query = select(User.email).where(contains_text(text, User.email, User.name))
        return sorted(db.session.scalars(query))

    assert found("_") == ["ana_maria@city.example"]
    assert found("%") == ["luis@city.example"]
    assert found("\\") == []
    assert found("ANA") == ["ana_maria@city.example"]  # case does not matter


def test_the_admin_user_search_for_underscore_lists_only_those_with_one(app, world):  # noqa: F811
    admin = _log_in(app, world["accounts"]["admin"].email)
    response = admin.get("/admin/users", query_string={"q": "_"})
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "applicant@city.example" not in text and "teacher@city.example" not in text
    everyone = visible_text(admin.get("/admin/users").get_data(as_text=True))
    assert "applicant@city.example" in everyone


def test_the_audit_actor_filter_takes_underscore_literally(app, world):  # noqa: F811
    admin = _log_in(app, world["accounts"]["admin"].email)
    events = visible_text(admin.get("/admin/audit").get_data(as_text=True))
    filtered = visible_text(
        admin.get("/admin/audit", query_string={"actor": "_"}).get_data(as_text=True)
    )
    assert "admin@city.example" in events
    assert "admin@city.example" not in filtered
