"""Unit and property tests for the pure quiz grading functions in app/quizzes/grading.py."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quizzes.grading import AnswerKey, AnswerProblems, field_name, grade, read_answers

NOT_A_CHOICE = "That answer is not one of this question's choices. Choose again."
STRANGERS = "The form answered questions that are not in this attempt. Answer the questions below."


def single(question_id: int, choice_ids: tuple[int, ...], right_id: int) -> AnswerKey:
    return AnswerKey(question_id, choice_ids, frozenset({right_id}), allows_several=False)


def several(question_id: int, choice_ids: tuple[int, ...], right_ids: set[int]) -> AnswerKey:
    return AnswerKey(question_id, choice_ids, frozenset(right_ids), allows_several=True)


def singles(count: int) -> list[AnswerKey]:
    """`count` single-answer questions 1..count; question n has choices 10n (right) and 10n+1."""
    return [single(n, (10 * n, 10 * n + 1), 10 * n) for n in range(1, count + 1)]


def answers_with_right(keys: list[AnswerKey], right_count: int) -> dict[int, frozenset[int]]:
    """The first `right_count` of `singles()` keys answered right, the rest wrong."""
    return {
        key.question_id: frozenset({10 * key.question_id + (0 if i < right_count else 1)})
        for i, key in enumerate(keys)
    }


def problems(keys: list[AnswerKey], form: dict[str, list[str]]) -> AnswerProblems:
    with pytest.raises(AnswerProblems) as caught:
        read_answers(keys, form)
    return caught.value


# A small mixed quiz used by the read_answers tests: choice ids are unique across questions.
Q1 = single(1, (11, 12, 13), 12)
Q2 = several(2, (21, 22, 23, 24), {21, 23})
Q3 = single(3, (31, 32), 31)
QUIZ = [Q1, Q2, Q3]


def good_form() -> dict[str, list[str]]:
    return {"csrf_token": ["token"], "q-1": ["12"], "q-2": ["21", "23"], "q-3": ["32"]}


# --- grade -----------------------------------------------------------------------------------


def test_all_right_scores_100_and_passes():
    keys = [*QUIZ]
    result = grade(keys, {1: frozenset({12}), 2: frozenset({21, 23}), 3: frozenset({31})}, 100)
    assert result.score == 100
    assert result.is_passed is True
    assert result.right_count == 3
    assert result.question_count == 3
    assert result.right_question_ids == frozenset({1, 2, 3})


def test_some_of_the_right_choices_is_wrong_without_partial_credit():
    result = grade([Q2], {2: frozenset({21})}, 0)
    assert result.right_count == 0
    assert result.right_question_ids == frozenset()
    assert result.score == 0


def test_right_choices_plus_a_wrong_one_is_wrong():
    result = grade([Q2], {2: frozenset({21, 23, 24})}, 50)
    assert result.right_count == 0
    assert result.score == 0
    assert result.is_passed is False


def test_a_missing_answer_counts_as_wrong():
    result = grade(QUIZ, {1: frozenset({12}), 3: frozenset({31})}, 50)
    assert result.right_question_ids == frozenset({1, 3})
    assert result.right_count == 2
    assert result.question_count == 3
    assert result.score == 66


def test_answers_to_unknown_questions_are_ignored():
    result = grade([Q1], {1: frozenset({12}), 99: frozenset({1})}, 100)
    assert result.right_question_ids == frozenset({1})
    assert result.question_count == 1
    assert result.score == 100


@pytest.mark.parametrize(
    ("right", "total", "score"),
    [(2, 3, 66), (1, 3, 33), (1, 6, 16), (5, 6, 83), (1, 7, 14), (6, 7, 85), (3, 3, 100)],
)
def test_score_is_rounded_down(right, total, score):
    keys = singles(total)
    assert grade(keys, answers_with_right(keys, right), 0).score == score


@pytest.mark.parametrize(("pass_mark", "passed"), [(66, True), (67, False)])
def test_two_of_three_passes_at_66_but_not_67(pass_mark, passed):
    keys = singles(3)
    result = grade(keys, answers_with_right(keys, 2), pass_mark)
    assert result.score == 66
    assert result.is_passed is passed


@pytest.mark.parametrize(("right", "passed"), [(7, True), (6, False), (10, True), (0, False)])
def test_pass_exactly_at_the_mark(right, passed):
    keys = singles(10)
    result = grade(keys, answers_with_right(keys, right), 70)
    assert result.score == right * 10
    assert result.is_passed is passed


def test_pass_mark_zero_passes_with_nothing_right():
    keys = singles(4)
    result = grade(keys, {}, 0)
    assert result.score == 0
    assert result.right_count == 0
    assert result.is_passed is True


def test_no_questions_scores_zero_and_does_not_pass():
    for pass_mark in (0, 50, 100):
        result = grade([], {}, pass_mark)
        assert result.score == 0
        assert result.right_count == 0
        assert result.question_count == 0
        assert result.right_question_ids == frozenset()
        assert result.is_passed is False


# --- read_answers ----------------------------------------------------------------------------


def test_field_name():
    assert field_name(7) == "q-7"


def test_read_answers_returns_frozensets_of_ints():
    answers = read_answers(QUIZ, good_form())
    assert answers == {1: frozenset({12}), 2: frozenset({21, 23}), 3: frozenset({32})}
    assert all(type(chosen) is frozenset for chosen in answers.values())
    assert all(type(choice) is int for chosen in answers.values() for choice in chosen)


def test_duplicate_values_are_one_answer():
    form = {**good_form(), "q-1": ["12", "12"], "q-2": ["23", "21", "23"]}
    assert read_answers(QUIZ, form) == {
        1: frozenset({12}),
        2: frozenset({21, 23}),
        3: frozenset({32}),
    }


def test_other_fields_are_ignored():
    form = {**good_form(), "csrf_token": ["x", "y"], "submit": ["Send"], "q": ["1"], "x-q-9": []}
    assert read_answers(QUIZ, form) == {
        1: frozenset({12}),
        2: frozenset({21, 23}),
        3: frozenset({32}),
    }


@pytest.mark.parametrize("values", [None, []])
def test_unanswered_single_question(values):
    form = good_form()
    if values is None:
        del form["q-1"]
    else:
        form["q-1"] = values
    error = problems(QUIZ, form)
    assert error.by_question == {1: "Choose an answer."}
    assert error.for_form == []
    assert str(error) == "Choose an answer."


@pytest.mark.parametrize("values", [None, []])
def test_unanswered_multiple_question(values):
    form = good_form()
    if values is None:
        del form["q-2"]
    else:
        form["q-2"] = values
    error = problems(QUIZ, form)
    assert error.by_question == {2: "Choose one or more answers."}
    assert error.for_form == []


def test_two_answers_to_a_single_question():
    error = problems(QUIZ, {**good_form(), "q-1": ["11", "12"]})
    assert error.by_question == {1: "Choose only one answer."}
    assert error.for_form == []


def test_a_choice_of_another_question_is_refused():
    error = problems(QUIZ, {**good_form(), "q-1": ["31"]})
    assert error.by_question == {1: NOT_A_CHOICE}
    error = problems(QUIZ, {**good_form(), "q-2": ["21", "12"]})
    assert error.by_question == {2: NOT_A_CHOICE}


@pytest.mark.parametrize("value", ["abc", "", "1.5", "٣", "-1", " 12", "12 ", "+12", "1e1", "²"])
def test_a_value_that_is_not_a_number_is_refused(value):
    # The key has choice 3 and 12, so a lenient int() of "٣" or " 12" would wrongly be accepted.
    keys = [single(1, (3, 12, 10), 12)]
    error = problems(keys, {"q-1": [value]})
    assert error.by_question == {1: NOT_A_CHOICE}
    assert error.for_form == []


def test_a_bad_value_among_good_ones_is_refused():
    error = problems(QUIZ, {**good_form(), "q-2": ["21", "abc", "23"]})
    assert error.by_question == {2: NOT_A_CHOICE}


def test_a_question_not_in_the_attempt_is_reported_for_the_form():
    error = problems(QUIZ, {**good_form(), "q-4": ["41"]})
    assert error.by_question == {}
    assert error.for_form == [STRANGERS]
    assert str(error) == STRANGERS


def test_an_empty_field_for_a_question_not_in_the_attempt_is_still_reported():
    error = problems(QUIZ, {**good_form(), "q-99": []})
    assert error.for_form == [STRANGERS]


def test_every_bad_question_is_reported_and_no_good_one():
    keys = [
        single(1, (11, 12), 11),  # good
        single(2, (21, 22), 21),  # missing
        several(3, (31, 32), {31}),  # empty
        single(4, (41, 42), 41),  # two answers
        single(5, (51, 52), 51),  # another question's choice
        several(6, (61, 62), {61, 62}),  # good
        single(7, (71, 72), 71),  # not a number
    ]
    form = {
        "csrf_token": ["token"],
        "q-1": ["12"],
        "q-3": [],
        "q-4": ["41", "42"],
        "q-5": ["11"],
        "q-6": ["62", "61"],
        "q-7": ["٣"],
        "q-8": ["81"],
    }
    error = problems(keys, form)
    assert error.by_question == {
        2: "Choose an answer.",
        3: "Choose one or more answers.",
        4: "Choose only one answer.",
        5: NOT_A_CHOICE,
        7: NOT_A_CHOICE,
    }
    assert error.for_form == [STRANGERS]
    for sentence in [STRANGERS, *error.by_question.values()]:
        assert sentence in str(error)


# --- property tests --------------------------------------------------------------------------


@st.composite
def quizzes(draw) -> list[AnswerKey]:
    """1-15 questions with unique ids, each with 2-6 choices; choice ids are unique overall."""
    sizes = draw(st.lists(st.integers(2, 6), min_size=1, max_size=15))
    question_ids = draw(
        st.lists(st.integers(1, 10_000), min_size=len(sizes), max_size=len(sizes), unique=True)
    )
    all_choices = draw(
        st.lists(st.integers(0, 100_000), min_size=sum(sizes), max_size=sum(sizes), unique=True)
    )
    keys = []
    start = 0
    for question_id, size in zip(question_ids, sizes, strict=True):
        choice_ids = tuple(all_choices[start : start + size])
        start += size
        allows_several = draw(st.booleans())
        if allows_several:
            right = draw(st.sets(st.sampled_from(choice_ids), min_size=1))
        else:
            right = {draw(st.sampled_from(choice_ids))}
        keys.append(AnswerKey(question_id, choice_ids, frozenset(right), allows_several))
    return keys


def valid_answer(key: AnswerKey) -> st.SearchStrategy[frozenset[int]]:
    """An answer read_answers could give: one choice, or a non-empty set of them for several."""
    if key.allows_several:
        return st.frozensets(st.sampled_from(key.choice_ids), min_size=1)
    return st.sampled_from(key.choice_ids).map(lambda choice: frozenset({choice}))


def any_answer(key: AnswerKey) -> st.SearchStrategy[frozenset[int]]:
    """Often the right answer, otherwise any answer drawn from the question's choices."""
    return st.one_of(
        st.just(key.right_ids),
        valid_answer(key),
        st.frozensets(st.sampled_from(key.choice_ids)),
    )


