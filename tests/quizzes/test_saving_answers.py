"""Saving as you go: one answer at a time or the whole page; stale tabs; all or nothing."""

from __future__ import annotations

import pytest
from django.http import JsonResponse
from django.urls import reverse

from quizzes.models import Attempt, AttemptQuestion
from quizzes.services import ForeignOption, attempt_answer, attempt_start, attempt_submit
from tests import factories
from tests.quizzes.answers import form_fields, page_post, right_answer, wrong_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(learner):
    return attempt_start(quiz=factories.quiz_with_every_type(), user=learner)


def save(client, attempt, position, answer, seq):
    aq = attempt.questions.get(position=position)
    data = {**form_fields(position, aq.snapshot, answer), f"seq{position}": seq}
    return client.post(reverse("quizzes:answer", args=[attempt.pk, position]), data)


def stored(attempt, position):
    return AttemptQuestion.objects.get(attempt=attempt, position=position)


def test_each_save_bumps_the_questions_sequence(learner_client, attempt):
    aq = stored(attempt, 1)
    assert save(learner_client, attempt, 1, wrong_answer(aq.snapshot), 0).json()["sequence"] == 1
    assert save(learner_client, attempt, 1, right_answer(aq.snapshot), 1).json()["sequence"] == 2
    assert stored(attempt, 1).response == right_answer(aq.snapshot)


def test_a_save_answers_json_as_django_writes_it(learner_client, attempt):
    aq = stored(attempt, 1)
    response = save(learner_client, attempt, 1, right_answer(aq.snapshot), 0)
    assert response["Content-Type"] == "application/json"
    assert response.content == JsonResponse({"saved": True, "sequence": 1}).content


def test_saving_the_same_answer_again_changes_nothing(learner_client, attempt):
    aq = stored(attempt, 1)
    save(learner_client, attempt, 1, right_answer(aq.snapshot), 0)
    response = save(learner_client, attempt, 1, right_answer(aq.snapshot), 0)
    assert response.json() == {"saved": True, "sequence": 1}


def test_one_ticked_box_of_a_select_all_question_is_saved_as_a_list(learner_client, attempt):
    # One key and nothing else, as a single-choice answer is posted: saved as what it is.
    aq = next(a for a in attempt.questions.all() if a.snapshot["type"] == "multiple")
    key = aq.snapshot["items"][1]["key"]
    response = save(learner_client, attempt, aq.position, {"choices": [key]}, 0)
    assert response.json() == {"saved": True, "sequence": 1}
    assert stored(attempt, aq.position).response == {"choices": [key]}


def test_clearing_a_single_choice_answer_saves_no_answer(learner_client, attempt):
    aq = stored(attempt, 1)
    save(learner_client, attempt, 1, right_answer(aq.snapshot), 0)
    response = learner_client.post(
        reverse("quizzes:answer", args=[attempt.pk, 1]), {"q1": "", "seq1": 1}
    )
    assert response.json() == {"saved": True, "sequence": 2}
    assert stored(attempt, 1).response is None


def test_a_stale_save_from_a_second_tab_is_refused_and_the_first_answer_kept(
    learner_client, attempt
):
    aq = stored(attempt, 1)
    first_tab, second_tab = right_answer(aq.snapshot), wrong_answer(aq.snapshot)
    assert save(learner_client, attempt, 1, first_tab, 0).status_code == 200
    response = save(learner_client, attempt, 1, second_tab, 0)  # loaded before the first save
    assert response.status_code == 409
    assert response.json()["error"] == (
        "Question 1 was changed in another window or tab after this page was loaded, so this "
        "answer was not saved and the other one is kept. Reload the page to see the saved answer."
    )
    assert stored(attempt, 1).response == first_tab


def test_a_stale_whole_page_saves_nothing_and_shows_the_newer_answer(learner_client, attempt):
    first, second = stored(attempt, 1), stored(attempt, 2)
    stale_page = page_post(
        attempt,
        {1: wrong_answer(first.snapshot), 2: right_answer(second.snapshot)},
        save="1",
    )
    save(learner_client, attempt, 1, right_answer(first.snapshot), 0)  # the other tab

    response = learner_client.post(reverse("quizzes:attempt", args=[attempt.pk]), stale_page)
    assert response.status_code == 409
    assert "Nothing was saved." in response.text
    assert "Question 1 was changed in another window or tab" in response.text
    assert stored(attempt, 1).response == right_answer(first.snapshot)
    assert stored(attempt, 2).response is None
    html = response.text
    # The page shows the newer answer to question 1 with its new sequence, and keeps the
    # learner's answer to question 2, so posting it again saves it.
    assert f'value="{right_answer(first.snapshot)["choice"]}" checked' in html
    assert 'name="seq1" value="1"' in html
    for key in right_answer(second.snapshot)["choices"]:
        assert f'value="{key}" checked' in html


def test_a_page_with_an_unreadable_answer_saves_nothing_and_says_where(learner_client, attempt):
    single, ordering = stored(attempt, 1), stored(attempt, 4)
    data = page_post(attempt, {1: right_answer(single.snapshot)}, save="1")
    keys = [item["key"] for item in ordering.snapshot["items"]]
    data.update({f"q4-{keys[0]}": "1", f"q4-{keys[1]}": "1", f"q4-{keys[2]}": "2"})

    response = learner_client.post(reverse("quizzes:attempt", args=[attempt.pk]), data)
    assert response.status_code == 400
    assert "Question 4: Give every step a place from 1 to 4." in response.text
    assert 'aria-describedby="q4-stem q4-error"' in response.text
    assert stored(attempt, 1).response is None
    # What the learner chose is shown again, not lost.
    assert f'value="{right_answer(single.snapshot)["choice"]}" checked' in response.text


