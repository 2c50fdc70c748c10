"""Statuses over a course's life, renewal included, with the clock moved (never slept)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from tests.training.builders import complete, course_to_complete, quiz_pass
from training import services
from training.models import CohortMembership, Completion, Enrolment
from training.progress import Status, progress_for, progress_table, status_for
from training.selectors import transcript

pytestmark = pytest.mark.django_db

DAY0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def status(user, course) -> str:
    return progress_for(user, [course])[course.pk].status


def test_statuses_across_assignment_completion_expiry_and_renewal(learner):
    course = course_to_complete(recertification_months=12)
    with time_machine.travel(DAY0, tick=False) as clock:
        cohort = services.cohort_save(name="Spine theatre")
        services.cohort_member_add(
            cohort=cohort, user=learner, role=CohortMembership.Role.CIRCULATOR
        )
        services.assignment_create(course=course, cohort=cohort, due_days=14)
        assert status(learner, course) == Status.NOT_STARTED

        clock.shift(timedelta(days=8))
        assert status(learner, course) == Status.DUE_SOON

        clock.shift(timedelta(days=7))
        assert status(learner, course) == Status.OVERDUE

        complete(learner, course)
        first = Completion.objects.get(user=learner, course=course)
        assert status(learner, course) == Status.COMPLETED
        assert first.expires_at == datetime(2027, 1, 20, 8, 0, tzinfo=UTC)
        assert first.due_at == Enrolment.objects.get(user=learner, course=course).due_at

        # 20 days before expiry: the renewal window is open; the learner is assigned again.
        clock.move_to(first.expires_at - timedelta(days=20))
        assert status(learner, course) == Status.EXPIRING_SOON
        assert services.renewals_assign() == 1
        enrolment = Enrolment.objects.get(user=learner, course=course)
        assert (enrolment.due_at, enrolment.renewal_of) == (first.expires_at, first)
        assert progress_for(learner, [course])[course.pk].percent == 0  # to do again

        clock.move_to(first.expires_at + timedelta(days=1))
        assert status(learner, course) == Status.EXPIRED
        assert services.renewals_assign() == 0

        complete(learner, course)
        assert status(learner, course) == Status.COMPLETED

    renewal = Completion.objects.exclude(pk=first.pk).get(user=learner, course=course)
    assert renewal.renews == first
    assert renewal.kind == "renewal"
    assert renewal.expires_at == datetime(2028, 1, 21, 8, 0, tzinfo=UTC)
    assert [row["completion"] for row in transcript(learner)] == [renewal, first]


def test_work_done_before_the_renewal_window_does_not_renew(learner):
    course = course_to_complete(recertification_months=12)
    with time_machine.travel(DAY0, tick=False) as clock:
        services.enrol(user=learner, course=course)
        complete(learner, course)
        first = Completion.objects.get()
        clock.shift(timedelta(days=200))
        complete(learner, course)  # keen, but too early to count
        assert Completion.objects.count() == 1

        clock.move_to(first.expires_at - timedelta(days=10))
        lesson = course.lessons.first()
        services.lesson_complete(user=learner, lesson=lesson)
        progress = progress_for(learner, [course])[course.pk]
        assert (progress.steps_done, progress.steps_total) == (1, 3)
        assert progress.status == Status.EXPIRING_SOON
        assert Completion.objects.count() == 1

        for other in course.lessons.exclude(pk=lesson.pk):
            services.lesson_complete(user=learner, lesson=other)
        quiz_pass(learner, course.final_quiz)
    assert Completion.objects.count() == 2


def test_a_completion_without_expiry_is_never_renewed(learner):
    course = course_to_complete(recertification_months=None)
    services.enrol(user=learner, course=course)
    complete(learner, course)
    with time_machine.travel(datetime(2040, 1, 1, tzinfo=UTC)):
        assert status(learner, course) == Status.COMPLETED
        complete(learner, course)
        assert services.renewals_assign() == 0
    assert Completion.objects.count() == 1


def test_renewals_are_assigned_only_to_active_learners(learner):
    course = course_to_complete(recertification_months=1)
    services.enrol(user=learner, course=course)
    complete(learner, course)
    learner.is_active = False
    learner.save()
    assert services.renewals_assign() == 0
    assert Enrolment.objects.get(user=learner, course=course).renewal_of is None


NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expires_in", "due_in", "started", "expected"),
    [
        (None, None, False, Status.NOT_STARTED),
        (None, None, True, Status.IN_PROGRESS),
        (None, 30, True, Status.IN_PROGRESS),
        (None, 6, False, Status.DUE_SOON),
        (None, -1, True, Status.OVERDUE),
        ("never", -1, True, Status.COMPLETED),
        (31, None, False, Status.COMPLETED),
        (29, None, False, Status.EXPIRING_SOON),
        (29, 29, True, Status.EXPIRING_SOON),
        (-1, -1, False, Status.EXPIRED),
    ],
)
def test_status_for_orders_what_matters(expires_in, due_in, started, expected):
    completion = None
    if expires_in == "never":
        completion = SimpleNamespace(expires_at=None)
    elif expires_in is not None:
        completion = SimpleNamespace(expires_at=NOW + timedelta(days=expires_in))
    due_at = NOW + timedelta(days=due_in) if due_in is not None else None
    assert status_for(completion=completion, due_at=due_at, started=started, now=NOW) == expected


@pytest.mark.parametrize("learners", [3, 30])
def test_statuses_for_many_learners_take_five_queries(
    learners, django_assert_num_queries, django_user_model
):
    courses = [course_to_complete(recertification_months=12) for _ in range(2)]
    users = []
    for n in range(learners):
        user = django_user_model.objects.create(username=f"many-{n}")
        services.enrol(user=user, course=courses[0])
        users.append(user)
    complete(users[0], courses[0])
    services.lesson_complete(user=users[1], lesson=courses[0].lessons.first())
    with django_assert_num_queries(5):
        table = progress_table(user_ids=[u.pk for u in users], courses=courses)
    assert len(table) == 2 * learners
    assert table[(users[0].pk, courses[0].pk)].status == Status.COMPLETED
    assert table[(users[1].pk, courses[0].pk)].status == Status.IN_PROGRESS
    assert table[(users[2].pk, courses[0].pk)].status == Status.NOT_STARTED
    assert not table[(users[2].pk, courses[1].pk)].enrolled
