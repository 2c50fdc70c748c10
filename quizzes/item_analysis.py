"""Item analysis of submitted graded attempts, per quiz or per question bank.

The figures come from the pure functions of :mod:`quizzes.analysis` (Moodle's definitions); this
module gathers their input from the database in a fixed number of queries, whatever the number
of attempts, and shapes their output for the pages.

* **Which attempts count** is a choice (:class:`Which`): each learner's first, best or last
  graded attempt of each quiz, or all of them. Practice attempts and attempts still in progress
  never count; an attempt submitted when time ran out does.
* **Questions** are matched across attempts by question id. **Choices** are matched by their
  position in the question when the attempt started (the snapshot's ``position``), so the
  per-attempt shuffling and the opaque per-attempt keys never split one choice into many. The
  positions picked are stored with each graded answer (``AttemptQuestion.picked``), so no
  snapshot is read but one per question version (for its points and key). Choices are
  labelled with the question's current text.
* **Marks** are the question's score in the attempt, rescaled to the question's current points
  when a learner was given a version worth different points, so every mark of a question is on
  one scale. For a bank, the rest of each attempt (its questions from other banks) is one more
  column, so an item's discrimination is still measured against the whole attempt.
* **Choice analysis** covers single best answer, multiple response and true/false questions.

Recalculating a busy quiz reads tens of thousands of answers (most of a second), so results are
cached the way Moodle caches its quiz statistics: a result is served for
``ITEM_ANALYSIS_CACHE_SECONDS`` (15 minutes by default) or for as long as no attempt has been
submitted since, and the page offers to recalculate.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models
from django.db.models import Count, F, Max, QuerySet, Window
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from .analysis import (
    choice_counts,
    flags_for_question,
    moodle_display,
    moodle_quiz_statistics_by_question,
    moodle_statistics_by_question,
)
from .charts import histogram_bins
from .grading import CHOICE_TYPES, MASK_POSITIONS
from .models import (
    Attempt,
    AttemptQuestion,
    Choice,
    DrawRule,
    Question,
    QuestionBank,
    Quiz,
    Tag,
    json_from_db,
)

FINISHED = (Attempt.State.SUBMITTED, Attempt.State.EXPIRED)
TAG_KINDS = (Tag.Kind.PROCEDURE, Tag.Kind.PHASE, Tag.Kind.RISK, Tag.Kind.ROLE)
CACHE_VERSION = 1
FEW_RESPONSES = 30


class Which(models.TextChoices):
    FIRST = "first", "Each learner's first attempt"
    BEST = "best", "Each learner's highest-scoring attempt"
    LAST = "last", "Each learner's last attempt"
    ALL = "all", "Every attempt"


@dataclass
class ChoiceRow:
    position: int
    letter: str
    text: str
    is_key: bool
    count: int
    rate: float | None
    top_rate: float | None
    bottom_rate: float | None
    flags: list[str] = field(default_factory=list)

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate is None else 100 * self.rate

    @property
    def top_percent(self) -> float | None:
        return None if self.top_rate is None else 100 * self.top_rate

    @property
    def bottom_percent(self) -> float | None:
        return None if self.bottom_rate is None else 100 * self.bottom_rate


@dataclass
class QuestionRow:
    question_id: int
    key: str
    bank: str
    type: str
    type_label: str
    stem: str
    critical: bool
    tags: dict[str, list[str]]
    max_mark: float
    responses: int
    facility: float | None  # Moodle's stored units: a fraction; SD in marks; indices in %
    sd: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    facility_percent: float | None  # as Moodle's report shows them
    sd_percent: float | None
    flags: list[str] = field(default_factory=list)
    choices: list[ChoiceRow] = field(default_factory=list)
    group_size: int = 0

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def few_responses(self) -> bool:
        """Under 30 responses, a figure says more about chance than about the question."""
        return self.responses < FEW_RESPONSES


@dataclass
class ItemAnalysis:
    scope: str  # "quiz" or "bank"
    scope_id: int
    title: str
    which: str
    attempts: int
    learners: int
    typical_max: float | None
    quiz: dict | None  # Moodle's stored units (quiz scope only)
    quiz_display: dict | None  # the same as Moodle's report shows them
    questions: list[QuestionRow]
    histogram: list[tuple[float, float, int]]
    computed_at: datetime
    fingerprint: tuple
    # Attempts submitted since the figures were calculated (served from the cache).
    submitted_since: int = 0

    @property
    def flagged(self) -> list[QuestionRow]:
        return [row for row in self.questions if row.flags]

    @property
    def which_label(self) -> str:
        return Which(self.which).label


@dataclass
class TagGroup:
    kind: str
    value: str
    questions: int
    responses: int
    facility: float | None  # a fraction: marks earned over marks available, all responses
    discrimination: float | None  # mean of the items' discrimination indices, in %
    flagged: int
    weakest: QuestionRow | None

    @property
    def facility_percent(self) -> float | None:
        return None if self.facility is None else 100 * self.facility


# --- Which attempts count ---------------------------------------------------------------------


def finished_attempts(*, quiz_ids, learners=None) -> QuerySet[Attempt]:
    """Submitted (or timed-out) graded attempts of these quizzes, by these learners if given."""
    qs = Attempt.objects.filter(quiz_id__in=quiz_ids, mode=Attempt.Mode.GRADED, state__in=FINISHED)
    if learners is not None:
        qs = qs.filter(user_id__in=learners)
    return qs.order_by()


def counted_attempts(*, quiz_ids, which: str, learners=None) -> QuerySet[Attempt]:
    """The attempts that count: per learner and quiz, the first, best or last; or all."""
    qs = finished_attempts(quiz_ids=quiz_ids, learners=learners)
    order = {
        Which.FIRST: [F("started_at").asc(), F("id").asc()],
        Which.LAST: [F("started_at").desc(), F("id").desc()],
        Which.BEST: [F("score").desc(nulls_last=True), F("started_at").asc(), F("id").asc()],
    }.get(which)
    if order is None:
        return qs
    rank = Window(RowNumber(), partition_by=[F("user_id"), F("quiz_id")], order_by=order)
    return qs.annotate(rank=rank).filter(rank=1)


def bank_quiz_ids(bank: QuestionBank) -> list[int]:
    """The quizzes that draw from the bank: their attempts hold its questions."""
    return list(
        DrawRule.objects.filter(bank=bank).values_list("quiz_id", flat=True).distinct().order_by()
    )


# --- Reading marks and answers ------------------------------------------------------------------


def _raw_rows(queryset: QuerySet) -> list[tuple]:
    """Runs a values_list queryset without Django's per-row converters (UUIDs, Decimals, JSON):
    the analysis of a busy quiz reads a hundred thousand rows and converts what it needs."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _response_rows(counted: QuerySet[Attempt], bank_id: int | None) -> list[tuple]:
    """(answer id, attempt id, slot, question id, version, score as a float, picked) for every
    answer of the attempts that count, from one index (``attemptquestion_analysis``). No
    snapshot is read: the options picked were stored as a mask when the answer was graded
    (``AttemptQuestion.picked``)."""
    rows = AttemptQuestion.objects.filter(attempt__in=counted.values("id")).order_by()
    if bank_id is not None:
        rows = rows.filter(question__bank_id=bank_id)
    return _raw_rows(
        rows.annotate(
            attempt_key=Cast("attempt_id", models.TextField()),
            mark=Cast("score", models.FloatField()),
        ).values_list(
            "id", "attempt_key", "position", "question_id", "question_version", "mark", "picked"
        )
    )


