"""training listens to quizzes: a graded attempt may complete a course."""

from __future__ import annotations

from django.dispatch import receiver

from quizzes.models import Attempt
from quizzes.signals import attempt_submitted

from . import services


@receiver(attempt_submitted)
def record_completion_after_attempt(sender, attempt: Attempt, **kwargs):
    if attempt.mode != Attempt.Mode.GRADED or not attempt.passed:
        return
    for course in services.courses_for_quiz(attempt.quiz_id):
        services.completion_record_if_met(user=attempt.user, course=course)
