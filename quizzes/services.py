"""Writes of the assessment engine: versioning questions, starting, answering and submitting."""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import grading, statements
from .models import (
    Attempt,
    AttemptQuestion,
    AttemptReset,
    Choice,
    DrawRule,
    Question,
    QuestionVersion,
    Quiz,
    Tag,
    json_from_db,
)
from .selectors import attempt_questions
from .signals import attempt_submitted
from .text import render_inline, render_markdown

logger = logging.getLogger(__name__)


class AttemptRefused(Exception):
    """The quiz's policy does not allow this attempt now; the message says why."""


class AnswerRefused(Exception):
    """An answer that cannot be saved; ``status`` is the HTTP status a view should answer."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


class ForeignOption(AnswerRefused):
    """A key that is not one of this question's options in this attempt (tampering)."""

    def __init__(self, message: str = "That option does not belong to this question."):
        super().__init__(message, status=400)


class AnswersRefused(AnswerRefused):
    """A page of answers of which none was saved; ``problems`` maps positions to reasons."""

    def __init__(self, problems: dict[int, str], *, status: int = 400):
        self.problems = dict(sorted(problems.items()))
        super().__init__(" ".join(self.problems.values()), status=status)


TIME_IS_UP = "Time is up: this answer arrived after the deadline, so it was not saved."
ALREADY_SUBMITTED = "This attempt has already been submitted: answers can no longer change."
# --- Questions and their versions --------------------------------------------------------


def question_content(question: Question) -> dict:
    """The part of a question that, when it changes, makes a new version."""
    return {
        "type": question.type,
        "title": question.title,
        "stem": question.stem,
        "points": str(Decimal(question.points).normalize()),
        "rationale": question.rationale,
        "critical": question.critical,
        "image": question.image.name if question.image else "",
        "image_alt": question.image_alt,
        "choices": [
            {
                "text": c.text,
                "match_text": c.match_text,
                "is_correct": c.is_correct,
                "weight": None if c.weight is None else str(Decimal(c.weight).normalize()),
                "feedback": c.feedback,
                "image": c.image.name if c.image else "",
                "image_alt": c.image_alt,
            }
            for c in question.choices.all()
        ],
    }


def question_is_used(question: Question) -> bool:
    return AttemptQuestion.objects.filter(question=question).exists()


@transaction.atomic
def question_record_version(*, question: Question, user=None) -> QuestionVersion | None:
    """Records the question's content as a new version if it differs from the latest one.

    Attempts keep the snapshot they were given, so a new version only changes what new
    attempts get. Returns the new version, or None when nothing changed.
    """
    content = question_content(question)
    latest = question.versions.order_by("-version").first()
    if latest is not None and latest.content == content:
        return None
    number = 1 if latest is None else latest.version + 1
    if question.version != number:
        Question.objects.filter(pk=question.pk).update(version=number)
        question.version = number
    return QuestionVersion.objects.create(
        question=question, version=number, content=content, created_by=user
    )


def question_retire(*, question: Question) -> None:
    Question.objects.filter(pk=question.pk).update(active=False)
    question.active = False


# --- Drawing and snapshots ------------------------------------------------------------------


def _new_key(used: set[str]) -> str:
    while True:
        key = secrets.token_urlsafe(6)
        if key not in used:
            used.add(key)
            return key


def _image_url(field) -> str:
    return field.url if field else ""


def _snapshot_head(question: Question) -> dict:
    return {
        "type": question.type,
        "key": question.key,
        "title": question.title,
        "stem_html": str(render_markdown(question.stem)),
        "image": _image_url(question.image),
        "image_alt": question.image_alt,
        "points": str(Decimal(question.points).normalize()),
        "rationale_html": str(render_markdown(question.rationale)),
        "critical": question.critical,
    }


def _snapshot_content(question: Question, choices: list) -> tuple[dict, list[dict]]:
    """What a single, multiple, true/false or ordering question's snapshot holds besides its
    keys and order: the rendered stem, rationale and options. The same for every draw of a
    version, so it is kept on this process's copy of a drawn question (``_DRAWN``); each
    snapshot copies it."""
    content = getattr(question, "snapshot_content", None)
    if content is not None:
        return content
    head = _snapshot_head(question)
    items = [
        {
            "html": str(render_inline(c.text)),
            "correct": c.is_correct,
            "weight": None if c.weight is None else float(c.weight),
            "position": index,
            "feedback_html": str(render_markdown(c.feedback)) if c.feedback else "",
            "image": _image_url(c.image),
            "image_alt": c.image_alt,
        }
        for index, c in enumerate(choices)
    ]
    content = (head, items)
    if hasattr(question, "drawn_choices"):
        question.snapshot_content = content
    return content


def question_snapshot(question: Question, *, shuffle: bool, rng: random.Random) -> dict:
    """What the learner is given: rendered text, opaque per-attempt keys and the answers."""
    used: set[str] = set()
    # quiz_draw reads every drawn question's choices in one query (a prefetch cost more).
    choices = getattr(question, "drawn_choices", None)
    if choices is None:
        choices = list(question.choices.all())
    if question.type != Question.Type.MATCHING:
        head, content = _snapshot_content(question, choices)
        items = [{"key": _new_key(used), **item} for item in content]
        # An ordering question is always shown out of order, whatever the quiz says.
        if question.type == Question.Type.ORDERING:
            while len(items) > 1 and [i["position"] for i in items] == sorted(
                i["position"] for i in items
            ):
                rng.shuffle(items)
        elif shuffle and question.type != Question.Type.TRUE_FALSE:
            rng.shuffle(items)
        return {**head, "items": items}
    snapshot = _snapshot_head(question)
    prompts = [c for c in choices if c.text.strip()]
    answers: list[dict] = []
    answer_keys: dict[str, str] = {}
    for c in choices:
        label = c.match_text.strip()
        if label and label not in answer_keys:
            answer_keys[label] = _new_key(used)
            answers.append({"key": answer_keys[label], "html": str(render_inline(label))})
    if shuffle:
        rng.shuffle(prompts)
    rng.shuffle(answers)
    snapshot["items"] = [
        {
            "key": _new_key(used),
            "html": str(render_inline(c.text)),
            "answer": answer_keys[c.match_text.strip()],
            "feedback_html": str(render_markdown(c.feedback)) if c.feedback else "",
            "image": _image_url(c.image),
            "image_alt": c.image_alt,
        }
        for c in prompts
    ]
    snapshot["answers"] = answers
    return snapshot


def _rule_questions(rule: DrawRule):
    qs = Question.objects.filter(bank_id=rule.bank_id, active=True)
    if rule.tag_id:
        qs = qs.filter(tags=rule.tag_id)
    if rule.critical == DrawRule.Critical.ONLY:
        qs = qs.filter(critical=True)
    elif rule.critical == DrawRule.Critical.EXCLUDE:
        qs = qs.filter(critical=False)
    return qs


