"""Item analysis of submitted graded attempts, per quiz or per question bank.

The figures come from the pure functions of :mod:`quizzes.analysis` (Moodle's definitions); this
module gathers their input from the database in a fixed number of queries, whatever the number
of attempts, and shapes their output for the pages.

* **Which attempts count** is a choice (:class:`Which`): each learner's first, best or last
  graded attempt of each quiz, or all of them. Practice attempts and attempts still in progress
  never count; an attempt submitted when time ran out does.
* **Questions** are matched across attempts by question id. **Choices** are matched by their
  position in the question when the attempt started (the snapshot's ``position``), so the
  per-attempt shuffling and the opaque per-attempt keys never split one choice into many.
  Choices are labelled with the question's current text.
* **Marks** are the question's score in the attempt, rescaled to the question's current points
  when a learner was given a version worth different points, so every mark of a question is on
  one scale. For a bank, the rest of each attempt (its questions from other banks) is one more
  column, so an item's discrimination is still measured against the whole attempt.
* **Choice analysis** covers single best answer, multiple response and true/false questions.

Reading every snapshot of a busy quiz takes seconds, so results are cached the way Moodle caches
its quiz statistics: a result is served for ``ITEM_ANALYSIS_CACHE_SECONDS`` (15 minutes by
default) or for as long as no attempt has been submitted since, and the page offers to
recalculate.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models
from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from .analysis import (
    ChoiceResponse,
    choice_analysis,
    flags_for_question,
    moodle_display,
    moodle_statistics,
)
from .charts import histogram_bins
from .models import Attempt, AttemptQuestion, DrawRule, Question, QuestionBank, Quiz, Tag

CHOICE_TYPES = ("single", "multiple", "true_false")
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


def _json(value):
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)


def _response_rows(counted: QuerySet[Attempt], bank_id: int | None) -> list[tuple]:
    """(answer id, attempt id, slot, question id, version, score, response, snapshot or None).

    Snapshots are the costly part to read, so only the ones choice analysis needs are fetched:
    a correct answer to a single best answer or true/false question picked the key (whose
    position comes from another snapshot of the same version), and ordering and matching
    questions have no choice analysis.
    """
    rows = AttemptQuestion.objects.filter(attempt__in=counted.values("id")).order_by()
    if bank_id is not None:
        rows = rows.filter(question__bank_id=bank_id)
    skip = Q(
        is_correct=True, question__type__in=[Question.Type.SINGLE, Question.Type.TRUE_FALSE]
    ) | Q(question__type__in=[Question.Type.ORDERING, Question.Type.MATCHING])
    rows = rows.annotate(
        snap=models.Case(
            models.When(skip, then=None), default=F("snapshot"), output_field=models.JSONField()
        )
    ).values_list(
        "id",
        "attempt_id",
        "position",
        "question_id",
        "question_version",
        "score",
        "response",
        "snap",
    )
    return _raw_rows(rows)


def _parsed(rows: list[tuple]) -> tuple[list[tuple], dict]:
    """The rows with their JSON read, and one snapshot per (question id, version).

    A version whose every answer was a correct single answer has no snapshot among the rows;
    one is read for it (one query, usually for few or no versions).
    """
    parsed, versions, wanted = [], {}, {}
    for aq_id, attempt_id, slot, question_id, version, score, response, snap in rows:
        snapshot = _json(snap)
        if snapshot is None:
            # Nothing to read but the mark (see _response_rows).
            wanted.setdefault((question_id, version), aq_id)
            parsed.append((str(attempt_id), slot, question_id, version, score, None, None))
            continue
        versions.setdefault((question_id, version), snapshot)
        parsed.append(
            (str(attempt_id), slot, question_id, version, score, _json(response), snapshot)
        )
    missing = [aq_id for pair, aq_id in wanted.items() if pair not in versions]
    if missing:
        for aq in AttemptQuestion.objects.filter(pk__in=missing).only(
            "question_id", "question_version", "snapshot"
        ):
            versions[aq.question_id, aq.question_version] = aq.snapshot
    return parsed, versions


def _picked_positions(snapshot: dict, response: dict | None) -> list[int]:
    if not response:
        return []
    chosen = set(response.get("choices") or [])
    if response.get("choice"):
        chosen.add(response["choice"])
    return [item["position"] for item in snapshot["items"] if item["key"] in chosen]


def _key_positions(snapshot: dict) -> list[int]:
    return [item["position"] for item in snapshot["items"] if item.get("correct")]


# --- The analysis ---------------------------------------------------------------------------


def _letter(position: int) -> str:
    return chr(ord("A") + position) if position < 26 else str(position + 1)


def _questions(question_ids) -> dict[int, Question]:
    return (
        Question.objects.select_related("bank")
        .prefetch_related("tags", "choices")
        .in_bulk(list(question_ids))
    )


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
    questions: dict[int, Question],
    fingerprint: tuple = (),
) -> ItemAnalysis:
    """Item analysis from rows already read: no queries.

    ``attempts`` holds (attempt id, user id, score, max score, percent) for every attempt that
    counts; ``responses`` (attempt id, slot, question id, version, score, response, snapshot or
    None) for each of their answers to the questions analysed, JSON already read (the slot is
    the question's position in its attempt); ``versions`` one snapshot per (question id,
    version); ``questions`` the questions by id.

    Question figures come from a matrix with one column per question. The quiz figures do too
    when every attempt holds every question; when questions are drawn at random they come from
    one column per slot (the attempt's first question, its second...), as Moodle computes
    them for random questions: a coefficient of internal consistency over 200 questions of
    which each attempt holds 10 would mean nothing.
    """
    order = sorted(questions, key=lambda pk: (questions[pk].bank.name, questions[pk].key))
    column = {pk: index for index, pk in enumerate(order)}
    max_marks = [float(questions[pk].points) for pk in order]
    attempt_score = {str(a[0]): float(a[2] or 0) for a in attempts}
    marks: dict[str, list[float | None]] = {key: [None] * len(order) for key in attempt_score}
    slots = max((row[1] for row in responses), default=0)
    slot_marks: dict[str, list[float | None]] = {key: [None] * slots for key in attempt_score}
    slot_max = [0.0] * slots
    choice_rows: list[ChoiceResponse] = []
    keys_of: dict[tuple[int, int], list[int]] = {}
    for attempt_key, slot, question_id, version, score, response, snap in responses:
        if attempt_key not in marks or question_id not in column:
            continue
        index = column[question_id]
        frozen = versions.get((question_id, version)) or snap
        points = float(Decimal(str(frozen["points"]))) if frozen else max_marks[index]
        mark = float(score or 0)
        if points and points != max_marks[index]:
            mark = mark * max_marks[index] / points
        marks[attempt_key][index] = mark
        slot_marks[attempt_key][slot - 1] = mark
        slot_max[slot - 1] = max(slot_max[slot - 1], max_marks[index])
        if frozen and frozen["type"] in CHOICE_TYPES:
            keys = keys_of.get((question_id, version))
            if keys is None:
                keys = keys_of[question_id, version] = _key_positions(frozen)
            picked = keys if snap is None else _picked_positions(snap, response)
            choice_rows.append(
                ChoiceResponse(attempt_key, attempt_score[attempt_key], question_id, picked, keys)
            )

    matrix_keys = [key for key, row in marks.items() if any(m is not None for m in row)]
    matrix = [marks[key] for key in matrix_keys]
    maxima = list(max_marks)
    if scope == "bank":
        # The rest of each attempt, so discrimination is against the whole attempt's mark.
        totals_max = {str(a[0]): float(a[3] or 0) for a in attempts}
        rest_max = 0.0
        for key, row in zip(matrix_keys, matrix, strict=True):
            given = sum(max_marks[i] for i, m in enumerate(row) if m is not None)
            rest_max = max(rest_max, totals_max[key] - given)
            row.append(attempt_score[key] - sum(m for m in row if m is not None))
        maxima.append(rest_max)
    stats = moodle_statistics(matrix, maxima)
    display = moodle_display(stats, maxima)
    typical_max = None
    if attempts:
        typical_max = float(Counter(float(a[3] or 0) for a in attempts).most_common(1)[0][0])
    quiz_stats = quiz_display = None
    if scope == "quiz":
        whole = stats
        if any(mark is None for row in matrix for mark in row):
            whole = moodle_statistics([slot_marks[key] for key in matrix_keys], slot_max)
        quiz_stats = whole["quiz"]
        quiz_display = moodle_display(whole, slot_max, total_max=typical_max or None)["quiz"]

    choice_counts = {pk: len(list(questions[pk].choices.all())) for pk in order}
    by_choice = choice_analysis(choice_rows, {pk: list(range(choice_counts[pk])) for pk in order})
    rows = []
    for index, pk in enumerate(order):
        question = questions[pk]
        figures = stats["questions"][index]
        shown = display["questions"][index]
        responses_n = sum(1 for row in matrix if row[index] is not None)
        flags = flags_for_question(figures) if responses_n else []
        choices = []
        analysis = by_choice.get(pk)
        texts = [c.text or c.match_text for c in question.choices.all()]
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
        tags: dict[str, list[str]] = defaultdict(list)
        for tag in question.tags.all():
            tags[tag.kind].append(tag.value)
        rows.append(
            QuestionRow(
                question_id=pk,
                key=question.key,
                bank=question.bank.name,
                type=question.type,
                type_label=question.get_type_display(),
                stem=_plain(question.stem),
                critical=question.critical,
                tags=dict(tags),
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
    attempts = _raw_rows(counted.values_list("id", "user_id", "score", "max_score", "percent"))
    responses, versions = _parsed(_response_rows(counted, bank_id))
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
