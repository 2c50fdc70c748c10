from __future__ import annotations

import pytest
from django.core.cache import cache

from quizzes.services import drawn_cache_clear
from tests import factories


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts and ends with an empty cache: item analyses, signed-in users and
    cache sessions never leak from one test to the next; nor do the drawn questions a process
    keeps by primary key and version, since the test database reuses primary keys when it
    rolls a test back (a real one does only when restored from a backup)."""
    cache.clear()
    drawn_cache_clear()
    yield
    cache.clear()
    drawn_cache_clear()


@pytest.fixture
def learner(db):
    return factories.UserFactory(username="learner-lee", first_name="Lee", last_name="Learner")


@pytest.fixture
def other_learner(db):
    return factories.UserFactory(username="learner-olu", first_name="Olu", last_name="Other")


@pytest.fixture
def educator(db):
    return factories.educator(username="educator-eden")


@pytest.fixture
def administrator(db):
    return factories.administrator(username="admin-ada")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def course_with_quiz(db, learner):
    """A course of two lessons, the second with a 5-question knowledge check, and a final."""
    course = factories.CourseFactory()
    factories.LessonFactory(course=course, position=1)
    check = factories.quiz_with_questions(5, shuffle_questions=False)
    factories.LessonFactory(course=course, position=2, quiz=check)
    course.final_quiz = factories.quiz_with_questions(5)
    course.save()
    factories.EnrolmentFactory(user=learner, course=course)
    return course


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test in a file database (WAL, busy timeout) like production, not in memory:
    an in-memory database shared between threads fails at once with "table is locked" where
    the real one waits, so the concurrency tests would test the wrong thing."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        name = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)
