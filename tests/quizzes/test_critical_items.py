"""Must-pass critical items: a missed patient-safety item fails the attempt, and is named."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quizzes.models import DrawRule, Question
from quizzes.services import attempt_answer, attempt_start, attempt_submit
from tests import factories
from tests.quizzes.answers import right_answer, wrong_answer

pytestmark = pytest.mark.django_db

CRITICAL_TITLE = "Count the instruments before closing"


def quiz_with_a_critical_item(**kwargs):
    """Nine ordinary questions and one critical item, worth 10 points in all."""
    bank = factories.BankFactory()
    for _ in range(9):
        factories.QuestionFactory(bank=bank)
    factories.QuestionFactory(
        bank=bank, critical=True, title=CRITICAL_TITLE, stem="When is the count done?"
    )
    quiz = factories.QuizFactory(pass_mark=80, **kwargs)
    DrawRule.objects.create(quiz=quiz, bank=bank)
    return quiz


def take(quiz, user, *, critical_right: bool, others_right: int = 9, critical_answer=None):
    attempt = attempt_start(quiz=quiz, user=user)
    ordinary = 0
    for aq in attempt.questions.all():
        if aq.snapshot["critical"]:
            answer = critical_answer or (
                right_answer(aq.snapshot) if critical_right else wrong_answer(aq.snapshot)
            )
        elif ordinary < others_right:
            ordinary += 1
            answer = right_answer(aq.snapshot)
        else:
            continue
        attempt_answer(attempt=attempt, position=aq.position, raw=answer, sequence=0)
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    return attempt


def critical_position(attempt) -> int:
    return next(aq.position for aq in attempt.questions.all() if aq.snapshot["critical"])


def test_missing_a_critical_item_fails_whatever_the_total(learner):
    attempt = take(quiz_with_a_critical_item(require_critical=True), learner, critical_right=False)
    assert attempt.percent == 90
    assert attempt.passed is False
    assert attempt.critical_missed == [critical_position(attempt)]


def test_every_critical_item_right_and_the_pass_mark_met_passes(learner):
    quiz = quiz_with_a_critical_item(require_critical=True)
    attempt = take(quiz, learner, critical_right=True, others_right=7)
    assert (attempt.percent, attempt.passed, attempt.critical_missed) == (80, True, [])


def test_an_unanswered_critical_item_is_missed(learner):
    quiz = quiz_with_a_critical_item(require_critical=True)
    attempt = take(quiz, learner, critical_right=False, critical_answer={})
    assert attempt.passed is False
    assert attempt.critical_missed == [critical_position(attempt)]


def test_partial_credit_on_a_critical_item_is_not_enough(learner):
    bank = factories.BankFactory()
    factories.QuestionFactory(bank=bank, type=Question.Type.MULTIPLE, critical=True)
    quiz = factories.QuizFactory(
        bank=bank, require_critical=True, pass_mark=50, multiple_scoring="partial"
    )
    attempt = attempt_start(quiz=quiz, user=learner)
    aq = attempt.questions.get()
    half = {"choices": right_answer(aq.snapshot)["choices"][:1]}
    attempt_answer(attempt=attempt, position=1, raw=half, sequence=0)
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert (attempt.percent, attempt.passed, attempt.critical_missed) == (50, False, [1])


def test_without_the_requirement_a_missed_critical_item_does_not_fail_the_attempt(learner):
    attempt = take(quiz_with_a_critical_item(), learner, critical_right=False)
    assert (attempt.percent, attempt.passed) == (90, True)
    assert attempt.critical_missed == [critical_position(attempt)]


def test_the_result_page_names_the_missed_critical_item(learner_client, learner):
    attempt = take(quiz_with_a_critical_item(require_critical=True), learner, critical_right=False)
    html = learner_client.get(reverse("quizzes:result", args=[attempt.pk])).text
    position = critical_position(attempt)
    assert "Not passed: 90%" in html
    assert "A patient-safety item was missed." in html
    assert "Every critical item must be answered correctly to pass" in html
    assert f'<a href="#review-{position}">Question {position}: {CRITICAL_TITLE}</a>' in html
    assert f'id="review-{position}"' in html


def test_an_untitled_critical_item_is_named_by_its_stem(learner_client, learner):
    bank = factories.BankFactory()
    factories.QuestionFactory(bank=bank, critical=True, stem="Who calls the **time-out**?")
    quiz = factories.QuizFactory(bank=bank, require_critical=True)
    attempt = attempt_start(quiz=quiz, user=learner)
    attempt_submit(attempt=attempt)
    html = learner_client.get(reverse("quizzes:result", args=[attempt.pk])).text
    assert "Question 1: Who calls the time-out?" in html


def test_without_the_requirement_the_page_still_points_to_the_missed_item(learner_client, learner):
    attempt = take(quiz_with_a_critical_item(), learner, critical_right=False)
    html = learner_client.get(reverse("quizzes:result", args=[attempt.pk])).text
    assert "Passed: 90%" in html
    assert "You missed a patient-safety item." in html
    assert "must be answered correctly to pass" not in html
    assert f"Question {critical_position(attempt)}: {CRITICAL_TITLE}" in html


def test_unmarking_a_critical_item_later_does_not_change_an_attempt(learner):
    quiz = quiz_with_a_critical_item(require_critical=True)
    started = attempt_start(quiz=quiz, user=learner)
    Question.objects.filter(critical=True).update(critical=False)
    attempt_submit(attempt=started)
    started.refresh_from_db()
    assert started.critical_missed == [critical_position(started)]
    assert started.passed is False