def draw_rule_problems(rules: list[DrawRule]) -> list[str]:
    """Why these rules (in order) might not draw every question they ask for, as sentences.

    Each rule takes from what the rules before it left, so an earlier rule that overlaps it
    may take up to min(its count, the overlap) of its questions. The check assumes the worst
    case: rules that pass it always draw in full, whatever the random draw picks.
    """
    problems = []
    pools: list[tuple[set[int], int]] = []
    for index, rule in enumerate(rules, start=1):
        pool = set(_rule_questions(rule).values_list("pk", flat=True))
        taken = min(len(pool), sum(min(len(pool & earlier), n) for earlier, n in pools))
        if rule.count is not None and rule.count > len(pool) - taken:
            where = f"bank “{rule.bank}”" + (f", tag {rule.tag}" if rule.tag_id else "")
            if rule.critical != DrawRule.Critical.ANY:
                where += f", {rule.get_critical_display().lower()}"
            problem = (
                f"Rule {index} asks for {rule.count} question(s) but only {len(pool)} active "
                f"question(s) match ({where})"
            )
            if taken:
                problem += f", and the rules before it may take {taken} of them"
            problems.append(problem + ".")
        pools.append((pool, len(pool) if rule.count is None else rule.count))
    return problems


def draw_rule_sizes(rules: list[DrawRule]) -> list[int]:
    """How many questions each rule draws: its count, or every match when it has none."""
    return [r.count if r.count is not None else _rule_questions(r).count() for r in rules]


# Drawn questions with their choices, kept in each process by (pk, version, key): what a
# version of a question says never changes (a change of content makes a new version, see
# question_record_version), so a draw reads only which questions are candidates and at which
# version, and the content of those it has drawn before comes from here. The database stays
# the one source of truth: a question edited on another server has a new version there, which
# is a miss here. A primary key is only reused after a restore from a backup, when the
# servers are restarted (README: back up and restore); the test suite clears it per test.
_DRAWN: dict[tuple[int, int, str], Question] = {}
_DRAWN_MAX = 1000


def drawn_cache_clear() -> None:
    _DRAWN.clear()


def _drawn_questions(chosen: list[tuple[int, int, str]]) -> list[Question]:
    """The chosen questions, each with ``drawn_choices``: from this process's copies where
    they are the version the candidates were read at, else in two queries."""
    found: dict[int, Question] = {}
    missing = []
    for pk, version, key in chosen:
        question = _DRAWN.get((pk, version, key))
        if question is None:
            missing.append(pk)
        else:
            found[pk] = question
    if missing:
        fetched = Question.objects.in_bulk(missing)
        for question in fetched.values():
            question.drawn_choices = []
        for choice in Choice.objects.filter(question_id__in=missing):
            fetched[choice.question_id].drawn_choices.append(choice)
        if len(_DRAWN) + len(fetched) > _DRAWN_MAX:
            _DRAWN.clear()
        for question in fetched.values():
            # An edit between the two reads gives the newer version, as the database holds.
            _DRAWN[(question.pk, question.version, question.key)] = question
        found.update(fetched)
    return [found[pk] for pk, _, _ in chosen]


# A start's read of the draw, written out (as the quiz's other hot reads are, in
# selectors.py): one statement for every rule, in order, each with its candidates, the same
# rows as _rule_questions(rule).order_by("key", "pk") (a rule that matches none comes once,
# with no question).
_DRAW = """
    SELECT r.id, r.count, q.id, q.version, q.key
    FROM quizzes_drawrule r
    LEFT JOIN quizzes_question q ON q.bank_id = r.bank_id AND q.active = %s
      AND (r.tag_id IS NULL OR q.id IN (
        SELECT t.question_id FROM quizzes_question_tags t WHERE t.tag_id = r.tag_id
      ))
      AND (r.critical = 'any' OR q.critical = (r.critical = 'only'))
    WHERE r.quiz_id = %s
    ORDER BY r.position, r.id, q.key, q.id
"""


DrawnRules = list[tuple[int | None, list[tuple[int, int, str]]]]


def _draw_read(quiz: Quiz) -> tuple:
    """The read of the quiz's rules, as ``statements.rows()`` takes it."""
    return (None, _DRAW, [True, quiz.pk])


def _draw_rules(quiz: Quiz, found: list | None = None) -> DrawnRules:
    """The quiz's rules in order, each as (its count, its candidates: id, version, key);
    ``found``: the rows of ``_draw_read(quiz)`` if they were read already."""
    if found is None:
        found = statements.rows(*_draw_read(quiz))
    rules: dict[int, tuple[int | None, list]] = {}
    for rule_id, count, *question in found:
        candidates = rules.setdefault(rule_id, (count, []))[1]
        if question[0] is not None:
            candidates.append(tuple(question))
    return list(rules.values())


def quiz_draw(quiz: Quiz, rng: random.Random, rules: DrawnRules | None = None) -> list[Question]:
    """Draws the quiz's questions by its rules: each rule takes from what earlier rules left.

    Without shuffling, questions keep the order of the rules and, within a rule, of the bank.
    A rule that cannot draw its count refuses the attempt: a smaller exam than the one the
    educator built would be weaker evidence, so it is never given silently. The questions
    come with their choices (``drawn_choices``), which must not be changed: they may be
    this process's copies, shared with other draws. ``rules``: the quiz's rules as
    ``_draw_rules()`` gives them, if they were read already.
    """
    chosen: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for index, (count, found) in enumerate(_draw_rules(quiz) if rules is None else rules, start=1):
        candidates = [row for row in found if row[0] not in taken]
        if count is not None:
            if count > len(candidates):
                logger.warning(
                    "Quiz %s: draw rule %s wants %s questions, %s available",
                    quiz.slug,
                    index,
                    count,
                    len(candidates),
                )
                raise AttemptRefused(
                    "This quiz cannot be started: it asks for more questions than its question "
                    "banks now hold. Please tell your educator."
                )
            picked = set(rng.sample([row[0] for row in candidates], count))
            candidates = [row for row in candidates if row[0] in picked]
        chosen.extend(candidates)
        taken.update(row[0] for row in candidates)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return _drawn_questions(chosen)


def quiz_settings(quiz: Quiz) -> dict:
    return {
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "multiple_scoring": quiz.multiple_scoring,
        "sequence_scoring": quiz.sequence_scoring,
        "require_critical": quiz.require_critical,
        "feedback": quiz.feedback,
        "time_limit_minutes": quiz.time_limit_minutes,
    }


# --- Starting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    can_start: bool
    reason: str = ""
    attempts_used: int = 0  # since the learner's last attempt reset, if any
    next_start_at: object = None
    last_number: int = 0  # the highest graded attempt number ever used