@st.composite
def quizzes_with_answers(draw):
    keys = draw(quizzes())
    answers = {}
    for key in keys:
        if draw(st.integers(0, 9)) > 0:  # about one question in ten is left unanswered
            answers[key.question_id] = draw(any_answer(key))
    return keys, answers


def a_wrong_answer(key: AnswerKey) -> frozenset[int]:
    others = [choice for choice in key.choice_ids if choice not in key.right_ids]
    if not key.allows_several:
        return frozenset(others[:1])
    if others:
        return frozenset(others)
    return frozenset(key.choice_ids[:1])  # every choice is right: choose only one of them


pass_marks = st.integers(0, 100)


@given(quizzes_with_answers(), pass_marks)
def test_grade_is_within_bounds(quiz, pass_mark):
    keys, answers = quiz
    result = grade(keys, answers, pass_mark)
    assert 0 <= result.score <= 100
    assert result.question_count == len(keys)
    assert 0 <= result.right_count <= result.question_count
    assert result.right_count == len(result.right_question_ids)
    assert result.right_question_ids <= {key.question_id for key in keys}
    expected_right = {
        key.question_id
        for key in keys
        if key.question_id in answers and set(answers[key.question_id]) == set(key.right_ids)
    }
    assert result.right_question_ids == expected_right


