"""A learner's progress through courses, computed in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from quizzes.models import Attempt

from .models import Completion, Course, Enrolment, Lesson, LessonProgress

EXPIRING_SOON_DAYS = 30
DUE_SOON_DAYS = 7


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


@dataclass
class CourseProgress:
    course: Course
    steps_total: int = 0
    steps_done: int = 0
    lessons_done: set[int] = field(default_factory=set)
    quizzes_passed: set[int] = field(default_factory=set)
    completion: Completion | None = None
    due_at: datetime | None = None
    status: str = Status.NOT_STARTED

    @property
    def percent(self) -> int:
        if self.completion is not None and self.status in (Status.COMPLETED, Status.EXPIRING_SOON):
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


def status_for(*, started: bool, complete_now: bool, completion, due_at, now: datetime) -> str:
    """Status of one learner on one course, in the order that matters to a manager."""
    if completion is not None:
        expires = completion.expires_at
        if expires is None or expires > now + timedelta(days=EXPIRING_SOON_DAYS):
            return Status.COMPLETED
        if expires > now:
            return Status.EXPIRING_SOON
        # Expired: the learner must renew, and the renewal may itself be overdue.
        if due_at and due_at < now:
            return Status.OVERDUE
        return Status.EXPIRED
    if complete_now:
        return Status.COMPLETED
    if due_at and due_at < now:
        return Status.OVERDUE
    if due_at and due_at < now + timedelta(days=DUE_SOON_DAYS):
        return Status.DUE_SOON
    return Status.IN_PROGRESS if started else Status.NOT_STARTED


def progress_for(user, courses: list[Course], *, now=None) -> dict[int, CourseProgress]:
    """Progress on each course for one learner: five queries whatever the number of courses."""
    now = now or timezone.now()
    course_ids = [c.pk for c in courses]
    lessons = list(
        Lesson.objects.filter(course_id__in=course_ids).only(
            "id", "course_id", "quiz_id", "quiz_required", "required"
        )
    )
    lesson_states = dict(
        LessonProgress.objects.filter(user=user, lesson__course_id__in=course_ids).values_list(
            "lesson_id", "completed_at"
        )
    )
    started_lessons = set(lesson_states)
    done = {pk for pk, completed_at in lesson_states.items() if completed_at is not None}
    quiz_ids = {lesson.quiz_id for lesson in lessons if lesson.quiz_id} | {
        c.final_quiz_id for c in courses if c.final_quiz_id
    }
    passed = set(
        Attempt.objects.filter(
            user=user, quiz_id__in=quiz_ids, mode=Attempt.Mode.GRADED, passed=True
        ).values_list("quiz_id", flat=True)
    )
    completions: dict[int, Completion] = {}
    for completion in Completion.objects.filter(user=user, course_id__in=course_ids).order_by(
        "completed_at"
    ):
        completions[completion.course_id] = completion  # the latest wins
    due = dict(
        Enrolment.objects.filter(user=user, course_id__in=course_ids).values_list(
            "course_id", "due_at"
        )
    )
    result = {}
    for course in courses:
        own = [lesson for lesson in lessons if lesson.course_id == course.pk]
        required_lessons = [lesson.pk for lesson in own if lesson.required]
        required_quizzes = required_quiz_ids(course, own)
        p = CourseProgress(course=course)
        p.lessons_done = {pk for pk in required_lessons if pk in done}
        p.quizzes_passed = {pk for pk in required_quizzes if pk in passed}
        p.steps_total = len(required_lessons) + len(required_quizzes)
        p.steps_done = len(p.lessons_done) + len(p.quizzes_passed)
        p.completion = completions.get(course.pk)
        p.due_at = due.get(course.pk)
        started = bool(started_lessons & {lesson.pk for lesson in own}) or bool(
            passed & required_quizzes
        )
        p.status = status_for(
            started=started,
            complete_now=p.steps_total > 0 and p.steps_done == p.steps_total,
            completion=p.completion,
            due_at=p.due_at,
            now=now,
        )
        result[course.pk] = p
    return result


def learner_courses(user) -> list[Course]:
    """The courses on a learner's dashboard: those they are enrolled on, published."""
    return list(
        Course.objects.filter(enrolments__user=user, published=True)
        .annotate(lesson_count=Count("lessons", filter=Q(lessons__required=True)))
        .order_by("position", "title")
    )
