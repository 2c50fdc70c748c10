"""Item analysis with Moodle's definitions, as pure functions over plain numbers.

Everything the item-analysis pages show comes from :func:`moodle_statistics`, so a figure can be
checked against Moodle's quiz statistics report for the same attempts. The definitions follow
Moodle's own code, not a textbook, wherever the two differ:

* question figures: ``core_question\\statistics\\questions\\calculator``
  (``question/classes/statistics/questions/calculator.php``);
* quiz figures: ``quiz_statistics\\calculator``
  (``mod/quiz/report/statistics/classes/calculator.php``);
* the documentation both cite: "Quiz statistics calculations"
  (https://docs.moodle.org/dev/Quiz_statistics_calculations) and "Quiz item analysis
  calculations in practise".

Units are the ones Moodle *stores* (tables ``question_statistics`` and ``quiz_statistics``), not
the ones its report *shows*; :func:`moodle_display` converts to the report's percentages.

Notation used in the docstrings: ``s`` is the number of attempts counted, ``x`` an item's mark in
an attempt, ``T`` the attempt's total mark (the sum of its question marks), ``o = T - x`` the mark
for the rest of the attempt, ``x̄`` a mean, and ``Σ`` a sum over attempts.

The module does no database work and imports nothing from Django: the pages gather the marks and
call it; anyone checking our figures can call it the same way.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypedDict

__all__ = [
    "EASY_FACILITY",
    "FLAG_DISTRACTOR_BEATS_KEY",
    "FLAG_DISTRACTOR_UNPICKED",
    "FLAG_TOO_EASY",
    "FLAG_TOO_HARD",
    "FLAG_WEAK_DISCRIMINATION",
    "HARD_FACILITY",
    "WEAK_DISCRIMINATION",
    "ChoiceResponse",
    "ChoiceStatistics",
    "MoodleStatistics",
    "QuestionChoiceAnalysis",
    "QuestionStatistics",
    "QuizStatistics",
    "choice_analysis",
    "choice_counts",
    "flags_for_question",
    "moodle_display",
    "moodle_quiz_statistics_by_question",
    "moodle_statistics",
    "moodle_statistics_by_question",
]

# Thresholds of issue 7, in the units moodle_statistics returns.
EASY_FACILITY = 0.9  # facility is a fraction
HARD_FACILITY = 0.3
WEAK_DISCRIMINATION = 20.0  # the discrimination index is a percentage

FLAG_TOO_EASY = "Too easy: facility above 90 %"
FLAG_TOO_HARD = "Too hard: facility below 30 %"
FLAG_WEAK_DISCRIMINATION = "Weak discrimination: below 20 %"
FLAG_DISTRACTOR_UNPICKED = "No one picked this distractor"
FLAG_DISTRACTOR_BEATS_KEY = "The top third picked this distractor more often than the key"


class QuestionStatistics(TypedDict):
    """One question's figures, as Moodle stores them in ``question_statistics``."""

    facility: float | None
    sd: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None


class QuizStatistics(TypedDict):
    """The quiz's figures, as Moodle stores them in ``quiz_statistics``."""

    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    cic: float | None
    error_ratio: float | None
    standard_error: float | None


class MoodleStatistics(TypedDict):
    """What :func:`moodle_statistics` returns."""

    questions: list[QuestionStatistics]
    quiz: QuizStatistics


# --------------------------------------------------------------------------------------------
# Small numeric helpers. Zero variance is decided exactly (all values equal), never by comparing
# a rounded sum of squares with zero: a mean such as fsum([0.1] * 3) / 3 is not exactly 0.1, and
# Moodle's "if ($variance)" test would then divide by a variance of 1e-34.
# --------------------------------------------------------------------------------------------


