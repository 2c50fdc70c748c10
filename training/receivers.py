"""training listens to quizzes: a graded attempt may complete a course."""

from __future__ import annotations

from django.dispatch import receiver

from quizzes.models import Attempt
from quizzes.signals import attempt_submitted

from . import services
from .models import Enrolment


@receiver(attempt_submitted)
def record_completion_after_attempt(sender, attempt: Attempt, **kwargs):
    """Runs inside the submission's transaction, so the Completion commits with the attempt."""
    if attempt.mode != Attempt.Mode.GRADED or not attempt.passed:
        return
    enrolled = set(
        Enrolment.objects.filter(user_id=attempt.user_id).values_list("course_id", flat=True)
    )
    for course in services.courses_for_quiz(attempt.quiz_id):
        if course.pk in enrolled:
            services.completion_record_if_met(user=attempt.user, course=course)
