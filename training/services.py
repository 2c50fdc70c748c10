"""Writes of the learner's journey: cohorts, assignments, enrolments, lessons, completions."""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from quizzes.models import Attempt, Quiz
from quizzes.services import attempts_reset

from .models import (
    Assignment,
    Cohort,
    CohortMembership,
    Completion,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
)
from .progress import RENEWAL_WINDOW_DAYS, counts_from, current_completions, progress_for

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class TrainingRefused(ValueError):
    """A write the rules do not allow; the message says why, for the person who asked."""


def certificate_code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def add_months(moment, months: int):
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- Enrolments and lessons -----------------------------------------------------------------


def enrol(*, user, course: Course, due_at=None) -> Enrolment:
    enrolment, _ = Enrolment.objects.get_or_create(
        user=user, course=course, defaults={"due_at": due_at}
    )
    return enrolment


def lesson_open(*, user, lesson: Lesson) -> LessonProgress:
    progress, _ = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    return progress


def current_completion(*, user, course: Course) -> Completion | None:
    """The learner's latest completion of the course that no correction replaced."""
    return (
        current_completions()
        .filter(user=user, course=course)
        .select_related("renews")
        .order_by("-completed_at", "-pk")
        .first()
    )


@transaction.atomic
def lesson_complete(*, user, lesson: Lesson, now=None) -> LessonProgress:
    """Marks the lesson complete (again, when the learner is renewing) and records the
    course's completion if this was the last requirement."""
    now = now or timezone.now()
    progress, _ = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    since = counts_from(current_completion(user=user, course=lesson.course))
    stale = progress.completed_at is not None and since is not None and since < now
    stale = stale and progress.completed_at <= since
    if progress.completed_at is None or stale:
        pending = LessonProgress.objects.filter(pk=progress.pk, completed_at=progress.completed_at)
        if pending.update(completed_at=now):
            progress.completed_at = now
    completion_record_if_met(user=user, course=lesson.course, now=now)
    return progress


def lesson_done_in_cycle(progress: LessonProgress | None, since) -> bool:
    """Whether a lesson counts as done for the learner's current cycle (see counts_from)."""
    if progress is None or progress.completed_at is None:
        return False
    return since is None or progress.completed_at > since


# --- Completions ------------------------------------------------------------------------------


def course_version(course: Course) -> str:
    """The course's content hash; courses made in the admin get one from their lessons."""
    if course.content_hash:
        return course.content_hash
    lessons = course.lessons.order_by("position").values_list(
        "slug", "title", "body", "required", "quiz_id", "quiz_required", "estimated_minutes"
    )
    parts = [course.slug, course.title, course.summary, course.final_quiz_id, list(lessons)]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _enrolment_locked(*, user, course: Course) -> Enrolment:
    """The learner's enrolment row, locked until the transaction ends (created if missing).

    Every completion write takes this lock first, so of two requirements met in parallel
    the second sees the first and exactly one Completion is written. (SQLite runs write
    transactions one at a time, BEGIN IMMEDIATE, so there the lock is implicit.)
    """
    enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if enrolment is None:
        created, _ = Enrolment.objects.get_or_create(user=user, course=course)
        enrolment = Enrolment.objects.select_for_update().get(pk=created.pk)
    return enrolment


