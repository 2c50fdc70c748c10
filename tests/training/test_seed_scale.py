"""``manage.py seed_scale``, scaled down: the data set bench/ measures, and the pages on it."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from quizzes.item_analysis import item_analysis
from quizzes.models import Attempt, AttemptQuestion, Question, Quiz
from training.models import Cohort, CohortMembership, Completion, Course, Enrolment
from training.progress import progress_table
from training.reports import ReportFilters, report_iter

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command(
        "seed_scale",
        learners=40,
        cohorts=4,
        questions=140,
        attempts=600,
        stdout=io.StringIO(),
    )
    cache.clear()


def test_it_builds_what_it_was_asked_for(seeded):
    assert (
        CohortMembership.objects.filter(user__username__startswith="scale-learner-").count() == 40
    )
    assert Cohort.objects.filter(name__startswith="Scale cohort").count() == 4
    assert Course.objects.filter(slug__startswith="scale-").count() == 2
    assert Question.objects.filter(bank__slug__startswith="scale-").count() == 140
    assert Attempt.objects.count() == 600
    assert not Attempt.objects.filter(state=Attempt.State.IN_PROGRESS).exists()
    assert AttemptQuestion.objects.filter(response__isnull=False).count() > 5000
    assert Enrolment.objects.count() > 40
    assert Completion.objects.exists()


def test_its_scores_agree_with_its_answers(seeded):
    for attempt in Attempt.objects.prefetch_related("questions")[:20]:
        questions = list(attempt.questions.all())
        assert attempt.score == sum(aq.score for aq in questions)
        assert attempt.max_score == sum(int(aq.snapshot["points"]) for aq in questions)


def test_its_statuses_are_the_apps_statuses(seeded):
    rows = list(report_iter(ReportFilters()))
    table = progress_table(
        user_ids={row.user_id for row in rows}, courses=list(Course.objects.all())
    )

    assert {(r.status, r.percent) for r in rows} == {
        (table[(r.user_id, r.course_id)].status, table[(r.user_id, r.course_id)].percent)
        for r in rows
    }
    assert all(table[(r.user_id, r.course_id)].status == r.status for r in rows)


def test_item_analysis_finds_the_flawed_items_it_planted(seeded):
    quiz = Quiz.objects.get(slug="scale-0-check-1")

    analysis = item_analysis(quiz=quiz, which="all")

    assert analysis.attempts > 0
    assert analysis.flagged


def test_it_refuses_to_seed_twice(seeded):
    with pytest.raises(CommandError, match="already in this database"):
        call_command("seed_scale", learners=5, attempts=10, stdout=io.StringIO())
