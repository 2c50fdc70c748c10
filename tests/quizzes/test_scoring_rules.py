"""The scoring rules of README.md ("Scoring rules"), one test per rule and edge case.

Snapshots are written out by hand so each test shows exactly what is being scored.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from quizzes import grading
from quizzes.grading import percent, question_grade

AON = {"multiple_scoring": "all_or_nothing", "sequence_scoring": "all_or_nothing"}
PARTIAL = {"multiple_scoring": "partial", "sequence_scoring": "partial"}


def options(qtype: str, correct: list[bool], points: str = "1", weights=None) -> dict:
    weights = weights or [None] * len(correct)
    return {
        "type": qtype,
        "points": points,
        "items": [
            {"key": f"k{i}", "correct": c, "weight": w, "position": i}
            for i, (c, w) in enumerate(zip(correct, weights, strict=True))
        ],
    }


def ordering(n: int, points: str = "1") -> dict:
    return {
        "type": "ordering",
        "points": points,
        "items": [{"key": f"s{i}", "position": i} for i in reversed(range(n))],
    }


def matching(n: int, distractors: int = 1, points: str = "1") -> dict:
    return {
        "type": "matching",
        "points": points,
        "items": [{"key": f"p{i}", "answer": f"a{i}"} for i in range(n)],
        "answers": [{"key": f"a{i}"} for i in range(n + distractors)],
    }


def grade(snapshot, response, settings=AON):
    return question_grade(snapshot, response, settings)


# --- Single best answer and true/false: all or nothing ---------------------------------------


def test_single_answer_scores_full_points_for_the_key():
    assert grade(options("single", [False, True, False]), {"choice": "k1"}) == (Decimal(1), True)


def test_single_answer_scores_nothing_for_a_distractor():
    assert grade(options("single", [False, True, False]), {"choice": "k0"}) == (Decimal(0), False)


def test_single_answer_scores_nothing_when_nothing_is_chosen():
    assert grade(options("single", [True, False]), None) == (Decimal(0), False)
    assert grade(options("single", [True, False]), {}) == (Decimal(0), False)


def test_single_answer_ignores_the_quizs_partial_credit_setting():
    assert grade(options("single", [True, False]), {"choice": "k1"}, PARTIAL)[0] == 0


def test_true_false_scores_full_or_nothing():
    snapshot = options("true_false", [True, False])
    assert grade(snapshot, {"choice": "k0"}) == (Decimal(1), True)
    assert grade(snapshot, {"choice": "k1"}) == (Decimal(0), False)
    assert grade(snapshot, None) == (Decimal(0), False)


# --- Multiple response ------------------------------------------------------------------------


def test_multiple_response_all_or_nothing_needs_exactly_the_correct_set():
    snapshot = options("multiple", [True, True, False, False])
    assert grade(snapshot, {"choices": ["k0", "k1"]}) == (Decimal(1), True)


def test_multiple_response_all_or_nothing_scores_nothing_for_a_correct_subset():
    snapshot = options("multiple", [True, True, False, False])
    assert grade(snapshot, {"choices": ["k0"]}) == (Decimal(0), False)


def test_multiple_response_all_or_nothing_scores_nothing_for_one_extra_option():
    snapshot = options("multiple", [True, True, False, False])
    assert grade(snapshot, {"choices": ["k0", "k1", "k2"]}) == (Decimal(0), False)


def test_multiple_response_all_or_nothing_scores_nothing_when_everything_is_selected():
    snapshot = options("multiple", [True, True, False, False])
    assert grade(snapshot, {"choices": ["k0", "k1", "k2", "k3"]}) == (Decimal(0), False)


def test_multiple_response_scores_nothing_when_nothing_is_selected():
    snapshot = options("multiple", [True, True, False, False])
    assert grade(snapshot, {"choices": []}) == (Decimal(0), False)
    assert grade(snapshot, None, PARTIAL) == (Decimal(0), False)


def test_partial_credit_gives_one_kth_per_correct_option_selected():
    snapshot = options("multiple", [True, True, True, False], points="3")
    assert grade(snapshot, {"choices": ["k0"]}, PARTIAL) == (Decimal("1.000"), False)
    assert grade(snapshot, {"choices": ["k0", "k1"]}, PARTIAL) == (Decimal("2.000"), False)
    assert grade(snapshot, {"choices": ["k0", "k1", "k2"]}, PARTIAL) == (Decimal("3.000"), True)


def test_partial_credit_takes_one_kth_off_per_wrong_option_selected():
    snapshot = options("multiple", [True, True, False, False], points="2")
    # (2 right - 1 wrong) / 2 correct options = 1/2 of 2 points
    assert grade(snapshot, {"choices": ["k0", "k1", "k2"]}, PARTIAL) == (Decimal("1.000"), False)


def test_partial_credit_is_never_below_zero():
    snapshot = options("multiple", [True, False, False, False])
    assert grade(snapshot, {"choices": ["k0", "k1", "k2", "k3"]}, PARTIAL) == (Decimal(0), False)
    assert grade(snapshot, {"choices": ["k1", "k2"]}, PARTIAL) == (Decimal(0), False)


def test_partial_credit_when_everything_is_selected_is_right_minus_wrong_over_k():
    three_of_four = options("multiple", [True, True, True, False], points="3")
    everything = {"choices": ["k0", "k1", "k2", "k3"]}
    assert grade(three_of_four, everything, PARTIAL) == (Decimal("2.000"), False)
    two_of_four = options("multiple", [True, True, False, False])
    assert grade(two_of_four, everything, PARTIAL) == (Decimal(0), False)


def test_partial_credit_rounds_a_third_to_three_places():
    snapshot = options("multiple", [True, True, True, False], points="2")
    assert grade(snapshot, {"choices": ["k0"]}, PARTIAL) == (Decimal("0.667"), False)


def test_imported_option_weights_are_summed_and_kept_between_zero_and_full():
    weights = [50, 50, -100, -100]
    snapshot = options("multiple", [True, True, False, False], weights=weights)
    assert grade(snapshot, {"choices": ["k0"]}, PARTIAL)[0] == Decimal("0.500")
    assert grade(snapshot, {"choices": ["k0", "k1"]}, PARTIAL) == (Decimal(1), True)
    assert grade(snapshot, {"choices": ["k0", "k2"]}, PARTIAL)[0] == 0
    over = options("multiple", [True, True], weights=[100, 100])
    assert grade(over, {"choices": ["k0", "k1"]}, PARTIAL)[0] == 1


# --- Ordering -----------------------------------------------------------------------------------


def test_ordering_all_or_nothing_needs_every_step_in_place():
    snapshot = ordering(4)
    assert grade(snapshot, {"order": ["s0", "s1", "s2", "s3"]}) == (Decimal(1), True)


def test_ordering_all_or_nothing_scores_nothing_for_one_swap():
    snapshot = ordering(4)
    assert grade(snapshot, {"order": ["s0", "s1", "s3", "s2"]}) == (Decimal(0), False)


def test_ordering_partial_credit_is_the_fraction_of_steps_in_their_place():
    snapshot = ordering(4, points="4")
    assert grade(snapshot, {"order": ["s0", "s1", "s3", "s2"]}, PARTIAL) == (Decimal(2), False)
    assert grade(snapshot, {"order": ["s3", "s2", "s1", "s0"]}, PARTIAL) == (Decimal(0), False)
    assert grade(snapshot, {"order": ["s0", "s1", "s2", "s3"]}, PARTIAL) == (Decimal(4), True)


def test_ordering_scores_nothing_when_no_order_is_given():
    assert grade(ordering(3), None) == (Decimal(0), False)
    assert grade(ordering(3), {"order": []}, PARTIAL) == (Decimal(0), False)


# --- Matching -----------------------------------------------------------------------------------


def test_matching_all_or_nothing_needs_every_pair():
    snapshot = matching(3)
    right = {"matches": {"p0": "a0", "p1": "a1", "p2": "a2"}}
    assert grade(snapshot, right) == (Decimal(1), True)
    one_wrong = {"matches": {"p0": "a0", "p1": "a1", "p2": "a3"}}
    assert grade(snapshot, one_wrong) == (Decimal(0), False)


def test_matching_partial_credit_is_the_fraction_of_pairs_matched():
    snapshot = matching(4, points="2")
    half = {"matches": {"p0": "a0", "p1": "a1", "p2": "a4", "p3": "a2"}}
    assert grade(snapshot, half, PARTIAL) == (Decimal("1.000"), False)


def test_matching_leaving_a_prompt_unanswered_counts_it_wrong():
    snapshot = matching(2)
    assert grade(snapshot, {"matches": {"p0": "a0"}}) == (Decimal(0), False)
    assert grade(snapshot, {"matches": {"p0": "a0"}}, PARTIAL)[0] == Decimal("0.500")


def test_matching_scores_nothing_when_nothing_is_matched():
    assert grade(matching(2), None, PARTIAL) == (Decimal(0), False)
    assert grade(matching(2), {"matches": {}}) == (Decimal(0), False)


# --- Points, correctness and the percentage ------------------------------------------------------


def test_a_question_earns_its_fraction_of_its_points():
    snapshot = options("single", [True, False], points="2.5")
    assert grade(snapshot, {"choice": "k0"})[0] == Decimal("2.500")


def test_a_question_counts_as_correct_only_with_full_credit():
    snapshot = options("multiple", [True, True, False], points="2")
    assert grade(snapshot, {"choices": ["k0"]}, PARTIAL) == (Decimal("1.000"), False)


def test_a_zero_point_question_answered_wrongly_is_not_correct():
    snapshot = options("single", [True, False], points="0")
    assert grade(snapshot, {"choice": "k1"}) == (Decimal(0), False)
    assert grade(snapshot, {"choice": "k0"}) == (Decimal(0), True)


@pytest.mark.parametrize(
    ("score", "max_score", "expected"),
    [("4", "5", "80.00"), ("2", "3", "66.67"), ("0", "5", "0.00"), ("0", "0", "0")],
)
def test_the_percentage_is_score_over_maximum_to_two_places(score, max_score, expected):
    assert percent(Decimal(score), Decimal(max_score)) == Decimal(expected)


def test_an_unknown_question_type_is_an_error_not_a_zero():
    with pytest.raises(ValueError, match="essay"):
        grade({"type": "essay", "points": "1", "items": []}, None)


def test_the_options_picked_are_a_mask_of_their_places_in_the_question() -> None:
    snapshot = {
        "type": "multiple",
        "items": [
            {"key": "k2", "position": 2, "correct": True},
            {"key": "k0", "position": 0, "correct": False},
            {"key": "k1", "position": 1, "correct": True},
        ],
    }
    assert grading.picked_mask(snapshot, {"choices": ["k2", "k0"]}) == 0b101
    assert grading.picked_mask(snapshot, None) == 0
    assert grading.picked_mask({**snapshot, "type": "single"}, {"choice": "k1"}) == 0b010
    assert grading.picked_mask({"type": "ordering", "items": []}, {"order": []}) is None
