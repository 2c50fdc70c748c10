"""Integrity under concurrency: one attempt per double start, one grade per double submit.

The threaded tests run real parallel requests against the database in use. CI runs the suite
on SQLite and on PostgreSQL (DATABASE_URL), so each runs on both. The "interleaving" tests
replay the losing side of each race step by step, so the same code paths are pinned on any
database, whatever the thread scheduler does.
"""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from quizzes import services
from quizzes.grading import question_grade
from quizzes.models import Attempt, AttemptQuestion
from quizzes.services import (
    AnswerRefused,
    AttemptRefused,
    attempt_answer,
    attempt_start,
    attempt_submit,
)
from quizzes.signals import attempt_submitted
from tests import factories
from tests.quizzes.answers import right_answer

THREADS = 8


def in_parallel(work, n: int = THREADS) -> list:
    """Runs ``work(i)`` in ``n`` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def graded_submissions():
    """Counts the attempt_submitted signal per attempt: one per grading."""
    seen: Counter = Counter()
    lock = threading.Lock()

    def count(sender, attempt, **kwargs):
        with lock:
            seen[attempt.pk] += 1

    attempt_submitted.connect(count, weak=False)
    yield seen
    attempt_submitted.disconnect(count)


def answered(quiz, user) -> Attempt:
    attempt = attempt_start(quiz=quiz, user=user)
    for aq in attempt.questions.all():
        attempt_answer(
            attempt=attempt, position=aq.position, raw=right_answer(aq.snapshot), sequence=0
        )
    return attempt


# --- Threads ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_starts_make_one_attempt(learner):
    quiz = factories.quiz_with_questions(3)
    results = in_parallel(lambda i: attempt_start(quiz=quiz, user=learner).pk)
    assert all(not isinstance(r, Exception) for r in results), results
    assert len(set(results)) == 1
    assert Attempt.objects.filter(user=learner, quiz=quiz).count() == 1
    # The losers wrote nothing: no question without its attempt, none twice. The winner's
    # questions are each of the quiz's, in positions 1 to 3, with what the learner sees.
    rows = AttemptQuestion.objects.order_by("position")
    assert [aq.position for aq in rows] == [1, 2, 3]
    assert {aq.attempt_id for aq in rows} == {results[0]}
    assert {aq.question_id for aq in rows} == set(
        quiz.draw_rules.get().bank.questions.values_list("pk", flat=True)
    )
    assert all(aq.snapshot["stem_html"] and aq.sequence == 0 for aq in rows)


@pytest.mark.django_db(transaction=True)
def test_the_attempt_limit_holds_under_parallel_starts(learner):
    quiz = factories.quiz_with_questions(3, attempt_limit=2)
    attempt_submit(attempt=attempt_start(quiz=quiz, user=learner))

    second = in_parallel(lambda i: attempt_start(quiz=quiz, user=learner).pk)
    assert len(set(second)) == 1, second
    attempt_submit(attempt=Attempt.objects.get(pk=second[0]))

    third = in_parallel(lambda i: attempt_start(quiz=quiz, user=learner))
    assert all(isinstance(r, AttemptRefused) for r in third), third
    assert sorted(Attempt.objects.filter(user=learner).values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_parallel_submits_grade_once(learner, graded_submissions):
    attempt = answered(factories.quiz_with_questions(4), learner)
    results = in_parallel(lambda i: attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk)))
    assert sorted(results, key=str) == [False] * (THREADS - 1) + [True]
    assert graded_submissions[attempt.pk] == 1
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score, attempt.passed) == ("submitted", 4, True)


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_submit_button_grades_once(learner, graded_submissions):
    attempt = answered(factories.quiz_with_questions(2), learner)

    def click(i):
        client = Client()
        client.force_login(learner)
        return client.post(reverse("quizzes:submit", args=[attempt.pk])).status_code

    assert in_parallel(click, 4) == [302] * 4
    assert graded_submissions[attempt.pk] == 1


@pytest.mark.django_db(transaction=True)
def test_the_sweep_and_the_learner_submitting_together_grade_once(learner, graded_submissions):
    from datetime import timedelta

    from django.utils import timezone

    attempt = answered(factories.quiz_with_questions(2, time_limit_minutes=5), learner)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))

    def work(i):
        if i % 2:
            return services.close_expired_attempts()
        return attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk), expired=True)

    in_parallel(work, 4)
    assert graded_submissions[attempt.pk] == 1
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_answers_saved_while_submitting_are_either_graded_or_refused(learner):
    """No answer is ever stored after its attempt was graded: the score always matches."""
    quiz = factories.quiz_with_questions(6)
    for _ in range(3):
        attempt = attempt_start(quiz=quiz, user=learner)
        questions = list(attempt.questions.all())

        def work(i, attempt=attempt, questions=questions):
            if i == 0:
                return attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
            aq = questions[i - 1]
            return attempt_answer(
                attempt=Attempt.objects.get(pk=attempt.pk),
                position=aq.position,
                raw=right_answer(aq.snapshot),
                sequence=0,
            )

        results = in_parallel(work, 1 + len(questions))
        assert results[0] is True
        for result in results[1:]:
            assert not isinstance(result, Exception) or isinstance(result, AnswerRefused)
        attempt.refresh_from_db()
        total = Decimal(0)
        for aq in AttemptQuestion.objects.filter(attempt=attempt):
            expected, _ = question_grade(aq.snapshot, aq.response, attempt.settings_snapshot)
            assert aq.score == expected, (aq.position, aq.response, aq.score)
            total += aq.score
        assert attempt.score == total


# --- The same races, one step at a time -------------------------------------------------------


@pytest.mark.django_db
def test_the_loser_of_a_start_race_gets_the_winners_attempt(learner, monkeypatch):
    quiz = factories.quiz_with_questions(3)
    winner = attempt_start(quiz=quiz, user=learner)
    real = services._in_progress
    calls = []

    def not_yet(quiz, user, mode):
        # The loser checked before the winner's row existed, then tries to insert its own.
        calls.append(mode)
        return None if len(calls) == 1 else real(quiz, user, mode)

    monkeypatch.setattr(services, "_in_progress", not_yet)
    assert attempt_start(quiz=quiz, user=learner).pk == winner.pk
    assert Attempt.objects.filter(user=learner).count() == 1
    assert AttemptQuestion.objects.filter(attempt__user=learner).count() == 3


@pytest.mark.django_db
def test_the_loser_of_a_submit_race_does_not_grade_again(learner, graded_submissions):
    attempt = answered(factories.quiz_with_questions(2), learner)
    first, second = Attempt.objects.get(pk=attempt.pk), Attempt.objects.get(pk=attempt.pk)
    assert attempt_submit(attempt=first) is True
    assert attempt_submit(attempt=second) is False
    assert graded_submissions[attempt.pk] == 1
    assert second.state == Attempt.State.SUBMITTED  # the loser sees the winner's result
    assert second.score == 2


@pytest.mark.django_db
def test_a_save_that_loses_to_the_submission_is_refused_and_not_stored(learner):
    attempt = attempt_start(quiz=factories.quiz_with_questions(2), user=learner)
    stale = Attempt.objects.get(pk=attempt.pk)  # loaded by the save before the submission
    aq = attempt.questions.get(position=1)
    attempt_submit(attempt=attempt)
    with pytest.raises(AnswerRefused, match="already been submitted"):
        attempt_answer(
            attempt=stale, position=1, raw=right_answer(aq.snapshot), sequence=0, question=aq
        )
    aq.refresh_from_db()
    assert (aq.response, aq.score) == (None, 0)


@pytest.mark.django_db
def test_a_page_save_that_loses_to_the_submission_saves_nothing(learner):
    attempt = attempt_start(quiz=factories.quiz_with_questions(2), user=learner)
    stale = Attempt.objects.get(pk=attempt.pk)
    questions = list(attempt.questions.all())
    attempt_submit(attempt=attempt)
    answers = {aq.position: (right_answer(aq.snapshot), 0) for aq in questions}
    with pytest.raises(AnswerRefused, match="already been submitted"):
        services.attempt_save_answers(attempt=stale, questions=questions, answers=answers)
    assert not AttemptQuestion.objects.filter(attempt=attempt, response__isnull=False).exists()


@pytest.mark.django_db
def test_saving_a_page_and_submitting_it_is_one_transaction(learner, monkeypatch):
    """If grading fails, the answers posted with "Submit" are not left half-saved."""
    attempt = attempt_start(quiz=factories.quiz_with_questions(2), user=learner)
    questions = list(attempt.questions.all())
    answers = {aq.position: (right_answer(aq.snapshot), 0) for aq in questions}

    def broken(*args, **kwargs):
        raise RuntimeError("grading failed")

    monkeypatch.setattr(services.grading, "question_grade", broken)
    with pytest.raises(RuntimeError):
        services.attempt_save_answers(
            attempt=attempt, questions=questions, answers=answers, submit=True
        )
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.IN_PROGRESS
    assert not AttemptQuestion.objects.filter(attempt=attempt, response__isnull=False).exists()
