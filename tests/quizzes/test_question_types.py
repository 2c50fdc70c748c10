"""Every question type works on the attempt page, with and without JavaScript, and on review."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quizzes.models import Attempt, Choice, Question
from quizzes.services import attempt_start, question_record_version
from tests import factories
from tests.quizzes.answers import form_fields, page_post, right_answer, wrong_answer

pytestmark = pytest.mark.django_db

# The smallest valid GIF: enough for an ImageField.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@pytest.fixture
def attempt(learner):
    return attempt_start(quiz=factories.quiz_with_every_type(), user=learner)


def test_the_attempt_page_shows_a_labelled_control_for_every_option_of_every_type(
    learner_client, attempt
):
    html = learner_client.get(reverse("quizzes:attempt", args=[attempt.pk])).text
    types = [aq.snapshot["type"] for aq in attempt.questions.all()]
    assert types == factories.EVERY_TYPE
    for aq in attempt.questions.all():
        for item in aq.snapshot["items"]:
            control = f'id="q{aq.position}-{item["key"]}"'
            assert control in html
            assert f'for="q{aq.position}-{item["key"]}"' in html
    single, multiple, true_false, ordering, matching = attempt.questions.all()
    assert html.count(f'type="radio" name="q{single.position}"') == 4
    assert html.count(f'type="checkbox" name="q{multiple.position}"') == 4
    assert html.count(f'type="radio" name="q{true_false.position}"') == 2
    assert "Select all that apply." in html
    # Ordering: a place from 1 to 4 for each step; matching: every answer for each prompt.
    assert html.count(f'name="q{ordering.position}-') == 4
    assert html.count('<option value="4">4</option>') == 4
    for answer in matching.snapshot["answers"]:
        assert html.count(f'value="{answer["key"]}"') == 3


@pytest.mark.parametrize("qtype", factories.EVERY_TYPE)
def test_each_type_saved_by_the_script_is_marked_correct(learner_client, attempt, qtype):
    aq = next(a for a in attempt.questions.all() if a.snapshot["type"] == qtype)
    data = {**form_fields(aq.position, aq.snapshot, right_answer(aq.snapshot)), "seq1": 0}
    data[f"seq{aq.position}"] = 0
    response = learner_client.post(reverse("quizzes:answer", args=[attempt.pk, aq.position]), data)
    assert response.status_code == 200, response.content
    assert response.json() == {"saved": True, "sequence": 1}

    learner_client.post(reverse("quizzes:submit", args=[attempt.pk]))
    aq.refresh_from_db()
    assert aq.is_correct is True
    assert aq.score == 1


@pytest.mark.parametrize("qtype", factories.EVERY_TYPE)
def test_each_type_answered_wrongly_scores_nothing(learner_client, attempt, qtype):
    aq = next(a for a in attempt.questions.all() if a.snapshot["type"] == qtype)
    data = {**form_fields(aq.position, aq.snapshot, wrong_answer(aq.snapshot))}
    data[f"seq{aq.position}"] = 0
    learner_client.post(reverse("quizzes:answer", args=[attempt.pk, aq.position]), data)
    learner_client.post(reverse("quizzes:submit", args=[attempt.pk]))
    aq.refresh_from_db()
    assert aq.response is not None
    assert (aq.is_correct, aq.score) == (False, 0)


def test_without_javascript_the_whole_page_is_one_form_that_saves_and_submits(
    learner_client, attempt
):
    answers = {aq.position: right_answer(aq.snapshot) for aq in attempt.questions.all()}
    url = reverse("quizzes:attempt", args=[attempt.pk])

    saved = learner_client.post(url, page_post(attempt, answers, save="1"), follow=True)
    assert "Your answers are saved." in saved.text
    assert re.search(r'answered-count">5</span> of 5 answered', saved.text)
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.IN_PROGRESS

    response = learner_client.post(url, page_post(attempt, answers, submit="1"))
    assert response.status_code == 302
    assert response.url == reverse("quizzes:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert (attempt.state, attempt.percent, attempt.passed) == ("submitted", 100, True)


def test_a_reloaded_page_shows_every_saved_answer_of_every_type(learner_client, attempt):
    answers = {aq.position: right_answer(aq.snapshot) for aq in attempt.questions.all()}
    url = reverse("quizzes:attempt", args=[attempt.pk])
    learner_client.post(url, page_post(attempt, answers, save="1"))
    html = learner_client.get(url).text
    single, multiple, true_false, ordering, matching = attempt.questions.all()
    for aq in (single, true_false):
        assert re.search(rf'value="{answers[aq.position]["choice"]}" checked', html)
    for key in answers[multiple.position]["choices"]:
        assert re.search(rf'value="{key}" checked', html)
    for place, key in enumerate(answers[ordering.position]["order"], start=1):
        select = html.split(f'name="q{ordering.position}-{key}"')[1].split("</select>")[0]
        assert f'<option value="{place}" selected>' in select
    for prompt, answer in answers[matching.position]["matches"].items():
        select = html.split(f'name="q{matching.position}-{prompt}"')[1].split("</select>")[0]
        assert f'value="{answer}" selected' in select


def test_the_result_page_reviews_every_type_with_the_learners_answer_and_the_key(
    learner_client, attempt
):
    answers = {aq.position: wrong_answer(aq.snapshot) for aq in attempt.questions.all()}
    url = reverse("quizzes:attempt", args=[attempt.pk])
    learner_client.post(url, page_post(attempt, answers, submit="1"))
    html = learner_client.get(reverse("quizzes:result", args=[attempt.pk])).text
    assert "Not passed: 0%" in html
    assert html.count("Incorrect") == 5
    assert html.count("Your answer:") == 1 + 2 + 1  # single, multiple (two wrong), true/false
    assert html.count("✓ correct answer") == 1 + 2 + 1
    assert "The list above is in the correct order." in html
    assert "(✗ belongs at" in html
    assert "correct match:" in html
    assert html.count("Rationale") == 5


def test_images_with_their_alt_text_reach_the_attempt_page_and_the_review(
    client, learner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    bank = factories.BankFactory()
    question = factories.QuestionFactory(
        bank=bank,
        image=SimpleUploadedFile("c-arm.gif", GIF, content_type="image/gif"),
        image_alt="C-arm positioned for a lateral view",
    )
    choice = question.choices.get(is_correct=True)
    choice.image = SimpleUploadedFile("retractor.gif", GIF, content_type="image/gif")
    choice.image_alt = "A 18 mm tubular retractor"
    choice.save()
    question = Question.objects.prefetch_related("choices").get(pk=question.pk)
    question_record_version(question=question)
    quiz = factories.QuizFactory(bank=bank)
    attempt = attempt_start(quiz=quiz, user=learner)
    client.force_login(learner)

    page = client.get(reverse("quizzes:attempt", args=[attempt.pk])).text
    assert 'alt="C-arm positioned for a lateral view"' in page
    assert 'alt="A 18 mm tubular retractor"' in page
    assert question.image.url in page and Choice.objects.get(pk=choice.pk).image.url in page

    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    review = client.get(reverse("quizzes:result", args=[attempt.pk])).text
    assert 'alt="C-arm positioned for a lateral view"' in review
    assert 'alt="A 18 mm tubular retractor"' in review


def test_a_matching_prompts_image_reaches_the_page_and_the_review(
    client, learner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    bank = factories.BankFactory()
    question = factories.QuestionFactory(bank=bank, type=Question.Type.MATCHING)
    prompt = question.choices.get(text="Shielding")
    prompt.image = SimpleUploadedFile("apron.gif", GIF, content_type="image/gif")
    prompt.image_alt = "A lead apron on its hanger"
    prompt.save()
    question_record_version(
        question=Question.objects.prefetch_related("choices").get(pk=question.pk)
    )
    attempt = attempt_start(quiz=factories.QuizFactory(bank=bank), user=learner)
    client.force_login(learner)
    assert (
        'alt="A lead apron on its hanger"'
        in client.get(reverse("quizzes:attempt", args=[attempt.pk])).text
    )
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    review = client.get(reverse("quizzes:result", args=[attempt.pk])).text
    assert 'alt="A lead apron on its hanger"' in review


def test_a_matching_answer_with_an_ampersand_or_markup_reads_as_written_in_the_list(
    learner_client, learner
):
    """A match is listed as plain text (a <select> holds no markup), escaped once: "A & B"
    shows as "A & B", never as "A &amp; B"."""
    bank = factories.BankFactory()
    factories.QuestionFactory(
        bank=bank,
        type=Question.Type.MATCHING,
        choices=[
            ("Time", "Keep fluoroscopy *short* & pulsed"),
            ("Distance", "Step back <2 m> from the beam"),
        ],
    )
    attempt = attempt_start(quiz=factories.QuizFactory(bank=bank), user=learner)
    html = learner_client.get(reverse("quizzes:attempt", args=[attempt.pk])).text
    options = re.findall(r'<option value="[^"]+">([^<]*)</option>', html)
    assert "Keep fluoroscopy short &amp; pulsed" in options
    assert "&amp;amp;" not in html
    assert "<2 m>" not in html  # a stray tag is escaped or dropped, never passed through
