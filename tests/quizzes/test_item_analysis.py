"""Item analysis read from real attempts, against figures worked out by hand.

The attempts are those of tests/quizzes/analysis_matrix.py (six learners, five questions):

    marks   q1 q2 q3 q4 q5   T        s = 6 attempts; divisor s - 1 = 5, as in Moodle.
    ana      1  1  1  1  0   4
    ben      1  1  1  1  0   4        T̄ = 15 / 6 = 2.5
    cai      1  1  0  1  0   3
    dev      1  0  0  1  0   2
    eli      0  0  0  1  0   1
    fay      0  0  0  1  0   1

q1: x̄ = 4/6, facility 66.67 %. Σ(x - x̄)² = 4·(1/3)² + 2·(2/3)² = 4/3, var = 4/15, SD 0.5164.
    Rest o = T - x = 3 3 2 1 1 1, ō = 11/6, var(o) = 29/30; cov(x, o) = (5/3) / 5 = 1/3.
    Discrimination index 100 · (1/3) / sqrt(4/15 · 29/30) = 65.65 %. Pairing the sorted
    deviations gives the same sum of products, so covmax = cov: efficiency 100 %.
q2: x̄ = 1/2, facility 50 %; var = 6·(1/2)² / 5 = 3/10, SD 0.5477; o = 3 3 2 2 1 1,
    ō = 2, var(o) = 4/5, cov = (2) / 5 = 2/5; index 100 · 0.4 / sqrt(0.3 · 0.8) = 81.65 %.
q3: the mirror of q1 (two right instead of four wrong): facility 33.33 %, SD 0.5164,
    index 65.65 %, efficiency 100 %.
q4: everyone right: facility 100 % (too easy), SD 0, no variance so index and efficiency
    are not available; its three distractors were never picked.
q5: nobody right: facility 0 % (too hard), SD 0, index n/a; ana and ben (the top third)
    picked distractor B, so the top third picked it more often than the key.
Quiz: Σ(T - T̄)² = 2·1.5² + 0.5² + 0.5² + 2·1.5² = 9.5, SD sqrt(9.5 / 5) = 1.3784 marks
    (27.57 % of 5); the totals are symmetric about 2.5, so skewness 0; k2 = 1.9,
    Σ(T - T̄)⁴ = 163/8, k4 = 36 · (7 · 163/48 - 3 · 5 · (19/12)²) / 60 = -8.3, kurtosis
    -8.3 / 1.9² = -2.2992. Σ var(x) = 4/15 + 3/10 + 4/15 + 0 + 0 = 5/6, so
    CIC = 100 · 5/4 · (1 - (5/6) / 1.9) = 70.18 %, error ratio 100 · sqrt(1 - 0.7018) = 54.61 %,
    standard error 0.5461 · 1.3784 = 0.7528 marks (15.06 %).
"""

from __future__ import annotations

import importlib
import math

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model

from quizzes.analysis import (
    FLAG_DISTRACTOR_BEATS_KEY,
    FLAG_DISTRACTOR_UNPICKED,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
)
from quizzes.item_analysis import Which, item_analysis, tag_groups
from quizzes.models import Attempt, AttemptQuestion
from quizzes.services import attempt_start
from tests import factories
from tests.quizzes.analysis_matrix import PICKS, answered_matrix, matrix_quiz, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz():
    quiz = matrix_quiz()
    answered_matrix(quiz)
    return quiz


def approx(value):
    return pytest.approx(value, abs=5e-3)


def by_key(analysis):
    return {row.key: row for row in analysis.questions}


def test_question_figures_match_the_hand_computed_ones(quiz):
    rows = by_key(item_analysis(quiz=quiz, which=Which.ALL))

    assert rows["q1"].facility_percent == approx(66.67)
    assert rows["q1"].sd == approx(0.5164)
    assert rows["q1"].discrimination_index == approx(65.65)
    assert rows["q1"].discriminative_efficiency == approx(100.0)
    assert rows["q2"].facility_percent == approx(50.0)
    assert rows["q2"].sd == approx(0.5477)
    assert rows["q2"].discrimination_index == approx(81.65)
    assert rows["q3"].facility_percent == approx(33.33)
    assert rows["q3"].discrimination_index == approx(65.65)
    assert all(row.responses == 6 for row in rows.values())


