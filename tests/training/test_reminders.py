"""send_reminders: each reminder once, whatever the number of runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.training.builders import complete, course_to_complete
from training import reminders, services
from training.models import CohortMembership, Completion, Enrolment, ReminderLog

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
ROLE = CohortMembership.Role.SURGICAL_TECH
# Friday 20 March: Lee (due 16 March) is overdue, Olu (due 26 March) is due within 7 days.
LATER = MONDAY + timedelta(days=18)


@pytest.fixture
def cohort(educator, learner, other_learner):
    """A cohort with an educator: Lee joins on day 0 (due day 14), Olu on day 10 (due day 24)."""
    course = course_to_complete(title="MISS for OR staff: onboarding")
    with time_machine.travel(MONDAY, tick=False) as clock:
        cohort = services.cohort_save(name="Spine theatre", educators=[educator])
        services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
        services.assignment_create(course=course, cohort=cohort, due_days=14)
        clock.shift(timedelta(days=10))
        services.cohort_member_add(cohort=cohort, user=other_learner, role=ROLE)
    cohort.course = course
    return cohort


def sent(mailoutbox, to) -> list[str]:
    return [m.subject for m in mailoutbox if m.to == [to.email]]


def test_send_reminders_twice_sends_each_reminder_once(
    cohort, learner, other_learner, educator, mailoutbox
):
    with time_machine.travel(LATER, tick=False):  # Lee 2 days late
        call_command("send_reminders", stdout=None)
        call_command("send_reminders", stdout=None)
    assert sent(mailoutbox, learner) == ["Overdue: MISS for OR staff: onboarding"]
    assert sent(mailoutbox, other_learner) == ["Due 26 Mar: MISS for OR staff: onboarding"]
    assert sent(mailoutbox, educator) == ["Weekly digest: Spine theatre (week 12, 2026)"]
    assert len(mailoutbox) == 3
    assert ReminderLog.objects.count() == 3


def test_a_reminder_links_to_the_course_on_the_site(cohort, learner, mailoutbox, settings):
    settings.SITE_URL = "https://academy.hospital.example"
    with time_machine.travel(LATER, tick=False):
        reminders.send_reminders()
    message = next(m for m in mailoutbox if m.to == [learner.email])
    assert f"https://academy.hospital.example/courses/{cohort.course.slug}/" in message.body
    assert "was due on Monday 16 March 2026" in message.body


def test_the_digest_lists_who_needs_attention(cohort, educator, mailoutbox):
    with time_machine.travel(LATER, tick=False):
        reminders.send_reminders()
    digest = next(m for m in mailoutbox if m.to == [educator.email])
    assert "MISS for OR staff: onboarding: 2 learners" in digest.body
    assert "Lee Learner: Overdue (due 16 Mar 2026)" in digest.body
    assert "Olu Other: Due soon (due 26 Mar 2026)" in digest.body
    assert f"/cohorts/{cohort.pk}/" in digest.body


def test_the_digest_goes_once_per_iso_week(cohort, educator, mailoutbox):
    with time_machine.travel(MONDAY + timedelta(days=14), tick=False) as clock:  # a Monday
        reminders.send_reminders()
        clock.shift(timedelta(days=6, hours=12))  # Sunday evening, same ISO week
        reminders.send_reminders()
        assert len(sent(mailoutbox, educator)) == 1
        clock.shift(timedelta(hours=12))  # Monday: a new week
        reminders.send_reminders()
    assert len(sent(mailoutbox, educator)) == 2


def test_overdue_is_sent_once_even_as_days_pass(cohort, learner, mailoutbox):
    with time_machine.travel(MONDAY + timedelta(days=15), tick=False) as clock:
        for _ in range(5):
            reminders.send_reminders()
            clock.shift(timedelta(days=1))
    assert sent(mailoutbox, learner) == ["Overdue: MISS for OR staff: onboarding"]


def test_a_learner_due_in_a_week_is_reminded_then_again_when_overdue(cohort, learner, mailoutbox):
    with time_machine.travel(MONDAY + timedelta(days=8), tick=False) as clock:
        reminders.send_reminders()
        clock.shift(timedelta(days=8))
        reminders.send_reminders()
    assert sent(mailoutbox, learner) == [
        "Due 16 Mar: MISS for OR staff: onboarding",
        "Overdue: MISS for OR staff: onboarding",
    ]


def test_completed_and_deactivated_learners_get_no_reminders(
    cohort, learner, other_learner, mailoutbox
):
    complete(learner, cohort.course)
    other_learner.is_active = False
    other_learner.save()
    with time_machine.travel(MONDAY + timedelta(days=30), tick=False):
        reminders.send_reminders()
    assert sent(mailoutbox, learner) == []
    assert sent(mailoutbox, other_learner) == []


def test_an_expiring_completion_is_renewed_and_reminded_once(learner, mailoutbox):
    course = course_to_complete(title="Radiation safety", recertification_months=12)
    with time_machine.travel(MONDAY, tick=False) as clock:
        services.enrol(user=learner, course=course)
        complete(learner, course)
        completion = Completion.objects.get()
        clock.move_to(completion.expires_at - timedelta(days=29))
        report = reminders.send_reminders()
        reminders.send_reminders()
    assert report.renewals == 1
    enrolment = Enrolment.objects.get(user=learner, course=course)
    assert (enrolment.renewal_of, enrolment.due_at) == (completion, completion.expires_at)
    assert sent(mailoutbox, learner) == ["Renew by 2 Mar: Radiation safety"]
    assert "expires on Tuesday 2 March 2027" in mailoutbox[0].body


def test_a_learner_without_an_email_address_is_skipped_and_tried_later(cohort, learner, mailoutbox):
    learner.email = ""
    learner.save()
    with time_machine.travel(LATER, tick=False):
        report = reminders.send_reminders()
    assert report.without_email == 1
    assert not ReminderLog.objects.filter(user=learner).exists()


def test_a_failed_email_is_not_logged_and_goes_out_on_the_next_run(
    cohort, learner, mailoutbox, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", refuse)
    with time_machine.travel(LATER, tick=False):
        with pytest.raises(CommandError, match="could not be sent"):
            call_command("send_reminders")
        assert not ReminderLog.objects.exists()
        monkeypatch.undo()
        reminders.send_reminders()
    assert sent(mailoutbox, learner) == ["Overdue: MISS for OR staff: onboarding"]


def test_the_command_says_what_it_sent(cohort, capsys):
    with time_machine.travel(LATER, tick=False):
        call_command("send_reminders")
    out = capsys.readouterr().out
    assert "Renewals assigned: 0." in out
    assert "due_soon 1, overdue 1, expiring 0, digest 1" in out


FIXED = 14


def test_reminders_take_a_bounded_number_of_queries_per_email(
    educator, django_user_model, django_assert_max_num_queries, mailoutbox
):
    course = course_to_complete()
    cohort = services.cohort_save(name="Big", educators=[educator])
    for n in range(20):
        user = django_user_model.objects.create(
            username=f"bulk-{n}", email=f"bulk-{n}@hospital.example"
        )
        services.cohort_member_add(cohort=cohort, user=user, role=ROLE)
    services.assignment_create(course=course, cohort=cohort, due_days=3)
    # Fixed reads, then per e-mail: savepoint, insert, release (log) and nothing else.
    with django_assert_max_num_queries(FIXED + 3 * 21):
        reminders.send_reminders()
    assert len(mailoutbox) == 21
