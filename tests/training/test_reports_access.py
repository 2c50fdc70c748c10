"""Who may see the reports: administrators, and an educator given the report permission.

A learner, and an educator without the permission, get 403 from every report and export;
someone not logged in is sent to log in.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

REPORTS = [
    ("reports:completion", False),
    ("reports:completion_csv", False),
    ("reports:completion_xlsx", False),
    ("reports:cohorts", False),
    ("reports:learner", True),
]


def url_of(name: str, needs_learner: bool, learner) -> str:
    return reverse(name, args=[learner.pk] if needs_learner else [])


@pytest.mark.parametrize(("name", "needs_learner"), REPORTS)
def test_a_learner_gets_403(client, learner, name, needs_learner):
    client.force_login(learner)

    assert client.get(url_of(name, needs_learner, learner)).status_code == 403


@pytest.mark.parametrize(("name", "needs_learner"), REPORTS)
def test_an_educator_without_the_report_permission_gets_403(
    client, educator, learner, name, needs_learner
):
    client.force_login(educator)

    assert client.get(url_of(name, needs_learner, learner)).status_code == 403


@pytest.mark.parametrize(("name", "needs_learner"), REPORTS)
def test_an_administrator_gets_the_report(client, administrator, learner, name, needs_learner):
    client.force_login(administrator)

    assert client.get(url_of(name, needs_learner, learner)).status_code == 200


@pytest.mark.parametrize(("name", "needs_learner"), REPORTS)
def test_an_educator_granted_the_permission_gets_the_report(client, learner, name, needs_learner):
    educator = factories.educator(username="educator-with-reports")
    educator.user_permissions.add(Permission.objects.get(codename="view_completion_report"))
    client.force_login(educator)

    assert client.get(url_of(name, needs_learner, learner)).status_code == 200


@pytest.mark.parametrize(("name", "needs_learner"), REPORTS)
def test_someone_not_logged_in_is_sent_to_log_in(client, learner, name, needs_learner):
    response = client.get(url_of(name, needs_learner, learner))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_learner_is_not_found(client, administrator):
    client.force_login(administrator)

    assert client.get(reverse("reports:learner", args=[987654])).status_code == 404


def test_item_analysis_by_cohort_is_for_educators_not_learners(client, educator, learner):
    url = reverse("reports:cohort_items")

    client.force_login(learner)
    assert client.get(url).status_code == 403
    client.force_login(educator)
    assert client.get(url).status_code == 200


def test_the_menu_shows_reports_only_to_those_who_may_see_them(client, educator, administrator):
    client.force_login(educator)
    as_educator = client.get(reverse("training:dashboard")).content.decode()
    client.force_login(administrator)
    as_administrator = client.get(reverse("training:dashboard")).content.decode()

    assert reverse("reports:completion") not in as_educator
    assert reverse("analysis:index") in as_educator
    assert reverse("reports:completion") in as_administrator
    assert reverse("analysis:index") in as_administrator
