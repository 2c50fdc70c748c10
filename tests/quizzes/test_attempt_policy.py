"""Attempt policy: attempt limit, cooldown, open and close dates, when feedback shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from quizzes.models import Attempt
from quizzes.services import (
    AttemptRefused,
    attempt_answer,
    attempt_start,
    attempt_submit,
    practice_start,
)
from tests import factories
from tests.quizzes.answers import right_answer, wrong_answer

pytestmark = pytest.mark.django_db

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def take(quiz, user, *, right: bool) -> Attempt:
    attempt = attempt_start(quiz=quiz, user=user)
    for aq in attempt.questions.all():
        answer = right_answer(aq.snapshot) if right else wrong_answer(aq.snapshot)
        attempt_answer(attempt=attempt, position=aq.position, raw=answer, sequence=0)
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    return attempt


def test_attempts_are_numbered_and_the_limit_refuses_one_more(learner):
    quiz = factories.quiz_with_questions(2, attempt_limit=2)
    assert [take(quiz, learner, right=False).number for _ in range(2)] == [1, 2]
    with pytest.raises(AttemptRefused, match="used every attempt"):
        attempt_start(quiz=quiz, user=learner)
    assert Attempt.objects.filter(user=learner).count() == 2


def test_without_a_limit_attempts_are_numbered_and_a_second_start_resumes(learner):
    quiz = factories.quiz_with_questions(2)
    assert [take(quiz, learner, right=False).number for _ in range(2)] == [1, 2]
    third = attempt_start(quiz=quiz, user=learner)
    assert third.number == 3
    assert attempt_start(quiz=quiz, user=learner) == third
    assert Attempt.objects.filter(user=learner).count() == 3


def test_an_attempt_in_progress_that_is_not_the_latest_is_still_resumed(learner):
    # Attempts written by hand or by an older version may be numbered out of order: the start
    # must still find the one in progress rather than open a second.
    quiz = factories.quiz_with_questions(2)
    stray = attempt_start(quiz=quiz, user=learner)
    Attempt.objects.create(
        user=learner,
        quiz=quiz,
        number=5,
        state=Attempt.State.SUBMITTED,
        started_at=stray.started_at,
        submitted_at=stray.started_at,
        pass_mark=70,
    )
    assert attempt_start(quiz=quiz, user=learner) == stray
    assert Attempt.objects.filter(user=learner, state=Attempt.State.IN_PROGRESS).count() == 1


def test_the_start_button_past_the_limit_says_why_and_starts_nothing(learner_client, learner):
    quiz = factories.quiz_with_questions(2, attempt_limit=1)
    take(quiz, learner, right=False)
    response = learner_client.post(reverse("quizzes:start", args=[quiz.slug]), follow=True)
    assert "You have used every attempt this quiz allows." in response.text
    assert Attempt.objects.filter(user=learner).count() == 1


def test_the_limit_is_per_learner(learner, other_learner):
    quiz = factories.quiz_with_questions(2, attempt_limit=1)
    take(quiz, learner, right=False)
    assert take(quiz, other_learner, right=False).number == 1


def test_practice_does_not_use_up_graded_attempts(learner):
    quiz = factories.quiz_with_questions(2, attempt_limit=2)
    failed = take(quiz, learner, right=False)
    attempt_submit(attempt=practice_start(attempt=failed, user=learner))
    assert attempt_start(quiz=quiz, user=learner).number == 2


def test_a_cooldown_refuses_a_retake_until_it_has_passed(learner):
    quiz = factories.quiz_with_questions(2, cooldown_minutes=30)
    with time_machine.travel(MONDAY_9AM, tick=False):
        take(quiz, learner, right=False)
    with (
        time_machine.travel(MONDAY_9AM + timedelta(minutes=29), tick=False),
        pytest.raises(AttemptRefused, match="30 minutes between attempts"),
    ):
        attempt_start(quiz=quiz, user=learner)
    with time_machine.travel(MONDAY_9AM + timedelta(minutes=30), tick=False):
        assert attempt_start(quiz=quiz, user=learner).number == 2


def test_a_quiz_cannot_be_started_before_it_opens_or_after_it_closes(learner):
    quiz = factories.quiz_with_questions(
        2, opens_at=MONDAY_9AM, closes_at=MONDAY_9AM + timedelta(days=7)
    )
    with (
        time_machine.travel(MONDAY_9AM - timedelta(minutes=1), tick=False),
        pytest.raises(AttemptRefused, match="opens on 02 Mar 2026 09:00"),
    ):
        attempt_start(quiz=quiz, user=learner)
    with (
        time_machine.travel(MONDAY_9AM + timedelta(days=7), tick=False),
        pytest.raises(AttemptRefused, match="has closed"),
    ):
        attempt_start(quiz=quiz, user=learner)
    with time_machine.travel(MONDAY_9AM + timedelta(days=1), tick=False):
        assert attempt_start(quiz=quiz, user=learner).state == Attempt.State.IN_PROGRESS


def test_closing_cuts_the_time_limit_short(learner):
    closes = MONDAY_9AM + timedelta(minutes=10)
    quiz = factories.quiz_with_questions(2, time_limit_minutes=45, closes_at=closes)
    with time_machine.travel(MONDAY_9AM, tick=False):
        assert attempt_start(quiz=quiz, user=learner).deadline == closes


def test_an_attempt_passes_at_exactly_the_pass_mark(learner):
    quiz = factories.quiz_with_questions(5, pass_mark=80)
    attempt = attempt_start(quiz=quiz, user=learner)
    for aq in attempt.questions.all()[:4]:
        attempt_answer(
            attempt=attempt, position=aq.position, raw=right_answer(aq.snapshot), sequence=0
        )
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert (attempt.percent, attempt.passed) == (80, True)


# --- When feedback shows ---------------------------------------------------------------------


def review(client, attempt) -> str:
    return client.get(reverse("quizzes:result", args=[attempt.pk])).text


def test_feedback_after_submission_shows_key_and_rationale_even_when_failed(
    learner_client, learner
):
    quiz = factories.quiz_with_questions(2, feedback="after_submission")
    html = review(learner_client, take(quiz, learner, right=False))
    assert "✓ correct answer" in html
    assert "The tubular retractor is docked on the lamina" in html


def test_feedback_only_once_passed_hides_key_and_rationale_of_a_failed_attempt(
    learner_client, learner
):
    quiz = factories.quiz_with_questions(2, feedback="after_pass")
    html = review(learner_client, take(quiz, learner, right=False))
    assert "Not passed: 0%" in html
    assert "shown once you pass" in html
    assert "Incorrect" in html  # the learner still sees which questions they got wrong
    assert "✓ correct answer" not in html
    assert "Rationale" not in html
    assert "The tubular retractor is docked on the lamina" not in html


def test_feedback_only_once_passed_shows_everything_once_the_learner_passes(
    learner_client, learner
):
    quiz = factories.quiz_with_questions(2, feedback="after_pass")
    failed = take(quiz, learner, right=False)
    passed = take(quiz, learner, right=True)
    assert "Rationale" in review(learner_client, passed)
    # Having passed, the earlier attempt's review opens too: the bank is no longer at stake.
    assert "✓ correct answer" in review(learner_client, failed)


def test_feedback_policy_is_the_one_in_force_when_the_attempt_started(learner_client, learner):
    quiz = factories.quiz_with_questions(2, feedback="after_pass")
    failed = take(quiz, learner, right=False)
    quiz.feedback = "after_submission"
    quiz.save()
    assert "✓ correct answer" not in review(learner_client, failed)