@given(quizzes_with_answers(), pass_marks)
def test_pass_rule(quiz, pass_mark):
    keys, answers = quiz
    result = grade(keys, answers, pass_mark)
    assert result.is_passed == (result.right_count * 100 >= pass_mark * result.question_count)
    assert result.is_passed == (result.score >= pass_mark)
    # The score is the share of right questions in per cent, rounded down.
    assert result.score * len(keys) <= result.right_count * 100 < (result.score + 1) * len(keys)


@given(quizzes(), pass_marks)
def test_all_right_scores_100_and_passes_at_any_mark(keys, pass_mark):
    result = grade(keys, {key.question_id: key.right_ids for key in keys}, pass_mark)
    assert result.score == 100
    assert result.is_passed is True
    assert result.right_count == len(keys)
    assert result.right_question_ids == {key.question_id for key in keys}


@given(st.data(), quizzes_with_answers(), pass_marks)
def test_grading_ignores_the_order_of_questions(data, quiz, pass_mark):
    keys, answers = quiz
    shuffled = data.draw(st.permutations(keys))
    assert grade(shuffled, answers, pass_mark) == grade(keys, answers, pass_mark)


@given(st.data(), quizzes_with_answers(), pass_marks)
def test_righting_a_wrong_answer_adds_one_right_question(data, quiz, pass_mark):
    keys, answers = quiz
    key = data.draw(st.sampled_from(keys))
    before = dict(answers)
    if data.draw(st.booleans()):
        before[key.question_id] = a_wrong_answer(key)
    else:
        before.pop(key.question_id, None)
    after = {**before, key.question_id: key.right_ids}

    worse = grade(keys, before, pass_mark)
    better = grade(keys, after, pass_mark)
    assert key.question_id not in worse.right_question_ids
    assert better.right_count == worse.right_count + 1
    assert better.right_question_ids == worse.right_question_ids | {key.question_id}
    assert better.score >= worse.score
    assert better.is_passed or not worse.is_passed


