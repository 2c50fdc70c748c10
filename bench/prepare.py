"""Readies a seeded database for the benchmarks and prints what they need, as JSON.

Run by bench/run.py with the database's environment, after ``migrate`` and ``seed_scale``:
adds (once) the load run's 10-question knowledge check on a course of its own and the 16
learners who take it, then names the pages to time.
"""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from quizzes.models import DrawRule, QuestionBank, Quiz  # noqa: E402
from quizzes.services import question_upsert  # noqa: E402
from training.models import Cohort, Course, Enrolment, Lesson  # noqa: E402
from training.services import enrol  # noqa: E402

LOAD_LEARNERS = 16
LOAD_QUIZ = "bench-load-check"


@transaction.atomic
def load_run_fixtures() -> None:
    bank, _ = QuestionBank.objects.get_or_create(
        slug="bench-load", defaults={"name": "Bench: sequential dilation"}
    )
    for index in range(1, 31):
        question_upsert(
            bank=bank,
            data={
                "key": f"bench-{index:02d}",
                "type": "single",
                "stem": f"Step {index}: which instrument is docked on the lamina after dilation?",
                "rationale": "The tubular retractor is docked over the last dilator.",
                "choices": [
                    {"text": "Tubular retractor", "correct": True},
                    {"text": "Kerrison rongeur", "correct": False},
                    {"text": "Scalpel", "correct": False},
                    {"text": "Suction", "correct": False},
                ],
            },
        )
    quiz, created = Quiz.objects.get_or_create(
        slug=LOAD_QUIZ, defaults={"title": "Bench: a 10-question knowledge check", "pass_mark": 70}
    )
    if created:
        DrawRule.objects.create(quiz=quiz, bank=bank, count=10)
    course, _ = Course.objects.get_or_create(
        slug="bench-load-course",
        defaults={"title": "Bench: tubular access", "track": Course.Track.ONBOARDING},
    )
    Lesson.objects.get_or_create(
        course=course,
        slug="dilation",
        defaults={
            "title": "Dilation",
            "body": "Dilators split muscle.",
            "quiz": quiz,
            "quiz_required": True,
            "position": 1,
        },
    )
    User = get_user_model()
    password = make_password(settings.DEMO_PASSWORD)
    for index in range(1, LOAD_LEARNERS + 1):
        user, _ = User.objects.get_or_create(
            username=f"bench-load-{index:02d}",
            defaults={"first_name": "Load", "last_name": f"Learner {index}", "password": password},
        )
        enrol(user=user, course=course)


def refresh_statistics() -> None:
    """Earlier load runs left thousands of attempts at the load quiz that the planner's
    statistics, taken at seeding, do not know of: a live database's autovacuum would have
    analysed them by now, so the bench does too, rather than time plans made for an empty
    quiz."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE quizzes_attempt")


def targets() -> dict:
    onboarding = Course.objects.get(slug="scale-or-onboarding")
    cohort = Cohort.objects.filter(name__startswith="Scale cohort").order_by("name").first()
    learner = (
        Enrolment.objects.filter(user__username__startswith="scale-learner-")
        .values("user__username")
        .annotate(courses=Count("pk"))
        .filter(courses=2)
        .order_by("user__username")
        .values_list("user__username", flat=True)
        .first()
    )
    return {
        "password": settings.DEMO_PASSWORD,
        "admin": "scale-admin",
        "educator": "scale-educator",
        "learner": learner,
        "onboarding": onboarding.pk,
        "cohort": cohort.pk,
        "item_quiz": "scale-0-check-1",
        "final_quiz": "scale-0-final",
        "final_quiz_id": Quiz.objects.get(slug="scale-0-final").pk,
        "learner_id": get_user_model().objects.get(username=learner).pk,
        "load_quiz": LOAD_QUIZ,
        "load_learners": [f"bench-load-{i:02d}" for i in range(1, LOAD_LEARNERS + 1)],
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["--seeded"]:
        seeded = get_user_model().objects.filter(username="scale-admin").exists()
        print("yes" if seeded else "no")
    else:
        load_run_fixtures()
        refresh_statistics()
        print(json.dumps(targets()))
