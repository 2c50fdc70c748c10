"""The quiz's hot statements: prepared once per connection on PostgreSQL, Django's otherwise."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quizzes import selectors, services, statements
from quizzes.models import Attempt, AttemptQuestion
from quizzes.selectors import attempt_of
from quizzes.services import attempt_start
from tests import factories
from tests.quizzes.answers import form_fields, right_answer, wrong_answer

pytestmark = pytest.mark.django_db


def prepared() -> list[str]:
    """The statements this connection has prepared through the protocol (not with PREPARE)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [" ".join(row[0].split()) for row in cursor.fetchall()]


def flat(sql: str) -> str:
    """A statement as written or as prepared (psycopg numbers the parameters $1, $2...), with
    its parameters unnumbered and its whitespace collapsed."""
    return " ".join(re.sub(r"\$\d+|%s|%\(\w+\)s", "$", sql).split())


def save_each_answer(client, attempt) -> None:
    for aq in attempt.questions.order_by("position"):
        data = {**form_fields(aq.position, aq.snapshot, right_answer(aq.snapshot)), "seq": 0}
        data[f"seq{aq.position}"] = 0
        url = reverse("quizzes:answer", args=[attempt.pk, aq.position])
        assert client.post(url, data).json()["saved"] is True


def times_prepared(sql: str, statements_now: list[str]) -> int:
    """How many prepared statements are ``sql``."""
    return sum(1 for statement in statements_now if flat(statement) == flat(sql))


def test_answer_saves_plan_their_statements_once_per_connection(learner_client, learner):
    attempt = attempt_start(quiz=factories.quiz_with_every_type(), user=learner)
    save_each_answer(learner_client, attempt)
    save_each_answer(
        learner_client, attempt_start(quiz=factories.quiz_with_every_type(), user=learner)
    )

    assert set(AttemptQuestion.objects.values_list("sequence", flat=True)) == {1}
    if connection.vendor == "postgresql":
        # Ten saves: the four single-choice and true/false answers one statement each, the
        # others a read and a write; each statement prepared once and reused.
        now = prepared()
        assert times_prepared(services._CHOICE_SAVE_POSTGRESQL, now) == 1
        assert times_prepared(services._ANSWER_READ, now) == 1
        assert times_prepared(services._ANSWER_WRITE, now) == 1
        # Django's own queries bind on the client and are never prepared.
        assert not [s for s in now if s.startswith('SELECT "')]
    else:
        with statements.cursor() as cursor:
            assert type(cursor.cursor) is type(connection.cursor().cursor)


def test_with_prepared_statements_off_nothing_is_prepared_and_answers_still_save(
    learner_client, learner, monkeypatch
):
    attempt = attempt_start(quiz=factories.quiz_with_questions(3), user=learner)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        monkeypatch.setattr(connection.connection, "prepare_threshold", None)
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
    save_each_answer(learner_client, attempt)

    assert list(attempt.questions.values_list("sequence", flat=True)) == [1, 1, 1]
    if connection.vendor == "postgresql":
        assert prepared() == []


@pytest.mark.django_db(transaction=True)
def test_with_prepared_statements_off_a_whole_quiz_runs_outside_a_transaction(monkeypatch):
    """Behind a pooler that cannot keep prepared statements, as in production (no test
    transaction around it): the start, the pages' reads, each save and the submission bind
    on the client, one statement at a time, and the attempt, its answers and its grades are
    all written and shown."""
    learner = factories.UserFactory()
    client = Client()
    client.force_login(learner)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        monkeypatch.setattr(connection.connection, "prepare_threshold", None)
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
    attempt = attempt_start(quiz=factories.quiz_with_questions(3), user=learner)
    assert client.get(reverse("quizzes:attempt", args=[attempt.pk])).status_code == 200
    save_each_answer(client, attempt)
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    result = client.get(reverse("quizzes:result", args=[attempt.pk]))
    assert result.text.count('class="mark mark-ok">Correct</span>') == 3

    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.SUBMITTED and attempt.percent == 100
    rows = list(attempt.questions.order_by("position").values_list("position", "sequence"))
    assert rows == [(1, 1), (2, 1), (3, 1)]
    assert all(attempt.questions.values_list("is_correct", flat=True))
    if connection.vendor == "postgresql":
        assert prepared() == []


