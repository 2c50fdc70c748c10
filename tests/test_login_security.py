"""Log-in on shared ward workstations: throttled guessing, idle timeout, a real logout."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_repeated_failed_logins_lock_the_account_from_that_address_with_a_generic_message(
    client, learner
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(
            reverse("login"), {"username": learner.username, "password": "wrong"}
        )
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text
    response = client.post(reverse("login"), {"username": learner.username, "password": "wrong"})
    assert response.status_code == 429
    # Even the right password is refused while the lock lasts.
    response = client.post(reverse("login"), {"username": learner.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.text
    assert learner.username not in response.text
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_so_a_colleague_on_the_same_workstation_can_log_in(
    client, learner, other_learner
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": learner.username, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": other_learner.username, "password": PASSWORD}
    )
    assert response.status_code == 302


def test_logging_out_ends_the_session(client, learner):
    client.post(reverse("login"), {"username": learner.username, "password": PASSWORD})
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sessions_expire_after_the_idle_period_and_at_browser_close(client, learner):
    with time_machine.travel("2026-11-28 08:00 +0000", tick=False) as clock:
        client.post(reverse("login"), {"username": learner.username, "password": PASSWORD})
        assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
        assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
        # Active use keeps the session alive well past 30 minutes...
        for _ in range(4):
            clock.shift(timedelta(minutes=20))
            assert client.get("/").status_code == 200
        # ... and 31 idle minutes end it.
        clock.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_activity_writes_the_session_at_most_once_a_minute(
    client, learner, django_assert_max_num_queries
):
    client.force_login(learner)
    client.get("/")
    with django_assert_max_num_queries(20) as captured:
        client.get("/")
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]


def settings_under(env: dict) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "django.setup(); from django.conf import settings as s;"
        "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.DATABASES['default']['ENGINE'],"
        " s.SESSION_COOKIE_AGE)"
    )
    base = {"PATH": os.environ.get("PATH", ""), "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "h"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_redis_url_moves_cache_and_sessions_to_redis_and_database_url_to_postgres():
    out = settings_under(
        {
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "DATABASE_URL": "postgres://u@db:5432/miss",
            "SESSION_IDLE_MINUTES": "15",
        }
    )
    assert out == (
        "config.cache.RedisCache django.contrib.sessions.backends.cache config.postgresql 900"
    )


def test_without_urls_it_runs_on_sqlite_with_database_sessions():
    out = settings_under({})
    assert out.split()[1:3] == ["django.contrib.sessions.backends.db", "django.db.backends.sqlite3"]
