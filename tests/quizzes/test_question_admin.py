"""Questions in the admin: options checked per type, images need alt text, used questions are
versioned on edit and can only be retired, never deleted."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from quizzes.models import Attempt, Question, QuestionVersion
from quizzes.services import AttemptRefused, attempt_answer, attempt_start, attempt_submit
from tests import factories
from tests.quizzes.admin_forms import errors, form_data
from tests.quizzes.answers import right_answer
from tests.quizzes.test_question_types import GIF

pytestmark = pytest.mark.django_db

ADD = "admin:quizzes_question_add"
CHANGELIST = "admin:quizzes_question_changelist"


@pytest.fixture
def educator_client(client, educator):
    client.force_login(educator)
    return client


def change_url(question) -> str:
    return reverse("admin:quizzes_question_change", args=[question.pk])


def add_question(client, bank, qtype, rows, **fields):
    """Posts the admin's add form with ``rows`` of options: (text, correct) or (text, match)."""
    data = form_data(client.get(reverse(ADD)).text)
    data.update(
        bank=bank.pk,
        key=fields.pop("key", "new-question"),
        type=qtype,
        stem="Which step comes first?",
        rationale="Because the guide wire sets the trajectory.",
        points="1",
        difficulty="medium",
        active="on",
        **fields,
    )
    data["choices-TOTAL_FORMS"] = str(max(4, len(rows)))
    for index, (text, value) in enumerate(rows):
        data[f"choices-{index}-position"] = str(index)
        data[f"choices-{index}-text"] = text
        if qtype == "matching":
            data[f"choices-{index}-match_text"] = value
        elif value:
            data[f"choices-{index}-is_correct"] = "on"
    return client.post(reverse(ADD), data)


GOOD = {
    "single": [("Guide wire", True), ("Scalpel", False)],
    "multiple": [("Lead apron", True), ("Thyroid shield", True), ("Sunglasses", False)],
    "true_false": [("True", True), ("False", False)],
    "ordering": [("Guide wire", False), ("Dilators", False), ("Retractor", False)],
    "matching": [("Time", "Keep it short"), ("Distance", "Step back"), ("", "Wear sunglasses")],
}


@pytest.mark.parametrize("qtype", list(GOOD))
def test_an_educator_adds_a_question_of_every_type(educator_client, qtype):
    bank = factories.BankFactory()
    response = add_question(educator_client, bank, qtype, GOOD[qtype])
    assert response.status_code == 302, errors(response.text)
    question = Question.objects.get(key="new-question")
    assert (question.type, question.version, question.choices.count()) == (
        qtype,
        1,
        len(GOOD[qtype]),
    )
    assert QuestionVersion.objects.filter(question=question).count() == 1


@pytest.mark.parametrize(
    ("qtype", "rows", "message"),
    [
        ("single", [("Guide wire", True)], "Give at least two options."),
        (
            "single",
            [("Guide wire", True), ("Dilator", True)],
            "A single-answer question needs exactly one correct option (2 marked).",
        ),
        (
            "single",
            [("Guide wire", False), ("Dilator", False)],
            "A single-answer question needs exactly one correct option (0 marked).",
        ),
        (
            "true_false",
            [("True", True), ("False", False), ("Maybe", False)],
            "A true/false question has exactly two options (3 given).",
        ),
        (
            "true_false",
            [("True", True), ("False", True)],
            "A true/false question needs exactly one correct option (2 marked).",
        ),
        (
            "multiple",
            [("Lead apron", False), ("Sunglasses", False)],
            "Mark at least one correct option.",
        ),
        ("ordering", [("Guide wire", False)], "Give at least two steps, in their correct order."),
        ("matching", [("Time", "Keep it short")], "Give at least two pairs."),
        (
            "matching",
            [("Time", "Keep it short"), ("Distance", "")],
            "Every pair needs an answer to match.",
        ),
    ],
)
def test_options_that_do_not_fit_the_type_are_refused_with_the_reason(
    educator_client, qtype, rows, message
):
    response = add_question(educator_client, factories.BankFactory(), qtype, rows)
    assert response.status_code == 200
    assert message in errors(response.text)
    assert not Question.objects.exists()


def test_changing_the_type_is_checked_against_the_existing_options(educator_client):
    question = factories.QuestionFactory(type="multiple")  # two correct options
    data = form_data(educator_client.get(change_url(question)).text)
    data["type"] = "single"
    response = educator_client.post(change_url(question), data)
    assert "A single-answer question needs exactly one correct option (2 marked)." in errors(
        response.text
    )
    question.refresh_from_db()
    assert question.type == "multiple"


