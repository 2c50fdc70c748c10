"""The issue's "done means", end to end through the pages: cohort, assignment, completion,
certificate, verification, and the overdue learners reminded once."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from quizzes.models import Attempt
from tests import factories
from tests.training.builders import course_to_complete
from training.models import Cohort

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 7, 8, 30, tzinfo=UTC)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def complete_through_the_pages(client: Client, course) -> None:
    for lesson in course.lessons.order_by("position"):
        assert client.get(lesson.get_absolute_url()).status_code == 200
        client.post(reverse("training:lesson_complete", args=[course.slug, lesson.slug]))
    client.post(reverse("quizzes:start", args=[course.final_quiz.slug]))
    attempt = Attempt.objects.get(user=client.session["_auth_user_id"], quiz=course.final_quiz)
    data = {"submit": "1"}
    for aq in attempt.questions.all():
        data[f"q{aq.position}"] = next(i["key"] for i in aq.snapshot["items"] if i["correct"])
        data[f"seq{aq.position}"] = aq.sequence
    response = client.post(reverse("quizzes:attempt", args=[attempt.pk]), data)
    assert response.url == reverse("quizzes:result", args=[attempt.pk])


def test_an_educator_assigns_onboarding_to_a_cohort_and_sees_who_is_overdue(mailoutbox):
    course = course_to_complete(title="MISS for OR staff: onboarding", lessons=3)
    educator = factories.educator(username="educator-eden", first_name="Eden")
    ana, ben, cai = (
        factories.UserFactory(username=name, first_name=name.title(), last_name="Nurse")
        for name in ("ana", "ben", "cai")
    )
    staff = logged_in(educator)

    with time_machine.travel(START, tick=False) as clock:
        # The educator creates the cohort, adds three learners from a file, assigns the course.
        staff.post(
            reverse("training:cohort_create"),
            {"name": "OR onboarding, September", "educators": [educator.pk]},
        )
        cohort = Cohort.objects.get()
        members = SimpleUploadedFile(
            "class.csv", b"username,role\nana,scrub nurse\nben,circulator\ncai@hospital.example\n"
        )
        response = staff.post(
            reverse("training:cohort_members_upload", args=[cohort.pk]),
            {"file": members, "default_role": "surgical_tech"},
        )
        assert response.status_code == 302
        due_on = (START + timedelta(days=14)).date()
        staff.post(
            reverse("training:cohort_assign", args=[cohort.pk]),
            {"course": course.pk, "due_kind": "fixed", "due_on": due_on.isoformat()},
        )
        for learner in (ana, ben, cai):
            dashboard = logged_in(learner).get("/").text
            assert "MISS for OR staff: onboarding" in dashboard
            assert "Due 21 Sep 2026" in dashboard

        # Ana completes it and downloads her certificate.
        clock.shift(timedelta(days=3))
        ana_client = logged_in(ana)
        complete_through_the_pages(ana_client, course)
        dashboard = ana_client.get("/").text
        assert "Completed" in dashboard
        certificate_url = re.search(r'href="(/completions/\d+/certificate\.pdf)"', dashboard)[1]
        pdf = ana_client.get(certificate_url)
        reader = PdfReader(io.BytesIO(pdf.content))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert "Ana Nurse" in text
        assert "MISS for OR staff: onboarding" in text
        code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text)[0]

        # The verification URL printed on it confirms it, to anyone.
        verify_url = re.search(r"http://\S+/verify/" + code + "/", text)[0]
        page = Client().get(verify_url.removeprefix("http://127.0.0.1:8000")).text
        assert "Valid" in page
        assert "Ana Nurse" in page
        assert "10 September 2026" in page

        # Past the due date, Ben and Cai are overdue on the cohort page...
        clock.move_to(datetime(2026, 9, 22, 9, 0, tzinfo=UTC))
        staff = logged_in(educator)  # sessions end after 30 idle minutes
        page = staff.get(cohort.get_absolute_url()).text
        rows = {
            name: re.search(name + r" Nurse</a>.*?</tr>", page, re.S)[0]
            for name in ("Ana", "Ben", "Cai")
        }
        assert "Completed" in rows["Ana"]
        assert "Overdue" in rows["Ben"]
        assert "Overdue" in rows["Cai"]
        assert "1 of 3 completed" in page

        # ... and their reminders go out once, however often the job runs.
        call_command("send_reminders")
        call_command("send_reminders")
        clock.shift(timedelta(hours=6))
        call_command("send_reminders")

    overdue = [m for m in mailoutbox if m.subject.startswith("Overdue")]
    assert sorted(m.to[0] for m in overdue) == ["ben@hospital.example", "cai@hospital.example"]
    assert all(f"/courses/{course.slug}/" in m.body for m in overdue)
    assert not [m for m in mailoutbox if m.to == [ana.email]]
    digests = [m for m in mailoutbox if m.to == [educator.email]]
    assert len(digests) == 1
    assert "Ben Nurse: Overdue" in digests[0].body
