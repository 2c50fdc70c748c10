"""Assignments give each learner a due date: fixed, or relative to when they joined."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests import factories
from tests.training.builders import course_to_complete
from training import services
from training.models import Assignment, Cohort, CohortMembership, Enrolment, end_of_day

pytestmark = pytest.mark.django_db

DAY0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROLE = CohortMembership.Role.SCRUB_NURSE


def due(user, course):
    return Enrolment.objects.get(user=user, course=course).due_at


def test_a_learner_who_joins_late_gets_the_relative_due_date_from_their_joining_day(
    learner, other_learner, educator
):
    course = course_to_complete()
    with time_machine.travel(DAY0, tick=False) as clock:
        cohort = services.cohort_save(name="Neuro-spine 4 West")
        services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
        services.assignment_create(course=course, cohort=cohort, due_days=14, assigned_by=educator)
        clock.shift(timedelta(days=10))
        services.cohort_member_add(cohort=cohort, user=other_learner, role=ROLE)

    assert due(learner, course) == end_of_day(date(2026, 3, 16))
    assert due(other_learner, course) == end_of_day(date(2026, 3, 26))
    enrolment = Enrolment.objects.get(user=other_learner, course=course)
    assert enrolment.assignment.cohort == cohort


def test_a_member_already_in_the_cohort_counts_from_the_day_of_the_assignment(learner):
    course = course_to_complete()
    with time_machine.travel(DAY0, tick=False) as clock:
        cohort = services.cohort_save(name="January starters")
        services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
        clock.shift(timedelta(days=5))
        services.assignment_create(course=course, cohort=cohort, due_days=14)
    assert due(learner, course) == end_of_day(date(2026, 3, 21))


def test_a_fixed_due_date_is_the_same_for_everyone_and_lasts_the_whole_day(learner, other_learner):
    course = course_to_complete()
    cohort = services.cohort_save(name="Ward 7")
    services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
    services.assignment_create(course=course, cohort=cohort, due_on=date(2026, 6, 14))
    services.cohort_member_add(cohort=cohort, user=other_learner, role=ROLE)
    assert due(learner, course) == due(other_learner, course)
    local = timezone.localtime(due(learner, course))
    assert (local.date(), local.hour, local.minute) == (date(2026, 6, 14), 23, 59)


def test_a_course_assigned_to_one_learner_enrols_only_them(learner, other_learner):
    course = course_to_complete()
    with time_machine.travel(DAY0, tick=False):
        services.assignment_create(course=course, user=learner, due_days=30)
    assert due(learner, course) == end_of_day(date(2026, 4, 1))
    assert not Enrolment.objects.filter(user=other_learner).exists()


def test_the_earliest_due_date_wins_when_two_assignments_reach_a_learner(learner):
    course = course_to_complete()
    unit = services.cohort_save(name="Theatre 3")
    services.cohort_member_add(cohort=unit, user=learner, role=ROLE)
    services.assignment_create(course=course, cohort=unit, due_on=date(2026, 9, 30))
    individual = services.assignment_create(course=course, user=learner, due_on=date(2026, 7, 1))
    enrolment = Enrolment.objects.get(user=learner, course=course)
    assert (enrolment.due_at, enrolment.assignment) == (end_of_day(date(2026, 7, 1)), individual)

    services.assignment_remove(assignment=individual)
    assert due(learner, course) == end_of_day(date(2026, 9, 30))


def test_removing_a_member_keeps_their_enrolment_but_not_the_cohorts_due_date(learner):
    course = course_to_complete()
    cohort = services.cohort_save(name="Recovery")
    membership = services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
    services.assignment_create(course=course, cohort=cohort, due_days=14)
    services.cohort_member_remove(membership=membership)
    enrolment = Enrolment.objects.get(user=learner, course=course)
    assert (enrolment.due_at, enrolment.assignment) == (None, None)


def test_a_course_is_assigned_to_a_cohort_only_once(learner):
    course = course_to_complete()
    cohort = services.cohort_save(name="Once")
    services.assignment_create(course=course, cohort=cohort, due_days=14)
    with pytest.raises(services.TrainingRefused, match="already assigned"):
        services.assignment_create(course=course, cohort=cohort, due_days=7)


@pytest.mark.parametrize(
    ("target", "due_rule", "message"),
    [
        ("neither", {"due_days": 3}, "cohort or to one learner"),
        ("both", {"due_days": 3}, "cohort or to one learner"),
        ("cohort", {}, "due date or a number of days"),
        ("cohort", {"due_days": 3, "due_on": date(2026, 1, 1)}, "due date or a number of days"),
    ],
)
def test_an_assignment_needs_one_target_and_one_due_rule(learner, target, due_rule, message):
    course = course_to_complete()
    cohort = services.cohort_save(name="Rules")
    who = {
        "neither": {},
        "both": {"cohort": cohort, "user": learner},
        "cohort": {"cohort": cohort},
    }[target]
    with pytest.raises(services.TrainingRefused, match=message):
        services.assignment_create(course=course, **who, **due_rule)
    assert not Assignment.objects.exists()


def test_the_database_refuses_an_assignment_with_two_due_rules(learner):
    course = course_to_complete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(course=course, user=learner, due_days=3, due_on=date.today())


def test_the_dashboard_lists_overdue_and_due_soon_courses_first(learner_client, learner):
    relaxed, soon, late = (course_to_complete(title=t) for t in ("Relaxed", "Soon", "Late"))
    now = timezone.now()
    factories.EnrolmentFactory(user=learner, course=relaxed, due_at=now + timedelta(days=60))
    factories.EnrolmentFactory(user=learner, course=soon, due_at=now + timedelta(days=3))
    factories.EnrolmentFactory(user=learner, course=late, due_at=now - timedelta(days=2))
    page = learner_client.get("/").text
    assert page.index("Late") < page.index("Soon") < page.index("Relaxed")
    assert "Overdue" in page
    assert "Due soon" in page


def test_cohort_members_cannot_be_added_twice(learner):
    cohort = Cohort.objects.create(name="Twice")
    services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
    with pytest.raises(services.TrainingRefused, match="already a member"):
        services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
