"""Educators manage cohorts in the app: list, create, edit, members, CSV upload, assignments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.training.builders import course_to_complete
from training import services
from training.models import Assignment, Cohort, CohortMembership, Enrolment, end_of_day

pytestmark = pytest.mark.django_db

ROLE = CohortMembership.Role.SCRUB_NURSE


@pytest.fixture
def educator_client(client, educator):
    client.force_login(educator)
    return client


@pytest.fixture
def cohort(educator):
    return services.cohort_save(name="Neuro-spine 4 West", educators=[educator])


def upload(client, cohort, text: str | bytes, default_role=ROLE):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("training:cohort_members_upload", args=[cohort.pk]),
        {"file": SimpleUploadedFile("members.csv", data, "text/csv"), "default_role": default_role},
    )


def test_an_educator_creates_a_cohort_and_leads_it_by_default(educator_client, educator):
    form = educator_client.get(reverse("training:cohort_create"))
    assert form.status_code == 200
    assert 'name="educators"' in form.text
    response = educator_client.post(
        reverse("training:cohort_create"),
        {"name": "January OR starters", "description": "New hires", "educators": [educator.pk]},
    )
    cohort = Cohort.objects.get()
    assert response.url == cohort.get_absolute_url()
    assert list(cohort.educators.all()) == [educator]
    listing = educator_client.get(reverse("training:cohorts")).text
    assert "January OR starters" in listing


def test_a_cohort_name_is_unique(educator_client, cohort):
    response = educator_client.post(reverse("training:cohort_create"), {"name": cohort.name})
    assert response.status_code == 200
    assert "already exists" in response.text
    assert Cohort.objects.count() == 1


def test_an_educator_edits_a_cohort(educator_client, cohort):
    response = educator_client.post(
        reverse("training:cohort_edit", args=[cohort.pk]),
        {"name": "Neuro-spine 4 East", "description": "Moved", "educators": []},
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.name, cohort.description) == ("Neuro-spine 4 East", "Moved")
    assert not cohort.educators.exists()


def test_an_educator_adds_a_member_by_email_who_gets_the_cohorts_course(
    educator_client, cohort, learner
):
    course = course_to_complete()
    services.assignment_create(course=course, cohort=cohort, due_days=14)
    response = educator_client.post(
        reverse("training:cohort_member_add", args=[cohort.pk]),
        {"learner": "LEARNER-LEE@hospital.example", "role": "circulator"},
    )
    assert response.status_code == 302
    membership = CohortMembership.objects.get(cohort=cohort)
    assert (membership.user, membership.role) == (learner, "circulator")
    assert Enrolment.objects.get(user=learner, course=course).due_at is not None
    page = educator_client.get(cohort.get_absolute_url()).text
    assert "Lee Learner" in page
    assert "Circulator" in page


def test_adding_an_unknown_learner_says_so_and_adds_nobody(educator_client, cohort):
    response = educator_client.post(
        reverse("training:cohort_member_add", args=[cohort.pk]),
        {"learner": "nobody-here", "role": ROLE},
    )
    assert response.status_code == 400
    assert "No account has the username or e-mail “nobody-here”." in response.text
    assert not CohortMembership.objects.exists()


def test_adding_a_member_twice_is_refused_politely(educator_client, cohort, learner):
    services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
    response = educator_client.post(
        reverse("training:cohort_member_add", args=[cohort.pk]),
        {"learner": "learner-lee", "role": ROLE},
    )
    assert response.status_code == 400
    assert "Lee Learner is already a member." in response.text


def test_an_educator_removes_a_member(educator_client, cohort, learner):
    membership = services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
    url = reverse("training:cohort_member_remove", args=[cohort.pk, membership.pk])
    assert educator_client.get(url).status_code == 405
    assert educator_client.post(url).status_code == 302
    assert not CohortMembership.objects.exists()


def test_a_membership_of_another_cohort_cannot_be_removed_through_this_one(
    educator_client, cohort, learner
):
    other = services.cohort_save(name="Other unit")
    membership = services.cohort_member_add(cohort=other, user=learner, role=ROLE)
    url = reverse("training:cohort_member_remove", args=[cohort.pk, membership.pk])
    assert educator_client.post(url).status_code == 404
    assert CohortMembership.objects.filter(pk=membership.pk).exists()


def test_an_educator_assigns_a_course_with_a_fixed_due_date(educator_client, cohort, learner):
    services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
    course = course_to_complete(title="MISS for OR staff: onboarding")
    due_on = timezone.localdate() + timedelta(days=30)
    response = educator_client.post(
        reverse("training:cohort_assign", args=[cohort.pk]),
        {"course": course.pk, "due_kind": "fixed", "due_on": due_on.isoformat()},
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.due_on, assignment.due_days) == (due_on, None)
    page = educator_client.get(cohort.get_absolute_url()).text
    assert "MISS for OR staff: onboarding" in page
    assert "0 of 1 completed" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"due_kind": "fixed"}, "Give the due date."),
        ({"due_kind": "fixed", "due_on": "2001-01-01"}, "The due date is in the past."),
        ({"due_kind": "relative"}, "Give the number of days."),
        ({"due_kind": "relative", "due_days": "0"}, "greater than or equal to 1"),
    ],
)
def test_an_assignment_form_with_a_bad_due_date_says_what_is_wrong(
    educator_client, cohort, data, error
):
    course = course_to_complete()
    response = educator_client.post(
        reverse("training:cohort_assign", args=[cohort.pk]), {"course": course.pk, **data}
    )
    assert response.status_code == 400
    assert error in response.text
    assert not Assignment.objects.exists()


def test_an_educator_assigns_a_course_to_one_learner(educator_client, learner):
    course = course_to_complete()
    response = educator_client.post(
        reverse("training:learner_assign"),
        {"learner": "learner-lee", "course": course.pk, "due_kind": "relative", "due_days": 10},
    )
    assert response.url == reverse("training:learner_transcript", args=[learner.pk])
    assignment = Assignment.objects.get()
    assert assignment.user == learner
    page = educator_client.get(reverse("training:learner_assign")).text
    assert "Lee Learner" in page
    withdraw = reverse("training:assignment_remove", args=[assignment.pk])
    assert educator_client.post(withdraw).url == reverse("training:learner_assign")
    assert not Assignment.objects.exists()
    assert Enrolment.objects.get(user=learner).due_at is None


# --- CSV upload ----------------------------------------------------------------------------


def test_a_csv_upload_adds_every_learner_with_their_role(
    educator_client, cohort, learner, other_learner
):
    already = factories.UserFactory(username="already-here")
    services.cohort_member_add(cohort=cohort, user=already, role=ROLE)
    text = (
        "username,role\n"
        "learner-lee,Radiology tech\n"
        "learner-olu@hospital.example\n"
        "already-here,ward nurse\n"
        "learner-lee\n"
    )
    response = upload(educator_client, cohort, text, default_role="ward_nurse")
    assert response.status_code == 302
    roles = dict(CohortMembership.objects.values_list("user__username", "role"))
    assert roles == {
        "learner-lee": "radiology_tech",
        "learner-olu": "ward_nurse",
        "already-here": ROLE,
    }
    page = educator_client.get(cohort.get_absolute_url()).text
    assert "2 added; 1 already members; 1 listed twice." in page


def test_a_csv_upload_with_unknown_names_adds_nobody_and_names_each_line(
    educator_client, cohort, learner
):
    inactive = factories.UserFactory(username="left-in-2024", is_active=False)
    text = "learner-lee\nno-such-nurse\n\nghost@hospital.example,scrub nurse\n" + inactive.username
    response = upload(educator_client, cohort, text)
    assert response.status_code == 400
    page = response.text
    assert "Nothing was added" in page
    assert "line 2: no account has the username or e-mail “no-such-nurse”" in page
    assert "line 4: no account has the username or e-mail “ghost@hospital.example”" in page
    assert "line 5: the account “left-in-2024” is deactivated" in page
    assert not CohortMembership.objects.exists()


def test_a_csv_upload_with_a_bad_role_or_extra_columns_names_the_line(
    educator_client, cohort, learner, other_learner
):
    text = "learner-lee,anaesthetist\nlearner-olu,scrub nurse,extra\n"
    page = upload(educator_client, cohort, text).text
    assert "line 1: unknown role “anaesthetist”" in page
    assert "line 2: expected a username or e-mail and an optional role, found 3 columns" in page
    assert not CohortMembership.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("learner-lee\n".encode("utf-16"), "the file is not UTF-8 text"),
        (b"", "the file has no usernames or e-mails"),
        (b"username\n", "the file has no usernames or e-mails"),
    ],
)
def test_an_unreadable_or_empty_csv_is_refused(educator_client, cohort, content, message):
    response = upload(educator_client, cohort, content)
    assert response.status_code == 400
    assert not CohortMembership.objects.exists()
    if content:
        assert message in response.text


def test_a_csv_file_with_a_byte_order_mark_and_windows_line_ends_is_read(
    educator_client, cohort, learner, other_learner
):
    data = "\ufeffUsername\r\nlearner-lee\r\nlearner-olu\r\n".encode()
    assert upload(educator_client, cohort, data).status_code == 302
    assert CohortMembership.objects.count() == 2


# --- Who may do what -------------------------------------------------------------------------


def cohort_urls(cohort, membership, assignment):
    return {
        "get": [
            reverse("training:cohorts"),
            reverse("training:cohort_create"),
            reverse("training:cohort", args=[cohort.pk]),
            reverse("training:cohort_edit", args=[cohort.pk]),
            reverse("training:learner_assign"),
        ],
        "post": [
            reverse("training:cohort_member_add", args=[cohort.pk]),
            reverse("training:cohort_members_upload", args=[cohort.pk]),
            reverse("training:cohort_member_remove", args=[cohort.pk, membership.pk]),
            reverse("training:cohort_assign", args=[cohort.pk]),
            reverse("training:assignment_remove", args=[assignment.pk]),
        ],
    }


def test_learners_get_403_from_every_cohort_page_and_action(client, cohort, learner):
    membership = services.cohort_member_add(cohort=cohort, user=learner, role=ROLE)
    assignment = services.assignment_create(
        course=course_to_complete(), cohort=cohort, due_on=date(2030, 1, 1)
    )
    client.force_login(learner)
    urls = cohort_urls(cohort, membership, assignment)
    for url in urls["get"]:
        assert client.get(url).status_code == 403, url
    for url in urls["post"]:
        assert client.post(url, {"learner": "learner-lee", "role": ROLE}).status_code == 403, url
    assert CohortMembership.objects.count() == 1
    assert Assignment.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in_from_cohort_pages(client, cohort):
    response = client.get(reverse("training:cohort", args=[cohort.pk]))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_navigation_shows_cohorts_to_educators_and_transcript_to_everyone(
    client, educator, learner
):
    client.force_login(learner)
    page = client.get("/").text
    assert reverse("training:transcript") in page
    assert reverse("training:cohorts") not in page
    client.force_login(educator)
    page = client.get("/").text
    assert reverse("training:cohorts") in page
    assert reverse("training:transcript") in page


def test_the_admin_adds_a_member_who_gets_the_cohorts_due_date(client, cohort, learner):
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    course = course_to_complete()
    client.force_login(superuser)
    with time_machine.travel(datetime(2026, 3, 25, 9, tzinfo=UTC), tick=False):
        services.assignment_create(course=course, cohort=cohort, due_days=7)
        response = client.post(
            reverse("admin:training_cohort_change", args=[cohort.pk]),
            {
                "name": cohort.name,
                "description": "",
                "memberships-TOTAL_FORMS": "1",
                "memberships-INITIAL_FORMS": "0",
                "memberships-MIN_NUM_FORMS": "0",
                "memberships-MAX_NUM_FORMS": "1000",
                "memberships-0-user": learner.pk,
                "memberships-0-role": ROLE,
                "memberships-0-joined_at_0": "2026-04-01",
                "memberships-0-joined_at_1": "09:00:00",
            },
        )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(user=learner, course=course)
    assert enrolment.due_at == end_of_day(date(2026, 4, 8))


# --- Queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 15])
def test_cohort_pages_run_a_fixed_number_of_queries(
    educator_client, educator, cohort, size, django_user_model, django_assert_max_num_queries
):
    courses = [course_to_complete() for _ in range(2)]
    for course in courses:
        services.assignment_create(course=course, cohort=cohort, due_days=14)
    for n in range(size):
        user = django_user_model.objects.create(username=f"member-{n}")
        services.cohort_member_add(cohort=cohort, user=user, role=ROLE)
    for n in range(size):
        services.cohort_save(name=f"Unit {n}", educators=[educator])
    with django_assert_max_num_queries(18):
        assert educator_client.get(cohort.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(9):
        assert educator_client.get(reverse("training:cohorts")).status_code == 200