def test_a_question_without_variance_shows_no_index_rather_than_a_nan(quiz):
    rows = by_key(item_analysis(quiz=quiz, which=Which.ALL))

    for key, facility in (("q4", 100.0), ("q5", 0.0)):
        assert rows[key].facility_percent == facility
        assert rows[key].sd == 0.0
        assert rows[key].discrimination_index is None
        assert rows[key].discriminative_efficiency is None


def test_quiz_figures_match_the_hand_computed_ones(quiz):
    analysis = item_analysis(quiz=quiz, which=Which.ALL)

    assert analysis.attempts == 6
    assert analysis.learners == 6
    assert analysis.quiz["mean"] == approx(2.5)
    assert analysis.quiz["median"] == approx(2.5)
    assert analysis.quiz["sd"] == approx(1.3784)
    assert analysis.quiz["skewness"] == approx(0.0)
    assert analysis.quiz["kurtosis"] == approx(-2.2992)
    assert analysis.quiz["cic"] == approx(70.18)
    assert analysis.quiz["error_ratio"] == approx(54.61)
    assert analysis.quiz["standard_error"] == approx(0.7528)
    assert analysis.quiz_display["mean"] == approx(50.0)  # of the 5 marks an attempt holds
    assert analysis.quiz_display["sd"] == approx(27.57)
    assert analysis.quiz_display["standard_error"] == approx(15.06)


def test_choices_are_matched_by_their_place_in_the_question_across_shuffled_attempts(quiz):
    rows = by_key(item_analysis(quiz=quiz, which=Which.ALL))

    q3 = {choice.letter: choice for choice in rows["q3"].choices}
    # q3: ana and ben picked the key, cai B, dev C, eli and fay D.
    assert [(c.letter, c.is_key, c.count) for c in rows["q3"].choices] == [
        ("A", True, 2),
        ("B", False, 1),
        ("C", False, 1),
        ("D", False, 2),
    ]
    # Thirds of 6 are 2: ana and ben on top, eli and fay at the bottom.
    assert q3["A"].top_rate == 1.0
    assert q3["A"].bottom_rate == 0.0
    assert q3["D"].bottom_rate == 1.0
    assert q3["A"].rate == pytest.approx(2 / 6)
    assert rows["q1"].group_size == 2


def test_flags_give_their_reasons(quiz):
    rows = by_key(item_analysis(quiz=quiz, which=Which.ALL))

    assert rows["q4"].flags[0] == FLAG_TOO_EASY
    assert [f for f in rows["q4"].flags if f.endswith(FLAG_DISTRACTOR_UNPICKED)] == [
        f"Choice B (Distractor B): {FLAG_DISTRACTOR_UNPICKED}",
        f"Choice C (Distractor C): {FLAG_DISTRACTOR_UNPICKED}",
        f"Choice D (Distractor D): {FLAG_DISTRACTOR_UNPICKED}",
    ]
    assert rows["q5"].flags == [
        FLAG_TOO_HARD,
        f"Choice B (Distractor B): {FLAG_DISTRACTOR_BEATS_KEY}",
    ]
    assert rows["q1"].flags == []
    assert rows["q2"].flags == []