def _graded(quiz: Quiz, user):
    return Attempt.objects.filter(user=user, quiz=quiz, mode=Attempt.Mode.GRADED)


def quiz_availability(
    *, quiz: Quiz, user, now=None, last_number: int | None = None
) -> Availability:
    """Whether the learner may start a graded attempt now, and if not why. ``last_number``:
    the highest attempt number, when the caller has just read it (``attempt_start``)."""
    now = now or timezone.now()
    if quiz.opens_at and now < quiz.opens_at:
        return Availability(
            False, f"This quiz opens on {timezone.localtime(quiz.opens_at):%d %b %Y %H:%M}."
        )
    if quiz.closes_at and now >= quiz.closes_at:
        return Availability(False, "This quiz has closed.")
    if not quiz.limits_attempts:
        # Nothing to count or wait for: only the number the next attempt takes.
        if last_number is None:
            last_number = _graded(quiz, user).aggregate(n=Max("number"))["n"] or 0
        return Availability(True, "", last_number=last_number)
    graded = _graded(quiz, user)
    # Attempts count from the learner's latest reset, if any: one query with the reset inside.
    reset_at = Subquery(
        AttemptReset.objects.filter(user=user, quiz=quiz, reset_at__lte=now)
        .order_by("-reset_at")
        .values("reset_at")[:1]
    )
    counted = Count("pk", filter=Q(started_at__gte=Coalesce(reset_at, F("started_at"))))
    stats = graded.exclude(state=Attempt.State.IN_PROGRESS).aggregate(
        n=Max("number"), last=Max("submitted_at"), counted=counted
    )
    used = stats["counted"] or 0
    if quiz.attempt_limit and used >= quiz.attempt_limit:
        return Availability(
            False, "You have used every attempt this quiz allows.", used, None, stats["n"] or 0
        )
    if quiz.cooldown_minutes and stats["last"]:
        ready = stats["last"] + timedelta(minutes=quiz.cooldown_minutes)
        if now < ready:
            return Availability(
                False,
                f"You can try again after {timezone.localtime(ready):%H:%M} "
                f"({quiz.cooldown_minutes} minutes between attempts).",
                used,
                ready,
                stats["n"] or 0,
            )
    return Availability(True, "", used, None, stats["n"] or 0)


def attempts_reset(*, user, quiz: Quiz, reason: str, by=None, now=None) -> AttemptReset:
    """Gives the learner a fresh set of attempts on the quiz from now; keeps every attempt."""
    return AttemptReset.objects.create(
        user=user, quiz=quiz, reset_at=now or timezone.now(), reason=reason, created_by=by
    )


def attempt_deadline(quiz: Quiz, started_at) -> object:
    """When a graded attempt must be in: the time limit, cut short by the quiz's closing."""
    deadline = None
    if quiz.time_limit_minutes:
        deadline = started_at + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at and (deadline is None or quiz.closes_at < deadline):
        deadline = quiz.closes_at
    return deadline


# The learner's latest graded attempt: one entry of attempt_user_quiz_mode_number (or of
# graded_attempt_number_unique) read backwards, however many attempts the learner has made.
_LATEST_GRADED = """
    SELECT * FROM quizzes_attempt WHERE user_id = %s AND quiz_id = %s AND mode = 'graded'
    ORDER BY number DESC LIMIT 1
"""


def attempt_start(
    *, quiz: Quiz, user, mode: str = Attempt.Mode.GRADED, practice_of=None
) -> Attempt:
    """Starts an attempt, or returns the one already in progress (a double click makes one).

    The partial unique constraint ``one_attempt_in_progress`` makes parallel starts safe: the
    loser of the race gets the winner's attempt, so the attempt limit holds.
    """
    last_number = rules = None
    if mode == Attempt.Mode.GRADED and not quiz.limits_attempts:
        # One read answers both questions: an attempt in progress is the latest one, and
        # with nothing to count, the next attempt only needs the latest number. The draw's
        # read goes with it, in the same round trip where the database allows.
        found, drawn = statements.rows_together(
            (Attempt, _LATEST_GRADED, [user.pk, quiz.pk]), _draw_read(quiz)
        )
        rules = _draw_rules(quiz, drawn)
        latest = next(iter(found), None)
        existing = latest if latest is not None and latest.is_open else None
        last_number = latest.number if latest is not None else 0
    else:
        existing = _in_progress(quiz, user, mode)
    if existing is not None and not attempt_expire_if_due(existing):
        return existing
    now = timezone.now()
    if mode == Attempt.Mode.GRADED:
        availability = quiz_availability(quiz=quiz, user=user, now=now, last_number=last_number)
        if not availability.can_start:
            raise AttemptRefused(availability.reason)
        number = availability.last_number + 1
    else:
        number = 1
    rng = random.Random(secrets.randbits(64))
    if practice_of is not None:
        questions = _missed_questions(practice_of)
        rng.shuffle(questions)
    else:
        questions = quiz_draw(quiz, rng, rules)
    if not questions:
        raise AttemptRefused("This quiz has no questions yet.")
    deadline = attempt_deadline(quiz, now) if mode == Attempt.Mode.GRADED else None
    snapshots = [question_snapshot(q, shuffle=quiz.shuffle_choices, rng=rng) for q in questions]
    attempt = Attempt(
        user=user,
        quiz=quiz,
        mode=mode,
        practice_of=practice_of,
        number=number,
        started_at=now,
        deadline=deadline,
        pass_mark=quiz.pass_mark,
        settings_snapshot=quiz_settings(quiz),
        max_score=sum((Decimal(s["points"]) for s in snapshots), Decimal("0")),
    )
    try:
        _attempt_write(attempt, questions, snapshots)
    except IntegrityError:
        existing = _in_progress(quiz, user, mode)
        if existing is None:
            raise AttemptRefused(
                "Another attempt was started at the same moment. Please try again."
            ) from None
        return existing
    return attempt


_QUESTIONS_WRITE = """
    INSERT INTO quizzes_attemptquestion
        (attempt_id, position, question_id, question_version, snapshot, sequence)
    VALUES """


# On PostgreSQL outside a transaction, the attempt and its questions in one round trip: the
# attempt's INSERT in a CTE, the questions' rows taking its id, and statements.DRAFT_COMMIT
# making the statement's own commit asynchronous, as the answer save's does. The
# questions come as one JSON array of rows: the statement is the same whatever their number,
# and has few enough parameters for psycopg to keep it converted (it converts a statement of
# more than 50 again on every run).
_ATTEMPT_WRITE_POSTGRESQL = """
    WITH draft AS (SELECT {draft}),
         attempt AS ({attempt} RETURNING id)
    INSERT INTO quizzes_attemptquestion
        (attempt_id, position, question_id, question_version, snapshot, sequence)
    SELECT attempt.id, question.position, question.id, question.version, question.snapshot, 0
    FROM attempt, draft, jsonb_to_recordset(%s) AS question(
        position integer, id bigint, version integer, snapshot jsonb
    )
"""