@transaction.atomic
def completion_record_if_met(*, user, course: Course, now=None) -> Completion | None:
    """Writes the Completion when the learner has just met every requirement, once.

    Runs inside the transaction of the event that completes the course (a lesson marked
    complete, a graded attempt submitted). For a renewal, only what was done after the
    renewal window opened counts (progress.counts_from). The record copies what it attests
    (course title and version, scores, pass mark in force, attempts) so that later edits of the
    course or the learner change nothing in it.
    """
    now = now or timezone.now()
    enrolment = _enrolment_locked(user=user, course=course)
    progress = progress_for(user, [course], now=now)[course.pk]
    if not progress.completes_now:
        return None
    since = progress.counts_from
    passes = Attempt.objects.filter(
        user=user, quiz_id__in=progress.quizzes_passed, mode=Attempt.Mode.GRADED, passed=True
    )
    if since is not None:
        passes = passes.filter(submitted_at__gt=since)
    latest_pass: dict[int, Attempt] = {}
    for attempt in passes.order_by("submitted_at"):
        latest_pass[attempt.quiz_id] = attempt
    final = latest_pass.get(course.final_quiz_id) if course.final_quiz_id else None
    contact_hours = None
    if course.earns_contact_hours:
        minutes = sum(course.lessons.values_list("estimated_minutes", flat=True))
        contact_hours = Course.contact_hours_for(minutes)
    return Completion.objects.create(
        user=user,
        learner_name=user.get_full_name() or user.get_username(),
        course=course,
        course_title=course.title,
        course_version=course_version(course),
        final_score=final.percent if final else None,
        pass_mark=final.pass_mark if final else None,
        attempt_ids=[str(a.pk) for a in sorted(latest_pass.values(), key=lambda a: a.submitted_at)],
        contact_hours=contact_hours,
        due_at=enrolment.due_at,
        completed_at=now,
        expires_at=(
            add_months(now, course.recertification_months)
            if course.recertification_months
            else None
        ),
        certificate_code=certificate_code_new(),
        renews=progress.completion,
    )


CORRECTABLE_FIELDS = ("learner_name", "completed_at", "expires_at", "final_score", "contact_hours")
_COPIED_FIELDS = (
    "user_id",
    "learner_name",
    "course_id",
    "course_title",
    "course_version",
    "final_score",
    "pass_mark",
    "attempt_ids",
    "contact_hours",
    "due_at",
    "completed_at",
    "expires_at",
    "renews_id",
)


@transaction.atomic
def completion_correct(
    *, completion: Completion, recorded_by, reason: str, **changes
) -> Completion:
    """Records a correction: a new Completion that replaces ``completion``, which stays.

    Only the newest record of a chain can be corrected, once (a constraint holds it too).
    """
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise TrainingRefused(f"These fields cannot be corrected: {', '.join(sorted(unknown))}.")
    reason = (reason or "").strip()
    if not reason:
        raise TrainingRefused("Give the reason for the correction.")
    original = Completion.objects.select_for_update().get(pk=completion.pk)
    if Completion.objects.filter(corrects=original).exists():
        raise TrainingRefused(
            "This record has already been corrected: correct the newest record instead."
        )
    values = {name: getattr(original, name) for name in _COPIED_FIELDS}
    values.update(changes)
    if values["expires_at"] and values["expires_at"] <= values["completed_at"]:
        raise TrainingRefused("The expiry date must be after the completion date.")
    try:
        with transaction.atomic():
            return Completion.objects.create(
                **values,
                certificate_code=certificate_code_new(),
                corrects=original,
                correction_reason=reason,
                recorded_by=recorded_by,
            )
    except IntegrityError as exc:
        raise TrainingRefused(
            "This record has already been corrected: correct the newest record instead."
        ) from exc


def courses_for_quiz(quiz_id: int) -> list[Course]:
    lesson_courses = Lesson.objects.filter(quiz_id=quiz_id).values_list("course_id", flat=True)
    return list(
        Course.objects.filter(final_quiz_id=quiz_id) | Course.objects.filter(pk__in=lesson_courses)
    )


# --- Cohorts ------------------------------------------------------------------------------------