def _versions(rows: list[tuple]) -> dict[tuple[int, int], dict]:
    """One snapshot per (question id, version) among the rows, for its type, points and key:
    a few hundred snapshots at most, read in one query per 500."""
    first: dict[tuple[int, int], int] = {}
    for aq_id, _, _, question_id, version, _, _ in rows:
        first.setdefault((question_id, version), aq_id)
    ids = list(first.values())
    versions = {}
    for start in range(0, len(ids), 500):
        chosen = AttemptQuestion.objects.filter(pk__in=ids[start : start + 500]).order_by()
        for question_id, version, snapshot in _raw_rows(
            chosen.values_list("question_id", "question_version", "snapshot")
        ):
            versions[question_id, version] = json_from_db(snapshot)
    return versions


def _key_positions(snapshot: dict) -> list[int]:
    return [item["position"] for item in snapshot["items"] if item.get("correct")]


# --- The analysis ---------------------------------------------------------------------------


def _letter(position: int) -> str:
    return chr(ord("A") + position) if position < 26 else str(position + 1)


@dataclass
class QuestionFacts:
    """What the analysis shows of a question, in its current version."""

    key: str
    bank: str
    type: str
    stem: str
    critical: bool
    points: Decimal
    choices: list[str] = field(default_factory=list)  # option texts, by position
    tags: dict[str, list[str]] = field(default_factory=dict)

    @property
    def type_label(self) -> str:
        return Question.Type(self.type).label