def test_two_steps_in_the_same_place_are_refused(learner_client, attempt):
    ordering = stored(attempt, 4)
    keys = [item["key"] for item in ordering.snapshot["items"]]
    places = dict(zip(keys, ["1", "2", "2", "4"], strict=True))
    response = learner_client.post(
        reverse("quizzes:answer", args=[attempt.pk, 4]),
        {**{f"q4-{k}": v for k, v in places.items()}, "seq4": 0},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Question 4: Give every step a different place, from 1 to 4."
    assert stored(attempt, 4).response is None


def test_a_key_from_another_question_on_the_page_refuses_the_whole_page(learner_client, attempt):
    multiple = stored(attempt, 2)
    data = page_post(attempt, {2: right_answer(multiple.snapshot)}, save="1")
    data["q1"] = multiple.snapshot["items"][0]["key"]
    response = learner_client.post(reverse("quizzes:attempt", args=[attempt.pk]), data)
    assert response.status_code == 400
    assert "Question 1: That option does not belong to this question. Nothing was saved." in (
        response.text
    )
    assert AttemptQuestion.objects.filter(attempt=attempt, response__isnull=False).count() == 0


@pytest.mark.parametrize("position", [2, 4, 5])
def test_forged_keys_are_refused_for_every_type(learner_client, attempt, learner, position):
    other = attempt_start(quiz=factories.quiz_with_every_type(), user=learner)
    aq, foreign = stored(attempt, position), stored(other, position)
    answer = right_answer(foreign.snapshot)
    data = {**form_fields(position, aq.snapshot, right_answer(aq.snapshot)), f"seq{position}": 0}
    if position == 2:
        data[f"q{position}"] = answer["choices"]
    elif position == 5:
        prompt = aq.snapshot["items"][0]["key"]
        data[f"q5-{prompt}"] = foreign.snapshot["answers"][0]["key"]
    else:
        data[f"q4-{foreign.snapshot['items'][0]['key']}"] = "1"  # ignored: not this question's
        data.pop(f"q4-{aq.snapshot['items'][0]['key']}")
    response = learner_client.post(reverse("quizzes:answer", args=[attempt.pk, position]), data)
    assert response.status_code == 400
    assert stored(attempt, position).response is None


@pytest.mark.parametrize("qtype", factories.EVERY_TYPE)
def test_the_service_refuses_any_key_of_another_attempt_for_every_type(attempt, learner, qtype):
    other = attempt_start(quiz=factories.quiz_with_every_type(), user=learner)
    aq = next(a for a in attempt.questions.all() if a.snapshot["type"] == qtype)
    foreign = other.questions.get(position=aq.position)
    raws = [right_answer(foreign.snapshot)]
    if qtype == "ordering":
        raws.append({"places": {k: str(i) for i, k in enumerate(raws[0]["order"], start=1)}})
    for raw in raws:
        with pytest.raises(ForeignOption):
            attempt_answer(attempt=attempt, position=aq.position, raw=raw, sequence=0)
    assert stored(attempt, aq.position).response is None


def test_extra_fields_in_an_answer_are_ignored(learner_client, attempt):
    aq = stored(attempt, 1)
    data = {
        **form_fields(1, aq.snapshot, wrong_answer(aq.snapshot)),
        "seq1": 0,
        "score": "1",
        "is_correct": "true",
        "sequence": "99",
        "q2": "anything",
    }
    assert learner_client.post(reverse("quizzes:answer", args=[attempt.pk, 1]), data).json() == {
        "saved": True,
        "sequence": 1,
    }
    saved = stored(attempt, 1)
    assert (saved.score, saved.is_correct, saved.sequence) == (None, None, 1)
    assert stored(attempt, 2).response is None


def test_an_answer_to_a_submitted_attempt_is_refused(learner_client, attempt):
    aq = stored(attempt, 1)
    attempt_submit(attempt=attempt)
    response = save(learner_client, attempt, 1, right_answer(aq.snapshot), 0)
    assert response.status_code == 409
    assert "already been submitted" in response.json()["error"]
    assert stored(attempt, 1).response is None


def test_an_answer_to_a_question_the_attempt_does_not_have_is_404(learner_client, attempt):
    url = reverse("quizzes:answer", args=[attempt.pk, 99])
    assert learner_client.post(url, {"q99": "x"}).status_code == 404


def test_the_answer_endpoint_wants_a_logged_in_post(client, learner_client, attempt):
    url = reverse("quizzes:answer", args=[attempt.pk, 1])
    assert learner_client.get(url).status_code == 405
    client.logout()
    response = client.post(url, {"q1": "x"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_unanswered_questions_on_a_page_are_simply_left_unanswered(learner_client, attempt):
    response = learner_client.post(
        reverse("quizzes:attempt", args=[attempt.pk]), page_post(attempt, {}, submit="1")
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score) == (Attempt.State.SUBMITTED, 0)
