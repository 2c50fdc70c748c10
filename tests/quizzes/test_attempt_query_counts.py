"""Saving and submitting run a fixed number of queries, whatever the number of questions.

Counts include the SAVEPOINT / RELEASE pairs a test's own transaction adds around each
atomic block (two per block); outside tests those are BEGIN / COMMIT and not queries.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from quizzes.services import attempt_start
from tests import factories
from tests.quizzes.answers import form_fields, page_post, right_answer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("qtype", factories.EVERY_TYPE)
def test_saving_one_answer_of_any_type_takes_one_write_and_at_most_one_read(
    client, learner, django_assert_max_num_queries, qtype
):
    attempt = attempt_start(quiz=factories.quiz_with_every_type(), user=learner)
    aq = next(a for a in attempt.questions.all() if a.snapshot["type"] == qtype)
    data = {**form_fields(aq.position, aq.snapshot, right_answer(aq.snapshot))}
    data[f"seq{aq.position}"] = 0
    client.force_login(learner)
    # Seven with the session and user, which tests keep in the database (and a session save).
    with django_assert_max_num_queries(7) as captured:
        response = client.post(reverse("quizzes:answer", args=[attempt.pk, aq.position]), data)
    assert response.json()["saved"] is True
    own = [
        q["sql"].split()[0]
        for q in captured.captured_queries
        if "quizzes_" in q["sql"] and "django_session" not in q["sql"]
    ]
    # A single-choice or true/false answer is checked and written by one statement; the
    # others are read, checked in Python, then written.
    assert own == (["UPDATE"] if qtype in ("single", "true_false") else ["SELECT", "UPDATE"])


@pytest.mark.parametrize("size", [2, 20])
def test_saving_a_whole_page_runs_a_fixed_number_of_queries(
    client, learner, django_assert_max_num_queries, size
):
    attempt = attempt_start(quiz=factories.quiz_with_questions(size), user=learner)
    answers = {aq.position: right_answer(aq.snapshot) for aq in attempt.questions.all()}
    data = page_post(attempt, answers, save="1")
    client.force_login(learner)
    with django_assert_max_num_queries(12):
        response = client.post(reverse("quizzes:attempt", args=[attempt.pk]), data)
    assert response.status_code == 302
    assert attempt.questions.filter(response__isnull=False).count() == size


@pytest.mark.parametrize("size", [2, 20])
def test_saving_and_submitting_a_whole_page_runs_a_fixed_number_of_queries(
    client, learner, django_assert_max_num_queries, size
):
    attempt = attempt_start(quiz=factories.quiz_with_questions(size), user=learner)
    answers = {aq.position: right_answer(aq.snapshot) for aq in attempt.questions.all()}
    data = page_post(attempt, answers, submit="1")
    client.force_login(learner)
    # 7 more than a save: the submission's savepoint pair, reading the questions for grading,
    # claiming the attempt with its result, writing the scores, and the completion check
    # that `training` runs for a passed attempt (two queries).
    with django_assert_max_num_queries(19):
        response = client.post(reverse("quizzes:attempt", args=[attempt.pk]), data)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.percent) == ("submitted", 100)
