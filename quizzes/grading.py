"""Scoring rules. Every score is computed from the attempt's frozen snapshot only.

Each rule returns the fraction of the question's points earned, from 0 to 1:

* single best answer and true/false: 1 if the chosen option is the key, else 0.
* multiple response, all or nothing (default): 1 if the selected set is exactly the set of
  correct options, else 0.
* multiple response, partial credit: with k correct options, each correct option selected
  earns +1/k and each wrong option selected costs 1/k; the result is never below 0.
  If the question carries imported weights (percent per option), the selected weights are
  summed instead, and the result is kept between 0 and 1.
* ordering, all or nothing (default): 1 only if every item is in its place. Partial credit:
  the fraction of items in their correct place.
* matching, all or nothing (default): 1 only if every prompt has its answer. Partial credit:
  the fraction of prompts matched correctly.

Nothing selected always scores 0. A question's score is the fraction times its points,
rounded to 3 places; it counts as correct only when the fraction is 1 (full credit), which is
also what a critical item needs.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
ONE = Decimal("1")
ALL_OR_NOTHING = "all_or_nothing"
PARTIAL = "partial"


def _clamp(value: Decimal) -> Decimal:
    return max(ZERO, min(ONE, value))


def fraction_single(snapshot: dict, response: dict | None) -> Decimal:
    chosen = (response or {}).get("choice")
    correct = {item["key"] for item in snapshot["items"] if item["correct"]}
    return ONE if chosen is not None and chosen in correct else ZERO


def fraction_multiple(snapshot: dict, response: dict | None, scoring: str) -> Decimal:
    selected = set((response or {}).get("choices") or [])
    if not selected:
        return ZERO
    items = snapshot["items"]
    correct = {item["key"] for item in items if item["correct"]}
    if scoring != PARTIAL:
        return ONE if selected == correct else ZERO
    weights = {item["key"]: item.get("weight") for item in items}
    if any(w is not None for w in weights.values()):
        total = sum((Decimal(str(weights[key] or 0)) for key in selected), ZERO)
        return _clamp(total / 100)
    k = Decimal(len(correct)) or ONE
    right = len(selected & correct)
    wrong = len(selected - correct)
    return _clamp(Decimal(right - wrong) / k)


def fraction_ordering(snapshot: dict, response: dict | None, scoring: str) -> Decimal:
    order = list((response or {}).get("order") or [])
    expected = [item["key"] for item in sorted(snapshot["items"], key=lambda i: i["position"])]
    if not order:
        return ZERO
    in_place = sum(1 for given, want in zip(order, expected, strict=False) if given == want)
    if scoring != PARTIAL:
        return ONE if order == expected else ZERO
    return Decimal(in_place) / Decimal(len(expected))


def fraction_matching(snapshot: dict, response: dict | None, scoring: str) -> Decimal:
    matches = (response or {}).get("matches") or {}
    prompts = snapshot["items"]
    if not matches:
        return ZERO
    right = sum(1 for item in prompts if matches.get(item["key"]) == item["answer"])
    if scoring != PARTIAL:
        return ONE if right == len(prompts) else ZERO
    return Decimal(right) / Decimal(len(prompts))


def question_fraction(snapshot: dict, response: dict | None, settings: dict) -> Decimal:
    qtype = snapshot["type"]
    if qtype in ("single", "true_false"):
        return fraction_single(snapshot, response)
    if qtype == "multiple":
        return fraction_multiple(snapshot, response, settings.get("multiple_scoring", ""))
    if qtype == "ordering":
        return fraction_ordering(snapshot, response, settings.get("sequence_scoring", ""))
    if qtype == "matching":
        return fraction_matching(snapshot, response, settings.get("sequence_scoring", ""))
    raise ValueError(f"Unknown question type {qtype!r}")


def question_grade(snapshot: dict, response: dict | None, settings: dict) -> tuple[Decimal, bool]:
    """The question's score in points and whether it earned full credit."""
    fraction = question_fraction(snapshot, response, settings)
    points = Decimal(str(snapshot["points"]))
    score = (fraction * points).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return score, fraction >= ONE


def question_score(snapshot: dict, response: dict | None, settings: dict) -> Decimal:
    return question_grade(snapshot, response, settings)[0]


CHOICE_TYPES = ("single", "multiple", "true_false")
MASK_POSITIONS = 63  # a PositiveBigIntegerField holds bits 0 to 62


def picked_mask(snapshot: dict, response: dict | None) -> int | None:
    """The options picked, as a bit mask of their positions in the question (bit n for the
    option at position n; 0 when nothing was picked); None for ordering and matching, which
    have no options to pick. Item analysis counts choices from it (``AttemptQuestion.picked``).
    """
    if snapshot["type"] not in CHOICE_TYPES:
        return None
    chosen = set((response or {}).get("choices") or [])
    if (response or {}).get("choice"):
        chosen.add(response["choice"])
    mask = 0
    for item in snapshot["items"]:
        if item["key"] in chosen and item["position"] < MASK_POSITIONS:
            mask |= 1 << item["position"]
    return mask


def percent(score: Decimal, max_score: Decimal) -> Decimal:
    if not max_score:
        return ZERO
    return (score * 100 / max_score).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
