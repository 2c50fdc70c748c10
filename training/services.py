"""Writes of the learner's journey: enrolling, completing lessons, recording completions."""

from __future__ import annotations

import calendar
import secrets

from django.db import transaction
from django.utils import timezone

from quizzes.models import Attempt

from .models import Completion, Course, Enrolment, Lesson, LessonProgress
from .progress import progress_for

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def certificate_code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def add_months(moment, months: int):
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def enrol(*, user, course: Course, due_at=None) -> Enrolment:
    enrolment, _ = Enrolment.objects.get_or_create(
        user=user, course=course, defaults={"due_at": due_at}
    )
    return enrolment


def lesson_open(*, user, lesson: Lesson) -> LessonProgress:
    progress, _ = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    return progress


@transaction.atomic
def lesson_complete(*, user, lesson: Lesson) -> LessonProgress:
    progress, _ = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        LessonProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(
            completed_at=progress.completed_at
        )
    completion_record_if_met(user=user, course=lesson.course)
    return progress


def completion_record_if_met(*, user, course: Course, now=None) -> Completion | None:
    """Writes the Completion when the learner has just met every requirement, once.

    Runs inside the transaction of the event that completes the course. The learner's
    enrolment row is locked first, so two requirements met in parallel write one record.
    """
    now = now or timezone.now()
    enrolment, _ = Enrolment.objects.get_or_create(user=user, course=course)
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    latest = Completion.objects.filter(user=user, course=course).order_by("-completed_at").first()
    if latest is not None and (latest.expires_at is None or latest.expires_at > now):
        return None
    progress = progress_for(user, [course], now=now)[course.pk]
    if not progress.steps_total or progress.steps_done < progress.steps_total:
        return None
    if latest is not None:
        # Renewal: every requirement must have been met again since the last completion.
        recent = Attempt.objects.filter(
            user=user,
            quiz_id=course.final_quiz_id,
            passed=True,
            submitted_at__gt=latest.completed_at,
        )
        if course.final_quiz_id and not recent.exists():
            return None
    final = None
    attempt_ids: list[str] = []
    if course.final_quiz_id:
        final = (
            Attempt.objects.filter(
                user=user, quiz_id=course.final_quiz_id, mode=Attempt.Mode.GRADED, passed=True
            )
            .order_by("-submitted_at")
            .first()
        )
        if final is not None:
            attempt_ids.append(str(final.pk))
    minutes = sum(course.lessons.values_list("estimated_minutes", flat=True))
    return Completion.objects.create(
        user=user,
        course=course,
        course_title=course.title,
        course_version=course.content_hash,
        final_score=final.percent if final else None,
        pass_mark=final.pass_mark if final else None,
        attempt_ids=attempt_ids,
        contact_hours=Course.contact_hours_for(minutes) if course.earns_contact_hours else None,
        completed_at=now,
        expires_at=(
            add_months(now, course.recertification_months)
            if course.recertification_months
            else None
        ),
        certificate_code=certificate_code_new(),
    )


def courses_for_quiz(quiz_id: int) -> list[Course]:
    lesson_courses = Lesson.objects.filter(quiz_id=quiz_id).values_list("course_id", flat=True)
    return list(
        Course.objects.filter(final_quiz_id=quiz_id) | Course.objects.filter(pk__in=lesson_courses)
    )