def _questions(question_ids) -> dict[int, QuestionFacts]:
    """The questions' facts in three queries of plain values: no model instances, since a
    final assessment's analysis covers hundreds of questions."""
    ids = list(question_ids)
    questions = {
        pk: QuestionFacts(key, bank, qtype, stem, critical, points)
        for pk, key, bank, qtype, stem, critical, points in Question.objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", "key", "bank__name", "type", "stem", "critical", "points")
    }
    for question_id, text, match_text in (
        Choice.objects.filter(question_id__in=ids)
        .order_by("question_id", "position", "pk")
        .values_list("question_id", "text", "match_text")
    ):
        questions[question_id].choices.append(text or match_text)
    for question_id, kind, value in (
        Question.tags.through.objects.filter(question_id__in=ids)
        .order_by("tag__kind", "tag__value")
        .values_list("question_id", "tag__kind", "tag__value")
    ):
        questions[question_id].tags.setdefault(kind, []).append(value)
    return questions


def _plain(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def analyse(
    *,
    scope: str,
    scope_id: int,
    title: str,
    which: str,
    attempts: list[tuple],
    responses: list[tuple],
    versions: dict,
    questions: dict[int, QuestionFacts],
    fingerprint: tuple = (),
) -> ItemAnalysis:
    """Item analysis from rows already read: no queries.

    ``attempts`` holds (attempt id, user id, score, max score, percent) for every attempt that
    counts; ``responses`` (attempt id, slot, question id, version, score, picked) for each of
    their answers to the questions analysed (the slot is the question's position in its
    attempt, ``picked`` the mask of ``AttemptQuestion.picked``); ``versions`` one snapshot per
    (question id, version); ``questions`` the questions by id.

    Question figures come from a matrix with one column per question. The quiz figures do too
    when every attempt holds every question; when questions are drawn at random they come from
    one column per slot (the attempt's first question, its second...), as Moodle computes
    them for random questions: a coefficient of internal consistency over 200 questions of
    which each attempt holds 10 would mean nothing.
    """
    order = sorted(questions, key=lambda pk: (questions[pk].bank, questions[pk].key))
    column = {pk: index for index, pk in enumerate(order)}
    max_marks = [float(questions[pk].points) for pk in order]
    attempt_score = {a[0]: float(a[2] or 0) for a in attempts}
    slots = max((row[1] for row in responses), default=0)
    # Per (question id, version): its column, its scale to the question's current points, and
    # for a question with options to pick, the list its answers' picks go to.
    known: dict[tuple[int, int], tuple[int, float, list | None]] = {}
    picks: dict[int, list[tuple[int, int]]] = {}
    key_masks: dict[int, int] = defaultdict(int)
    for (question_id, version), frozen in versions.items():
        if question_id not in column:
            continue
        index = column[question_id]
        current = max_marks[index]
        points = float(Decimal(str(frozen["points"]))) if frozen else current
        picked_to = None
        if frozen and frozen["type"] in CHOICE_TYPES:
            picked_to = picks.setdefault(question_id, [])
            key_masks[question_id] |= sum(
                1 << p for p in _key_positions(frozen) if p < MASK_POSITIONS
            )
        factor = current / points if points and points != current else 1.0
        known[question_id, version] = (index, factor, picked_to)

    # One pass over the answers, the page's hot loop. Attempts with an answer here are
    # numbered in the order met; each question's column and each slot hold (attempt number,
    # mark), as moodle_statistics_by_question takes them.
    number: dict[object, int] = {}
    keys_in_order: list[object] = []
    totals: list[float] = []
    columns: list[list[tuple[int, float]]] = [[] for _ in order]
    slot_columns: list[list[tuple[int, float]]] = [[] for _ in range(slots)]
    slot_questions: set[tuple[int, int]] = set()
    mixed_points = len(set(max_marks)) > 1
    for attempt_id, slot, question_id, version, score, picked in responses:
        question = known.get((question_id, version))
        if question is None:
            continue
        n = number.get(attempt_id)
        if n is None:
            if attempt_id not in attempt_score:
                continue
            n = number[attempt_id] = len(totals)
            keys_in_order.append(attempt_id)
            totals.append(0.0)
        index, factor, picked_to = question
        mark = score * factor if score else 0.0
        entry = (n, mark)
        columns[index].append(entry)
        slot_columns[slot - 1].append(entry)
        totals[n] += mark
        if picked_to is not None:
            picked_to.append((n, picked or 0))
        if mixed_points:  # a slot's maximum is that of the questions drawn into it
            slot_questions.add((slot - 1, index))
    slot_max = [max(max_marks, default=0.0) if not mixed_points else 0.0] * slots
    for slot, index in slot_questions:
        slot_max[slot] = max(slot_max[slot], max_marks[index])
    # Choice analysis ranks attempts by total, highest first, ties by attempt id: rank them
    # once, and each question's answers sort by that rank.
    ranking = sorted(range(len(keys_in_order)), key=keys_in_order.__getitem__)
    ranking.sort(key=lambda n: attempt_score[keys_in_order[n]], reverse=True)
    rank = [0] * len(ranking)
    for place, n in enumerate(ranking):
        rank[n] = place
    choice_rows = {
        question_id: [(rank[n], mask) for n, mask in answers]
        for question_id, answers in picks.items()
    }

    maxima = list(max_marks)
    if scope == "bank":
        # The rest of each attempt, so discrimination is against the whole attempt's mark.
        totals_max = {a[0]: float(a[3] or 0) for a in attempts}
        row_max = [0.0] * len(totals)
        for index, answers in enumerate(columns):
            for n, _ in answers:
                row_max[n] += max_marks[index]
        rest_column, rest_max = [], 0.0
        for n, key in enumerate(keys_in_order):
            rest_max = max(rest_max, totals_max[key] - row_max[n])
            rest = attempt_score[key] - totals[n]
            rest_column.append((n, rest))
            totals[n] += rest
        columns.append(rest_column)
        maxima.append(rest_max)
    stats = moodle_statistics_by_question(columns, totals, maxima)
    display = moodle_display(stats, maxima)
    typical_max = None
    if attempts:
        typical_max = float(Counter(float(a[3] or 0) for a in attempts).most_common(1)[0][0])
    quiz_stats = quiz_display = None
    if scope == "quiz":
        quiz_stats = stats["quiz"]
        if any(len(answers) != len(totals) for answers in columns):
            # Not every attempt holds every question: the quiz figures come from the slots.
            quiz_stats = moodle_quiz_statistics_by_question(slot_columns, totals)
        quiz_display = moodle_display(
            {"questions": [], "quiz": quiz_stats},
            [],
            total_max=typical_max or math.fsum(slot_max),
        )["quiz"]

    by_choice = choice_counts(
        choice_rows, key_masks, {pk: len(questions[pk].choices) for pk in order}
    )
    rows = []
    for index, pk in enumerate(order):
        question = questions[pk]
        figures = stats["questions"][index]
        shown = display["questions"][index]
        responses_n = len(columns[index])
        flags = flags_for_question(figures) if responses_n else []
        choices = []
        analysis = by_choice.get(pk)
        texts = question.choices
        if analysis and question.type in CHOICE_TYPES:
            for entry in analysis["choices"]:
                position = int(entry["choice_id"])
                text = texts[position] if position < len(texts) else "(no longer in the question)"
                row = ChoiceRow(
                    position=position,
                    letter=_letter(position),
                    text=_plain(text, 120),
                    is_key=entry["is_key"],
                    count=entry["count"],
                    rate=entry["rate"],
                    top_rate=entry["top_rate"],
                    bottom_rate=entry["bottom_rate"],
                    flags=list(entry["flags"]),
                )
                choices.append(row)
                flags.extend(f"Choice {row.letter} ({_plain(text, 40)}): {f}" for f in row.flags)
        rows.append(
            QuestionRow(
                question_id=pk,
                key=question.key,
                bank=question.bank,
                type=question.type,
                type_label=question.type_label,
                stem=_plain(question.stem),
                critical=question.critical,
                tags=question.tags,
                max_mark=max_marks[index],
                responses=responses_n,
                facility=figures["facility"],
                sd=figures["sd"],
                discrimination_index=figures["discrimination_index"],
                discriminative_efficiency=figures["discriminative_efficiency"],
                facility_percent=shown["facility"],
                sd_percent=shown["sd"],
                flags=flags,
                choices=choices,
                group_size=analysis["group_size"] if analysis else 0,
            )
        )
    percents = [float(a[4]) for a in attempts if a[4] is not None]
    return ItemAnalysis(
        scope=scope,
        scope_id=scope_id,
        title=title,
        which=which,
        attempts=len(attempts),
        learners=len({a[1] for a in attempts}),
        typical_max=typical_max,
        quiz=quiz_stats,
        quiz_display=quiz_display,
        questions=rows,
        histogram=histogram_bins(percents),
        computed_at=timezone.now(),
        fingerprint=fingerprint,
    )


def _fingerprint(quiz_ids, learners) -> tuple:
    """What changes when an attempt that could count is submitted: their number and latest."""
    figures = finished_attempts(quiz_ids=quiz_ids, learners=learners).aggregate(
        n=Count("id"), last=Max("submitted_at")
    )
    return (figures["n"], figures["last"].isoformat() if figures["last"] else "")


def _compute(*, scope, scope_id, title, quiz_ids, bank_id, which, learners, fingerprint):
    counted = counted_attempts(quiz_ids=quiz_ids, which=which, learners=learners)
    # Attempt ids as text: strings hash and sort far faster than UUID objects.
    attempts = _raw_rows(
        counted.annotate(key=Cast("id", models.TextField())).values_list(
            "key", "user_id", "score", "max_score", "percent"
        )
    )
    rows = _response_rows(counted, bank_id)
    versions = _versions(rows)
    responses = [row[1:] for row in rows]
    question_ids = {row[2] for row in responses}
    if bank_id is not None:
        question_ids |= set(
            Question.objects.filter(bank_id=bank_id, active=True).values_list("pk", flat=True)
        )
    return analyse(
        scope=scope,
        scope_id=scope_id,
        title=title,
        which=which,
        attempts=attempts,
        responses=responses,
        versions=versions,
        questions=_questions(question_ids),
        fingerprint=fingerprint,
    )


def _cache_seconds() -> int:
    return int(getattr(settings, "ITEM_ANALYSIS_CACHE_SECONDS", 15 * 60))


def item_analysis(
    *,
    quiz: Quiz | None = None,
    bank: QuestionBank | None = None,
    which: str = Which.FIRST,
    learners=None,
    learners_key: str = "",
    refresh: bool = False,
    now=None,
) -> ItemAnalysis:
    """The item analysis of a quiz or a bank, from the cache when it is fresh enough.

    ``learners`` (ids, or a queryset of them) narrows the attempts to those learners; give a
    ``learners_key`` naming that group (for example "cohort-12"), since it is part of the cache
    key. A cached result is served while no attempt has been submitted since, or for
    ``ITEM_ANALYSIS_CACHE_SECONDS`` after it was calculated; ``refresh`` recalculates now.
    """
    if (quiz is None) == (bank is None):
        raise ValueError("Give a quiz or a bank.")
    which = which if which in Which.values else Which.FIRST
    now = now or timezone.now()
    if quiz is not None:
        scope, scope_id, title, quiz_ids, bank_id = "quiz", quiz.pk, quiz.title, [quiz.pk], None
    else:
        scope, scope_id, title = "bank", bank.pk, bank.name
        quiz_ids, bank_id = bank_quiz_ids(bank), bank.pk
    fingerprint = _fingerprint(quiz_ids, learners)
    key = f"item-analysis:{CACHE_VERSION}:{scope}:{scope_id}:{which}:{learners_key}"
    cached = None if refresh else cache.get(key)
    if cached is not None and (
        cached.fingerprint == fingerprint
        or (now - cached.computed_at).total_seconds() < _cache_seconds()
    ):
        return replace(cached, submitted_since=max(0, fingerprint[0] - cached.fingerprint[0]))
    result = _compute(
        scope=scope,
        scope_id=scope_id,
        title=title,
        quiz_ids=quiz_ids,
        bank_id=bank_id,
        which=which,
        learners=learners,
        fingerprint=fingerprint,
    )
    cache.set(key, result, timeout=max(_cache_seconds(), 24 * 3600))
    return result


# --- Grouped by tag ---------------------------------------------------------------------------


def tag_groups(analysis: ItemAnalysis, kind: str) -> list[TagGroup]:
    """The analysis summed up per tag of one kind (procedure, phase, risk, role).

    A group's facility is every mark its items earned over every mark they could have earned
    (each item weighted by its responses); its discrimination is the mean of its items'
    discrimination indices. Weakest first: lowest facility, then lowest discrimination.
    """
    members: dict[str, list[QuestionRow]] = defaultdict(list)
    for row in analysis.questions:
        for value in row.tags.get(kind, []):
            members[value].append(row)
    groups = []
    for value, rows in members.items():
        answered = [r for r in rows if r.responses and r.facility is not None]
        responses = sum(r.responses for r in answered)
        facility = (
            sum(r.facility * r.responses for r in answered) / responses if responses else None
        )
        indices = [r.discrimination_index for r in rows if r.discrimination_index is not None]
        weakest = min(answered, key=lambda r: r.facility, default=None)
        groups.append(
            TagGroup(
                kind=kind,
                value=value,
                questions=len(rows),
                responses=responses,
                facility=facility,
                discrimination=statistics.fmean(indices) if indices else None,
                flagged=sum(1 for r in rows if r.flags),
                weakest=weakest,
            )
        )
    groups.sort(
        key=lambda g: (
            g.facility is None,
            g.facility if g.facility is not None else 0,
            g.discrimination if g.discrimination is not None else 0,
            g.value,
        )
    )
    return groups
