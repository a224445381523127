"""The rules of assignments as pure functions: who reviews whom, and what a plan's grade is.

Nothing here reads the database, so the allocation is tested on cohorts of any size without
one (tests/test_assignment_rules.py).
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import zip_longest

# A review not written by its due time goes to another learner, with this long to write it.
REPLACEMENT_TIME = timedelta(days=3)


@dataclass(frozen=True)
class Author:
    """A submitted plan, as the allocation sees it: whose it is and where they work."""

    submission_id: int
    user_id: int
    country: str = ""
    city: str = ""


def reviews_each(per_submission: int, per_learner: int, authors: int) -> int:
    """How many reviews each plan gets and each author gives in the first allocation: the
    larger of the two numbers the assignment asks (so both are met), and never more than
    the other authors there are."""
    return max(0, min(max(per_submission, per_learner), authors - 1))


def spread_order(authors: list[Author]) -> list[Author]:
    """The authors in an order where neighbours come from different countries, and within a
    country from different cities, wherever the cohort allows: a round robin over the
    countries, largest first, each country's authors in a round robin over its cities."""
    by_country: dict[str, list[Author]] = defaultdict(list)
    for author in sorted(authors, key=lambda a: a.submission_id):
        by_country[author.country].append(author)
    countries = sorted(by_country.values(), key=lambda group: (-len(group), group[0].country))
    interleaved = [_cities_interleaved(group) for group in countries]
    return [a for row in zip_longest(*interleaved) for a in row if a is not None]


def _cities_interleaved(group: list[Author]) -> list[Author]:
    by_city: dict[str, list[Author]] = defaultdict(list)
    for author in group:
        by_city[author.city.casefold()].append(author)
    cities = sorted(by_city.values(), key=lambda g: -len(g))
    return [a for row in zip_longest(*cities) for a in row if a is not None]


def allocate(authors: list[Author], per_submission: int, per_learner: int) -> list[tuple[int, int]]:
    """(submission id, reviewer's user id) pairs for the plans submitted when reviews open.

    The authors stand in a circle in `spread_order`; each plan is reviewed by the k authors
    after its own, so every plan gets k reviews and every author gives k, nobody reviews
    their own plan, and nobody reviews the same plan twice.
    """
    order = spread_order(authors)
    k = reviews_each(per_submission, per_learner, len(order))
    return [
        (author.submission_id, order[(index + step) % len(order)].user_id)
        for index, author in enumerate(order)
        for step in range(1, k + 1)
    ]


@dataclass(frozen=True)
class Candidate:
    """A possible reviewer: an author in the cohort, with the reviews they have now."""

    user_id: int
    country: str = ""
    has_finished: bool = False  # every review given to them is written
    load: int = 0  # reviews given to them that are not replaced


def pick_reviewers(
    author: Author, candidates: list[Candidate], excluded: set[int], count: int
) -> list[Candidate]:
    """Up to `count` reviewers for one plan (a late plan, or a review to replace): never its
    author nor anyone in `excluded` (who reviews it already); first those who have written
    all their reviews (they show up), then those from another country, then the least
    loaded."""
    eligible = [c for c in candidates if c.user_id != author.user_id and c.user_id not in excluded]
    eligible.sort(
        key=lambda c: (
            not c.has_finished,
            bool(author.country) and c.country == author.country,
            c.load,
            c.user_id,
        )
    )
    return eligible[:count]


@dataclass(frozen=True)
class Needing:
    """A plan that a late author could review: how many live reviews it has now."""

    author: Author
    reviews: int
    reviewers: frozenset[int]


def plans_to_review(reviewer: Author, plans: list[Needing], count: int) -> list[Author]:
    """The `count` plans a late author reviews: the ones with the fewest reviews, from other
    countries first; never their own, never one they review already."""
    eligible = [
        p
        for p in plans
        if p.author.user_id != reviewer.user_id and reviewer.user_id not in p.reviewers
    ]
    eligible.sort(
        key=lambda p: (
            p.reviews,
            bool(reviewer.country) and p.author.country == reviewer.country,
            p.author.submission_id,
        )
    )
    return [p.author for p in eligible[:count]]


@dataclass(frozen=True)
class Grade:
    """A plan's grade as it stands: per cent, and whose it is ("staff" or "peers"); percent
    None while the reviews are still coming in."""

    percent: int | None
    source: str | None
    pass_mark: int

    @property
    def is_final(self) -> bool:
        return self.percent is not None

    @property
    def is_passed(self) -> bool:
        return self.percent is not None and self.percent >= self.pass_mark


def peer_percent(reviews: int, points: int, max_points: int) -> int | None:
    """The mean of `reviews` reviews' `points` (together) as a share of the rubric's points,
    rounded down."""
    if not reviews or max_points <= 0:
        return None
    return points * 100 // (reviews * max_points)


def grade_of(
    *,
    reviews: int,
    points: int,
    max_points: int,
    reviews_wanted: int,
    reviews_closed: bool,
    pass_mark: int,
    staff_grade: int | None = None,
    staff_grade_counts: bool = False,
) -> Grade:
    """The course team's grade when they chose to make it count; otherwise the peers', once
    the plan has the reviews it asks for, or once reviews are closed with at least one."""
    if staff_grade_counts and staff_grade is not None:
        return Grade(staff_grade, "staff", pass_mark)
    if reviews and (reviews >= reviews_wanted or reviews_closed):
        return Grade(peer_percent(reviews, points, max_points), "peers", pass_mark)
    return Grade(None, None, pass_mark)


def plan_grade(
    assignment,
    *,
    reviews: int,
    points: int,
    reviews_closed: bool,
    staff_grade: int | None,
    staff_grade_counts: bool,
) -> Grade:
    """`grade_of` with what the assignment (row or outline) says: its rubric's points, the
    reviews a plan asks for and the pass mark."""
    return grade_of(
        reviews=reviews,
        points=points,
        max_points=assignment.max_points,
        reviews_wanted=assignment.reviews_per_submission,
        reviews_closed=reviews_closed,
        pass_mark=assignment.pass_mark,
        staff_grade=staff_grade,
        staff_grade_counts=staff_grade_counts,
    )


def points_for(rubric: list[dict], levels: dict[str, int]) -> int:
    """The points of the chosen level of each criterion (a level index per criterion id)."""
    return sum(
        criterion["levels"][levels[criterion["id"]]]["points"]
        for criterion in rubric
        if criterion["id"] in levels
    )


# Scripts written without spaces between words (Chinese, Japanese kana, Thai, Lao, Khmer,
# Myanmar): each character counts as a word, near enough for a word limit.
UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)


def word_count(text: str) -> int:
    """Words between spaces; in scripts written without spaces, characters."""
    count = 0
    for token in text.split():
        unspaced = len(UNSPACED.findall(token))
        count += unspaced + (1 if UNSPACED.sub("", token).strip() else 0) if unspaced else 1
    return count
