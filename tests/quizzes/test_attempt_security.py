"""What an attacker would try on an attempt: someone else's, foreign keys, peeking at answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quizzes.models import Attempt, Question
from quizzes.services import attempt_start
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(learner):
    quiz = factories.quiz_with_questions(3)
    return attempt_start(quiz=quiz, user=learner)


def test_another_learner_cannot_open_the_attempt_or_its_result(client, other_learner, attempt):
    client.force_login(other_learner)
    for name in ("quizzes:attempt", "quizzes:result"):
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
    assert client.post(reverse("quizzes:submit", args=[attempt.pk])).status_code == 404
    assert (
        client.post(reverse("quizzes:answer", args=[attempt.pk, 1]), {"q1": "x"}).status_code == 404
    )
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS


def test_another_learner_cannot_save_a_right_answer_into_the_attempt(
    client, other_learner, attempt
):
    # A valid key and sequence of the learner's own question: only the owner may write it.
    aq = attempt.questions.get(position=1)
    client.force_login(other_learner)
    response = client.post(
        reverse("quizzes:answer", args=[attempt.pk, 1]),
        {"q1": aq.snapshot["items"][0]["key"], "seq1": 0},
    )
    assert response.status_code == 404
    aq.refresh_from_db()
    assert (aq.response, aq.sequence, aq.answered_at) == (None, 0, None)


def test_a_choice_key_from_another_question_is_refused_and_nothing_saved(client, learner, attempt):
    client.force_login(learner)
    first, second = attempt.questions.all()[:2]
    foreign = second.snapshot["items"][0]["key"]
    response = client.post(
        reverse("quizzes:answer", args=[attempt.pk, 1]), {"q1": foreign, "seq1": 0}
    )
    assert response.status_code == 400
    first.refresh_from_db()
    assert first.response is None


def test_a_choice_key_from_another_attempt_is_refused(client, learner, other_learner, attempt):
    other = attempt_start(quiz=attempt.quiz, user=other_learner)
    foreign = other.questions.first().snapshot["items"][0]["key"]
    client.force_login(learner)
    response = client.post(
        reverse("quizzes:attempt", args=[attempt.pk]), {"q1": foreign, "seq1": 0}
    )
    assert response.status_code == 400
    assert attempt.questions.get(position=1).response is None


def test_the_attempt_page_holds_no_answer_or_rationale(client, learner, attempt):
    client.force_login(learner)
    html = client.get(reverse("quizzes:attempt", args=[attempt.pk])).text
    for aq in attempt.questions.all():
        question = Question.objects.get(pk=aq.question_id)
        assert question.rationale not in html
        for item in aq.snapshot["items"]:
            assert item["key"] in html
    lowered = html.lower()
    for marker in ("correct", "rationale", "answer=", "✓", "feedback"):
        assert marker not in lowered


def test_extra_post_fields_cannot_set_the_score(client, learner, attempt):
    client.force_login(learner)
    client.post(
        reverse("quizzes:attempt", args=[attempt.pk]),
        {
            "submit": "1",
            "score": "999",
            "percent": "100",
            "passed": "true",
            "is_correct": "1",
            "user": "1",
        },
    )
    attempt.refresh_from_db()
    assert attempt.score == 0
    assert attempt.passed is False


def test_the_attempt_and_result_pages_are_never_cached(client, learner, attempt):
    client.force_login(learner)
    page = client.get(reverse("quizzes:attempt", args=[attempt.pk]))
    assert "no-store" in page["Cache-Control"]
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    result = client.get(reverse("quizzes:result", args=[attempt.pk]))
    assert result.status_code == 200
    assert "no-store" in result["Cache-Control"]