def test_raw_rows_are_model_instances_with_converted_fields_and_logged_queries(
    learner, django_assert_num_queries
):
    attempt = attempt_start(quiz=factories.quiz_with_questions(2), user=learner)

    with django_assert_num_queries(1):  # the statement is counted like any other query
        found = attempt_of(attempt.pk, learner)
    assert found == attempt
    assert isinstance(found.settings_snapshot, dict)
    assert found.settings_snapshot == attempt.settings_snapshot
    assert found.started_at == attempt.started_at
    assert found.started_at.tzinfo is not None
    assert found.state == Attempt.State.IN_PROGRESS

    # Every field as the ORM reads it, whatever order the columns come in; the ones not
    # read are deferred, and load when first used.
    pk = Attempt._meta.pk.get_db_prep_value(attempt.pk, connection)
    orm = Attempt.objects.get(pk=attempt.pk)
    (whole,) = statements.rows(Attempt, "SELECT * FROM quizzes_attempt WHERE id = %s", [pk])
    fields = [field.attname for field in Attempt._meta.concrete_fields]
    assert [getattr(whole, name) for name in fields] == [getattr(orm, name) for name in fields]
    (some,) = statements.rows(
        Attempt, "SELECT settings_snapshot, max_score, id FROM quizzes_attempt WHERE id = %s", [pk]
    )
    assert some.get_deferred_fields() == set(fields) - {"settings_snapshot", "max_score", "id"}
    assert (some.settings_snapshot, some.max_score) == (orm.settings_snapshot, orm.max_score)
    assert some.started_at == orm.started_at
    with pytest.raises(ValueError, match="primary key"):
        statements.rows(Attempt, "SELECT number FROM quizzes_attempt WHERE id = %s", [pk])


def test_another_learner_gets_nothing_through_a_prepared_read(learner, other_learner):
    quiz = factories.quiz_with_questions(2)
    mine = attempt_start(quiz=quiz, user=learner)
    theirs = attempt_start(quiz=quiz, user=other_learner)
    assert attempt_of(mine.pk, learner) == mine  # prepared here on PostgreSQL
    assert attempt_of(theirs.pk, learner) is None  # the same statement, other parameters
    assert attempt_of(mine.pk, other_learner) is None
    assert attempt_of(theirs.pk, other_learner) == theirs


@pytest.fixture
def pipelines(monkeypatch):
    """On PostgreSQL, what goes to the server together: one entry per pipeline, the number
    of statements logged in it (queries are logged under django_assert_num_queries)."""
    sent: list[int] = []
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        driver = connection.connection
        open_pipeline = driver.pipeline

        @contextmanager
        def counted():
            before = len(connection.queries_log)
            with open_pipeline() as pipeline:
                yield pipeline
            sent.append(len(connection.queries_log) - before)

        monkeypatch.setattr(driver, "pipeline", counted)
    return sent


def test_an_attempt_and_its_questions_are_read_together_and_only_by_their_learner(
    learner, other_learner, django_assert_num_queries, pipelines
):
    quiz = factories.quiz_with_questions(3)
    mine = attempt_start(quiz=quiz, user=learner)
    theirs = attempt_start(quiz=quiz, user=other_learner)
    pipelines.clear()

    with django_assert_num_queries(2):  # two statements, each counted as a query
        attempt, questions = selectors.attempt_with_questions(mine.pk, learner)
    assert attempt == mine
    assert [(aq.pk, aq.position) for aq in questions] == list(
        mine.questions.order_by("position").values_list("pk", "position")
    )
    assert all(aq.attempt is attempt for aq in questions)
    assert selectors.attempt_with_questions(theirs.pk, learner) is None
    assert selectors.attempt_with_questions(mine.pk, other_learner) is None
    # The questions' own statement reads nothing of another learner's attempt either.
    theirs_pk = Attempt._meta.pk.get_db_prep_value(theirs.pk, connection)
    read = selectors._USERS_ATTEMPT_QUESTIONS
    assert statements.rows(AttemptQuestion, read, [theirs_pk, learner.pk]) == []
    if connection.vendor == "postgresql":
        # One round trip for each of the three reads; the first, logged, held both statements.
        assert len(pipelines) == 3 and pipelines[0] == 2


def test_a_start_reads_the_latest_attempt_and_the_draw_together(
    learner, django_assert_num_queries, pipelines
):
    quiz = factories.quiz_with_questions(3)
    services.attempt_submit(attempt=attempt_start(quiz=quiz, user=learner))
    pipelines.clear()

    # The two reads, then the write: in a test's transaction a savepoint around two INSERTs.
    with django_assert_num_queries(6):
        second = attempt_start(quiz=quiz, user=learner)
    assert second.number == 2 and second.questions.count() == 3
    assert attempt_start(quiz=quiz, user=learner) == second  # in progress: the same one
    if connection.vendor == "postgresql":
        assert pipelines[0] == 2 and len(pipelines) == 2


