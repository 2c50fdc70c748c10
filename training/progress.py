"""Progress and status of learners on courses, computed in a fixed number of queries.

``progress_table`` answers for any number of learners and courses in five queries; the
dashboard, the cohort pages, the reminders and the reports all read statuses through it, so a
status means the same thing everywhere.

A course's requirements are its required lessons (marked complete) and its required quizzes
(a graded attempt passed; ``passed`` already holds the quiz's critical-item rule). Once a
learner has a completion that expires, only what they do after its renewal window opens (30
days before expiry) counts towards the next one: a renewal means doing the course again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from quizzes.models import Attempt

from .models import Completion, Course, Enrolment, Lesson, LessonProgress

EXPIRING_SOON_DAYS = 30
RENEWAL_WINDOW_DAYS = EXPIRING_SOON_DAYS
DUE_SOON_DAYS = 7
NEVER = datetime.max.replace(tzinfo=UTC)


class Status:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    EXPIRING_SOON = "expiring_soon"
    EXPIRED = "expired"

    LABELS = {
        NOT_STARTED: "Not started",
        IN_PROGRESS: "In progress",
        COMPLETED: "Completed",
        DUE_SOON: "Due soon",
        OVERDUE: "Overdue",
        EXPIRING_SOON: "Expiring soon",
        EXPIRED: "Expired",
    }
    # What needs attention first, on the dashboard and in digests.
    URGENT = (OVERDUE, EXPIRED, DUE_SOON, EXPIRING_SOON)


@dataclass
class CourseProgress:
    course: Course
    user_id: int | None = None
    steps_total: int = 0
    steps_done: int = 0
    lessons_done: set[int] = field(default_factory=set)
    quizzes_passed: set[int] = field(default_factory=set)
    completion: Completion | None = None
    enrolment_id: int | None = None
    assignment_id: int | None = None
    due_at: datetime | None = None
    counts_from: datetime | None = None  # cycle_start(): requirements count after it
    renewal_open: bool = False
    started: bool = False
    status: str = Status.NOT_STARTED

    @property
    def enrolled(self) -> bool:
        return self.enrolment_id is not None

    @property
    def requirements_met(self) -> bool:
        """Every requirement met in the current cycle (see cycle_start)."""
        return self.steps_total > 0 and self.steps_done == self.steps_total

    @property
    def completes_now(self) -> bool:
        """Whether a new Completion is due: requirements met, and none held or renewal open."""
        return self.requirements_met and (self.completion is None or self.renewal_open)

    @property
    def renewing(self) -> bool:
        """The learner holds a completion and is (or will soon be) doing the course again."""
        return self.completion is not None and self.status in (
            Status.EXPIRING_SOON,
            Status.EXPIRED,
        )

    @property
    def percent(self) -> int:
        if self.status == Status.COMPLETED:
            return 100
        if not self.steps_total:
            return 0
        return round(100 * self.steps_done / self.steps_total)

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]


def required_quiz_ids(course: Course, lessons: list[Lesson]) -> set[int]:
    ids = {lesson.quiz_id for lesson in lessons if lesson.quiz_required and lesson.quiz_id}
    if course.final_quiz_id:
        ids.add(course.final_quiz_id)
    return ids


def counts_from(completion: Completion | None) -> datetime | None:
    """After which moment requirements count towards the learner's next completion.

    None (no completion yet): everything counts. A completion that never expires: nothing
    ever counts again (NEVER). Otherwise the later of the completion itself and the opening of
    its renewal window.
    """
    if completion is None:
        return None
    if completion.expires_at is None:
        return NEVER
    return max(completion.completed_at, completion.expires_at - timedelta(days=RENEWAL_WINDOW_DAYS))


def cycle_start(completion: Completion | None, now: datetime) -> datetime | None:
    """From when requirements count in the learner's current cycle: the renewal once its
    window is open, else the cycle that earned the current completion (so a completed
    course shows its lessons and assessments done). Needs ``completion.renews`` loaded."""
    if completion is None:
        return None
    renewal = counts_from(completion)
    if renewal <= now:
        return renewal
    return counts_from(completion.renews) if completion.renews_id else None


def status_for(*, completion, due_at, started: bool, now: datetime) -> str:
    """Status of one learner on one course.

    A valid completion wins (``expiring_soon`` in its last 30 days); a lapsed one is
    ``expired`` until renewed. Without a completion: ``overdue`` past the due date, ``due_soon``
    within 7 days of it, else ``in_progress`` or ``not_started``.
    """
    if completion is not None:
        expires = completion.expires_at
        if expires is None or expires > now + timedelta(days=EXPIRING_SOON_DAYS):
            return Status.COMPLETED
        if expires > now:
            return Status.EXPIRING_SOON
        return Status.EXPIRED
    if due_at is not None and due_at < now:
        return Status.OVERDUE
    if due_at is not None and due_at < now + timedelta(days=DUE_SOON_DAYS):
        return Status.DUE_SOON
    return Status.IN_PROGRESS if started else Status.NOT_STARTED


def current_completions() -> QuerySet[Completion]:
    """Completions no correction has replaced (renewed ones included: they are history)."""
    return Completion.objects.filter(~Exists(Completion.objects.filter(corrects=OuterRef("pk"))))


def _after(moment, since) -> bool:
    return moment is not None and (since is None or moment > since)


def progress_table(
    *, user_ids: Iterable[int] | QuerySet, courses: list[Course], now=None
) -> dict[tuple[int, int], CourseProgress]:
    """Progress of every given learner on every given course, keyed ``(user_id, course_id)``.

    Five queries whatever the number of learners and courses (six when ``user_ids`` is a
    QuerySet: it is read once for the keys and used as a subquery in the others). Learners
    need not be active: a deactivated learner's records count like anyone's. ``enrolled`` on
    each row says whether the course is on the learner's dashboard.
    """
    now = now or timezone.now()
    if isinstance(user_ids, QuerySet):
        users_filter = user_ids.values("pk")
        ids = list(user_ids.values_list("pk", flat=True))
    else:
        ids = list(user_ids)
        users_filter = ids
    course_ids = [c.pk for c in courses]
    lessons = list(
        Lesson.objects.filter(course_id__in=course_ids).only(
            "id", "course_id", "quiz_id", "quiz_required", "required"
        )
    )
    lesson_course = {lesson.pk: lesson.course_id for lesson in lessons}
    lesson_rows = LessonProgress.objects.filter(
        user_id__in=users_filter, lesson__course_id__in=course_ids
    ).values_list("user_id", "lesson_id", "started_at", "completed_at")
    lesson_states: dict[tuple[int, int], list[tuple[int, datetime, datetime | None]]] = {}
    for user_id, lesson_id, started_at, completed_at in lesson_rows:
        key = (user_id, lesson_course[lesson_id])
        lesson_states.setdefault(key, []).append((lesson_id, started_at, completed_at))

    quiz_ids = {lesson.quiz_id for lesson in lessons if lesson.quiz_id} | {
        c.final_quiz_id for c in courses if c.final_quiz_id
    }
    attempts = {
        (row["user_id"], row["quiz_id"]): (row["last_passed"], row["last_started"])
        for row in Attempt.objects.filter(
            user_id__in=users_filter, quiz_id__in=quiz_ids, mode=Attempt.Mode.GRADED
        )
        .values("user_id", "quiz_id")
        .annotate(
            last_passed=Max("submitted_at", filter=Q(passed=True)),
            last_started=Max("started_at"),
        )
        .order_by()
    }
    completions: dict[tuple[int, int], Completion] = {}
    for completion in (
        current_completions()
        .filter(user_id__in=users_filter, course_id__in=course_ids)
        .order_by("completed_at", "pk")
    ):
        completions[(completion.user_id, completion.course_id)] = completion  # the latest wins
    enrolments = {
        (row[0], row[1]): row[2:]
        for row in Enrolment.objects.filter(
            user_id__in=users_filter, course_id__in=course_ids
        ).values_list("user_id", "course_id", "pk", "due_at", "assignment_id")
    }

    by_course: dict[int, list[Lesson]] = {}
    for lesson in lessons:
        by_course.setdefault(lesson.course_id, []).append(lesson)
    result = {}
    for course in courses:
        own = by_course.get(course.pk, [])
        required_lessons = {lesson.pk for lesson in own if lesson.required}
        required_quizzes = required_quiz_ids(course, own)
        course_quizzes = {lesson.quiz_id for lesson in own if lesson.quiz_id} | required_quizzes
        for user_id in ids:
            key = (user_id, course.pk)
            p = CourseProgress(course=course, user_id=user_id)
            p.completion = completions.get(key)
            p.counts_from = since = cycle_start(p.completion, now)
            p.renewal_open = p.completion is not None and counts_from(p.completion) <= now
            states = lesson_states.get(key, [])
            p.lessons_done = {
                lesson_id
                for lesson_id, _, completed_at in states
                if lesson_id in required_lessons and _after(completed_at, since)
            }
            p.quizzes_passed = {
                quiz_id
                for quiz_id in required_quizzes
                if _after(attempts.get((user_id, quiz_id), (None, None))[0], since)
            }
            p.steps_total = len(required_lessons) + len(required_quizzes)
            p.steps_done = len(p.lessons_done) + len(p.quizzes_passed)
            p.started = any(
                _after(started_at, since) or _after(completed_at, since)
                for _, started_at, completed_at in states
            ) or any(
                _after(attempts.get((user_id, quiz_id), (None, None))[1], since)
                for quiz_id in course_quizzes
            )
            if key in enrolments:
                p.enrolment_id, p.due_at, p.assignment_id = enrolments[key]
            p.status = status_for(
                completion=p.completion, due_at=p.due_at, started=p.started, now=now
            )
            result[key] = p
    return result


def progress_for(user, courses: list[Course], *, now=None) -> dict[int, CourseProgress]:
    """Progress on each course for one learner: five queries whatever the number of courses."""
    table = progress_table(user_ids=[user.pk], courses=courses, now=now)
    return {course_id: p for (_, course_id), p in table.items()}


def learner_courses(user) -> list[Course]:
    """The courses on a learner's dashboard: those they are enrolled on, published."""
    return list(
        Course.objects.filter(enrolments__user=user, published=True)
        .annotate(lesson_count=Count("lessons", filter=Q(lessons__required=True)))
        .order_by("position", "title")
    )
