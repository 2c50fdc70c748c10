"""The signed-in user comes from the shared cache (training.auth) when a shared cache is set up,
and every change to the user takes effect on their very next request."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories

DASHBOARD = reverse("training:dashboard")


@pytest.fixture
def user_cache(settings):
    settings.AUTH_USER_CACHE_SECONDS = 300


def user_reads(client, path=DASHBOARD) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    reads = [q for q in queries.captured_queries if 'FROM "auth_user"' in q["sql"]]
    return response.status_code, len(reads)


def test_it_reads_the_user_from_the_cache_after_the_first_request(user_cache, learner_client):
    assert user_reads(learner_client) == (200, 1)
    assert user_reads(learner_client) == (200, 0)
    assert user_reads(learner_client) == (200, 0)


def test_it_reads_the_user_every_time_without_a_shared_cache(settings, learner_client):
    settings.AUTH_USER_CACHE_SECONDS = 0
    assert user_reads(learner_client) == (200, 1)
    assert user_reads(learner_client) == (200, 1)
    assert cache.get(f"auth-user:{learner_client.session['_auth_user_id']}") is None


def test_a_deactivated_account_is_signed_out_on_its_next_request(user_cache, learner_client):
    learner_client.get(DASHBOARD)
    user = get_user_model().objects.get(pk=learner_client.session["_auth_user_id"])
    user.is_active = False
    user.save()
    response = learner_client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_password_change_signs_out_other_sessions_at_once(user_cache, client, learner):
    client.force_login(learner)
    assert client.get(DASHBOARD).status_code == 200
    learner.set_password("a-new-long-passphrase-2026")
    learner.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_deleted_account_is_signed_out_on_its_next_request(user_cache, client, db):
    user = factories.UserFactory()
    client.force_login(user)
    assert client.get(DASHBOARD).status_code == 200
    user.delete()
    assert client.get(DASHBOARD).status_code == 302


def test_a_change_without_signals_takes_effect_when_the_copy_expires(user_cache, learner_client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert learner_client.get(DASHBOARD).status_code == 200
        user_id = learner_client.session["_auth_user_id"]
        get_user_model().objects.filter(pk=user_id).update(is_active=False)  # no signal
        assert learner_client.get(DASHBOARD).status_code == 200  # the cached copy, for now
        clock.shift(datetime.timedelta(seconds=301))
        assert learner_client.get(DASHBOARD).status_code == 302


def test_a_new_role_takes_effect_on_the_next_page(user_cache, client, learner):
    client.force_login(learner)
    reports = reverse("reports:completion")
    assert client.get(reports).status_code == 403
    administrator = factories.administrator(username="admin-later")
    learner.groups.set(administrator.groups.all())
    learner.is_staff = True
    learner.save()
    assert client.get(reports).status_code == 200
