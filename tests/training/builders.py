"""Builders for the training tests: courses to complete, and learners completing them through
the same services the pages call."""

from __future__ import annotations

from quizzes.models import Attempt
from quizzes.services import attempt_answer, attempt_start, attempt_submit
from tests import factories
from training import services
from training.models import Course


def course_to_complete(
    *, lessons: int = 2, final: bool = True, recertification_months=None, **course_kwargs
) -> Course:
    """A published course of required lessons and, by default, a 3-question final assessment."""
    course = factories.CourseFactory(recertification_months=recertification_months, **course_kwargs)
    for position in range(1, lessons + 1):
        factories.LessonFactory(course=course, position=position)
    if final:
        course.final_quiz = factories.quiz_with_questions(3)
        course.save()
    return course


def attempt_answered(user, quiz, *, correct: bool = True) -> Attempt:
    """A graded attempt with every question answered (right or wrong), not yet submitted."""
    attempt = attempt_start(quiz=quiz, user=user)
    for aq in attempt.questions.all():
        key = next(item["key"] for item in aq.snapshot["items"] if item["correct"] == correct)
        attempt_answer(
            attempt=attempt,
            position=aq.position,
            raw={"choice": key},
            sequence=aq.sequence,
            question=aq,
        )
    return attempt


def quiz_pass(user, quiz) -> Attempt:
    attempt = attempt_answered(user, quiz)
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.passed
    return attempt


def complete(user, course: Course) -> None:
    """Does everything the course requires: every lesson, then the final assessment."""
    for lesson in course.lessons.order_by("position"):
        services.lesson_complete(user=user, lesson=lesson)
    if course.final_quiz_id:
        quiz_pass(user, course.final_quiz)
