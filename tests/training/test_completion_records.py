"""The Completion: written once, with what it attests, when the last requirement is met."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from quizzes.models import Question
from quizzes.services import attempt_answer, attempt_submit
from tests import factories
from tests.training.builders import attempt_answered, complete, course_to_complete, quiz_pass
from training import services
from training.models import Completion, Course, Lesson

pytestmark = pytest.mark.django_db


def test_the_completion_is_written_once_when_the_last_requirement_is_met(learner):
    course = course_to_complete(lessons=2, recertification_months=24)
    services.enrol(user=learner, course=course)
    first, second = course.lessons.order_by("position")
    services.lesson_complete(user=learner, lesson=first)
    attempt = quiz_pass(learner, course.final_quiz)
    assert not Completion.objects.exists()

    moment = datetime(2026, 2, 10, 14, 30, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        services.lesson_complete(user=learner, lesson=second)
    completion = Completion.objects.get()
    assert completion.user == learner
    assert completion.learner_name == "Lee Learner"
    assert (completion.course, completion.course_title) == (course, course.title)
    assert completion.course_version == course.content_hash
    assert completion.final_score == Decimal("100.00")
    assert completion.pass_mark == 80
    assert completion.attempt_ids == [str(attempt.pk)]
    assert completion.completed_at == moment
    assert completion.completed_at.utcoffset().total_seconds() == 0
    assert completion.expires_at == datetime(2028, 2, 10, 14, 30, tzinfo=UTC)
    assert completion.contact_hours is None  # onboarding track

    services.lesson_complete(user=learner, lesson=second)
    quiz_pass(learner, course.final_quiz)
    assert Completion.objects.count() == 1


def test_required_knowledge_checks_are_requirements_and_their_attempts_are_recorded(learner):
    course = course_to_complete(lessons=1, final=False)
    lesson = course.lessons.get()
    lesson.quiz, lesson.quiz_required = factories.quiz_with_questions(3), True
    lesson.save()
    services.enrol(user=learner, course=course)
    services.lesson_complete(user=learner, lesson=lesson)
    assert not Completion.objects.exists()
    attempt = quiz_pass(learner, lesson.quiz)
    completion = Completion.objects.get()
    assert completion.attempt_ids == [str(attempt.pk)]
    assert completion.final_score is None  # no final assessment


def test_a_pass_mark_reached_with_a_critical_item_missed_does_not_complete(learner):
    course = course_to_complete(lessons=0, final=False)
    bank = factories.BankFactory()
    for _ in range(9):
        factories.QuestionFactory(bank=bank)
    factories.QuestionFactory(bank=bank, critical=True)
    quiz = factories.QuizFactory(bank=bank, pass_mark=80, require_critical=True)
    course.final_quiz = quiz
    course.save()
    services.enrol(user=learner, course=course)

    attempt = attempt_answered(learner, quiz)
    critical = attempt.questions.get(question__critical=True)
    wrong = next(i["key"] for i in critical.snapshot["items"] if not i["correct"])
    attempt_answer(attempt=attempt, position=critical.position, raw={"choice": wrong}, sequence=1)
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.percent == Decimal("90.00")
    assert attempt.passed is False
    assert not Completion.objects.exists()


def test_ce_completions_record_contact_hours(learner):
    course = course_to_complete(lessons=3, track=Course.Track.CE)  # 3 x 20 minutes
    services.enrol(user=learner, course=course)
    complete(learner, course)
    assert Completion.objects.get().contact_hours == Decimal("1.00")


def test_editing_the_course_afterwards_changes_no_record(learner):
    course = course_to_complete(recertification_months=12, track=Course.Track.CE)
    services.enrol(user=learner, course=course)
    complete(learner, course)
    before = Completion.objects.values().get()

    course.title = "MISS for OR staff: second edition"
    course.content_hash = "f" * 64
    course.recertification_months = 6
    course.track = Course.Track.ONBOARDING
    course.save()
    Lesson.objects.filter(course=course).update(estimated_minutes=90, title="Rewritten")
    factories.LessonFactory(course=course, position=9)
    course.final_quiz.pass_mark = 95
    course.final_quiz.save()
    Question.objects.update(points=5)

    assert Completion.objects.values().get() == before
    assert before["course_title"].startswith("MISS course")
    assert before["pass_mark"] == 80


def test_a_quiz_passed_on_a_course_the_learner_is_not_on_enrols_nobody(learner):
    course = course_to_complete(lessons=0)
    quiz_pass(learner, course.final_quiz)
    assert not Completion.objects.exists()
    assert not learner.enrolments.exists()


def test_a_learner_with_records_cannot_be_deleted_and_deactivating_keeps_them(learner):
    course = course_to_complete()
    services.enrol(user=learner, course=course)
    complete(learner, course)
    with pytest.raises(ProtectedError):
        learner.delete()
    learner.is_active = False
    learner.save()
    assert Completion.objects.filter(user=learner).count() == 1


# --- Parallel requests --------------------------------------------------------------------


def _in_parallel(*requests):
    """Runs each request in its own thread, all at once, each on its own connection.

    On SQLite the test database is a file, as in production (tests/conftest.py): write
    transactions wait for each other (BEGIN IMMEDIATE, busy timeout).
    """
    start = threading.Barrier(len(requests))
    errors = []

    def run(request):
        try:
            start.wait(timeout=10)
            request()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_the_last_two_requirements_met_in_parallel_requests_write_one_completion(
    monkeypatch,
):
    learner = factories.UserFactory(username="parallel-pat")
    course = course_to_complete(lessons=1)
    services.enrol(user=learner, course=course)
    lesson = course.lessons.get()
    attempt = attempt_answered(learner, course.final_quiz)

    if connection.vendor == "postgresql":
        # Hold both requests until each has written its own requirement, uncommitted, so
        # that they reach the completion check together: the lock must serialise them.
        both_written = threading.Barrier(2)
        locked = services._enrolment_locked

        def meet_then_lock(**kwargs):
            both_written.wait(timeout=10)
            return locked(**kwargs)

        monkeypatch.setattr(services, "_enrolment_locked", meet_then_lock)

    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(learner)
        clients.append(client)
    lesson_url = reverse("training:lesson_complete", args=[course.slug, lesson.slug])
    submit_url = reverse("quizzes:submit", args=[attempt.pk])
    _in_parallel(
        lambda: clients[0].post(lesson_url),
        lambda: clients[1].post(submit_url),
    )

    assert Completion.objects.filter(user=learner, course=course).count() == 1
    completion = Completion.objects.get()
    assert completion.attempt_ids == [str(attempt.pk)]


def test_a_completed_course_shows_its_lessons_and_assessment_done_until_renewal_opens(
    learner_client, learner
):
    course = course_to_complete(lessons=2, recertification_months=12)
    services.enrol(user=learner, course=course)
    complete(learner, course)
    lesson = course.lessons.first()
    assert "Lesson complete." in learner_client.get(lesson.get_absolute_url()).text
    page = learner_client.get(course.get_absolute_url()).text
    assert "You have passed the final assessment." in page
    assert page.count(">Done</span>") == 2

    expires_at = Completion.objects.get().expires_at
    with time_machine.travel(expires_at - timedelta(days=10)):
        learner_client.force_login(learner)
        assert "Mark complete" in learner_client.get(lesson.get_absolute_url()).text
        page = learner_client.get(course.get_absolute_url()).text
        assert "Start the final assessment" in page
        assert "Renewal: mark each lesson complete" in page
