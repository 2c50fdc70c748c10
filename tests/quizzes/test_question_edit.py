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


def _first_snapshot(quiz, user) -> dict:
    attempt = attempt_start(quiz=quiz, user=user)
    snapshot = attempt.questions.get().snapshot
    attempt_submit(attempt=attempt)
    return snapshot


def test_an_edit_reaches_the_next_attempt_though_the_question_was_drawn_before(
    learner, other_learner
):
    """Drawn questions are kept in the process by version: an edit makes a new version,
    which the next draw reads, in this process and any other."""
    quiz = factories.quiz_with_questions(1, attempt_limit=0)
    before = _first_snapshot(quiz, learner)
    question = Question.objects.get()
    question.stem = "Which dilator comes first?"
    question.save()
    Choice.objects.filter(question=question, text="Scalpel").update(text="First dilator")
    question_record_version(question=Question.objects.prefetch_related("choices").get())

    after = _first_snapshot(quiz, other_learner)

    assert "which instrument docks" in before["stem_html"]
    assert "Which dilator comes first?" in after["stem_html"]
    assert "First dilator" in {item["html"] for item in after["items"]}
    assert "Scalpel" not in {item["html"] for item in after["items"]}


def test_a_new_key_reaches_the_next_attempt(learner, other_learner):
    quiz = factories.quiz_with_questions(1, attempt_limit=0)
    _first_snapshot(quiz, learner)
    Question.objects.update(key="renamed-key")  # the key is not content: no new version

    assert _first_snapshot(quiz, other_learner)["key"] == "renamed-key"


def test_a_question_drawn_before_costs_no_query_for_its_content(
    learner, other_learner, django_assert_num_queries
):
    quiz = factories.quiz_with_questions(3)
    first = attempt_start(quiz=quiz, user=learner)
    with django_assert_num_queries(6) as captured:  # two fewer: no questions, no choices
        second = attempt_start(quiz=quiz, user=other_learner)
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "quizzes_choice" not in tables

    def content(attempt):
        return [
            {k: v for k, v in aq.snapshot.items() if k != "items"}
            | {"items": sorted(i["html"] for i in aq.snapshot["items"])}
            for aq in attempt.questions.order_by("question_id")
        ]

    assert content(second) == content(first)


def test_draws_of_the_same_questions_share_their_text_but_never_their_keys(learner, other_learner):
    """The rendered text of a drawn version is kept in the process; each snapshot copies it
    and gives every option a key of its own."""
    quiz = factories.quiz_with_questions(3)
    first = attempt_start(quiz=quiz, user=learner)
    second = attempt_start(quiz=quiz, user=other_learner)

    def items(attempt):
        return [i for aq in attempt.questions.order_by("question_id") for i in aq.snapshot["items"]]

    assert not {i["key"] for i in items(first)} & {i["key"] for i in items(second)}
    assert len({i["key"] for i in items(first)}) == len(items(first))
    strip = [{k: v for k, v in i.items() if k != "key"} for i in items(first)]
    assert sorted(map(str, strip)) == sorted(
        str({k: v for k, v in i.items() if k != "key"}) for i in items(second)
    )
