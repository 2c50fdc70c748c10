"""Practice after a failed graded attempt: the missed questions, checked at once, never counted."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from quizzes.models import Attempt, Question
from quizzes.services import (
    AnswerRefused,
    AttemptRefused,
    attempt_answer,
    attempt_start,
    attempt_submit,
    practice_check,
    practice_start,
)
from tests import factories
from tests.quizzes.answers import form_fields, page_post, right_answer, wrong_answer
from training.models import Completion
from training.progress import progress_for
from training.services import lesson_complete

pytestmark = pytest.mark.django_db


def failed_attempt(quiz, user, *, right: int = 2) -> Attempt:
    """A graded attempt with the first ``right`` questions right, one wrong, the rest blank."""
    attempt = attempt_start(quiz=quiz, user=user)
    for aq in attempt.questions.all():
        if aq.position <= right:
            answer = right_answer(aq.snapshot)
        elif aq.position == right + 1:
            answer = wrong_answer(aq.snapshot)
        else:
            continue
        attempt_answer(attempt=attempt, position=aq.position, raw=answer, sequence=0)
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.passed is False
    return attempt


def test_the_result_of_a_failed_attempt_offers_practice_on_the_missed_questions(
    learner_client, learner
):
    quiz = factories.quiz_with_questions(5)
    failed = failed_attempt(quiz, learner)
    result = learner_client.get(reverse("quizzes:result", args=[failed.pk])).text
    assert "Practise the questions I missed" in result

    response = learner_client.post(reverse("quizzes:practice", args=[failed.pk]))
    practice = Attempt.objects.get(mode=Attempt.Mode.PRACTICE)
    assert response.url == reverse("quizzes:attempt", args=[practice.pk])
    missed = set(failed.questions.filter(position__gt=2).values_list("question_id", flat=True))
    assert set(practice.questions.values_list("question_id", flat=True)) == missed
    assert practice.practice_of == failed
    page = learner_client.get(response.url).text
    assert "This does not count toward completion." in page
    assert page.count("Check answer") == 3


def test_checking_an_answer_shows_its_feedback_at_once_and_locks_it(learner_client, learner):
    quiz = factories.quiz_with_questions(3)
    practice = practice_start(attempt=failed_attempt(quiz, learner, right=0), user=learner)
    aq = practice.questions.get(position=1)
    url = reverse("quizzes:attempt", args=[practice.pk])
    data = page_post(practice, {1: wrong_answer(aq.snapshot)}, check="1")

    response = learner_client.post(url, data)
    assert response.url == f"{url}#question-1"
    page = learner_client.get(url).text
    card = page.split('id="question-1"')[1].split("</fieldset>")[0]
    assert "Incorrect" in card
    assert "✓ correct answer" in card
    assert "The tubular retractor is docked on the lamina" in card  # the rationale
    other = page.split('id="question-2"')[1].split("</fieldset>")[0]
    assert "Rationale" not in other  # not checked yet: no feedback
    assert page.count("Check answer") == 2

    fields = {**form_fields(1, aq.snapshot, right_answer(aq.snapshot)), "seq1": 1}
    late_change = learner_client.post(reverse("quizzes:answer", args=[practice.pk, 1]), fields)
    assert late_change.status_code == 409
    assert "has been checked" in late_change.json()["error"]
    aq.refresh_from_db()
    assert (aq.response, aq.is_correct) == (wrong_answer(aq.snapshot), False)


def test_checking_needs_an_answer(learner_client, learner):
    quiz = factories.quiz_with_questions(3)
    practice = practice_start(attempt=failed_attempt(quiz, learner, right=0), user=learner)
    url = reverse("quizzes:attempt", args=[practice.pk])
    response = learner_client.post(url, page_post(practice, {}, check="2"), follow=True)
    assert "Question 2: answer it before checking it." in response.text
    assert practice.questions.get(position=2).score is None


def test_practice_keeps_the_key_back_when_feedback_waits_for_a_pass(learner_client, learner):
    quiz = factories.quiz_with_questions(3, feedback="after_pass")
    practice = practice_start(attempt=failed_attempt(quiz, learner, right=0), user=learner)
    aq = practice.questions.get(position=1)
    url = reverse("quizzes:attempt", args=[practice.pk])
    learner_client.post(url, page_post(practice, {1: wrong_answer(aq.snapshot)}, check="1"))
    card = learner_client.get(url).text.split('id="question-1"')[1].split("</fieldset>")[0]
    assert "Incorrect" in card
    assert "✓ correct answer" not in card
    assert "Rationale" not in card


def test_practice_never_passes_and_never_completes_a_course(learner):
    course = factories.CourseFactory()
    lesson = factories.LessonFactory(course=course)
    course.final_quiz = factories.quiz_with_questions(3)
    course.save()
    factories.EnrolmentFactory(user=learner, course=course)
    lesson_complete(user=learner, lesson=lesson)
    failed = failed_attempt(course.final_quiz, learner, right=0)

    practice = practice_start(attempt=failed, user=learner)
    for aq in practice.questions.all():
        attempt_answer(
            attempt=practice, position=aq.position, raw=right_answer(aq.snapshot), sequence=0
        )
    attempt_submit(attempt=practice)
    practice.refresh_from_db()
    assert (practice.percent, practice.passed) == (100, None)
    assert not Completion.objects.filter(user=learner).exists()
    progress = progress_for(learner, [course])[course.pk]
    assert progress.quizzes_passed == set()
    assert progress.steps_done < progress.steps_total


def test_the_practice_result_says_it_does_not_count(learner_client, learner):
    quiz = factories.quiz_with_questions(3)
    practice = practice_start(attempt=failed_attempt(quiz, learner, right=0), user=learner)
    attempt_submit(attempt=practice)
    html = learner_client.get(reverse("quizzes:result", args=[practice.pk])).text
    assert "Practice score: 0%" in html
    assert "practice does not count toward completion" in html
    assert "Practise the questions I missed" not in html


def test_a_practice_attempt_cannot_be_marked_passed_even_by_hand(learner):
    quiz = factories.quiz_with_questions(2)
    practice = practice_start(attempt=failed_attempt(quiz, learner, right=0), user=learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.filter(pk=practice.pk).update(passed=True)


def test_practice_is_refused_after_a_pass_and_while_the_attempt_is_open(learner):
    quiz = factories.quiz_with_questions(2, pass_mark=50)
    open_attempt = attempt_start(quiz=quiz, user=learner)
    with pytest.raises(AttemptRefused, match="after a graded attempt that did not pass"):
        practice_start(attempt=open_attempt, user=learner)
    attempt_submit(attempt=open_attempt)
    passed = attempt_start(quiz=quiz, user=learner)
    for aq in passed.questions.all():
        attempt_answer(
            attempt=passed, position=aq.position, raw=right_answer(aq.snapshot), sequence=0
        )
    attempt_submit(attempt=passed)
    passed.refresh_from_db()
    assert passed.passed is True
    with pytest.raises(AttemptRefused, match="after a graded attempt that did not pass"):
        practice_start(attempt=passed, user=learner)
    assert not Attempt.objects.filter(mode=Attempt.Mode.PRACTICE).exists()


def test_another_learner_cannot_practise_on_my_attempt(client, learner, other_learner):
    failed = failed_attempt(factories.quiz_with_questions(2), learner, right=0)
    client.force_login(other_learner)
    assert client.post(reverse("quizzes:practice", args=[failed.pk])).status_code == 404
    with pytest.raises(AttemptRefused):
        practice_start(attempt=failed, user=other_learner)
    assert not Attempt.objects.filter(mode=Attempt.Mode.PRACTICE).exists()


def test_practice_of_a_timed_quiz_has_no_deadline(learner):
    quiz = factories.quiz_with_questions(2, time_limit_minutes=10)
    practice = practice_start(attempt=failed_attempt(quiz, learner, right=0), user=learner)
    assert practice.deadline is None


def test_practising_a_newer_failure_closes_the_older_practice(learner):
    quiz = factories.quiz_with_questions(2)
    first = failed_attempt(quiz, learner, right=0)
    old_practice = practice_start(attempt=first, user=learner)
    second = failed_attempt(quiz, learner, right=1)
    new_practice = practice_start(attempt=second, user=learner)
    old_practice.refresh_from_db()
    assert old_practice.state == Attempt.State.SUBMITTED
    assert new_practice.practice_of == second
    assert new_practice.questions.count() == 1


def test_retired_questions_are_left_out_of_practice(learner):
    quiz = factories.quiz_with_questions(2)
    failed = failed_attempt(quiz, learner, right=0)
    Question.objects.filter(pk=failed.questions.get(position=1).question_id).update(active=False)
    practice = practice_start(attempt=failed, user=learner)
    assert practice.questions.count() == 1
    Question.objects.update(active=False)
    with pytest.raises(AttemptRefused, match="nothing to practise"):
        practice_start(attempt=failed, user=learner)


def test_practice_answers_are_refused_once_checked_by_the_service_too(learner):
    quiz = factories.quiz_with_questions(2)
    practice = practice_start(attempt=failed_attempt(quiz, learner, right=0), user=learner)
    aq = practice.questions.get(position=1)
    attempt_answer(attempt=practice, position=1, raw=right_answer(aq.snapshot), sequence=0)
    checked = practice_check(attempt=practice, position=1)
    assert (checked.score, checked.is_correct) == (1, True)
    with pytest.raises(AnswerRefused, match="has been checked"):
        attempt_answer(attempt=practice, position=1, raw=wrong_answer(aq.snapshot), sequence=1)