def _sum(values: Iterable[float]) -> float:
    """An exactly rounded sum (math.fsum); NaN where it overflows, never an exception."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):  # intermediate overflow, or inf + -inf
        return math.nan


def _all_equal(values: list[float]) -> bool:
    first = values[0]
    # list.count compares in C; a NaN equals nothing, not even itself.
    return first == first and values.count(first) == len(values)


def _deviations(values: list[float]) -> list[float]:
    """Differences from the mean; exactly zero when every value is the same."""
    if not values:
        return []
    if _all_equal(values):
        return [0.0] * len(values)
    mean = _sum(values) / len(values)
    return [value - mean for value in values]


def _mean(values: list[float]) -> float:
    if _all_equal(values):
        return float(values[0])
    return _sum(values) / len(values)


def _finite_or_none(value: float | None) -> float | None:
    """Guard every returned figure: None instead of NaN or infinity."""
    if value is None or not math.isfinite(value):
        return None
    return value


def _checked(
    marks: Sequence[Sequence[float | None]], max_marks: Sequence[float]
) -> tuple[list[list[float | None]], list[float], list[float]]:
    """Validate the shape of the input (malformed input is a programming error) and give the
    rows as floats, the maxima, and each attempt's total mark."""
    maxima = [float(value) for value in max_marks]
    if not all(math.isfinite(value) for value in maxima):
        raise ValueError("max_marks must be finite numbers")
    width = len(maxima)
    rows: list[list[float | None]] = []
    totals: list[float] = []
    for number, attempt in enumerate(marks):
        if len(attempt) != width:
            raise ValueError(f"attempt {number} has {len(attempt)} marks for {width} questions")
        if None in attempt:
            row = [None if mark is None else float(mark) for mark in attempt]
            total = _sum([mark for mark in row if mark is not None])
        else:
            row = list(map(float, attempt))
            total = _sum(row)
        # A finite sum means finite marks; otherwise look closer (finite marks can overflow).
        if not math.isfinite(total) and not all(
            math.isfinite(mark) for mark in row if mark is not None
        ):
            raise ValueError(f"attempt {number} has a mark that is not a finite number")
        rows.append(row)
        totals.append(total)
    return rows, maxima, totals


def _sum_of_products(a: Sequence[float], b: Sequence[float]) -> float:
    return _sum(map(operator.mul, a, b))


# --------------------------------------------------------------------------------------------
# The statistics.
# --------------------------------------------------------------------------------------------


def _question_statistics(
    items: Sequence[float], rests: Sequence[float], max_mark: float
) -> tuple[QuestionStatistics, float]:
    """One question's figures and its mark variance (the latter feeds the CIC)."""
    s = len(items)
    facility: float | None = None
    if s > 0 and max_mark != 0:
        facility = _mean(items) / max_mark
    if s < 2:
        # Moodle: markvariance, covariance, covariancemax and sd are null when s <= 1, so the
        # indices that divide by them are null too, and the variance adds 0 to the CIC's sum.
        empty: QuestionStatistics = {
            "facility": _finite_or_none(facility),
            "sd": None,
            "discrimination_index": None,
            "discriminative_efficiency": None,
        }
        return empty, 0.0

    item_dev = _deviations(items)
    rest_dev = _deviations(rests)
    mark_variance = _sum_of_products(item_dev, item_dev) / (s - 1)
    rest_variance = _sum_of_products(rest_dev, rest_dev) / (s - 1)
    covariance = _sum_of_products(item_dev, rest_dev) / (s - 1)
    # Both lists sorted ascending independently, then paired: the largest covariance the two
    # sets of marks could have (rearrangement inequality).
    covariance_max = _sum_of_products(sorted(item_dev), sorted(rest_dev)) / (s - 1)

    discrimination_index: float | None = None
    if mark_variance > 0 and rest_variance > 0:
        discrimination_index = 100 * covariance / math.sqrt(mark_variance * rest_variance)
    discriminative_efficiency: float | None = None
    if covariance_max != 0:
        discriminative_efficiency = 100 * covariance / covariance_max

    stats: QuestionStatistics = {
        "facility": _finite_or_none(facility),
        "sd": _finite_or_none(math.sqrt(mark_variance)),
        "discrimination_index": _finite_or_none(discrimination_index),
        "discriminative_efficiency": _finite_or_none(discriminative_efficiency),
    }
    return stats, mark_variance