@given(st.data(), quizzes())
def test_read_answers_round_trip(data, keys):
    answers = {key.question_id: data.draw(valid_answer(key)) for key in keys}
    form: dict[str, list[str]] = {"csrf_token": ["token"]}
    for key in keys:
        chosen = sorted(answers[key.question_id])
        repeats = data.draw(st.lists(st.sampled_from(chosen), max_size=3))
        values = data.draw(st.permutations(chosen + repeats))
        form[field_name(key.question_id)] = [str(value) for value in values]
    form = dict(data.draw(st.permutations(list(form.items()))))

    assert read_answers(keys, form) == answers


@given(st.data(), quizzes())
def test_read_answers_reports_exactly_the_unanswered_questions(data, keys):
    unanswered = data.draw(st.sets(st.sampled_from([key.question_id for key in keys]), min_size=1))
    form = {
        field_name(key.question_id): [str(min(key.right_ids))]
        for key in keys
        if key.question_id not in unanswered
    }
    with pytest.raises(AnswerProblems) as caught:
        read_answers(keys, form)
    assert set(caught.value.by_question) == unanswered
    assert caught.value.for_form == []


def test_a_huge_number_is_refused_like_any_other_stranger():
    key = AnswerKey(1, (1, 2), frozenset({1}), False)
    with pytest.raises(AnswerProblems) as raised:
        read_answers([key], {"q-1": ["9" * 5000]})
    assert raised.value.by_question == {
        1: "That answer is not one of this question's choices. Choose again."
    }
