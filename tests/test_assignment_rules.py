"""The rules of peer review without a database: who reviews whom, on cohorts of every size,
with no-shows and late plans, and how a plan's grade is reached."""

from collections import Counter
from itertools import pairwise

import pytest

from app.assignments.rules import (
    Author,
    Candidate,
    Needing,
    allocate,
    grade_of,
    pick_reviewers,
    plans_to_review,
    points_for,
    reviews_each,
    spread_order,
    word_count,
)
from tests.factories import PLAN_RUBRIC

COUNTRIES = ["CO", "KR", "JO", "TR", "PK", "SN", "MX"]


def authors(count: int, countries=COUNTRIES) -> list[Author]:
    return [
        Author(submission_id=1000 + n, user_id=n, country=countries[n % len(countries)],
               city=f"City {n % 11}")
        for n in range(count)
    ]  # fmt: skip


@pytest.mark.parametrize("count", [2, 3, 4, 50, 2000])
def test_every_plan_gets_its_reviews_and_nobody_reviews_their_own(count):
    cohort = authors(count)
    pairs = allocate(cohort, per_submission=3, per_learner=3)
    wanted = min(3, count - 1)
    owner = {a.submission_id: a.user_id for a in cohort}
    received = Counter(submission for submission, _ in pairs)
    given = Counter(reviewer for _, reviewer in pairs)
    assert all(owner[submission] != reviewer for submission, reviewer in pairs)
    assert len(set(pairs)) == len(pairs)  # nobody reviews one plan twice
    assert received == dict.fromkeys(owner, wanted)
    assert given == dict.fromkeys(owner.values(), wanted)


def test_a_cohort_of_one_has_no_review_to_give():
    assert allocate(authors(1), 3, 3) == []
    assert allocate([], 3, 3) == []


def test_the_larger_of_the_two_numbers_is_met_for_both():
    pairs = allocate(authors(10), per_submission=2, per_learner=4)
    assert set(Counter(s for s, _ in pairs).values()) == {4}
    assert set(Counter(r for _, r in pairs).values()) == {4}
    assert reviews_each(2, 4, 3) == 2  # never more than the other authors


def test_reviewers_come_from_other_countries_where_the_cohort_allows():
    four = [Author(1, 1, "CO"), Author(2, 2, "KR"), Author(3, 3, "JO"), Author(4, 4, "SN")]
    country = {a.user_id: a.country for a in four}
    by_submission = {a.submission_id: a.country for a in four}
    pairs = allocate(four, 3, 3)
    assert all(country[r] != by_submission[s] for s, r in pairs)
    # 50 officials, 10 from each of 5 countries: no plan is reviewed from its own country.
    fifty = authors(50, COUNTRIES[:5])
    country = {a.user_id: a.country for a in fifty}
    by_submission = {a.submission_id: a.country for a in fifty}
    assert all(country[r] != by_submission[s] for s, r in allocate(fifty, 3, 3))


def test_the_order_spreads_a_large_country_between_the_others():
    cohort = [Author(n, n, "CO") for n in range(6)] + [
        Author(10 + n, 10 + n, "KR") for n in range(3)
    ]
    order = [a.country for a in spread_order(cohort)]
    assert order[:6] == ["CO", "KR", "CO", "KR", "CO", "KR"]
    # Within one country, cities alternate too.
    same = [Author(n, n, "TR", "Istanbul" if n < 3 else "Ankara") for n in range(6)]
    cities = [a.city for a in spread_order(same)]
    assert all(a != b for a, b in pairwise(cities))


def test_a_replacement_is_someone_who_shows_up_from_another_country():
    author = Author(1, 1, "CO")
    candidates = [
        Candidate(1, "KR", has_finished=True, load=0),  # the author: never
        Candidate(2, "KR", has_finished=False, load=0),  # has not written theirs
        Candidate(3, "CO", has_finished=True, load=1),  # same country
        Candidate(4, "JO", has_finished=True, load=3),
        Candidate(5, "SN", has_finished=True, load=2),
        Candidate(6, "TR", has_finished=True, load=0),  # reviews it already
    ]
    chosen = pick_reviewers(author, candidates, excluded={6}, count=3)
    assert [c.user_id for c in chosen] == [5, 4, 3]
    assert pick_reviewers(author, [Candidate(1, "CO")], set(), 3) == []


def test_a_late_author_reviews_the_plans_with_fewest_reviews():
    me = Author(9, 9, "CO")
    plans = [
        Needing(Author(1, 1, "KR"), reviews=3, reviewers=frozenset({2, 3, 4})),
        Needing(Author(2, 2, "CO"), reviews=1, reviewers=frozenset({1})),
        Needing(Author(3, 3, "JO"), reviews=1, reviewers=frozenset({1})),
        Needing(Author(4, 4, "SN"), reviews=0, reviewers=frozenset({9})),  # mine already
        Needing(me, reviews=0, reviewers=frozenset()),  # my own
    ]
    assert [a.user_id for a in plans_to_review(me, plans, 2)] == [3, 2]


def test_the_grade_is_the_peers_mean_once_the_reviews_are_in():
    grade = {"max_points": 4, "reviews_wanted": 3, "pass_mark": 50}
    waiting = grade_of(reviews=2, points=6, reviews_closed=False, **grade)
    assert waiting.percent is None and not waiting.is_passed
    # 2 + 3 + 1 points of 4: a mean of 2 → 50 %, at the pass mark.
    final = grade_of(reviews=3, points=6, reviews_closed=False, **grade)
    assert (final.percent, final.source, final.is_passed) == (50, "peers", True)
    # Reviews closed with fewer than asked: graded on those there are.
    closed = grade_of(reviews=1, points=1, reviews_closed=True, **grade)
    assert (closed.percent, closed.is_passed) == (25, False)
    assert grade_of(reviews=0, points=0, reviews_closed=True, **grade).percent is None


def test_the_course_teams_grade_overrides_the_peers_when_they_choose():
    grade = {"reviews": 3, "points": 12, "max_points": 4, "reviews_wanted": 3, "pass_mark": 50}
    assert (
        grade_of(reviews_closed=True, staff_grade=40, staff_grade_counts=False, **grade).percent
        == 100
    )
    staff = grade_of(reviews_closed=True, staff_grade=40, staff_grade_counts=True, **grade)
    assert (staff.percent, staff.source, staff.is_passed) == (40, "staff", False)


def test_words_are_counted_in_every_script():
    assert word_count("Care blocks  in\nCiudad Bolívar") == 5
    assert word_count("서울 돌봄 정책") == 3  # Korean is written with spaces
    assert word_count("الأمهات في عمّان") == 3
    assert word_count("照护城市") == 4  # Chinese: one a character
    assert word_count("東京の介護 plan") == 6
    assert word_count("") == 0


def test_points_are_the_chosen_levels():
    assert points_for(PLAN_RUBRIC, {"evidence": 2, "feasibility": 1}) == 3
    assert points_for(PLAN_RUBRIC, {"evidence": 0}) == 0
