"""Item analysis against figures worked out by hand, with Moodle's definitions.

The main response matrix: 5 attempts x 4 questions, maximum marks 1, 1, 2 and 1.

    attempt   Q1   Q2   Q3   Q4    total T
    A1         1    1    2    1    5
    A2         1    1    1    0    3
    A3         1    0    2    1    4
    A4         0    1    0    0    1
    A5         1    0    1    0.5  2.5

s = 5 attempts; every variance and covariance has divisor s - 1 = 4, as in Moodle.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from quizzes.analysis import (
    FLAG_DISTRACTOR_BEATS_KEY,
    FLAG_DISTRACTOR_UNPICKED,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
    FLAG_WEAK_DISCRIMINATION,
    ChoiceResponse,
    choice_analysis,
    choice_counts,
    flags_for_question,
    moodle_display,
    moodle_quiz_statistics_by_question,
    moodle_statistics,
    moodle_statistics_by_question,
)

MAX_MARKS = [1.0, 1.0, 2.0, 1.0]
MARKS: list[list[float | None]] = [
    [1, 1, 2, 1],
    [1, 1, 1, 0],
    [1, 0, 2, 1],
    [0, 1, 0, 0],
    [1, 0, 1, 0.5],
]

QUESTION_KEYS = {"facility", "sd", "discrimination_index", "discriminative_efficiency"}
QUIZ_KEYS = {
    "mean",
    "median",
    "sd",
    "skewness",
    "kurtosis",
    "cic",
    "error_ratio",
    "standard_error",
}


def approx(value: float) -> Any:
    """Equal to 4 decimal places."""
    return pytest.approx(value, abs=5e-5)


def all_figures(stats: dict[str, Any]) -> list[float | None]:
    figures = [value for question in stats["questions"] for value in question.values()]
    return figures + list(stats["quiz"].values())


def assert_no_nan_or_inf(stats: dict[str, Any]) -> None:
    for value in all_figures(stats):
        assert value is None or isinstance(value, float)
        if value is not None:
            assert not math.isnan(value)
            assert not math.isinf(value)


@pytest.fixture(scope="module")
def stats() -> dict[str, Any]:
    return moodle_statistics(MARKS, MAX_MARKS)


# ---------------------------------------------------------------------------------------------
# The shape of the answer.
# ---------------------------------------------------------------------------------------------


def test_result_has_one_entry_per_question_and_the_quiz_figures(stats: dict[str, Any]) -> None:
    assert len(stats["questions"]) == 4
    for question in stats["questions"]:
        assert set(question) == QUESTION_KEYS
    assert set(stats["quiz"]) == QUIZ_KEYS
    assert_no_nan_or_inf(stats)


# ---------------------------------------------------------------------------------------------
# Question figures on the main matrix.
# ---------------------------------------------------------------------------------------------


def test_facility_is_mean_mark_over_max_mark(stats: dict[str, Any]) -> None:
    # Q1: (1+1+1+0+1)/5 = 0.8 of 1 -> 0.8
    # Q2: (1+1+0+1+0)/5 = 0.6 of 1 -> 0.6
    # Q3: (2+1+2+0+1)/5 = 1.2 of 2 -> 0.6
    # Q4: (1+0+1+0+0.5)/5 = 0.5 of 1 -> 0.5
    facilities = [question["facility"] for question in stats["questions"]]
    assert facilities == [approx(0.8), approx(0.6), approx(0.6), approx(0.5)]


def test_item_sd_is_the_sample_sd_of_the_marks_in_marks(stats: dict[str, Any]) -> None:
    # Q1 deviations from 0.8: .2 .2 .2 -.8 .2 -> squares sum .04*4 + .64 = .8 -> var .8/4 = .2
    #    sd = sqrt(.2) = 0.4472
    # Q2 deviations from 0.6: .4 .4 -.6 .4 -.6 -> .16*3 + .36*2 = 1.2 -> var .3, sd 0.5477
    # Q3 deviations from 1.2: .8 -.2 .8 -1.2 -.2 -> .64+.04+.64+1.44+.04 = 2.8 -> var .7,
    #    sd 0.8367 (in marks out of 2; Moodle stores it unscaled like this)
    # Q4 deviations from 0.5: .5 -.5 .5 -.5 0 -> 1.0 -> var .25, sd 0.5
    sds = [question["sd"] for question in stats["questions"]]
    assert sds == [approx(0.4472), approx(0.5477), approx(0.8367), approx(0.5)]


def test_discrimination_index_correlates_the_item_with_the_rest_of_the_attempt(
    stats: dict[str, Any],
) -> None:
    # Rest of the attempt o = T - x, with T = 5, 3, 4, 1, 2.5.
    # Q1: o = 4, 2, 3, 1, 1.5; mean 2.3; deviations 1.7 -.3 .7 -1.3 -.8
    #     var(o) = (2.89+.09+.49+1.69+.64)/4 = 5.8/4 = 1.45
    #     cov = (.2*1.7 + .2*-.3 + .2*.7 + -.8*-1.3 + .2*-.8)/4 = (.34-.06+.14+1.04-.16)/4
    #         = 1.3/4 = .325
    #     DI = 100 * .325 / sqrt(.2 * 1.45) = 32.5 / .53852 = 60.3510
    # Q2: o = 4, 2, 4, 0, 2.5; mean 2.5; deviations 1.5 -.5 1.5 -2.5 0
    #     var(o) = (2.25+.25+2.25+6.25+0)/4 = 11/4 = 2.75
    #     cov = (.4*1.5 + .4*-.5 + -.6*1.5 + .4*-2.5 + -.6*0)/4 = (.6-.2-.9-1)/4 = -1.5/4 = -.375
    #     DI = 100 * -.375 / sqrt(.3 * 2.75) = -37.5 / .90830 = -41.2861
    # Q3: o = 3, 2, 2, 1, 1.5; mean 1.9; deviations 1.1 .1 .1 -.9 -.4
    #     var(o) = (1.21+.01+.01+.81+.16)/4 = 2.2/4 = .55
    #     cov = (.8*1.1 + -.2*.1 + .8*.1 + -1.2*-.9 + -.2*-.4)/4 = (.88-.02+.08+1.08+.08)/4
    #         = 2.1/4 = .525
    #     DI = 100 * .525 / sqrt(.7 * .55) = 52.5 / .62048 = 84.6114
    # Q4: o = 4, 3, 3, 1, 2; mean 2.6; deviations 1.4 .4 .4 -1.6 -.6
    #     var(o) = (1.96+.16+.16+2.56+.36)/4 = 5.2/4 = 1.3
    #     cov = (.5*1.4 + -.5*.4 + .5*.4 + -.5*-1.6 + 0*-.6)/4 = (.7-.2+.2+.8)/4 = 1.5/4 = .375
    #     DI = 100 * .375 / sqrt(.25 * 1.3) = 37.5 / .57009 = 65.7794
    indices = [question["discrimination_index"] for question in stats["questions"]]
    assert indices == [approx(60.3510), approx(-41.2861), approx(84.6114), approx(65.7794)]


def test_discriminative_efficiency_is_the_covariance_over_its_sorted_maximum(
    stats: dict[str, Any],
) -> None:
    # covmax pairs the sorted item deviations with the sorted rest deviations (divisor 4).
    # Q1: (-.8, .2, .2, .2, .2) with (-1.3, -.8, -.3, .7, 1.7)
    #     = (1.04 - .16 - .06 + .14 + .34)/4 = 1.3/4 = .325 = cov -> DE = 100
    # Q2: (-.6, -.6, .4, .4, .4) with (-2.5, -.5, 0, 1.5, 1.5)
    #     = (1.5 + .3 + 0 + .6 + .6)/4 = 3/4 = .75 -> DE = 100 * -.375 / .75 = -50
    # Q3: (-1.2, -.2, -.2, .8, .8) with (-.9, -.4, .1, .1, 1.1)
    #     = (1.08 + .08 - .02 + .08 + .88)/4 = 2.1/4 = .525 = cov -> DE = 100
    # Q4: (-.5, -.5, 0, .5, .5) with (-1.6, -.6, .4, .4, 1.4)
    #     = (.8 + .3 + 0 + .2 + .7)/4 = 2/4 = .5 -> DE = 100 * .375 / .5 = 75
    efficiencies = [question["discriminative_efficiency"] for question in stats["questions"]]
    assert efficiencies == [approx(100.0), approx(-50.0), approx(100.0), approx(75.0)]


# ---------------------------------------------------------------------------------------------
# Quiz figures on the main matrix: totals T = 5, 3, 4, 1, 2.5.
# Deviations from the mean 3.1: 1.9, -.1, .9, -2.1, -.6
#   sum of squares     3.61 + .01 + .81 + 4.41 + .36                  = 9.2
#   sum of cubes       6.859 - .001 + .729 - 9.261 - .216             = -1.89
#   sum of 4th powers  13.0321 + .0001 + .6561 + 19.4481 + .1296      = 33.266
#   m2 = 9.2/5 = 1.84, m3 = -1.89/5 = -.378, m4 = 33.266/5 = 6.6532
#   k2 = 5 * 1.84 / 4 = 2.3
#   k3 = 25 * -.378 / (4 * 3) = -.7875
#   k4 = 25 * (6 * 6.6532 - 3 * 4 * 1.84^2) / (4 * 3 * 2) = 25 * (39.9192 - 40.6272) / 24
#      = -.7375
# ---------------------------------------------------------------------------------------------


def test_quiz_mean_and_median_are_of_the_attempt_totals_in_marks(stats: dict[str, Any]) -> None:
    # mean = (5 + 3 + 4 + 1 + 2.5) / 5 = 15.5 / 5 = 3.1; median of 1, 2.5, 3, 4, 5 = 3
    assert stats["quiz"]["mean"] == approx(3.1)
    assert stats["quiz"]["median"] == approx(3.0)


def test_quiz_median_of_an_even_number_of_attempts_is_the_mean_of_the_middle_two() -> None:
    # totals 1, 2, 4, 8 -> (2 + 4) / 2 = 3
    result = moodle_statistics([[1], [2], [4], [8]], [8])
    assert result["quiz"]["median"] == approx(3.0)


def test_quiz_sd_is_the_sample_sd_of_the_totals(stats: dict[str, Any]) -> None:
    # sqrt(9.2 / 4) = sqrt(2.3) = 1.5166
    assert stats["quiz"]["sd"] == approx(1.5166)


def test_skewness_is_k3_over_k2_to_the_three_halves(stats: dict[str, Any]) -> None:
    # -.7875 / 2.3^1.5 = -.7875 / 3.48812 = -0.2258
    assert stats["quiz"]["skewness"] == approx(-0.2258)


def test_kurtosis_is_k4_over_k2_squared(stats: dict[str, Any]) -> None:
    # -.7375 / 2.3^2 = -.7375 / 5.29 = -0.1394
    assert stats["quiz"]["kurtosis"] == approx(-0.1394)


def test_cic_is_cronbachs_alpha_as_a_percentage(stats: dict[str, Any]) -> None:
    # sum of item variances .2 + .3 + .7 + .25 = 1.45; p = 4 questions
    # 100 * 4/3 * (1 - 1.45 / 2.3) = 133.333 * .369565 = 49.2754
    assert stats["quiz"]["cic"] == approx(49.2754)


def test_error_ratio_and_standard_error_follow_from_the_cic(stats: dict[str, Any]) -> None:
    # error ratio = 100 * sqrt(1 - .492754) = 100 * sqrt(.507246) = 71.2212
    # standard error = 71.2212 * 1.51658 / 100 = 1.0801 (in marks)
    assert stats["quiz"]["error_ratio"] == approx(71.2212)
    assert stats["quiz"]["standard_error"] == approx(1.0801)


def test_moodle_display_shows_the_report_percentages(stats: dict[str, Any]) -> None:
    shown = moodle_display(stats, MAX_MARKS)
    # facility .6 -> 60 %; Q3 sd .83666 of max 2 -> 41.8330 %
    assert shown["questions"][2]["facility"] == approx(60.0)
    assert shown["questions"][2]["sd"] == approx(41.8330)
    assert shown["questions"][2]["discrimination_index"] == approx(84.6114)
    # the quiz maximum is 1 + 1 + 2 + 1 = 5: mean 3.1 -> 62 %, median 3 -> 60 %,
    # sd 1.51658 -> 30.3315 %, standard error 1.08012 -> 21.6025 %
    assert shown["quiz"]["mean"] == approx(62.0)
    assert shown["quiz"]["median"] == approx(60.0)
    assert shown["quiz"]["sd"] == approx(30.3315)
    assert shown["quiz"]["standard_error"] == approx(21.6025)
    assert shown["quiz"]["cic"] == approx(49.2754)
    assert shown["quiz"]["skewness"] == approx(-0.2258)


# ---------------------------------------------------------------------------------------------
# Edge cases: the statistic is not available (None), never a crash, a NaN or an infinity.
# ---------------------------------------------------------------------------------------------


def test_no_attempts_give_no_figures_at_all() -> None:
    result = moodle_statistics([], MAX_MARKS)
    assert result["questions"] == [dict.fromkeys(QUESTION_KEYS)] * 4
    assert result["quiz"] == dict.fromkeys(QUIZ_KEYS)


def test_no_attempts_and_no_questions_give_no_figures() -> None:
    result = moodle_statistics([], [])
    assert result["questions"] == []
    assert result["quiz"] == dict.fromkeys(QUIZ_KEYS)


def test_one_attempt_has_facility_mean_and_median_only() -> None:
    result = moodle_statistics([[1, 0, 1.5, 0.5]], MAX_MARKS)
    # facility 1/1, 0/1, 1.5/2, .5/1; nothing with a divisor s - 1 = 0 exists
    assert [q["facility"] for q in result["questions"]] == [1.0, 0.0, 0.75, 0.5]
    for question in result["questions"]:
        assert question["sd"] is None
        assert question["discrimination_index"] is None
        assert question["discriminative_efficiency"] is None
    # total 1 + 0 + 1.5 + .5 = 3
    assert result["quiz"]["mean"] == approx(3.0)
    assert result["quiz"]["median"] == approx(3.0)
    for key in QUIZ_KEYS - {"mean", "median"}:
        assert result["quiz"][key] is None
    assert_no_nan_or_inf(result)


def test_two_attempts_have_an_sd_but_no_skewness_or_cic() -> None:
    # totals 2 and 0: sd = sqrt((1 + 1) / 1) = 1.4142; Moodle needs s > 2 for skewness and cic
    result = moodle_statistics([[1, 1], [0, 0]], [1, 1])
    assert result["quiz"]["sd"] == approx(1.4142)
    for key in ("skewness", "kurtosis", "cic", "error_ratio", "standard_error"):
        assert result["quiz"][key] is None
    # each item: x = 1, 0 and o = 1, 0 -> a perfect correlation
    assert result["questions"][0]["discrimination_index"] == approx(100.0)


def test_three_attempts_have_skewness_and_cic_but_no_kurtosis() -> None:
    # totals 2, 1, 0: deviations 1, 0, -1 -> m3 = 0 -> skewness 0; kurtosis needs s > 3
    # item variances: Q1 (1, 1, 0) -> 1/3, Q2 (1, 0, 0) -> 1/3; k2 = 2/2 = 1
    # cic = 100 * 2/1 * (1 - 2/3) = 66.6667
    result = moodle_statistics([[1, 1], [1, 0], [0, 0]], [1, 1])
    assert result["quiz"]["skewness"] == approx(0.0)
    assert result["quiz"]["kurtosis"] is None
    assert result["quiz"]["cic"] == approx(66.6667)


def test_all_correct_gives_zero_spread_and_no_indices() -> None:
    result = moodle_statistics([[1, 1, 2, 1]] * 4, MAX_MARKS)
    for question in result["questions"]:
        assert question["facility"] == 1.0
        assert question["sd"] == 0.0  # Moodle shows 0 % here, not a blank
        assert question["discrimination_index"] is None
        assert question["discriminative_efficiency"] is None
    quiz = result["quiz"]
    assert quiz["mean"] == approx(5.0)
    assert quiz["median"] == approx(5.0)
    assert quiz["sd"] == 0.0
    for key in ("skewness", "kurtosis", "cic", "error_ratio", "standard_error"):
        assert quiz[key] is None
    assert_no_nan_or_inf(result)
    assert flags_for_question(result["questions"][0]) == [FLAG_TOO_EASY]


def test_repeating_decimal_marks_still_count_as_zero_variance() -> None:
    # fsum([0.1] * 3) / 3 is not exactly 0.1: the variance must still be exactly zero.
    result = moodle_statistics([[0.1, 1.0], [0.1, 0.0], [0.1, 1.0]], [1, 1])
    assert result["questions"][0]["sd"] == 0.0
    assert result["questions"][0]["discrimination_index"] is None
    assert result["questions"][0]["discriminative_efficiency"] is None


def test_an_item_every_attempt_got_the_same_mark_has_no_indices_but_the_quiz_has() -> None:
    # Q2 is 1 in every attempt; Q1 = 1, 1, 0, 0
    # totals 2, 2, 1, 1: mean 1.5, deviations .5 .5 -.5 -.5, k2 = 1/3
    # item variances Q1 = 1/3, Q2 = 0 -> cic = 100 * 2 * (1 - (1/3) / (1/3)) = 0
    # error ratio = 100 * sqrt(1 - 0) = 100; standard error = 100 * sqrt(1/3) / 100 = .5774
    result = moodle_statistics([[1, 1], [1, 1], [0, 1], [0, 1]], [1, 1])
    constant = result["questions"][1]
    assert constant["facility"] == 1.0
    assert constant["sd"] == 0.0
    assert constant["discrimination_index"] is None
    assert constant["discriminative_efficiency"] is None
    # Q1's rest o = T - x = 1, 1, 1, 1 is constant too: no index for Q1 either
    assert result["questions"][0]["discrimination_index"] is None
    assert result["quiz"]["cic"] == approx(0.0)
    assert result["quiz"]["error_ratio"] == approx(100.0)
    assert result["quiz"]["standard_error"] == approx(0.5774)


def test_an_attempt_missing_a_question_counts_only_where_it_was_included() -> None:
    # A4 did not include Q2 (None): Q2's figures use A1, A2, A3, A5 only, and A4's total is
    # 0 + 0 + 0 = 0 (the missing question adds nothing).
    marks = [row[:] for row in MARKS]
    marks[3][1] = None
    result = moodle_statistics(marks, MAX_MARKS)
    # Q2 marks 1, 1, 0, 0 -> facility .5; deviations .5 .5 -.5 -.5 -> var 1/3, sd .5774
    q2 = result["questions"][1]
    assert q2["facility"] == approx(0.5)
    assert q2["sd"] == approx(0.5774)
    # Q2 rest o = 4, 2, 4, 2.5 (A1, A2, A3, A5): mean 3.125, deviations .875 -1.125 .875 -.625
    # var(o) = (.765625 + 1.265625 + .765625 + .390625)/3 = 3.1875/3 = 1.0625
    # cov = (.5*.875 + .5*-1.125 + -.5*.875 + -.5*-.625)/3 = (.4375-.5625-.4375+.3125)/3
    #     = -.25/3 = -.083333
    # DI = 100 * -.083333 / sqrt(.333333 * 1.0625) = -8.3333 / .59512 = -14.0028
    assert q2["discrimination_index"] == approx(-14.0028)
    # totals 5, 3, 4, 0, 2.5 -> mean 14.5 / 5 = 2.9, median 3
    assert result["quiz"]["mean"] == approx(2.9)
    assert result["quiz"]["median"] == approx(3.0)
    assert_no_nan_or_inf(result)


def test_a_question_no_attempt_included_has_no_figures() -> None:
    result = moodle_statistics([[1, None], [0, None], [1, None]], [1, 1])
    assert result["questions"][1] == dict.fromkeys(QUESTION_KEYS)
    assert result["questions"][0]["facility"] == approx(2 / 3)
    assert_no_nan_or_inf(result)


def test_error_ratio_is_none_when_the_cic_exceeds_100() -> None:
    # Possible only when attempts include different questions. Q1 is missing from A1.
    # totals 0, 1, 2 -> k2 = (1 + 0 + 1)/2 = 1
    # Q1 marks 1, 1 -> var 0; Q2 marks 0, 0, 1 -> var (1/9 + 1/9 + 4/9)/2 = 1/3
    # cic = 100 * 2/1 * (1 - (1/3) / 1) = 133.3333; sqrt(1 - 1.3333) does not exist:
    # Moodle stores the NaN as null.
    result = moodle_statistics([[None, 0], [1, 0], [1, 1]], [1, 1])
    assert result["quiz"]["cic"] == approx(133.3333)
    assert result["quiz"]["error_ratio"] is None
    assert result["quiz"]["standard_error"] is None
    assert_no_nan_or_inf(result)


def test_a_question_worth_zero_marks_has_no_facility() -> None:
    result = moodle_statistics([[1, 0], [0, 0], [1, 0]], [1, 0])
    assert result["questions"][1]["facility"] is None
    assert result["questions"][1]["sd"] == 0.0


def test_a_single_question_quiz_has_no_cic() -> None:
    # p = 1: Moodle needs p > 1 for the cic
    result = moodle_statistics([[1], [0], [1], [0]], [1])
    assert result["quiz"]["skewness"] == approx(0.0)
    assert result["quiz"]["cic"] is None
    assert result["quiz"]["error_ratio"] is None


def test_no_figure_is_ever_nan_or_infinite_on_random_matrices() -> None:
    rng = random.Random(7)
    choices: list[float | None] = [None, 0.0, 0.0, 0.5, 1.0, 1.0, 1 / 3]
    for _ in range(500):
        attempts = rng.randint(0, 7)
        questions = rng.randint(0, 5)
        marks = [[rng.choice(choices) for _ in range(questions)] for _ in range(attempts)]
        max_marks = [rng.choice([0.0, 1.0, 2.0]) for _ in range(questions)]
        result = moodle_statistics(marks, max_marks)
        assert_no_nan_or_inf(result)
        assert_no_nan_or_inf(moodle_display(result, max_marks))


def test_huge_marks_give_none_rather_than_infinity() -> None:
    result = moodle_statistics([[1e200, 0.0], [-1e200, 1.0], [1e200, 0.0]], [1e200, 1.0])
    assert_no_nan_or_inf(result)


def test_a_row_of_the_wrong_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="attempt 1 has 1 marks for 2 questions"):
        moodle_statistics([[1, 0], [1]], [1, 1])


def test_a_nan_mark_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        moodle_statistics([[math.nan]], [1])


# ---------------------------------------------------------------------------------------------
# Flags.
# ---------------------------------------------------------------------------------------------


def question(
    facility: float | None = 0.6, discrimination_index: float | None = 40.0
) -> dict[str, float | None]:
    return {
        "facility": facility,
        "sd": 0.4,
        "discrimination_index": discrimination_index,
        "discriminative_efficiency": 50.0,
    }


def test_a_question_with_fair_figures_has_no_flags() -> None:
    assert flags_for_question(question()) == []


def test_facility_above_90_percent_is_flagged_too_easy() -> None:
    assert flags_for_question(question(facility=0.95)) == [FLAG_TOO_EASY]
    assert FLAG_TOO_EASY == "Too easy: facility above 90 %"


def test_facility_of_exactly_90_percent_is_not_flagged() -> None:
    assert flags_for_question(question(facility=0.9)) == []


def test_facility_below_30_percent_is_flagged_too_hard() -> None:
    assert flags_for_question(question(facility=0.25)) == [FLAG_TOO_HARD]
    assert flags_for_question(question(facility=0.3)) == []
    assert FLAG_TOO_HARD == "Too hard: facility below 30 %"


def test_discrimination_below_20_percent_is_flagged_weak() -> None:
    assert flags_for_question(question(discrimination_index=19.9)) == [FLAG_WEAK_DISCRIMINATION]
    assert flags_for_question(question(discrimination_index=-41.3)) == [FLAG_WEAK_DISCRIMINATION]
    assert flags_for_question(question(discrimination_index=20.0)) == []
    assert FLAG_WEAK_DISCRIMINATION == "Weak discrimination: below 20 %"


def test_a_missing_figure_raises_no_flag() -> None:
    assert flags_for_question(question(facility=None, discrimination_index=None)) == []


def test_flags_can_combine_and_read_the_computed_figures(stats: dict[str, Any]) -> None:
    # Q2 of the main matrix: facility .6, discrimination index -41.29
    assert flags_for_question(stats["questions"][1]) == [FLAG_WEAK_DISCRIMINATION]
    assert flags_for_question(question(facility=0.1, discrimination_index=5.0)) == [
        FLAG_TOO_HARD,
        FLAG_WEAK_DISCRIMINATION,
    ]


# ---------------------------------------------------------------------------------------------
# Choice analysis. Question "q1", choices a (the key), b, c, d; six attempts.
#
#   attempt  total  picked        rank (highest total first)
#   1        9      b             top third
#   2        8      b             top third
#   3        7      a
#   4        5      a
#   5        3      a             bottom third
#   6        1      c             bottom third
#
# n = 6, g = 6 // 3 = 2 attempts per third.
# ---------------------------------------------------------------------------------------------

CHOICE_ROWS = [
    ChoiceResponse(1, 9.0, "q1", ["b"], ["a"]),
    ChoiceResponse(2, 8.0, "q1", ["b"], ["a"]),
    ChoiceResponse(3, 7.0, "q1", ["a"], ["a"]),
    ChoiceResponse(4, 5.0, "q1", ["a"], ["a"]),
    ChoiceResponse(5, 3.0, "q1", ["a"], ["a"]),
    ChoiceResponse(6, 1.0, "q1", ["c"], ["a"]),
]


def by_choice(analysis: dict[Any, Any], question_id: str) -> dict[Any, dict[str, Any]]:
    return {entry["choice_id"]: entry for entry in analysis[question_id]["choices"]}


def test_choice_counts_and_rates_overall_and_by_third() -> None:
    analysis = choice_analysis(CHOICE_ROWS, {"q1": ["a", "b", "c", "d"]})
    assert analysis["q1"]["responses"] == 6
    assert analysis["q1"]["group_size"] == 2
    choices = by_choice(analysis, "q1")
    assert [entry["choice_id"] for entry in analysis["q1"]["choices"]] == ["a", "b", "c", "d"]
    # a: 3 of 6 = .5; top third (attempts 1, 2) 0 of 2; bottom third (5, 6) 1 of 2 = .5
    assert choices["a"]["is_key"] is True
    assert (choices["a"]["count"], choices["a"]["rate"]) == (3, approx(0.5))
    assert (choices["a"]["top_count"], choices["a"]["top_rate"]) == (0, 0.0)
    assert (choices["a"]["bottom_count"], choices["a"]["bottom_rate"]) == (1, approx(0.5))
    # b: 2 of 6 = .3333; top 2 of 2 = 1; bottom 0
    assert (choices["b"]["count"], choices["b"]["rate"]) == (2, approx(0.3333))
    assert (choices["b"]["top_count"], choices["b"]["top_rate"]) == (2, 1.0)
    assert (choices["b"]["bottom_count"], choices["b"]["bottom_rate"]) == (0, 0.0)
    # c: 1 of 6 = .1667, only in the bottom third; d: nobody
    assert (choices["c"]["count"], choices["c"]["rate"]) == (1, approx(0.1667))
    assert (choices["c"]["bottom_count"], choices["c"]["bottom_rate"]) == (1, approx(0.5))
    assert (choices["d"]["count"], choices["d"]["rate"]) == (0, 0.0)


def test_distractor_the_top_third_prefers_to_the_key_is_flagged() -> None:
    choices = by_choice(choice_analysis(CHOICE_ROWS, {"q1": ["a", "b", "c", "d"]}), "q1")
    # top third: b picked 2 times, the key a 0 times
    assert choices["b"]["flags"] == [FLAG_DISTRACTOR_BEATS_KEY]
    assert choices["a"]["flags"] == []  # the key is never flagged
    assert choices["c"]["flags"] == []  # picked once, never by the top third
    assert FLAG_DISTRACTOR_BEATS_KEY == (
        "The top third picked this distractor more often than the key"
    )


def test_distractor_nobody_picked_is_flagged() -> None:
    choices = by_choice(choice_analysis(CHOICE_ROWS, {"q1": ["a", "b", "c", "d"]}), "q1")
    assert choices["d"]["flags"] == [FLAG_DISTRACTOR_UNPICKED]
    assert FLAG_DISTRACTOR_UNPICKED == "No one picked this distractor"


def test_without_the_choice_list_only_choices_seen_are_reported() -> None:
    analysis = choice_analysis(CHOICE_ROWS)
    assert [entry["choice_id"] for entry in analysis["q1"]["choices"]] == ["a", "b", "c"]


def test_ranking_does_not_depend_on_row_order() -> None:
    forward = choice_analysis(CHOICE_ROWS, {"q1": ["a", "b", "c", "d"]})
    backward = choice_analysis(list(reversed(CHOICE_ROWS)), {"q1": ["a", "b", "c", "d"]})
    assert forward == backward


def test_fewer_than_three_responses_have_no_thirds() -> None:
    analysis = choice_analysis(
        [(1, 5.0, "q", ["a"], ["a"]), (2, 2.0, "q", ["b"], ["a"])], {"q": ["a", "b"]}
    )
    assert analysis["q"]["group_size"] == 0
    for entry in analysis["q"]["choices"]:
        assert entry["top_rate"] is None
        assert entry["bottom_rate"] is None
        assert FLAG_DISTRACTOR_BEATS_KEY not in entry["flags"]
    assert by_choice(analysis, "q")["b"]["rate"] == approx(0.5)


def test_unanswered_responses_count_in_the_denominator() -> None:
    # 3 attempts, one picked nothing: a = 1 of 3
    analysis = choice_analysis(
        [(1, 3.0, "q", ["a"], ["a"]), (2, 2.0, "q", [], ["a"]), (3, 1.0, "q", ["b"], ["a"])]
    )
    assert by_choice(analysis, "q")["a"]["rate"] == approx(0.3333)


def test_multiple_answer_questions_compare_with_the_least_picked_key() -> None:
    # keys a and b; top third (attempts 1, 2) picked a twice, b never, distractor c twice
    rows = [
        (1, 9.0, "q", ["a", "c"], ["a", "b"]),
        (2, 8.0, "q", ["a", "c"], ["a", "b"]),
        (3, 5.0, "q", ["a", "b"], ["a", "b"]),
        (4, 4.0, "q", ["b"], ["a", "b"]),
        (5, 2.0, "q", ["b"], ["a", "b"]),
        (6, 1.0, "q", [], ["a", "b"]),
    ]
    choices = by_choice(choice_analysis(rows), "q")
    assert choices["c"]["top_count"] == 2
    assert choices["c"]["flags"] == [FLAG_DISTRACTOR_BEATS_KEY]


def test_each_question_is_analysed_on_its_own_attempts() -> None:
    rows = [*CHOICE_ROWS, ChoiceResponse(1, 9.0, "q2", ["x"], ["x"])]
    analysis = choice_analysis(rows)
    assert analysis["q2"]["responses"] == 1
    assert analysis["q1"]["responses"] == 6


def test_no_responses_give_an_empty_analysis() -> None:
    assert choice_analysis([]) == {}


def test_two_rows_for_the_same_attempt_and_question_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="two rows"):
        choice_analysis([CHOICE_ROWS[0], CHOICE_ROWS[0]])


def test_equal_totals_at_the_edge_of_a_third_are_split_by_attempt_id() -> None:
    # totals 5, 5, 5: g = 1; attempt 1 (lowest id) is the top third, attempt 3 the bottom
    rows = [
        (3, 5.0, "q", ["c"], ["a"]),
        (1, 5.0, "q", ["a"], ["a"]),
        (2, 5.0, "q", ["b"], ["a"]),
    ]
    choices = by_choice(choice_analysis(rows), "q")
    assert (choices["a"]["top_count"], choices["a"]["bottom_count"]) == (1, 0)
    assert (choices["c"]["top_count"], choices["c"]["bottom_count"]) == (0, 1)


# --- choice_counts: the same figures from bit masks, for the pages ------------------------------


def as_masks(rows) -> tuple[dict, dict]:
    """choice_analysis rows with integer choice ids turned into choice_counts' input: each
    attempt ranked by total (highest first), then attempt id."""
    ranked = sorted({(-total, attempt_id) for attempt_id, total, *_ in rows})
    rank = {attempt_id: place for place, (_, attempt_id) in enumerate(ranked)}
    by_question: dict[Any, list] = {}
    keys: dict[Any, int] = {}
    for attempt_id, _total, question_id, picked, correct in rows:
        mask = sum(1 << p for p in set(picked))
        by_question.setdefault(question_id, []).append((rank[attempt_id], mask))
        keys[question_id] = keys.get(question_id, 0) | sum(1 << p for p in correct)
    return by_question, keys


def test_choice_counts_from_masks_agree_with_choice_analysis_on_random_answers() -> None:
    rng = random.Random(7)
    for _ in range(40):
        options = {q: rng.randint(2, 6) for q in ("q1", "q2", "q3")}
        rows = []
        for attempt in range(rng.randint(1, 40)):
            total = float(rng.randint(0, 5))  # few totals: ties at the edge of the thirds
            for question, count in options.items():
                keys = [0] if question != "q3" else [0, 2]
                picked = rng.sample(range(count), rng.randint(0, min(2, count)))
                rows.append((f"attempt-{attempt:03d}", total, question, picked, keys))
        by_question, keys = as_masks(rows)
        expected = choice_analysis(rows, {q: list(range(n)) for q, n in options.items()})
        assert choice_counts(by_question, keys, options) == expected


def test_choice_counts_keep_a_picked_option_since_removed_from_the_question() -> None:
    rows = {"q": [(0, 0b001), (1, 0b100), (2, 0b001)]}
    analysis = choice_counts(rows, {"q": 0b001}, {"q": 2})
    assert [c["choice_id"] for c in analysis["q"]["choices"]] == [0, 1, 2]
    assert [c["count"] for c in analysis["q"]["choices"]] == [2, 0, 1]
    assert analysis["q"]["choices"][1]["flags"] == [FLAG_DISTRACTOR_UNPICKED]


def test_statistics_by_question_agree_with_the_matrix_form_on_random_marks() -> None:
    rng = random.Random(11)
    for _ in range(30):
        width = rng.randint(1, 8)
        maxima = [float(rng.choice([1, 2, 3])) for _ in range(width)]
        matrix = [
            [None if rng.random() < 0.3 else float(rng.randint(0, int(top))) for top in maxima]
            for _ in range(rng.randint(0, 25))
        ]
        matrix = [row for row in matrix if any(mark is not None for mark in row)]
        columns = [
            [(n, row[j]) for n, row in enumerate(matrix) if row[j] is not None]
            for j in range(width)
        ]
        totals = [math.fsum(mark for mark in row if mark is not None) for row in matrix]
        expected = moodle_statistics(matrix, maxima)
        assert moodle_statistics_by_question(columns, totals, maxima) == expected
        assert moodle_quiz_statistics_by_question(columns, totals) == expected["quiz"]