def test_a_question_image_needs_alt_text(educator_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = SimpleUploadedFile("c-arm.gif", GIF, content_type="image/gif")
    response = add_question(
        educator_client, factories.BankFactory(), "single", GOOD["single"], image=image
    )
    assert "An image needs alt text for learners using a screen reader." in errors(response.text)
    assert not Question.objects.exists()

    image = SimpleUploadedFile("c-arm.gif", GIF, content_type="image/gif")
    response = add_question(
        educator_client,
        factories.BankFactory(),
        "single",
        GOOD["single"],
        image=image,
        image_alt="C-arm in lateral position",
    )
    assert response.status_code == 302
    assert Question.objects.get().image_alt == "C-arm in lateral position"


def test_an_option_image_needs_alt_text(educator_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    question = factories.QuestionFactory()
    data = form_data(educator_client.get(change_url(question)).text)
    data["choices-0-image"] = SimpleUploadedFile("wire.gif", GIF, content_type="image/gif")
    response = educator_client.post(change_url(question), data)
    assert response.status_code == 200
    assert "An option's image needs alt text." in errors(response.text)
    data["choices-0-image"] = SimpleUploadedFile("wire.gif", GIF, content_type="image/gif")
    data["choices-0-image_alt"] = "A guide wire"
    assert educator_client.post(change_url(question), data).status_code == 302
    assert question.choices.get(position=0).image_alt == "A guide wire"


# --- Versions, retiring, deleting ---------------------------------------------------------------


@pytest.fixture
def used(learner):
    """A question answered correctly in a submitted attempt."""
    quiz = factories.quiz_with_questions(1)
    attempt = attempt_start(quiz=quiz, user=learner)
    aq = attempt.questions.get()
    attempt_answer(attempt=attempt, position=1, raw=right_answer(aq.snapshot), sequence=0)
    attempt_submit(attempt=attempt)
    return Question.objects.get(pk=aq.question_id), Attempt.objects.get(pk=attempt.pk)


def learner_review(learner, attempt) -> str:
    client = Client()
    client.force_login(learner)
    html = client.get(reverse("quizzes:result", args=[attempt.pk])).text
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_editing_a_used_question_makes_a_new_version_and_leaves_the_attempt_intact(
    educator_client, learner, used
):
    question, attempt = used
    before = learner_review(learner, attempt)
    data = form_data(educator_client.get(change_url(question)).text)
    data["stem"] = "Which instrument is docked over the last dilator?"
    data["rationale"] = "A rewritten rationale."
    data.pop("choices-0-is_correct")  # the key moves from option 1 to option 2
    data["choices-1-is_correct"] = "on"
    response = educator_client.post(change_url(question), data, follow=True)
    assert "Saved as version 2. Attempts already made keep the version they were given." in (
        response.text
    )

    question.refresh_from_db()
    assert question.version == 2
    assert list(question.versions.values_list("version", flat=True)) == [2, 1]
    attempt.refresh_from_db()
    assert (attempt.score, attempt.percent, attempt.passed) == (1, 100, True)
    assert attempt.questions.get().question_version == 1
    assert learner_review(learner, attempt) == before

    again = attempt_start(quiz=attempt.quiz, user=learner)
    aq = again.questions.get()
    assert aq.question_version == 2
    assert "docked over the last dilator" in aq.snapshot["stem_html"]


def test_saving_a_question_unchanged_makes_no_new_version(educator_client, used):
    question, _ = used
    data = form_data(educator_client.get(change_url(question)).text)
    response = educator_client.post(change_url(question), data, follow=True)
    assert "Saved as version" not in response.text
    question.refresh_from_db()
    assert question.version == 1


def test_the_admin_shows_a_questions_versions(educator_client, used):
    question, _ = used
    data = form_data(educator_client.get(change_url(question)).text)
    data["stem"] = "Second wording of the stem"
    educator_client.post(change_url(question), data)
    html = educator_client.get(change_url(question)).text
    assert "versions (attempts keep the version they were given)" in html.lower()
    assert "Second wording of the stem" in html
    assert "which instrument docks on the lamina" in html  # version 1, still on record
    assert "Used in attempts" in html


def test_a_used_question_cannot_be_deleted_from_its_page(educator_client, used):
    question, _ = used
    delete_url = reverse("admin:quizzes_question_delete", args=[question.pk])
    assert delete_url not in educator_client.get(change_url(question)).text
    assert educator_client.get(delete_url).status_code == 403
    assert educator_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()


def test_the_bulk_delete_refuses_a_used_question(educator_client, used):
    question, _ = used
    unused = factories.QuestionFactory(bank=question.bank)
    data = {"action": "delete_selected", "_selected_action": [question.pk, unused.pk]}
    confirm = educator_client.post(reverse(CHANGELIST), data)
    assert "would require deleting the following protected related objects" in confirm.text
    assert f"{question.key}: used in attempts, so it can only be retired" in confirm.text
    assert "permission" not in confirm.text
    educator_client.post(reverse(CHANGELIST), {**data, "post": "yes"})
    assert Question.objects.filter(pk__in=[question.pk, unused.pk]).count() == 2


def test_the_bulk_delete_still_deletes_unused_questions(educator_client, db):
    unused = factories.QuestionFactory()
    data = {"action": "delete_selected", "_selected_action": [unused.pk], "post": "yes"}
    educator_client.post(reverse(CHANGELIST), data)
    assert not Question.objects.filter(pk=unused.pk).exists()


def test_the_database_protects_a_used_question_too(used):
    question, _ = used
    with pytest.raises(ProtectedError):
        question.delete()


def test_retiring_a_used_question_keeps_its_attempts_and_stops_new_draws(
    educator_client, learner, used
):
    question, attempt = used
    before = learner_review(learner, attempt)
    response = educator_client.post(
        reverse(CHANGELIST), {"action": "retire", "_selected_action": [question.pk]}, follow=True
    )
    assert "Retired 1 question(s)." in response.text
    question.refresh_from_db()
    assert question.active is False
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (1, True)
    assert learner_review(learner, attempt) == before
    with pytest.raises(AttemptRefused, match="asks for more questions than its question banks"):
        attempt_start(quiz=attempt.quiz, user=learner)


def test_a_learner_cannot_reach_the_question_admin(learner_client):
    response = learner_client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert "/admin/login/" in response.url
