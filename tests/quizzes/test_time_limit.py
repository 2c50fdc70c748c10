"""Timed attempts: the server keeps the deadline; late answers are refused; time-outs are marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from quizzes.models import Attempt
from quizzes.services import AnswerRefused, attempt_answer, attempt_start
from tests import factories
from tests.quizzes.answers import form_fields, page_post, right_answer

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEADLINE = START + timedelta(minutes=30)


@pytest.fixture
def timed(learner):
    """A 30-minute attempt of 4 questions started at 09:00, with question 1 answered right."""
    quiz = factories.quiz_with_questions(4, time_limit_minutes=30, pass_mark=20)
    with time_machine.travel(START, tick=False):
        attempt = attempt_start(quiz=quiz, user=learner)
        first = attempt.questions.get(position=1)
        attempt_answer(attempt=attempt, position=1, raw=right_answer(first.snapshot), sequence=0)
    return attempt


def second_answer(attempt):
    aq = attempt.questions.get(position=2)
    return aq, form_fields(2, aq.snapshot, right_answer(aq.snapshot))


def test_the_server_sets_the_deadline_and_the_page_counts_down_to_it(learner_client, timed):
    assert timed.deadline == DEADLINE
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        html = learner_client.get(reverse("quizzes:attempt", args=[timed.pk])).text
    assert 'role="timer"' in html
    assert 'data-deadline="2026-03-02T09:30:00+00:00"' in html
    # The countdown runs from the server's clock, not the learner's (which may be wrong).
    assert 'data-seconds-left="1500"' in html


def test_an_untimed_attempt_has_no_countdown(learner_client, learner):
    attempt = attempt_start(quiz=factories.quiz_with_questions(2), user=learner)
    assert attempt.deadline is None
    html = learner_client.get(reverse("quizzes:attempt", args=[attempt.pk])).text
    assert 'role="timer"' not in html


def test_an_answer_just_before_the_deadline_is_saved(learner_client, timed):
    aq, fields = second_answer(timed)
    with time_machine.travel(DEADLINE - timedelta(seconds=1), tick=False):
        response = learner_client.post(
            reverse("quizzes:answer", args=[timed.pk, 2]), {**fields, "seq2": 0}
        )
    assert response.status_code == 200
    aq.refresh_from_db()
    assert aq.response is not None


def test_an_answer_after_the_deadline_is_refused_and_the_saved_answers_are_marked(
    learner_client, timed
):
    aq, fields = second_answer(timed)
    with time_machine.travel(DEADLINE + timedelta(seconds=1), tick=False):
        response = learner_client.post(
            reverse("quizzes:answer", args=[timed.pk, 2]), {**fields, "seq2": 0}
        )
    assert response.status_code == 409
    assert "Time is up" in response.json()["error"]
    aq.refresh_from_db()
    assert aq.response is None
    timed.refresh_from_db()
    assert timed.state == Attempt.State.EXPIRED
    assert timed.submitted_at == DEADLINE
    assert timed.score == 1  # question 1, saved in time


def test_a_save_from_the_page_at_the_deadline_exactly_is_refused(learner_client, timed):
    # The page's saves compare the deadline in SQL: the same boundary as the service's.
    aq, fields = second_answer(timed)
    with time_machine.travel(DEADLINE, tick=False):
        response = learner_client.post(
            reverse("quizzes:answer", args=[timed.pk, 2]), {**fields, "seq2": 0}
        )
    assert response.status_code == 409
    aq.refresh_from_db()
    assert aq.response is None


def test_an_answer_at_the_deadline_exactly_is_refused(timed):
    aq = timed.questions.get(position=2)
    with (
        time_machine.travel(DEADLINE, tick=False),
        pytest.raises(AnswerRefused, match="Time is up"),
    ):
        attempt_answer(attempt=timed, position=2, raw=right_answer(aq.snapshot), sequence=0)
    aq.refresh_from_db()
    assert aq.response is None


def test_a_late_full_page_post_saves_nothing_and_shows_the_result(learner_client, timed):
    answers = {aq.position: right_answer(aq.snapshot) for aq in timed.questions.all()}
    with time_machine.travel(DEADLINE + timedelta(minutes=2), tick=False):
        response = learner_client.post(
            reverse("quizzes:attempt", args=[timed.pk]),
            page_post(timed, answers, submit="1"),
            follow=True,
        )
    assert "Time is up" in response.text
    assert "Time ran out: the answers you had saved were marked." in response.text
    timed.refresh_from_db()
    assert (timed.state, timed.score) == (Attempt.State.EXPIRED, 1)
    assert timed.questions.filter(response__isnull=False).count() == 1


def test_the_sweep_submits_an_abandoned_attempt_at_its_deadline_with_its_saved_answers(timed):
    untimed = attempt_start(quiz=factories.quiz_with_questions(2), user=timed.user)
    out = StringIO()
    with time_machine.travel(DEADLINE + timedelta(hours=3), tick=False):
        call_command("close_expired_attempts", stdout=out)
    assert out.getvalue().strip() == "Submitted 1 expired attempt(s)."
    timed.refresh_from_db()
    assert timed.state == Attempt.State.EXPIRED
    assert timed.submitted_at == DEADLINE
    assert (timed.score, timed.percent, timed.passed) == (1, 25, True)
    assert timed.questions.get(position=1).is_correct is True
    assert timed.questions.get(position=2).is_correct is False
    untimed.refresh_from_db()
    assert untimed.state == Attempt.State.IN_PROGRESS


def test_the_sweep_leaves_running_attempts_alone_and_is_safe_to_run_again(timed):
    out = StringIO()
    with time_machine.travel(DEADLINE - timedelta(minutes=1), tick=False):
        call_command("close_expired_attempts", stdout=out)
    timed.refresh_from_db()
    assert timed.state == Attempt.State.IN_PROGRESS
    with time_machine.travel(DEADLINE + timedelta(minutes=1), tick=False):
        call_command("close_expired_attempts", stdout=out)
        call_command("close_expired_attempts", stdout=out)
    assert out.getvalue().split("\n")[:3] == [
        "Submitted 0 expired attempt(s).",
        "Submitted 1 expired attempt(s).",
        "Submitted 0 expired attempt(s).",
    ]


@pytest.mark.parametrize("page", ["quizzes:attempt", "quizzes:result"])
def test_coming_back_late_finds_the_attempt_marked_as_at_its_deadline(learner_client, timed, page):
    with time_machine.travel(DEADLINE + timedelta(days=2), tick=False):
        response = learner_client.get(reverse(page, args=[timed.pk]), follow=True)
    assert response.redirect_chain in ([], [(reverse("quizzes:result", args=[timed.pk]), 302)])
    assert "Time ran out" in response.text
    # The review shows the questions as marked at that moment, the saved answer right.
    assert response.text.count('class="mark mark-ok">Correct</span>') == 1
    assert response.text.count('class="mark mark-bad">Incorrect</span>') == 3
    timed.refresh_from_db()
    assert (timed.state, timed.submitted_at) == (Attempt.State.EXPIRED, DEADLINE)


def test_starting_again_after_the_deadline_closes_the_old_attempt_first(timed):
    with time_machine.travel(DEADLINE + timedelta(minutes=5), tick=False):
        new = attempt_start(quiz=timed.quiz, user=timed.user)
    timed.refresh_from_db()
    assert timed.state == Attempt.State.EXPIRED
    assert (new.number, new.deadline) == (2, DEADLINE + timedelta(minutes=35))