def test_a_start_reads_the_latest_graded_attempt_from_the_index_without_sorting(learner):
    """However many attempts a learner has made, the start reads one index entry: no sort."""
    quiz = factories.quiz_with_questions(2)
    for _ in range(3):
        services.attempt_submit(attempt=attempt_start(quiz=quiz, user=learner))
    params = [learner.pk, quiz.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + services._LATEST_GRADED, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index Scan Backward" in plan
            assert "Sort" not in plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + services._LATEST_GRADED, params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "USING INDEX" in plan
            assert "TEMP B-TREE" not in plan
    latest = next(iter(statements.rows(Attempt, services._LATEST_GRADED, params)))
    assert latest.number == 3
    assert attempt_start(quiz=quiz, user=learner).number == 4


@contextmanager
def statements_sent():
    """Every statement the database is sent: on SQLite from the driver itself, which also
    sees what bypasses Django (the connection's PRAGMAs)."""
    sent: list[str] = []
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.set_trace_callback(sent.append)
        try:
            yield sent
        finally:
            connection.connection.set_trace_callback(None)
    else:
        with CaptureQueriesContext(connection) as captured:
            yield sent
        # Read at once: the log is a bounded deque, and later queries would shift the slice.
        sent.extend(q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_an_answer_save_commits_without_waiting_for_the_disk_a_submission_waits(
    client, monkeypatch
):
    """Outside a test's transaction, as in production: the save's own commit does not wait
    for the disk (a draft), the submission's does; the saved answer is there either way."""
    learner = factories.UserFactory()
    client.force_login(learner)
    quiz = factories.quiz_with_questions(2)
    with statements_sent() as started:
        attempt = attempt_start(quiz=quiz, user=learner)
    aq = attempt.questions.get(position=1)
    url = reverse("quizzes:answer", args=[attempt.pk, 1])
    data = {**form_fields(1, aq.snapshot, right_answer(aq.snapshot)), "seq1": 0}

    with statements_sent() as saved:
        assert client.post(url, data).json() == {"saved": True, "sequence": 1}
    # Another answer from a page that missed that save: refused, and nothing written.
    stale = client.post(url, {**form_fields(1, aq.snapshot, wrong_answer(aq.snapshot)), "seq1": 0})
    assert stale.status_code == 409 and "another" in stale.json()["error"]
    synced = []
    monkeypatch.setattr(statements, "_log_to_disk", synced.append)
    with statements_sent() as submitted:
        client.post(reverse("quizzes:submit", args=[attempt.pk]))

    aq.refresh_from_db()
    assert aq.sequence == 1 and aq.response is not None and aq.score is not None
    writes = [i for i, sql in enumerate(saved) if "UPDATE quizzes_attemptquestion" in sql]
    assert len(writes) == 1
    write = writes[0]
    if connection.vendor == "postgresql":
        assert submitted and not [sql for sql in submitted if "synchronous" in sql]
        assert not synced  # a PostgreSQL commit is on disk when it returns
        # The start's and the save's single statements make their own commits asynchronous,
        # and only their own.
        assert "set_config('synchronous_commit', 'off', true)" in saved[write]
        assert [sql for sql in started if "set_config('synchronous_commit', 'off', true)" in sql]
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    else:
        # The draft's commit runs under NORMAL, then FULL again for every other commit.
        for draft, statement in ((saved, "UPDATE quizzes_attemptquestion"), (started, "INSERT")):
            at = next(i for i, sql in enumerate(draft) if statement in sql)
            pragmas = [i for i, sql in enumerate(draft) if sql.startswith("PRAGMA synchronous")]
            assert [draft[i] for i in pragmas] == [
                "PRAGMA synchronous = NORMAL",
                "PRAGMA synchronous = FULL",
            ]
            assert pragmas[0] < at < pragmas[1]
            assert draft[pragmas[1] - 1] == "COMMIT"
        # The submission lets the write lock go, then waits for the log to reach the disk.
        pragmas = [sql for sql in submitted if sql.startswith("PRAGMA synchronous")]
        assert pragmas == ["PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"]
        assert synced == [connection.settings_dict["NAME"]]
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL


def test_the_write_ahead_log_is_flushed_through_its_own_descriptor(tmp_path, monkeypatch):
    """What a submission waits for on SQLite: fsync() of the database's -wal file."""
    import os
    import sqlite3

    database = tmp_path / "miss.sqlite3"
    db = sqlite3.connect(database)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES (1)")
    db.commit()
    flushed = []
    real_fsync = os.fsync

    def fsync(descriptor):
        flushed.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    statements._log_to_disk(str(database))
    statements._log_to_disk(str(tmp_path / "none.sqlite3"))  # no log: nothing to wait for
    db.close()
    assert flushed == [f"{database}-wal"]
