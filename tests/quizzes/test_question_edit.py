"""Records are evidence: editing a question never changes an attempt already made."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quizzes.models import Choice, Question
from quizzes.services import attempt_answer, attempt_start, attempt_submit, question_record_version
from tests import factories

pytestmark = pytest.mark.django_db


def test_editing_a_question_after_an_attempt_leaves_its_score_and_review(client, learner):
    quiz = factories.quiz_with_questions(1)
    attempt = attempt_start(quiz=quiz, user=learner)
    aq = attempt.questions.get()
    key = next(i["key"] for i in aq.snapshot["items"] if i["correct"])
    attempt_answer(attempt=attempt, position=1, raw={"choice": key}, sequence=0)
    attempt_submit(attempt=attempt)

    question = Question.objects.get(pk=aq.question_id)
    question.stem = "Rewritten stem"
    question.rationale = "Rewritten rationale"
    question.save()
    Choice.objects.filter(question=question).update(is_correct=False)
    Choice.objects.filter(question=question, text="Scalpel").update(is_correct=True)
    version = question_record_version(question=question)
    assert version.version == 2

    attempt.refresh_from_db()
    assert attempt.percent == 100
    client.force_login(learner)
    review = client.get(reverse("quizzes:result", args=[attempt.pk])).text
    assert "Rewritten" not in review
    assert "which instrument docks on the lamina" in review
    assert "Passed: 100%" in review


def test_a_new_attempt_gets_the_new_version(learner):
    quiz = factories.quiz_with_questions(1, attempt_limit=0)
    question = Question.objects.get(bank__in=[r.bank for r in quiz.draw_rules.all()])
    question.stem = "Version two stem"
    question.save()
    question_record_version(question=question)
    attempt = attempt_start(quiz=quiz, user=learner)
    aq = attempt.questions.get()
    assert aq.question_version == 2
    assert "Version two stem" in aq.snapshot["stem_html"]