def _median(totals: Sequence[float]) -> float:
    """Moodle's median: the middle total, or the mean of the two middle totals."""
    ordered = sorted(totals)
    s = len(ordered)
    if s % 2:
        return ordered[s // 2]
    return (ordered[s // 2 - 1] + ordered[s // 2]) / 2


def _quiz_statistics(
    totals: Sequence[float], number_of_questions: int, sum_of_mark_variance: float
) -> QuizStatistics:
    figures = _raw_quiz_statistics(totals, number_of_questions, sum_of_mark_variance)
    return {
        "mean": _finite_or_none(figures.get("mean")),
        "median": _finite_or_none(figures.get("median")),
        "sd": _finite_or_none(figures.get("sd")),
        "skewness": _finite_or_none(figures.get("skewness")),
        "kurtosis": _finite_or_none(figures.get("kurtosis")),
        "cic": _finite_or_none(figures.get("cic")),
        "error_ratio": _finite_or_none(figures.get("error_ratio")),
        "standard_error": _finite_or_none(figures.get("standard_error")),
    }


def _raw_quiz_statistics(
    totals: Sequence[float], p: int, sum_of_mark_variance: float
) -> dict[str, float]:
    """The quiz figures Moodle computes for these totals; a figure it leaves null is absent."""
    figures: dict[str, float] = {}
    s = len(totals)
    if s == 0:
        return figures
    figures["mean"] = _mean(totals)
    figures["median"] = _median(totals)
    if s < 2:
        return figures

    deviations = _deviations(totals)
    power2 = _sum(d * d for d in deviations)
    power3 = _sum(d * d * d for d in deviations)
    power4 = _sum((d * d) * (d * d) for d in deviations)
    sd = math.sqrt(power2 / (s - 1))
    figures["sd"] = sd
    if s < 3:
        return figures

    m2, m3, m4 = power2 / s, power3 / s, power4 / s
    k2 = s * m2 / (s - 1)
    if not k2 > 0:  # every attempt has the same total: Moodle's "if ($k2 != 0)"
        return figures
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    figures["skewness"] = k3 / (k2 * math.sqrt(k2))  # k2^(3/2) without pow overflow
    if s > 3:
        k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
        figures["kurtosis"] = k4 / (k2 * k2)

    if p > 1:
        cic = (100 * p / (p - 1)) * (1 - sum_of_mark_variance / k2)
        figures["cic"] = cic
        unexplained = 1 - cic / 100
        if -1e-12 < unexplained < 0:  # cic a rounding error above 100
            unexplained = 0.0
        if unexplained >= 0:
            # Moodle takes sqrt() of a negative number when cic > 100 (possible only when
            # attempts include different questions) and stores the NaN as null.
            error_ratio = 100 * math.sqrt(unexplained)
            figures["error_ratio"] = error_ratio
            figures["standard_error"] = error_ratio * sd / 100
    return figures


def moodle_statistics(
    marks: Sequence[Sequence[float | None]], max_marks: Sequence[float]
) -> MoodleStatistics:
    """Moodle's quiz and question statistics for a set of attempts.

    ``marks`` holds one row per attempt counted (the page decides which: first, best, last or
    all), each with one mark per question in the order of ``max_marks``; a mark is None when the
    attempt did not include that question (a random question drawn from a bank). ``max_marks``
    holds each question's maximum mark. A row of the wrong length, or a mark that is NaN or
    infinite, is a programming error and raises ValueError; every *data* edge case (no attempts,
    one attempt, identical marks, missing questions) gives None for the figures Moodle leaves
    empty, never an exception, a NaN or an infinity.

    An attempt's total ``T`` is the sum of its marks (Moodle: ``quiz_attempts.sumgrades`` for the
    quiz figures, ``$summarks`` for the question figures; both are the sum of the question
    marks). For each question only the attempts that include it count (Moodle reads the
    question's latest steps), so its ``s`` can be smaller than the quiz's.

    Question figures (``questions``, one dict per question, in order):

    ``facility``
        ``x̄ / max_mark``, a fraction (Moodle: ``facility = markaverage / maxmark``; None if the
        maximum mark is 0). None when no attempt included the question (Moodle has no row
        for it then).
    ``sd``
        ``sqrt(Σ(x - x̄)² / (s - 1))``, in marks, the sample SD of the item's marks (Moodle stores
        ``sd`` unscaled; its report shows ``sd / maxmark`` as a percentage, see
        :func:`moodle_display`). None when ``s < 2``; 0.0 when every mark is the same.
    ``discrimination_index``
        ``100 · cov(x, o) / sqrt(var(x) · var(o))`` with ``o = T - x`` (the rest of the attempt),
        all with divisor ``s - 1``: the Pearson correlation of the item with the rest of the
        attempt, as a percentage (Moodle: ``discriminationindex``). None when ``s < 2`` or either
        variance is 0.
    ``discriminative_efficiency``
        ``100 · cov(x, o) / covmax`` where ``covmax = Σ(x₍ᵢ₎ - x̄)(o₍ᵢ₎ - ō) / (s - 1)`` pairs the
        i-th smallest item mark with the i-th smallest rest mark: the covariance as a share of
        the largest the same marks could give (Moodle: ``discriminativeefficiency``). None when
        ``s < 2`` or ``covmax`` is 0.

    Quiz figures (``quiz``), over the ``s`` attempt totals, with ``m_k = Σ(T - T̄)^k / s``:

    ``mean``
        ``T̄``, in marks (Moodle stores ``AVG(sumgrades)``; the report shows it as a percentage
        of the quiz's maximum). None with no attempts.
    ``median``
        The middle total, or the mean of the two middle ones; in marks.
    ``sd``
        ``sqrt(Σ(T - T̄)² / (s - 1))``, in marks; None when ``s < 2``.
    ``skewness``
        ``k3 / k2^(3/2)`` with ``k2 = s·m2 / (s - 1)`` and ``k3 = s²·m3 / ((s - 1)(s - 2))``;
        None when ``s < 3`` or ``k2 = 0``.
    ``kurtosis``
        ``k4 / k2²`` with ``k4 = s²((s + 1)·m4 - 3(s - 1)·m2²) / ((s - 1)(s - 2)(s - 3))``
        (excess kurtosis; 0 for a normal distribution); None when ``s < 4`` or ``k2 = 0``.
    ``cic``
        Coefficient of internal consistency, Cronbach's alpha as a percentage:
        ``100 · p / (p - 1) · (1 - Σ var(x) / k2)`` with ``p`` the number of questions and
        ``Σ var(x)`` the sum of the questions' mark variances (a question with ``s < 2`` adds
        0, as in Moodle). Moodle computes it only inside its skewness branch, so it is None
        when ``s < 3``, ``k2 = 0`` or ``p < 2``.
    ``error_ratio``
        ``100 · sqrt(1 - cic / 100)``, a percentage; None with ``cic`` and when ``cic > 100``
        (possible only when attempts include different questions: Moodle's ``sqrt`` of a
        negative number gives NaN, which it stores as null).
    ``standard_error``
        ``error_ratio · sd / 100``, in marks; None with ``error_ratio``.
    """
    rows, maxima, totals = _checked(marks, max_marks)
    columns = zip(*rows, strict=True) if rows else ([] for _ in maxima)
    return _statistics(
        (
            (
                [mark for mark in column if mark is not None],
                [
                    total - mark
                    for mark, total in zip(column, totals, strict=True)
                    if mark is not None
                ],
            )
            for column in columns
        ),
        maxima,
        totals,
    )


def moodle_statistics_by_question(
    columns: Sequence[Sequence[tuple[int, float]]],
    totals: Sequence[float],
    max_marks: Sequence[float],
) -> MoodleStatistics:
    """:func:`moodle_statistics` for marks held question by question: the same figures, without
    a matrix that is mostly empty when each attempt draws 10 of 200 questions.

    ``columns[j]`` holds ``(n, mark)`` for each attempt ``n`` that includes question ``j``;
    ``totals[n]`` is attempt ``n``'s total, the sum of its marks in ``columns``; ``max_marks[j]``
    is question ``j``'s maximum. The marks must be finite floats (the caller read them from
    the database): nothing is checked.
    """
    return _statistics(
        (
            ([mark for _, mark in column], [totals[n] - mark for n, mark in column])
            for column in columns
        ),
        [float(value) for value in max_marks],
        list(totals),
    )


def moodle_quiz_statistics_by_question(
    columns: Sequence[Sequence[tuple[int, float]]], totals: Sequence[float]
) -> QuizStatistics:
    """Only the quiz figures of :func:`moodle_statistics_by_question`, which need no more of
    each question than its mark variance: for the quiz figures of random questions, computed
    over the attempts' slots."""
    sum_of_mark_variance = 0.0
    for column in columns:
        items = [mark for _, mark in column]
        if len(items) > 1:
            deviations = _deviations(items)
            sum_of_mark_variance += _sum_of_products(deviations, deviations) / (len(items) - 1)
    return _quiz_statistics(list(totals), len(columns), sum_of_mark_variance)


def _statistics(
    questions: Iterable[tuple[list[float], list[float]]],
    maxima: list[float],
    totals: list[float],
) -> MoodleStatistics:
    """The figures from each question's marks and rests (``o = T - x``) and the totals."""
    figures: list[QuestionStatistics] = []
    sum_of_mark_variance = 0.0
    for (items, rests), max_mark in zip(questions, maxima, strict=True):
        stats, mark_variance = _question_statistics(items, rests, max_mark)
        figures.append(stats)
        sum_of_mark_variance += mark_variance
    quiz = _quiz_statistics(totals, len(maxima), sum_of_mark_variance)
    return {"questions": figures, "quiz": quiz}


def moodle_display(
    stats: MoodleStatistics, max_marks: Sequence[float], total_max: float | None = None
) -> MoodleStatistics:
    """The same figures in the units Moodle's report *shows* them in.

    Facility and SD become percentages of each question's maximum mark (Moodle's
    ``statistics_table::col_facility`` and ``col_sd``: ``facility · 100``,
    ``sd · 100 / maxmark``); the quiz's mean, median, SD and standard error become percentages
    of ``total_max`` (default: the sum of ``max_marks``), as Moodle's
    ``quiz_report_scale_summarks_as_percentage`` does with the quiz's maximum. Skewness,
    kurtosis and the figures already in percent are unchanged. A figure that cannot be scaled
    (None, or a maximum of 0) is None.
    """

    def percent(value: float | None, maximum: float) -> float | None:
        if value is None or maximum == 0:
            return None
        return _finite_or_none(100 * value / maximum)

    questions: list[QuestionStatistics] = []
    for question, max_mark in zip(stats["questions"], max_marks, strict=True):
        questions.append(
            {
                "facility": percent(question["facility"], 1.0),
                "sd": percent(question["sd"], float(max_mark)),
                "discrimination_index": question["discrimination_index"],
                "discriminative_efficiency": question["discriminative_efficiency"],
            }
        )
    quiz_max = _sum(float(value) for value in max_marks) if total_max is None else float(total_max)
    quiz = dict(stats["quiz"])
    for key in ("mean", "median", "sd", "standard_error"):
        quiz[key] = percent(quiz[key], quiz_max)
    return {"questions": questions, "quiz": quiz}  # type: ignore[typeddict-item]


def flags_for_question(stats: Mapping[str, Any]) -> list[str]:
    """Reasons to look again at a question, from one entry of ``moodle_statistics()["questions"]``.

    * ``FLAG_TOO_EASY`` when the facility is above 0.9 (90 %);
    * ``FLAG_TOO_HARD`` when the facility is below 0.3 (30 %);
    * ``FLAG_WEAK_DISCRIMINATION`` when the discrimination index is below 20 (%).

    A figure that is None (not enough attempts, zero variance) raises no flag.
    """
    flags: list[str] = []
    facility = stats.get("facility")
    if facility is not None:
        if facility > EASY_FACILITY:
            flags.append(FLAG_TOO_EASY)
        elif facility < HARD_FACILITY:
            flags.append(FLAG_TOO_HARD)
    discrimination = stats.get("discrimination_index")
    if discrimination is not None and discrimination < WEAK_DISCRIMINATION:
        flags.append(FLAG_WEAK_DISCRIMINATION)
    return flags


# --------------------------------------------------------------------------------------------
# Choice (distractor) analysis.
# --------------------------------------------------------------------------------------------


class ChoiceResponse(NamedTuple):
    """One attempt's answer to one choice question: the input rows of :func:`choice_analysis`.

    A plain tuple in the same order works as well.
    """

    attempt_id: Hashable
    attempt_total: float
    question_id: Hashable
    selected_choice_ids: Iterable[Hashable]
    correct_choice_ids: Iterable[Hashable]


class ChoiceStatistics(TypedDict):
    """How often one choice was picked; rates are fractions (0.25 is 25 %)."""

    choice_id: Hashable
    is_key: bool
    count: int
    rate: float | None
    top_count: int
    top_rate: float | None
    bottom_count: int
    bottom_rate: float | None
    flags: list[str]


class QuestionChoiceAnalysis(TypedDict):
    """The choice analysis of one question."""

    responses: int
    group_size: int
    choices: list[ChoiceStatistics]


_Row = tuple[Hashable, float, frozenset[Hashable]]


def _picks(group: Iterable[_Row]) -> Counter[Hashable]:
    """How many attempts of the group selected each choice."""
    return Counter(choice_id for _, _, picked in group for choice_id in picked)


def _ranked(rows: Sequence[_Row]) -> list[_Row]:
    """Highest total first; equal totals by attempt id, so row order does not matter."""

    def total_key(row: _Row) -> float:
        return -row[1] if not math.isnan(row[1]) else math.inf  # a NaN total ranks last

    try:
        return sorted(rows, key=lambda row: (total_key(row), row[0]))
    except TypeError:  # attempt ids of types that do not compare with each other
        return sorted(rows, key=lambda row: (total_key(row), repr(row[0])))


def choice_analysis(
    responses: Iterable[
        ChoiceResponse | tuple[Hashable, float, Hashable, Iterable[Hashable], Iterable[Hashable]]
    ],
    choices: Mapping[Hashable, Sequence[Hashable]] | None = None,
) -> dict[Hashable, QuestionChoiceAnalysis]:
    """How often each choice was picked, overall and by the top and bottom thirds.

    ``responses`` holds one row per attempt and question,
    ``(attempt_id, attempt_total, question_id, selected_choice_ids, correct_choice_ids)``
    (see :class:`ChoiceResponse`): the attempt's total mark ranks it, the selected choices are
    what the learner picked (empty when unanswered, several for a multiple-answer question),
    the correct ones are the key. ``choices`` optionally maps a question to all its choice ids
    in display order; without it a choice nobody picked and that is not a key is unknown, so
    pass it to get the "No one picked this distractor" flag. Returns, per question id (in the
    order first met), its number of responses ``n``, the size ``g`` of each third and one entry
    per choice (in the order of ``choices``, then in the order first met).

    * ``count`` / ``rate``: attempts that picked the choice, and ``count / n``.
    * Thirds: the question's attempts ranked by total mark, highest first (ties by attempt id,
      so the result does not depend on row order); the top third is the first
      ``g = n // 3`` attempts, the bottom third the last ``g``. ``top_count`` / ``top_rate``
      and ``bottom_count`` / ``bottom_rate`` are the picks and ``count / g`` in each; the rates
      are None when ``n < 3`` (no thirds).
    * ``is_key``: the choice is correct in any row of the question.
    * Flags, on distractors only: ``FLAG_DISTRACTOR_UNPICKED`` when no attempt picked it;
      ``FLAG_DISTRACTOR_BEATS_KEY`` when the top third picked it more often than a key (with
      several keys, more often than the least picked key).

    A row for the same attempt and question twice raises ValueError; the function is otherwise
    total and pure.
    """
    by_question: dict[Hashable, list[_Row]] = {}
    order: dict[Hashable, list[Hashable]] = {}
    keys: dict[Hashable, set[Hashable]] = {}
    known_ids: dict[Hashable, set[Hashable]] = {}
    seen: set[tuple[Hashable, Hashable]] = set()

    for attempt_id, attempt_total, question_id, selected, correct in responses:
        if (attempt_id, question_id) in seen:
            raise ValueError(f"two rows for attempt {attempt_id!r} and question {question_id!r}")
        seen.add((attempt_id, question_id))
        picked = frozenset(selected)
        correct_ids = list(correct)
        correct_set = frozenset(correct_ids)
        if question_id not in by_question:
            by_question[question_id] = []
            order[question_id] = (
                list(dict.fromkeys(choices.get(question_id, ()))) if choices else []
            )
            known_ids[question_id] = set(order[question_id])
            keys[question_id] = set()
        known = known_ids[question_id]
        if not (picked <= known and correct_set <= known):
            for choice_id in [*correct_ids, *sorted(picked, key=repr)]:
                if choice_id not in known:
                    known.add(choice_id)
                    order[question_id].append(choice_id)
        keys[question_id].update(correct_set)
        by_question[question_id].append((attempt_id, float(attempt_total), picked))

    result: dict[Hashable, QuestionChoiceAnalysis] = {}
    for question_id, rows in by_question.items():
        n = len(rows)
        ranked = _ranked(rows)
        g = n // 3
        overall = _picks(rows)
        top = _picks(ranked[:g])
        bottom = _picks(ranked[n - g :] if g else [])

        entries: list[ChoiceStatistics] = [
            _choice_entry(
                choice_id,
                choice_id in keys[question_id],
                (overall[choice_id], top[choice_id], bottom[choice_id]),
                n,
                g,
            )
            for choice_id in order[question_id]
        ]
        _flag_distractors(entries, g)
        result[question_id] = {"responses": n, "group_size": g, "choices": entries}
    return result


def _choice_entry(choice_id, is_key: bool, counts: tuple[int, int, int], n: int, g: int):
    count, top_count, bottom_count = counts
    return {
        "choice_id": choice_id,
        "is_key": is_key,
        "count": count,
        "rate": count / n,
        "top_count": top_count,
        "top_rate": top_count / g if g else None,
        "bottom_count": bottom_count,
        "bottom_rate": bottom_count / g if g else None,
        "flags": [],
    }


def _flag_distractors(entries: list[ChoiceStatistics], g: int) -> None:
    """A distractor nobody picked; one the top third picked more often than a key."""
    key_top_counts = [entry["top_count"] for entry in entries if entry["is_key"]]
    weakest_key = min(key_top_counts) if key_top_counts else None
    for entry in entries:
        if entry["is_key"]:
            continue
        if entry["count"] == 0:
            entry["flags"].append(FLAG_DISTRACTOR_UNPICKED)
        if g and weakest_key is not None and entry["top_count"] > weakest_key:
            entry["flags"].append(FLAG_DISTRACTOR_BEATS_KEY)


def _mask_counts(masks: Iterable[int]) -> Counter[int]:
    """How many of the masks have each bit set, by bit position."""
    counts: Counter[int] = Counter()
    for mask, times in Counter(masks).items():
        position = 0
        while mask:
            if mask & 1:
                counts[position] += times
            mask >>= 1
            position += 1
    return counts


def choice_counts(
    rows: Mapping[Hashable, Sequence[tuple[int, int]]],
    key_masks: Mapping[Hashable, int],
    option_counts: Mapping[Hashable, int],
) -> dict[Hashable, QuestionChoiceAnalysis]:
    """:func:`choice_analysis` for choices identified by their position and picked as bit
    masks: the same figures and flags, counted with integers, for the tens of thousands of
    answers of a busy quiz.

    ``rows`` maps a question to one ``(rank, picked_mask)`` per attempt: ``rank`` is the
    attempt's place when every attempt is ranked as :func:`choice_analysis` ranks them (total
    mark, highest first, ties by attempt id), ``picked_mask`` has bit n set when the option at
    position n was picked (0 for no answer). ``key_masks`` maps a question to the mask of its
    correct positions, ``option_counts`` to how many options it has. Positions run from 0 to
    the option count, plus any position picked or correct beyond it (an option since removed).
    """
    result: dict[Hashable, QuestionChoiceAnalysis] = {}
    for question_id, answers in rows.items():
        n = len(answers)
        if not n:
            continue
        ranked = sorted(answers)
        g = n // 3
        masks = [mask for _, mask in ranked]
        overall = _mask_counts(masks)
        top = _mask_counts(masks[:g])
        bottom = _mask_counts(masks[n - g :]) if g else Counter()
        keys = key_masks.get(question_id, 0)
        seen = keys
        for position in overall:
            seen |= 1 << position
        positions = sorted(
            set(range(option_counts.get(question_id, 0)))
            | {p for p in range(seen.bit_length()) if seen >> p & 1}
        )
        entries = [
            _choice_entry(p, bool(keys >> p & 1), (overall[p], top[p], bottom[p]), n, g)
            for p in positions
        ]
        _flag_distractors(entries, g)
        result[question_id] = {"responses": n, "group_size": g, "choices": entries}
    return result
