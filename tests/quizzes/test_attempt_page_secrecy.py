"""The page source of an attempt in progress holds no correctness data, for every type."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from quizzes.models import Choice
from quizzes.services import attempt_answer, attempt_start
from tests import factories
from tests.quizzes.answers import right_answer

pytestmark = pytest.mark.django_db

RATIONALE = "Because the retractor docks on the lamina"
FEEDBACK = "Yes: this option is the key"


def page(client, attempt) -> str:
    return client.get(reverse("quizzes:attempt", args=[attempt.pk])).text


def normalised(html: str, attempt) -> str:
    """The page with its per-attempt details (keys, ids, tokens) replaced by placeholders."""
    keys = []
    for aq in attempt.questions.all():
        keys += [i["key"] for i in aq.snapshot["items"]]
        keys += [a["key"] for a in aq.snapshot.get("answers", [])]
    for index, key in enumerate(keys):
        html = html.replace(key, f"KEY{index}")
    html = html.replace(str(attempt.pk), "ATTEMPT")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


def quiz_of_one(qtype: str, specs, **kwargs):
    bank = factories.BankFactory()
    question = factories.QuestionFactory(
        bank=bank, type=qtype, choices=specs, rationale=RATIONALE, stem="Which applies?"
    )
    Choice.objects.filter(question=question).update(feedback=FEEDBACK)
    return factories.QuizFactory(
        bank=bank, title="Check", shuffle_choices=False, shuffle_questions=False, **kwargs
    )


@pytest.mark.parametrize(
    ("qtype", "one", "other"),
    [
        ("single", [True, False, False], [False, False, True]),
        ("multiple", [True, True, False], [False, True, True]),
        ("true_false", [True, False], [False, True]),
    ],
)
def test_which_option_is_correct_changes_nothing_in_the_page(client, learner, qtype, one, other):
    texts = ["Tubular retractor", "Scalpel", "Suction"] if qtype != "true_false" else ["T", "F"]
    client.force_login(learner)
    pages = []
    for correct in (one, other):
        quiz = quiz_of_one(qtype, list(zip(texts, correct, strict=True)))
        attempt = attempt_start(quiz=quiz, user=learner)
        pages.append(normalised(page(client, attempt), attempt))
    assert pages[0] == pages[1]


@pytest.fixture
def every_type_page(client, learner):
    quiz = factories.quiz_with_every_type(shuffle_choices=True)
    for question in Choice.objects.filter(
        question__bank__in=[r.bank for r in quiz.draw_rules.all()]
    ):
        question.feedback = FEEDBACK
        question.save()
    attempt = attempt_start(quiz=quiz, user=learner)
    client.force_login(learner)
    return attempt, page(client, attempt)


def test_no_rationale_feedback_or_marker_of_correctness_appears_for_any_type(every_type_page):
    attempt, html = every_type_page
    assert FEEDBACK not in html
    for aq in attempt.questions.all():
        assert aq.snapshot["rationale_html"] not in html
    lowered = html.lower()
    for marker in ("correct", "rationale", "feedback", "weight", "✓", "✗", "data-answer="):
        assert marker not in lowered


def test_choice_inputs_carry_only_their_opaque_key(every_type_page):
    attempt, html = every_type_page
    for aq in attempt.questions.all():
        if aq.snapshot["type"] not in ("single", "multiple", "true_false"):
            continue
        inputs = re.findall(rf'<input[^>]*name="q{aq.position}"[^>]*>', html)
        assert len(inputs) == len(aq.snapshot["items"])
        shapes = {re.sub(r'q\d+-[\w-]+"|value="[\w-]+"', "", tag) for tag in inputs}
        assert len(shapes) == 1, shapes  # identical apart from the key


def test_every_ordering_step_offers_the_same_places_and_none_is_preselected(every_type_page):
    attempt, html = every_type_page
    aq = next(a for a in attempt.questions.all() if a.snapshot["type"] == "ordering")
    selects = re.findall(
        rf'<select[^>]*name="q{aq.position}-[^"]+"[^>]*>(.*?)</select>', html, re.S
    )
    assert len(selects) == 4
    assert len(set(selects)) == 1
    assert "selected" not in selects[0]
    # The steps are shown out of their correct order.
    shown = re.findall(rf'name="q{aq.position}-([\w-]+)"', html)
    assert shown != right_answer(aq.snapshot)["order"]


def test_every_matching_prompt_offers_the_same_answers_in_the_same_order(every_type_page):
    attempt, html = every_type_page
    aq = next(a for a in attempt.questions.all() if a.snapshot["type"] == "matching")
    selects = re.findall(
        rf'<select[^>]*name="q{aq.position}-[^"]+"[^>]*>(.*?)</select>', html, re.S
    )
    assert len(selects) == 3
    assert len(set(selects)) == 1
    assert "selected" not in selects[0]
    assert "Stand at the tube side" in selects[0]  # the distractor is offered like the rest


def test_a_saved_answer_is_shown_as_given_without_saying_whether_it_is_right(client, learner):
    quiz = factories.quiz_with_every_type()
    attempt = attempt_start(quiz=quiz, user=learner)
    for aq in attempt.questions.all():
        attempt_answer(
            attempt=attempt, position=aq.position, raw=right_answer(aq.snapshot), sequence=0
        )
    client.force_login(learner)
    lowered = page(client, attempt).lower()
    for marker in ("correct", "rationale", "feedback", "✓", "✗"):
        assert marker not in lowered


def test_the_save_endpoint_answers_with_the_sequence_only(client, learner):
    quiz = factories.quiz_with_every_type()
    attempt = attempt_start(quiz=quiz, user=learner)
    aq = attempt.questions.get(position=1)
    client.force_login(learner)
    response = client.post(
        reverse("quizzes:answer", args=[attempt.pk, 1]),
        {"q1": right_answer(aq.snapshot)["choice"], "seq1": 0},
    )
    assert response.json() == {"saved": True, "sequence": 1}