def _attempt_write(attempt: Attempt, questions: list[Question], snapshots: list[dict]) -> None:
    """Writes a new attempt and its questions as drawn, every question in one INSERT. A
    draft until it is submitted, so its commit need not wait for the disk: on PostgreSQL
    outside a transaction, one statement that says so itself (``_ATTEMPT_WRITE_POSTGRESQL``),
    else two in ``statements.draft_transaction``. Prepared either way: the ORM took longer to
    build the attempt's INSERT than the database to run it, and sent ten for the questions."""
    # Table and column names come from the models; every value is a parameter.
    fields = Attempt._meta.local_concrete_fields
    attempt_sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        Attempt._meta.db_table,
        ", ".join(connection.ops.quote_name(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    attempt_params = [
        field.get_db_prep_save(field.pre_save(attempt, True), connection) for field in fields
    ]
    snapshot = AttemptQuestion._meta.get_field("snapshot")
    drawn = list(enumerate(zip(questions, snapshots, strict=True), 1))
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        rows = [
            {"position": position, "id": question.pk, "version": question.version, "snapshot": s}
            for position, (question, s) in drawn
        ]
        with statements.cursor() as cursor:
            cursor.execute(
                _ATTEMPT_WRITE_POSTGRESQL.format(
                    attempt=attempt_sql, draft=statements.DRAFT_COMMIT
                ),
                [*attempt_params, snapshot.get_db_prep_save(rows, connection)],
            )
    else:
        rows = [
            (position, question.pk, question.version, snapshot.get_db_prep_save(s, connection))
            for position, (question, s) in drawn
        ]
        attempt_id = attempt_params[fields.index(Attempt._meta.pk)]
        with statements.draft_transaction(), statements.cursor() as cursor:
            cursor.execute(attempt_sql, attempt_params)
            cursor.execute(
                _QUESTIONS_WRITE + ", ".join(["(%s, %s, %s, %s, %s, 0)"] * len(rows)),
                [value for row in rows for value in (attempt_id, *row)],
            )
    attempt._state.adding = False
    attempt._state.db = connection.alias


def _in_progress(quiz: Quiz, user, mode: str) -> Attempt | None:
    return Attempt.objects.filter(
        user=user, quiz=quiz, mode=mode, state=Attempt.State.IN_PROGRESS
    ).first()


def _missed_questions(attempt: Attempt) -> list[Question]:
    """The questions a graded attempt did not get fully right, in their current version.

    Retired questions are left out: an educator retires a question that should not be taught.
    """
    missed = attempt.questions.filter(Q(is_correct=False) | Q(is_correct__isnull=True))
    question_ids = list(missed.values_list("question_id", flat=True))
    by_pk = Question.objects.filter(active=True).prefetch_related("choices").in_bulk(question_ids)
    return [by_pk[pk] for pk in question_ids if pk in by_pk]


def practice_start(*, attempt: Attempt, user) -> Attempt:
    """Practice on the questions a failed graded attempt missed, with immediate feedback.

    Practice never counts: it is never marked passed (a database constraint), and completion
    only reads graded attempts.
    """
    if attempt.user_id != user.pk or not attempt.is_graded or attempt.is_open or attempt.passed:
        raise AttemptRefused("Practice is offered after a graded attempt that did not pass.")
    existing = _in_progress(attempt.quiz, user, Attempt.Mode.PRACTICE)
    if existing is not None and existing.practice_of_id != attempt.pk:
        attempt_submit(attempt=existing)  # practice on an older attempt: close it first
    if not _missed_questions(attempt):
        raise AttemptRefused("There is nothing to practise: the questions you missed are retired.")
    return attempt_start(
        quiz=attempt.quiz, user=user, mode=Attempt.Mode.PRACTICE, practice_of=attempt
    )


# --- Answering ------------------------------------------------------------------------------


def _ordering_from_places(snapshot: dict, places: dict) -> list[str]:
    """The order given as a place (1..n) per step: every step a different place."""
    keys = [item["key"] for item in snapshot["items"]]
    given = {k: str(v).strip() for k, v in places.items() if str(v).strip()}
    if any(k not in keys for k in given):
        raise ForeignOption()
    if not given:
        return []
    n = len(keys)
    allowed = {str(p) for p in range(1, n + 1)}
    if len(given) != n or any(v not in allowed for v in given.values()):
        raise AnswerRefused(f"Give every step a place from 1 to {n}.")
    if len(set(given.values())) != n:
        raise AnswerRefused(f"Give every step a different place, from 1 to {n}.")
    return [k for k, _ in sorted(given.items(), key=lambda kv: int(kv[1]))]


def answer_clean(snapshot: dict, raw: dict) -> dict | None:
    """The response to store for ``raw``, or None for no answer.

    Every key must be one of this question's keys in this attempt; anything else is
    ``ForeignOption`` (a forged or copied key). Unknown fields in ``raw`` are ignored.
    """
    item_keys = [item["key"] for item in snapshot["items"]]
    valid = set(item_keys)
    qtype = snapshot["type"]
    if qtype in ("single", "true_false"):
        choice = raw.get("choice")
        if choice in (None, ""):
            return None
        if choice not in valid:
            raise ForeignOption()
        return {"choice": choice}
    if qtype == "multiple":
        choices = [c for c in raw.get("choices") or [] if c]
        if any(c not in valid for c in choices):
            raise ForeignOption()
        return {"choices": sorted(set(choices))} if choices else None
    if qtype == "ordering":
        if "places" in raw:
            order = _ordering_from_places(snapshot, raw.get("places") or {})
        else:
            order = [c for c in raw.get("order") or [] if c]
            if any(c not in valid for c in order):
                raise ForeignOption()
        if not order:
            return None
        if sorted(order) != sorted(item_keys):
            raise AnswerRefused("Give every step one place in the sequence, each place once.")
        return {"order": order}
    if qtype == "matching":
        answers = {a["key"] for a in snapshot.get("answers", [])}
        matches = {k: v for k, v in (raw.get("matches") or {}).items() if v}
        if any(k not in valid or v not in answers for k, v in matches.items()):
            raise ForeignOption()
        return {"matches": matches} if matches else None
    raise AnswerRefused("Unknown question type.")


_clean_response = answer_clean  # the walking skeleton's name


def _clean_for(position: int, snapshot: dict, raw: dict) -> dict | None:
    """``answer_clean`` with the question's number in every message."""
    try:
        return answer_clean(snapshot, raw)
    except ForeignOption as refusal:
        raise ForeignOption(f"Question {position}: {refusal}") from None
    except AnswerRefused as refusal:
        raise AnswerRefused(f"Question {position}: {refusal}", status=refusal.status) from None


def _stale(position: int) -> str:
    return (
        f"Question {position} was changed in another window or tab after this page was "
        "loaded, so this answer was not saved and the other one is kept. Reload the page to "
        "see the saved answer."
    )


def _check_open(attempt: Attempt, now) -> None:
    """Refuses an answer to a closed attempt; submits one whose time has just run out."""
    if attempt.deadline and now >= attempt.deadline:
        attempt_expire_if_due(attempt, now=now)
        raise AnswerRefused(TIME_IS_UP, status=409)
    if not attempt.is_open:
        raise AnswerRefused(ALREADY_SUBMITTED, status=409)


def _why_not_saved(attempt_id, aq_id: int, position: int) -> AnswerRefused:
    state = Attempt.objects.filter(pk=attempt_id).values_list("state", flat=True).get()
    if state != Attempt.State.IN_PROGRESS:
        return AnswerRefused(ALREADY_SUBMITTED, status=409)
    if AttemptQuestion.objects.filter(pk=aq_id, score__isnull=False).exists():
        return _checked(position)
    return AnswerRefused(_stale(position), status=409)


def _checked(position: int) -> AnswerRefused:
    return AnswerRefused(
        f"Question {position} has been checked: its answer can no longer change.", status=409
    )


def attempt_answer(
    *,
    attempt: Attempt,
    position: int,
    raw: dict,
    sequence: int,
    now=None,
    question: AttemptQuestion | None = None,
) -> AttemptQuestion:
    """Saves one answer. ``sequence`` is the number the page was given with the question:
    a save based on an older state (another tab saved since) is refused, keeping the newer
    answer. An answer after the deadline is refused and the attempt submitted as it stood.

    The save is one conditional UPDATE: same sequence, and no score yet. Submission gives
    every question a score while holding its rows (``attempt_submit``), so an answer is
    either saved before grading and graded, or refused; never saved after the grade.
    """
    now = now or timezone.now()
    _check_open(attempt, now)
    aq = question or attempt.questions.filter(position=position).first()
    if aq is None or aq.attempt_id != attempt.pk or aq.position != position:
        raise AnswerRefused("No such question in this attempt.", status=404)
    response = _clean_for(position, aq.snapshot, raw)
    if aq.score is not None:
        raise _checked(position)
    if response == aq.response:
        return aq
    if not _answer_write(aq.pk, response, sequence, now):
        raise _why_not_saved(attempt.pk, aq.pk, position)
    aq.response, aq.sequence, aq.answered_at = response, sequence + 1, now
    return aq


# The page's script saves each answer as it is given: ten requests a quiz, each reading the
# question with its attempt and writing one row. Both statements are written out once here:
# building them with the ORM took longer than running them.


_ANSWER_READ = """
    SELECT aq.id, aq.snapshot, aq.response, aq.sequence, aq.score IS NOT NULL,
           a.state = %s AND (a.deadline IS NULL OR a.deadline > %s)
    FROM quizzes_attemptquestion aq INNER JOIN quizzes_attempt a ON a.id = aq.attempt_id
    WHERE aq.attempt_id = %s AND aq.position = %s AND a.user_id = %s
"""
_ANSWER_WRITE = """
    UPDATE quizzes_attemptquestion SET response = %s, sequence = %s, answered_at = %s
    WHERE id = %s AND sequence = %s AND score IS NULL
"""
# An answer save is a draft until the attempt is submitted (so is the start: on PostgreSQL each is
# one statement that says so itself, statements.DRAFT_COMMIT; else each goes through
# statements.draft_transaction), and its commit does not wait for the disk: on PostgreSQL an
# asynchronous commit (which PostgreSQL's manual suggests for such writes), on SQLite
# synchronous=NORMAL for that commit alone. Only a crash of the database server (on SQLite, of the
# machine) can lose a draft, and only one made in the moment before it: the next commit that waits
# for the disk, anyone's, flushes every earlier one. Everything else, submissions, scores and
# completions included, waits for the disk. A lost save is not lost silently: the learner's page
# still shows the answer with the sequence of the save, which no longer matches, so the next save
# of that question or the submission marks it to be answered again (a reload would show the answer
# saved before). Waiting for the disk cost each save about 0.2 ms here and a tenth of quiz-taking
# throughput on PostgreSQL under load (bench/README.md, 5 December 2026).
#
# On PostgreSQL the save is its own transaction, and the statement itself makes that
# transaction's commit asynchronous (evaluated with the row it writes): one prepared
# statement and one round trip.
_ANSWER_WRITE_ASYNC = statements.draft_update(_ANSWER_WRITE)


# The answers of single-choice and true/false questions, most of a quiz's saves, are checked
# and written by one statement: the learner's own attempt, open and in time; the question of
# that type and not marked yet; the sequence the page was given; the key one of the question's
# own in this attempt (a forged or copied key matches no row); an answer different from the one
# saved. If any of them fails, nothing is written and the save takes the read and the write
# above, which find out why (or return the unchanged answer's sequence). On SQLite the same
# answer is stored as the same text (Django's JSON encoding, every time), which the statement
# compares.
_CHOICE_SAVE_SQLITE = """
    UPDATE quizzes_attemptquestion SET response = %s, sequence = %s, answered_at = %s
    WHERE attempt_id = %s AND position = %s AND sequence = %s AND score IS NULL
      AND json_extract(snapshot, '$.type') IN ('single', 'true_false')
      AND EXISTS (
        SELECT 1 FROM json_each(snapshot, '$.items') WHERE json_extract(value, '$.key') = %s
      )
      AND response IS NOT %s
      AND EXISTS (
        SELECT 1 FROM quizzes_attempt a WHERE a.id = attempt_id AND a.user_id = %s
        AND a.state = %s AND (a.deadline IS NULL OR a.deadline > %s)
      )
"""
# On PostgreSQL the answer is made from the key by the statement itself, and each value is one
# parameter however often it is used (psycopg numbers a repeated name once): five values of
# plain types, which psycopg sends as they are, where the SQLite statement takes eleven with
# two JSON documents among them. The parameters of a save were a third of its cost in Python.
_CHOICE_SAVE_POSTGRESQL = """
    UPDATE quizzes_attemptquestion
    SET response = jsonb_build_object('choice', %(choice)s::text),
        sequence = %(sequence)s + 1, answered_at = %(now)s
    WHERE attempt_id = %(attempt)s AND position = %(position)s AND sequence = %(sequence)s
      AND score IS NULL AND snapshot ->> 'type' IN ('single', 'true_false')
      AND snapshot -> 'items' @> jsonb_build_array(jsonb_build_object('key', %(choice)s::text))
      AND response IS DISTINCT FROM jsonb_build_object('choice', %(choice)s::text)
      AND EXISTS (
        SELECT 1 FROM quizzes_attempt a WHERE a.id = attempt_id AND a.user_id = %(user)s
        AND a.state = 'in_progress' AND (a.deadline IS NULL OR a.deadline > %(now)s)
      )
"""
_CHOICE_SAVES = {  # vendor: (the statement, the same making its own commit asynchronous)
    "postgresql": (_CHOICE_SAVE_POSTGRESQL, statements.draft_update(_CHOICE_SAVE_POSTGRESQL)),
    "sqlite": (_CHOICE_SAVE_SQLITE, None),
}


def _choice_save(attempt_id, user_id: int, position: int, choice: str, sequence: int, now) -> bool:
    """Saves ``choice`` as the answer to a single-choice or true/false question in one
    statement if every rule allows it; False, with nothing written, otherwise."""
    if connection.vendor == "postgresql":
        params = {
            "choice": choice,
            "sequence": sequence,
            "now": now,
            "attempt": Attempt._meta.pk.get_db_prep_value(attempt_id, connection),
            "position": position,
            "user": user_id,
        }
        return _draft_write(*_CHOICE_SAVES["postgresql"], params)
    if connection.vendor != "sqlite":
        return False
    field = AttemptQuestion._meta.get_field
    response = field("response").get_db_prep_save({"choice": choice}, connection)
    params = [
        response,
        sequence + 1,
        field("answered_at").get_db_prep_save(now, connection),
        Attempt._meta.pk.get_db_prep_value(attempt_id, connection),
        position,
        sequence,
        choice,
        response,
        user_id,
        Attempt.State.IN_PROGRESS.value,
        Attempt._meta.get_field("deadline").get_db_prep_value(now, connection),
    ]
    return _draft_write(*_CHOICE_SAVES["sqlite"], params)


@dataclass(frozen=True)
class AnswerSlot:
    """One question of a learner's attempt, as an answer save needs it."""

    pk: int
    snapshot: dict
    response: dict | None
    sequence: int
    checked: bool  # it has a score: graded, or checked in practice
    open_now: bool  # the attempt is in progress and its time has not run out


def _answer_slot(attempt_id, user_id: int, position: int, now) -> AnswerSlot | None:
    params = [
        Attempt.State.IN_PROGRESS.value,
        Attempt._meta.get_field("deadline").get_db_prep_value(now, connection),
        Attempt._meta.pk.get_db_prep_value(attempt_id, connection),
        position,
        user_id,
    ]
    with statements.cursor() as cursor:
        cursor.execute(_ANSWER_READ, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, snapshot, response, sequence, checked, open_now = row
    return AnswerSlot(
        pk, json_from_db(snapshot), json_from_db(response), sequence, bool(checked), bool(open_now)
    )


def _answer_write(aq_id: int, response: dict | None, sequence: int, now) -> bool:
    """Writes the answer if nobody saved since ``sequence`` and it has no score yet."""
    field = AttemptQuestion._meta.get_field
    params = [
        field("response").get_db_prep_save(response, connection),
        sequence + 1,
        field("answered_at").get_db_prep_save(now, connection),
        aq_id,
        sequence,
    ]
    return _draft_write(_ANSWER_WRITE, _ANSWER_WRITE_ASYNC, params)


def _draft_write(sql: str, sql_async: str | None, params: list | dict) -> bool:
    """Runs an answer's UPDATE as a draft; True if it wrote its row. ``sql_async``: the same
    statement making its own commit asynchronous, for PostgreSQL."""
    if connection.in_atomic_block:
        # Part of a larger transaction, which commits as it was going to.
        with statements.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount == 1
    if connection.vendor == "postgresql":
        # The write is its own transaction, and sets its own commit asynchronous: one
        # prepared statement, one round trip.
        with statements.cursor() as cursor:
            cursor.execute(sql_async, params)
            return cursor.rowcount == 1
    with statements.draft_transaction(), statements.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def answer_save(
    *, attempt_id, user, position: int, raw_for, sequence: int, choice: str = "", now=None
) -> int:
    """Saves one answer as the page's script sends it; returns the question's new sequence.

    ``raw_for(snapshot)`` reads the answer as posted for the question as it was given. The
    same rules as ``attempt_answer``, in two statements when the attempt is open: read, write.
    ``choice``, the one key posted for the question if that is all that was posted, is first
    tried as a single-choice or true/false answer in one statement (``_CHOICE_SAVE``). A
    closed or timed-out attempt takes ``attempt_answer``'s path, which refuses the answer
    and submits an attempt whose time has run out. ``AttemptQuestion.DoesNotExist`` if the
    user has no such question: nobody saves into another learner's attempt.
    """
    now = now or timezone.now()
    if choice and _choice_save(attempt_id, user.pk, position, choice, sequence, now):
        return sequence + 1
    slot = _answer_slot(attempt_id, user.pk, position, now)
    if slot is None:
        raise AttemptQuestion.DoesNotExist("No such question.")
    if not slot.open_now:
        aq = AttemptQuestion.objects.select_related("attempt").get(pk=slot.pk)
        raw = raw_for(aq.snapshot)
        return attempt_answer(
            attempt=aq.attempt, position=position, raw=raw, sequence=sequence, now=now, question=aq
        ).sequence
    response = _clean_for(position, slot.snapshot, raw_for(slot.snapshot))
    if slot.checked:
        raise _checked(position)
    if response == slot.response:
        return slot.sequence
    if not _answer_write(slot.pk, response, sequence, now):
        raise _why_not_saved(attempt_id, slot.pk, position)
    return sequence + 1


def attempt_save_answers(
    *,
    attempt: Attempt,
    questions: list[AttemptQuestion],
    answers: dict[int, tuple[dict, int]],
    submit: bool = False,
    now=None,
) -> int:
    """Saves a whole page of answers (``{position: (raw, sequence)}``) at once, or none.

    Every answer is checked before any is written. A key from another question or attempt
    raises ``ForeignOption``; answers that cannot be read, or that were changed in another
    tab since the page was loaded, raise ``AnswersRefused`` naming each question. Either way
    nothing is saved. With ``submit`` the attempt is then submitted in the same transaction.
    Questions already checked in practice keep their answer. Returns how many answers changed.
    """
    now = now or timezone.now()
    _check_open(attempt, now)
    problems: dict[int, str] = {}
    changes: list[tuple[AttemptQuestion, dict | None, int]] = []
    for aq in questions:
        if aq.position not in answers or aq.score is not None:
            continue
        raw, sequence = answers[aq.position]
        try:
            response = _clean_for(aq.position, aq.snapshot, raw)
        except ForeignOption:
            raise
        except AnswerRefused as refusal:
            problems[aq.position] = str(refusal)
            continue
        if response != aq.response:
            changes.append((aq, response, sequence))
    if problems:
        raise AnswersRefused(problems)
    with statements.durable_transaction():
        if changes:
            # The rows stay locked until commit, so nothing moves between this check and
            # the write: one read and one bulk write whatever the number of answers.
            current = {
                pk: (seq, score)
                for pk, seq, score in AttemptQuestion.objects.select_for_update()
                .filter(pk__in=[aq.pk for aq, _, _ in changes])
                .order_by("pk")
                .values_list("pk", "sequence", "score")
            }
            if any(score is not None for _, score in current.values()):
                raise AnswerRefused(ALREADY_SUBMITTED, status=409)
            stale = {
                aq.position: _stale(aq.position)
                for aq, _, sequence in changes
                if current[aq.pk][0] != sequence
            }
            if stale:
                raise AnswersRefused(stale, status=409)
            for aq, response, sequence in changes:
                aq.response, aq.sequence, aq.answered_at = response, sequence + 1, now
            AttemptQuestion.objects.bulk_update(
                [aq for aq, _, _ in changes], ["response", "sequence", "answered_at"]
            )
        if submit:
            attempt_submit(attempt=attempt, now=now)
    return len(changes)


def practice_check(*, attempt: Attempt, position: int, now=None) -> AttemptQuestion:
    """Marks one practice answer now (immediate feedback); it cannot change afterwards."""
    now = now or timezone.now()
    if attempt.mode != Attempt.Mode.PRACTICE:
        raise AnswerRefused("Answers are checked one by one only in practice.")
    _check_open(attempt, now)
    with transaction.atomic():
        aq = attempt.questions.select_for_update().filter(position=position).first()
        if aq is None:
            raise AnswerRefused("No such question in this attempt.", status=404)
        if aq.score is not None:
            return aq
        if aq.response is None:
            raise AnswerRefused(f"Question {position}: answer it before checking it.")
        aq.score, aq.is_correct = grading.question_grade(
            aq.snapshot, aq.response, attempt.settings_snapshot
        )
        aq.picked = grading.picked_mask(aq.snapshot, aq.response)
        AttemptQuestion.objects.filter(pk=aq.pk).update(
            score=aq.score, is_correct=aq.is_correct, picked=aq.picked
        )
    return aq


# --- Submitting -----------------------------------------------------------------------------


def attempt_submit(*, attempt: Attempt, expired: bool = False, now=None) -> bool:
    """Submits and grades the attempt once. Returns False if it was already submitted.

    The questions are read FOR UPDATE and graded, then one conditional UPDATE moves the
    attempt out of "in progress" with its result: of two parallel submissions (two tabs, a
    double click, the sweep) exactly one gets past it; the other's grading is rolled back.
    Every question gets a score, so an answer save running at the same moment (it only
    writes a row without a score) is either committed first and graded, or refused. An
    attempt whose time ran out is submitted as at its deadline.
    """
    now = now or timezone.now()
    state = Attempt.State.EXPIRED if expired else Attempt.State.SUBMITTED
    submitted_at = min(now, attempt.deadline) if expired and attempt.deadline else now
    settings = attempt.settings_snapshot
    with statements.durable_transaction():
        questions = attempt_questions(attempt, for_update=True)
        score = Decimal("0")
        missed_critical = []
        for aq in questions:
            aq.score, aq.is_correct = grading.question_grade(aq.snapshot, aq.response, settings)
            aq.picked = grading.picked_mask(aq.snapshot, aq.response)
            score += aq.score
            if aq.snapshot.get("critical") and not aq.is_correct:
                missed_critical.append(aq.position)
        result = {
            "score": score,
            "percent": grading.percent(score, attempt.max_score),
            "critical_missed": missed_critical,
            "passed": None,  # practice never passes
        }
        if attempt.is_graded:
            result["passed"] = result["percent"] >= attempt.pass_mark and not (
                settings.get("require_critical") and missed_critical
            )
        values = {"state": state, "submitted_at": submitted_at, **result}
        if not _attempt_close(attempt.pk, values, questions):
            attempt.refresh_from_db()
            return False
        attempt.state, attempt.submitted_at = state, submitted_at
        for name, value in result.items():
            setattr(attempt, name, value)
        attempt_submitted.send(sender=Attempt, attempt=attempt)
    return True


def _attempt_close(attempt_id, values: dict, questions: list[AttemptQuestion]) -> bool:
    """Moves the attempt out of "in progress" with ``values`` and writes each question's
    grade, if nobody closed it first; False, and nothing written, if somebody did. Prepared
    statements: the ORM took longer to build them than the database to run them (and
    ``bulk_update`` builds a CASE per column over every row). On PostgreSQL one statement,
    the grades read from one JSON array of rows; elsewhere one for the attempt, then one run
    for every question."""
    fields = [Attempt._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    close = f"UPDATE quizzes_attempt SET {assignments} WHERE id = %s AND state = %s"  # noqa: S608
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    params += [
        Attempt._meta.pk.get_db_prep_value(attempt_id, connection),
        Attempt.State.IN_PROGRESS,
    ]
    if connection.vendor == "postgresql" and questions:
        grades = [
            {"id": aq.pk, "score": str(aq.score), "is_correct": aq.is_correct, "picked": aq.picked}
            for aq in questions
        ]
        with statements.cursor() as cursor:
            cursor.execute(
                _CLOSE_AND_GRADE_POSTGRESQL.format(close=close),
                [*params, connection.ops.adapt_json_value(grades, None)],
            )
            return cursor.rowcount > 0
    score = AttemptQuestion._meta.get_field("score")
    with statements.cursor() as cursor:
        cursor.execute(close, params)
        if cursor.rowcount != 1:
            return False
        cursor.executemany(
            _GRADE_WRITE,
            [
                (score.get_db_prep_save(aq.score, connection), aq.is_correct, aq.picked, aq.pk)
                for aq in questions
            ],
        )
    return True


# The attempt closed in a CTE; the grades written only if it was, each row read from JSON.
_CLOSE_AND_GRADE_POSTGRESQL = """
    WITH closed AS ({close} RETURNING id)
    UPDATE quizzes_attemptquestion AS aq
    SET score = grade.score, is_correct = grade.is_correct, picked = grade.picked
    FROM closed, jsonb_to_recordset(%s) AS grade(
        id bigint, score numeric, is_correct boolean, picked bigint
    )
    WHERE aq.id = grade.id AND aq.attempt_id = closed.id
"""
_GRADE_WRITE = """
    UPDATE quizzes_attemptquestion SET score = %s, is_correct = %s, picked = %s WHERE id = %s
"""


def attempt_expire_if_due(attempt: Attempt, *, now=None) -> bool:
    """Submits an attempt whose time ran out with what was saved. True if it is now closed.

    Called on every access to an attempt, so a learner who comes back late finds it marked
    as at its deadline even if the sweep has not run yet.
    """
    now = now or timezone.now()
    if attempt.is_open and attempt.deadline and now >= attempt.deadline:
        attempt_submit(attempt=attempt, expired=True, now=now)
        attempt.refresh_from_db()
    return not attempt.is_open


def close_expired_attempts(*, now=None) -> int:
    """Submits every attempt whose deadline has passed, as at its deadline; safe to rerun."""
    now = now or timezone.now()
    due = Attempt.objects.filter(state=Attempt.State.IN_PROGRESS, deadline__lte=now)
    count = 0
    for attempt in due.order_by("deadline"):
        if attempt_submit(attempt=attempt, expired=True, now=now):
            count += 1
    return count


def choice_is_valid_for(question: Question) -> list[str]:
    """Problems that make a question unusable, for admin validation and imports."""
    return validate_choices(question.type, list(question.choices.all()))


def validate_choices(qtype: str, choices: list[Choice]) -> list[str]:
    """What makes these options unusable for a question of this type, as sentences."""
    correct = [c for c in choices if c.is_correct]
    if qtype in (Question.Type.SINGLE, Question.Type.MULTIPLE, Question.Type.TRUE_FALSE):
        for number, choice in enumerate(choices, start=1):
            if not choice.text.strip() and not choice.image:
                return [f"Option {number} has no text."]
    if qtype == Question.Type.TRUE_FALSE:
        if len(choices) != 2:
            return [f"A true/false question has exactly two options ({len(choices)} given)."]
        if len(correct) != 1:
            return [
                f"A true/false question needs exactly one correct option ({len(correct)} marked)."
            ]
    elif qtype == Question.Type.SINGLE:
        if len(choices) < 2:
            return ["Give at least two options."]
        if len(correct) != 1:
            return [
                "A single-answer question needs exactly one correct option "
                f"({len(correct)} marked)."
            ]
    elif qtype == Question.Type.MULTIPLE:
        if len(choices) < 2:
            return ["Give at least two options."]
        if not correct:
            return ["Mark at least one correct option."]
    elif qtype == Question.Type.ORDERING:
        if len(choices) < 2:
            return ["Give at least two steps, in their correct order."]
        if any(not c.text.strip() for c in choices):
            return ["Every step needs its text."]
    elif qtype == Question.Type.MATCHING:
        prompts = [c for c in choices if c.text.strip()]
        if len(prompts) < 2:
            return ["Give at least two pairs."]
        if any(not c.match_text.strip() for c in choices):
            return ["Every pair needs an answer to match."]
    return []


# --- Writing questions from files (curriculum, imports) ---------------------------------------

QUESTION_TYPES = {t.value for t in Question.Type}


def question_data_problems(data: dict) -> list[str]:
    """What is wrong with a question dictionary (fixtures/README.md), as sentences."""
    problems = []
    qtype = data.get("type")
    if not data.get("key"):
        problems.append("missing key")
    if qtype not in QUESTION_TYPES:
        problems.append(f"unknown type {qtype!r}")
        return problems
    if not str(data.get("stem") or "").strip():
        problems.append("missing stem")
    choices = _choices_from_data(data)
    problems.extend(validate_choices(qtype, choices))
    difficulty = data.get("difficulty") or "medium"
    if difficulty not in Question.Difficulty.values:
        problems.append(f"unknown difficulty {difficulty!r}")
    for kind in data.get("tags") or {}:
        if kind not in Tag.Kind.values:
            problems.append(f"unknown tag kind {kind!r}")
    return problems


def _choices_from_data(data: dict) -> list[Choice]:
    if data.get("type") == Question.Type.MATCHING:
        rows = [
            Choice(text=str(p.get("prompt", "")), match_text=str(p.get("answer", "")))
            for p in data.get("pairs") or []
        ]
        rows += [Choice(text="", match_text=str(d)) for d in data.get("distractors") or []]
    else:
        rows = [
            Choice(
                text=str(c.get("text", "")),
                is_correct=bool(c.get("correct", data.get("type") == Question.Type.ORDERING)),
                weight=None if c.get("weight") is None else Decimal(str(c["weight"])),
                feedback=str(c.get("feedback") or ""),
            )
            for c in data.get("choices") or []
        ]
    for index, choice in enumerate(rows):
        choice.position = index
    return rows


def _tags_from_data(data: dict) -> list[Tag]:
    wanted = [
        (kind, str(value))
        for kind, values in (data.get("tags") or {}).items()
        for value in (values if isinstance(values, list | tuple) else [values])
        if str(value).strip()
    ]
    tags = []
    for kind, value in wanted:
        tag, _ = Tag.objects.get_or_create(kind=kind, value=value)
        tags.append(tag)
    return tags


@transaction.atomic
def question_upsert(*, bank, data: dict, user=None) -> tuple[Question, str]:
    """Creates or updates the question with ``data["key"]`` in ``bank``.

    Returns the question and what happened: "created", "updated" (a new version) or
    "unchanged". Attempts already made keep their snapshot, whatever changes here.
    """
    problems = question_data_problems(data)
    if problems:
        raise ValueError("; ".join(problems))
    fields = {
        "type": data["type"],
        "title": str(data.get("title") or "")[:200],
        "stem": str(data["stem"]).strip(),
        "points": Decimal(str(1 if data.get("points") in (None, "") else data["points"])),
        "rationale": str(data.get("rationale") or "").strip(),
        "difficulty": data.get("difficulty") or Question.Difficulty.MEDIUM,
        "critical": bool(data.get("critical", False)),
    }
    question = Question.objects.filter(bank=bank, key=data["key"]).first()
    created = question is None
    if created:
        question = Question.objects.create(bank=bank, key=data["key"], **fields)
    else:
        for name, value in fields.items():
            setattr(question, name, value)
        question.active = True if data.get("active", True) else question.active
        question.save()
    new_choices = _choices_from_data(data)
    old = [
        (c.text, c.match_text, c.is_correct, c.weight, c.feedback) for c in question.choices.all()
    ]
    new = [(c.text, c.match_text, c.is_correct, c.weight, c.feedback) for c in new_choices]
    if old != new:
        question.choices.all().delete()
        for choice in new_choices:
            choice.question = question
        Choice.objects.bulk_create(new_choices)
    question.tags.set(_tags_from_data(data))
    question = Question.objects.prefetch_related("choices").get(pk=question.pk)
    version = question_record_version(question=question, user=user)
    if created:
        return question, "created"
    return question, "updated" if version is not None else "unchanged"
