"""The learner's journey through the Django test client: lesson, check, result, progress."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from quizzes.models import Attempt

pytestmark = pytest.mark.django_db


def answer_all_correctly(client, attempt: Attempt) -> dict:
    data = {}
    for aq in attempt.questions.all():
        key = next(item["key"] for item in aq.snapshot["items"] if item["correct"])
        data[f"q{aq.position}"] = key
        data[f"seq{aq.position}"] = aq.sequence
    return data


def test_learner_reads_a_lesson_takes_the_check_and_sees_progress(
    client, learner, course_with_quiz
):
    course = course_with_quiz
    lesson = course.lessons.get(position=2)

    response = client.post(
        reverse("login"), {"username": learner.username, "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302

    dashboard = client.get("/")
    assert course.title in dashboard.text
    assert 'aria-valuenow="0"' in dashboard.text

    page = client.get(lesson.get_absolute_url())
    assert page.status_code == 200
    assert "<strong>split</strong>" in page.text  # Markdown rendered
    assert "Mark complete" in page.text

    client.post(reverse("training:lesson_complete", args=[course.slug, lesson.slug]))
    page = client.get(lesson.get_absolute_url())
    assert "Lesson complete." in page.text

    response = client.post(
        reverse("quizzes:start", args=[lesson.quiz.slug]), {"next": lesson.get_absolute_url()}
    )
    attempt = Attempt.objects.get(user=learner, quiz=lesson.quiz)
    assert response.url == reverse("quizzes:attempt", args=[attempt.pk])
    assert client.get(response.url).status_code == 200

    data = answer_all_correctly(client, attempt)
    data["submit"] = "1"
    response = client.post(reverse("quizzes:attempt", args=[attempt.pk]), data)
    assert response.url == reverse("quizzes:result", args=[attempt.pk])

    result = client.get(response.url)
    assert "Passed: 100%" in result.text
    assert "Rationale" in result.text
    assert "The tubular retractor is docked on the lamina" in result.text
    assert "correct answer" in result.text

    dashboard = client.get("/")
    # Two lessons, one knowledge check (not required) and the final: 1 of 3 required steps done.
    now = int(re.search(r'aria-valuenow="(\d+)"', dashboard.text).group(1))
    assert now == 33


def test_a_wrong_answer_shows_the_learners_answer_and_the_key(client, learner, course_with_quiz):
    client.force_login(learner)
    quiz = course_with_quiz.lessons.get(position=2).quiz
    client.post(reverse("quizzes:start", args=[quiz.slug]))
    attempt = Attempt.objects.get(user=learner, quiz=quiz)
    data = {}
    for aq in attempt.questions.all():
        wrong = next(item["key"] for item in aq.snapshot["items"] if not item["correct"])
        data[f"q{aq.position}"] = wrong
        data[f"seq{aq.position}"] = 0
    data["submit"] = "1"
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), data)
    result = client.get(reverse("quizzes:result", args=[attempt.pk]))
    assert "Not passed: 0%" in result.text
    assert result.text.count("Your answer:") == 5
    assert "Practise the questions I missed" in result.text


def test_anonymous_visitors_are_sent_to_log_in(client, course_with_quiz):
    for url in ["/", course_with_quiz.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_a_course_the_learner_is_not_enrolled_on_is_not_found(
    client, other_learner, course_with_quiz
):
    client.force_login(other_learner)
    assert client.get(course_with_quiz.get_absolute_url()).status_code == 404
    lesson = course_with_quiz.lessons.first()
    assert client.get(lesson.get_absolute_url()).status_code == 404


def test_marking_a_lesson_complete_rejects_get(learner_client, course_with_quiz):
    lesson = course_with_quiz.lessons.first()
    url = reverse("training:lesson_complete", args=[course_with_quiz.slug, lesson.slug])
    assert learner_client.get(url).status_code == 405