def learners_find(identifiers: list[str]) -> dict[str, object]:
    """Looks up accounts by username or e-mail (case-insensitive), in one query.

    Returns, for each identifier, the user, or a sentence saying why there is none.
    """
    User = get_user_model()
    wanted = {i.strip() for i in identifiers if i.strip()}
    lowered = {i.lower() for i in wanted}
    emails = {i for i in lowered if "@" in i}
    candidates = list(
        User.objects.annotate(username_lower=Lower("username"), email_lower=Lower("email")).filter(
            Q(username_lower__in=lowered) | Q(email_lower__in=emails)
        )
    )
    found: dict[str, object] = {}
    for identifier in wanted:
        key = identifier.lower()
        by_name = {u.pk: u for u in candidates if u.username.lower() == key}
        exact = [u for u in by_name.values() if u.username == identifier]
        by_email = {u.pk: u for u in candidates if "@" in key and (u.email or "").lower() == key}
        matches = exact or list(by_name.values()) or list(by_email.values())
        if not matches:
            found[identifier] = f"no account has the username or e-mail “{identifier}”"
        elif len(matches) > 1:
            found[identifier] = f"more than one account matches “{identifier}”: use the username"
        elif not matches[0].is_active:
            found[identifier] = f"the account “{identifier}” is deactivated"
        else:
            found[identifier] = matches[0]
    return found


@transaction.atomic
def cohort_save(
    *, cohort: Cohort | None = None, name: str, description: str = "", educators=()
) -> Cohort:
    cohort = cohort or Cohort()
    cohort.name, cohort.description = name.strip(), description.strip()
    cohort.save()
    cohort.educators.set(educators)
    return cohort


@transaction.atomic
def cohort_member_add(*, cohort: Cohort, user, role: str, now=None) -> CohortMembership:
    """Adds a learner to a cohort; they get its assignments with their own due dates."""
    if not user.is_active:
        raise TrainingRefused(f"The account “{user.get_username()}” is deactivated.")
    membership, created = CohortMembership.objects.get_or_create(
        cohort=cohort, user=user, defaults={"role": role, "joined_at": now or timezone.now()}
    )
    if not created:
        raise TrainingRefused(f"{user.get_full_name() or user.get_username()} is already a member.")
    for course in Course.objects.filter(assignments__cohort=cohort):
        enrolments_sync(course=course, user_ids=[user.pk])
    return membership


@transaction.atomic
def cohort_member_remove(*, membership: CohortMembership) -> None:
    """Removes a learner from a cohort. Their records stay; due dates from the cohort go."""
    courses = list(Course.objects.filter(assignments__cohort_id=membership.cohort_id))
    user_id = membership.user_id
    membership.delete()
    for course in courses:
        enrolments_sync(course=course, user_ids=[user_id])


ROLE_NAMES = {
    **{value: value for value in CohortMembership.Role.values},
    **{label.lower(): value for value, label in CohortMembership.Role.choices},
    **{value.replace("_", " "): value for value in CohortMembership.Role.values},
}
HEADER_NAMES = {"username", "user", "email", "e-mail", "username or e-mail", "login"}
MAX_IMPORT_ROWS = 5000


class MemberImportError(TrainingRefused):
    """A members file that cannot be imported; ``problems`` holds one sentence per line."""

    def __init__(self, problems: list[str]):
        super().__init__("Nothing was added: " + "; ".join(problems))
        self.problems = problems


@dataclass
class MemberImportReport:
    added: list = field(default_factory=list)
    already: list = field(default_factory=list)
    duplicates: int = 0