def test_which_attempts_count_is_a_choice(quiz):
    ana = Attempt.objects.get(user__username="ana").user
    take(ana, quiz, [1, 1, 1, 1, 1])  # a worse second attempt: every answer wrong, 0 marks
    fay = Attempt.objects.get(user__username="fay").user
    take(fay, quiz, [0, 0, 0, 0, 0])  # a better second attempt: every key, 5 marks

    first = item_analysis(quiz=quiz, which=Which.FIRST)
    last = item_analysis(quiz=quiz, which=Which.LAST)
    best = item_analysis(quiz=quiz, which=Which.BEST)
    every = item_analysis(quiz=quiz, which=Which.ALL)

    assert (first.attempts, last.attempts, best.attempts, every.attempts) == (6, 6, 6, 8)
    # q1 right: first attempts 4 of 6; last: ana now wrong, fay now right, still 4 of 6;
    # best: ana's first (4 marks) and fay's second (5 marks): 5 of 6; all: 5 of 8.
    assert by_key(first)["q1"].facility_percent == approx(100 * 4 / 6)
    assert by_key(last)["q1"].facility_percent == approx(100 * 4 / 6)
    assert by_key(best)["q1"].facility_percent == approx(100 * 5 / 6)
    assert by_key(every)["q1"].facility_percent == approx(100 * 5 / 8)
    # q5's key was picked only in fay's second attempt.
    assert by_key(first)["q5"].facility_percent == 0
    assert by_key(last)["q5"].facility_percent == approx(100 / 6)


def test_practice_and_unfinished_attempts_never_count(quiz):
    learner = factories.UserFactory()
    attempt_start(quiz=quiz, user=learner)  # left in progress
    ana_attempt = Attempt.objects.get(user__username="ana")
    Attempt.objects.filter(pk=ana_attempt.pk).update(mode=Attempt.Mode.PRACTICE, passed=None)

    analysis = item_analysis(quiz=quiz, which=Which.ALL)

    assert analysis.attempts == 5
    assert analysis.learners == 5


def test_one_attempt_gives_facilities_and_nothing_it_cannot_compute():
    quiz = matrix_quiz()
    take(factories.UserFactory(), quiz, PICKS["cai"])

    analysis = item_analysis(quiz=quiz, which=Which.ALL)

    rows = by_key(analysis)
    assert [rows[k].facility_percent for k in ("q1", "q2", "q3", "q4", "q5")] == [
        100.0,
        100.0,
        0.0,
        100.0,
        0.0,
    ]
    assert all(row.sd is None and row.discrimination_index is None for row in rows.values())
    assert analysis.quiz["mean"] == 3.0
    assert analysis.quiz["sd"] is None
    assert analysis.quiz["cic"] is None
    assert all(choice.top_rate is None for choice in rows["q1"].choices)  # no thirds of 1


def test_all_correct_gives_no_nan_anywhere():
    quiz = matrix_quiz()
    for _ in range(4):
        take(factories.UserFactory(), quiz, [0, 0, 0, 0, 0])

    analysis = item_analysis(quiz=quiz, which=Which.ALL)

    figures = [
        value
        for row in analysis.questions
        for value in (row.facility, row.sd, row.discrimination_index, row.discriminative_efficiency)
    ] + list(analysis.quiz.values())
    assert all(value is None or math.isfinite(value) for value in figures)
    assert all(row.facility == 1.0 and row.sd == 0.0 for row in analysis.questions)
    assert analysis.quiz["skewness"] is None  # every total the same
    assert analysis.quiz["cic"] is None


def test_no_attempts_gives_an_empty_analysis():
    quiz = matrix_quiz()

    analysis = item_analysis(quiz=quiz)

    assert analysis.attempts == 0
    assert analysis.questions == []
    assert analysis.quiz["mean"] is None


def test_a_bank_is_analysed_against_the_whole_attempt(quiz):
    # q1 to q5 are the whole attempt, so the bank's figures are the quiz's question figures.
    bank = quiz.draw_rules.get().bank

    analysis = item_analysis(bank=bank, which=Which.ALL)

    rows = by_key(analysis)
    assert analysis.scope == "bank"
    assert analysis.quiz is None
    assert rows["q1"].discrimination_index == approx(65.65)
    assert rows["q2"].discrimination_index == approx(81.65)


