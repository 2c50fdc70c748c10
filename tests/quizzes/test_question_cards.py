"""The question cards are built in Python, not by the template engine: everything a question's
author typed still reaches the page escaped, on the attempt page and on the result page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse

from quizzes.models import Choice, Question
from quizzes.services import attempt_answer, attempt_start, attempt_submit
from quizzes.templatetags.question_cards import _score
from tests import factories
from tests.quizzes.answers import right_answer

pytestmark = pytest.mark.django_db

HOSTILE = '"><script>alert(1)</script>'


def pictured_quiz(qtype: str):
    bank = factories.BankFactory()
    question = factories.QuestionFactory(
        bank=bank,
        type=qtype,
        stem="Which view?<script>alert(2)</script>",
        image="questions/view.png",
        image_alt=HOSTILE,
    )
    choice = Choice.objects.filter(question=question).order_by("position").first()
    Choice.objects.filter(pk=choice.pk).update(image="choices/c.png", image_alt=HOSTILE)
    return factories.QuizFactory(bank=bank, shuffle_choices=False, feedback="after_submission")


@pytest.mark.parametrize("qtype", ["single", "multiple", "ordering", "matching"])
def test_alt_texts_and_stems_are_escaped_before_and_after_submission(client, learner, qtype):
    quiz = pictured_quiz(qtype)
    attempt = attempt_start(quiz=quiz, user=learner)
    client.force_login(learner)

    page = client.get(reverse("quizzes:attempt", args=[attempt.pk])).text

    escaped = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<script>alert" not in page
    assert f'alt="{escaped}" class="img-fluid mb-2 question-image"' in page
    assert f'alt="{escaped}" class="img-fluid d-block choice-image"' in page

    aq = attempt.questions.get()
    attempt_answer(attempt=attempt, position=1, raw=right_answer(aq.snapshot), sequence=0)
    attempt_submit(attempt=attempt)
    result = client.get(reverse("quizzes:result", args=[attempt.pk])).text

    assert "<script>alert" not in result
    assert f'alt="{escaped}" class="img-fluid mb-2 question-image"' in result
    assert f'alt="{escaped}" class="img-fluid d-block choice-image"' in result
    assert "Correct</span>" in result
    assert Question.objects.get().stem.endswith("<script>alert(2)</script>")  # kept as typed


def test_a_saved_answer_and_its_sequence_are_shown_in_the_card(client, learner):
    quiz = factories.quiz_with_questions(1, shuffle_choices=False)
    attempt = attempt_start(quiz=quiz, user=learner)
    aq = attempt.questions.get()
    answer = right_answer(aq.snapshot)
    attempt_answer(attempt=attempt, position=1, raw=answer, sequence=0)
    client.force_login(learner)

    page = client.get(reverse("quizzes:attempt", args=[attempt.pk])).text

    assert f'value="{answer["choice"]}" checked>' in page
    assert '<input type="hidden" name="seq1" value="1">' in page
    assert "(1 point) Choose one answer." in page


@pytest.mark.parametrize(
    "score",
    [
        "0",
        "1",
        "1.000",
        "0.5",
        "0.500",
        "0.333",
        "0.667",
        "0.125",
        "0.005",
        "1.005",
        "2.675",
        "12.345",
        "100",
        "0.001",
        None,
    ],
)
def test_a_reviewed_score_reads_as_django_would_format_it(score):
    value = None if score is None else Decimal(score)
    assert _score(value) == floatformat(value, -2)