def _parse_members_file(data: bytes, default_role: str) -> list[tuple[int, str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MemberImportError(["the file is not UTF-8 text (save it as CSV UTF-8)"]) from exc
    rows, problems = [], []
    reader = csv.reader(io.StringIO(text))
    first = True
    try:
        for cells in reader:
            line = reader.line_num
            cells = [c.strip() for c in cells]
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            if first and cells[0].lower() in HEADER_NAMES:
                first = False
                continue
            first = False
            if len(cells) > 2:
                problems.append(
                    f"line {line}: expected a username or e-mail and an optional role, "
                    f"found {len(cells)} columns"
                )
                continue
            if not cells[0]:
                problems.append(f"line {line}: the username or e-mail is empty")
                continue
            role = default_role
            if len(cells) == 2:
                role = ROLE_NAMES.get(cells[1].lower().replace("-", " "), "")
                if not role:
                    choices = ", ".join(label.lower() for label in CohortMembership.Role.labels)
                    problems.append(
                        f"line {line}: unknown role “{cells[1]}” (use one of: {choices})"
                    )
                    continue
            rows.append((line, cells[0], role))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if len(rows) > MAX_IMPORT_ROWS:
        problems.append(f"the file has more than {MAX_IMPORT_ROWS} rows: split it")
    if not rows and not problems:
        problems.append("the file has no usernames or e-mails")
    if problems:
        raise MemberImportError(problems)
    return rows


@transaction.atomic
def cohort_members_import(
    *, cohort: Cohort, data: bytes, default_role: str, now=None
) -> MemberImportReport:
    """Adds every learner a CSV file names (username or e-mail, optional role), or none.

    A file with any unknown name, deactivated account or bad line adds nobody; the error
    names each line and what is wrong with it.
    """
    now = now or timezone.now()
    rows = _parse_members_file(data, default_role)
    found = learners_find([identifier for _, identifier, _ in rows])
    problems = [
        f"line {line}: {found[identifier.strip()]}"
        for line, identifier, _ in rows
        if isinstance(found[identifier.strip()], str)
    ]
    if problems:
        raise MemberImportError(problems)
    report = MemberImportReport()
    members = set(cohort.memberships.values_list("user_id", flat=True))
    seen: set[int] = set()
    new = []
    for _, identifier, role in rows:
        user = found[identifier.strip()]
        if user.pk in seen:
            report.duplicates += 1
            continue
        seen.add(user.pk)
        if user.pk in members:
            report.already.append(user)
            continue
        new.append(CohortMembership(cohort=cohort, user=user, role=role, joined_at=now))
        report.added.append(user)
    CohortMembership.objects.bulk_create(new)
    for course in Course.objects.filter(assignments__cohort=cohort):
        enrolments_sync(course=course, user_ids=[u.pk for u in report.added])
    return report


# --- Assignments and the due dates they give ---------------------------------------------------


@transaction.atomic
def assignment_create(
    *,
    course: Course,
    cohort: Cohort | None = None,
    user=None,
    due_on=None,
    due_days: int | None = None,
    assigned_by=None,
    now=None,
) -> Assignment:
    """Assigns a course to a cohort or a learner; every learner concerned is enrolled with
    their own due date."""
    if (cohort is None) == (user is None):
        raise TrainingRefused("Assign the course to a cohort or to one learner.")
    if (due_on is None) == (due_days is None):
        raise TrainingRefused("Give either a due date or a number of days.")
    existing = Assignment.objects.filter(course=course, cohort=cohort, user=user)
    if existing.exists():
        who = cohort or (user.get_full_name() or user.get_username())
        raise TrainingRefused(f"“{course}” is already assigned to {who}.")
    assignment = Assignment.objects.create(
        course=course,
        cohort=cohort,
        user=user,
        due_on=due_on,
        due_days=due_days,
        assigned_by=assigned_by,
        created_at=now or timezone.now(),
    )
    user_ids = [user.pk] if user else list(cohort.memberships.values_list("user_id", flat=True))
    enrolments_sync(course=course, user_ids=user_ids)
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: Assignment) -> None:
    """Withdraws an assignment. Enrolments and records stay; its due dates go."""
    if assignment.user_id:
        user_ids = [assignment.user_id]
    else:
        user_ids = list(assignment.cohort.memberships.values_list("user_id", flat=True))
    Enrolment.objects.filter(assignment=assignment, renewal_of__isnull=True).update(
        assignment=None, due_at=None
    )
    course = assignment.course
    assignment.delete()
    enrolments_sync(course=course, user_ids=user_ids)


def enrolments_sync(*, course: Course, user_ids) -> None:
    """Gives each learner's enrolment the earliest due date of the assignments that reach them.

    An assignment reaches a learner directly or through a cohort they belong to; a relative
    due date counts from when they joined (see Assignment.due_at_for). A learner renewing a
    completion keeps the completion's expiry as their due date.
    """
    user_ids = set(user_ids)
    if not user_ids:
        return
    wanted: dict[int, tuple[datetime, Assignment]] = {}

    def offer(user_id: int, due: datetime, assignment: Assignment) -> None:
        if user_id not in wanted or due < wanted[user_id][0]:
            wanted[user_id] = (due, assignment)

    for assignment in Assignment.objects.filter(course=course, user_id__in=user_ids):
        offer(assignment.user_id, assignment.due_at_for(None), assignment)
    by_cohort = {
        a.cohort_id: a for a in Assignment.objects.filter(course=course, cohort__isnull=False)
    }
    memberships = CohortMembership.objects.filter(
        user_id__in=user_ids, cohort_id__in=by_cohort
    ).values_list("user_id", "cohort_id", "joined_at")
    for user_id, cohort_id, joined_at in memberships:
        assignment = by_cohort[cohort_id]
        offer(user_id, assignment.due_at_for(joined_at), assignment)

    existing = {e.user_id: e for e in Enrolment.objects.filter(course=course, user_id__in=user_ids)}
    new, changed = [], []
    for user_id in user_ids:
        enrolment = existing.get(user_id)
        due, assignment = wanted.get(user_id, (None, None))
        if enrolment is None:
            if assignment is not None:
                new.append(
                    Enrolment(user_id=user_id, course=course, due_at=due, assignment=assignment)
                )
            continue
        if enrolment.renewal_of_id is not None:
            continue
        if assignment is None and enrolment.assignment_id is None:
            continue  # enrolled without an assignment: nothing of ours to change
        if (enrolment.due_at, enrolment.assignment_id) != (due, assignment and assignment.pk):
            enrolment.due_at, enrolment.assignment = due, assignment
            changed.append(enrolment)
    Enrolment.objects.bulk_create(new)
    Enrolment.objects.bulk_update(changed, ["due_at", "assignment"])


def renewals_assign(*, now=None) -> int:
    """Assigns the course again to every active learner whose completion has entered its
    renewal window, due when the completion expires. Safe to run any number of times.

    Returns how many learners were assigned a renewal.
    """
    now = now or timezone.now()
    newer = current_completions().filter(
        user=OuterRef("user"), course=OuterRef("course"), completed_at__gt=OuterRef("completed_at")
    )
    entering = (
        current_completions()
        .filter(
            expires_at__lte=now + timedelta(days=RENEWAL_WINDOW_DAYS),
            user__is_active=True,
            course__published=True,
        )
        .exclude(Exists(newer))
        .exclude(Exists(Enrolment.objects.filter(renewal_of=OuterRef("pk"))))
    )
    count = 0
    for completion in entering.select_related("user", "course").iterator():
        with transaction.atomic():
            Enrolment.objects.update_or_create(
                user_id=completion.user_id,
                course_id=completion.course_id,
                defaults={"due_at": completion.expires_at, "renewal_of": completion},
            )
            # Last cycle's attempts must not use up this cycle's attempt limits.
            course = completion.course
            quiz_ids = set(
                course.lessons.filter(quiz__isnull=False).values_list("quiz_id", flat=True)
            )
            if course.final_quiz_id:
                quiz_ids.add(course.final_quiz_id)
            for quiz in Quiz.objects.filter(pk__in=quiz_ids):
                attempts_reset(
                    user=completion.user,
                    quiz=quiz,
                    reason=(
                        f"Renewal of {completion.course_title} "
                        f"(expires {completion.expires_at:%Y-%m-%d})"
                    ),
                    now=now,
                )
        count += 1
    return count