def test_questions_drawn_at_random_leave_gaps_not_zeros():
    bank = factories.BankFactory()
    for index in range(4):
        factories.QuestionFactory(bank=bank, key=f"r{index}")
    quiz = factories.QuizFactory(bank=bank, bank__count=2)
    for _ in range(6):
        attempt = take(factories.UserFactory(), quiz, [0, 1])
        assert attempt.score == 1

    analysis = item_analysis(quiz=quiz, which=Which.ALL)

    assert sum(row.responses for row in analysis.questions) == 12
    # Every attempt scored 1 of 2: one key (facility by slot 50 %) and one distractor.
    assert analysis.quiz["mean"] == 1.0
    assert analysis.quiz_display["mean"] == approx(50.0)


def test_grouped_by_tag_weakest_first(quiz):
    groups = tag_groups(item_analysis(quiz=quiz, which=Which.ALL), "risk")

    # infection: q3 to q5, 2 + 6 + 0 of 18 marks; radiation: q1 and q2, 4 + 3 of 12.
    assert [(g.value, g.questions, g.responses) for g in groups] == [
        ("infection", 3, 18),
        ("radiation", 2, 12),
    ]
    assert groups[0].facility_percent == approx(100 * 8 / 18)
    assert groups[1].facility_percent == approx(100 * 7 / 12)
    assert groups[0].flagged == 2  # q4 and q5
    assert groups[0].weakest.key == "q5"
    assert groups[1].discrimination == approx((65.65 + 81.65) / 2)


def test_a_cached_analysis_is_served_until_an_attempt_is_submitted_then_recalculated(quiz):
    first = item_analysis(quiz=quiz, which=Which.ALL)
    again = item_analysis(quiz=quiz, which=Which.ALL)
    assert again.computed_at == first.computed_at

    take(factories.UserFactory(), quiz, [0, 0, 0, 0, 0])
    # Within the cache period the figures stay, saying how many attempts came since.
    stale = item_analysis(quiz=quiz, which=Which.ALL)
    assert stale.attempts == 6
    assert stale.submitted_since == 1

    fresh = item_analysis(quiz=quiz, which=Which.ALL, refresh=True)
    assert fresh.attempts == 7
    assert fresh.submitted_since == 0


def test_learners_narrow_the_attempts_to_a_group(quiz):
    top = get_user_model().objects.filter(username__in=["ana", "ben", "cai"]).values("pk")

    analysis = item_analysis(quiz=quiz, which=Which.ALL, learners=top, learners_key="top")

    assert analysis.attempts == 3
    assert by_key(analysis)["q3"].facility_percent == approx(100 * 2 / 3)


def test_submission_records_the_options_picked_by_their_place_in_the_question(quiz):
    """Each graded answer stores the positions picked (a bit each), whatever the shuffle."""
    cai = get_user_model().objects.get(username="cai")
    attempt = Attempt.objects.get(user=cai)
    picked = list(attempt.questions.order_by("position").values_list("picked", flat=True))
    assert picked == [1 << p for p in PICKS["cai"]]


def test_answers_graded_before_the_picked_column_are_filled_by_the_migration(quiz):
    """Attempts submitted before ``picked`` existed get it from their snapshot and response,
    so their choices still count once the analysis reads only the column."""
    migration = importlib.import_module("quizzes.migrations.0004_attemptquestion_picked")
    before = item_analysis(quiz=quiz, refresh=True)
    AttemptQuestion.objects.update(picked=None)
    migration.fill_picked(django_apps, None)
    eli = get_user_model().objects.get(username="eli")
    picked = Attempt.objects.get(user=eli).questions.order_by("position")
    assert list(picked.values_list("picked", flat=True)) == [1 << p for p in PICKS["eli"]]
    after = item_analysis(quiz=quiz, refresh=True)
    assert [[c.count for c in q.choices] for q in after.questions] == [
        [c.count for c in q.choices] for q in before.questions
    ]
