"""A fresh set of attempts: granted by an educator, or made by a course renewal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Attempt, AttemptReset
from quizzes.services import AttemptRefused, attempt_start, attempt_submit, attempts_reset
from tests import factories
from tests.training import builders
from training import services as training_services
from training.models import Completion

pytestmark = pytest.mark.django_db


def test_a_reset_gives_a_fresh_set_of_attempts_and_keeps_the_old_ones(learner, educator):
    quiz = factories.quiz_with_questions(2, attempt_limit=1)
    first = attempt_start(quiz=quiz, user=learner)
    attempt_submit(attempt=first)
    with pytest.raises(AttemptRefused, match="every attempt"):
        attempt_start(quiz=quiz, user=learner)

    attempts_reset(user=learner, quiz=quiz, reason="Remediation with the educator", by=educator)
    second = attempt_start(quiz=quiz, user=learner)

    assert second.number == 2
    assert Attempt.objects.filter(user=learner, quiz=quiz).count() == 2
    attempt_submit(attempt=second)
    with pytest.raises(AttemptRefused):
        attempt_start(quiz=quiz, user=learner)


def test_an_educator_grants_a_reset_in_the_admin(client, learner, educator):
    quiz = factories.quiz_with_questions(2, attempt_limit=1)
    attempt_submit(attempt=attempt_start(quiz=quiz, user=learner))
    client.force_login(educator)
    response = client.post(
        reverse("admin:quizzes_attemptreset_add"),
        {"user": learner.pk, "quiz": quiz.pk, "reason": "Passed the skills station"},
    )
    assert response.status_code == 302
    reset = AttemptReset.objects.get()
    assert reset.created_by == educator
    assert attempt_start(quiz=quiz, user=learner).number == 2


def test_a_learner_cannot_grant_themselves_attempts(client, learner):
    client.force_login(learner)
    response = client.get(reverse("admin:quizzes_attemptreset_add"))
    assert response.status_code == 302  # to the admin login: not staff
    assert not AttemptReset.objects.exists()


def test_a_renewal_is_not_blocked_by_last_cycles_attempt_limit(learner):
    course = builders.course_to_complete(recertification_months=12)
    course.final_quiz.attempt_limit = 1
    course.final_quiz.save()
    training_services.enrol(user=learner, course=course)
    builders.complete(learner, course)
    first = Completion.objects.get(user=learner, course=course)

    with time_machine.travel(first.expires_at - timedelta(days=10)):
        assert training_services.renewals_assign() == 1
        with time_machine.travel(timezone.now() + timedelta(minutes=1)):
            builders.complete(learner, course)

    completions = Completion.objects.filter(user=learner, course=course).order_by("completed_at")
    assert completions.count() == 2
    assert completions.last().renews == first
