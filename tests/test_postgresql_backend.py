"""The PostgreSQL backend's health check (config/postgresql/base.py): no round trip while a
kept connection is quiet; a connection the server closed is still found and replaced.

PostgreSQL only: the SQLite suite has no server to close a connection. ``.ci/run`` runs the
whole suite on PostgreSQL too.
"""

from __future__ import annotations

import select
import time

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.postgresql import base as django_postgresql

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a PostgreSQL server closes the connection"
    ),
    pytest.mark.django_db(transaction=True),  # a kept connection between requests is idle
]


@pytest.fixture
def server_asked(monkeypatch) -> list[bool]:
    """Each time Django's own check (``SELECT 1`` to the server) runs, and what it found."""
    asked = []
    django_check = django_postgresql.DatabaseWrapper.is_usable

    def recorded(self):
        usable = django_check(self)
        asked.append(usable)
        return usable

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", recorded)
    return asked


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request_check() -> None:
    """What Django does before a new request's first query on a kept connection."""
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_the_backend_in_use_is_ours():
    assert type(connections[DEFAULT_DB_ALIAS]).__module__ == "config.postgresql.base"


def test_a_quiet_kept_connection_is_usable_without_asking_the_server(server_asked):
    pid = backend_pid()
    driver = connection.connection

    next_request_check()

    assert server_asked == []
    assert connection.connection is driver
    assert backend_pid() == pid


def test_a_connection_the_server_closed_is_replaced_before_the_request_uses_it(server_asked):
    pid = backend_pid()
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's goodbye reaches the socket a moment later.
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    deadline = time.monotonic() + 5
    while not poller.poll(50) and time.monotonic() < deadline:
        pass

    next_request_check()

    assert server_asked == [False]  # something to read: Django's check asked, and it failed
    assert backend_pid() != pid  # a new connection answered the request's first query


def test_a_connection_inside_a_transaction_is_left_to_djangos_check(server_asked):
    with transaction.atomic():
        backend_pid()
        assert connection.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        assert connection.is_usable() is True
    assert server_asked == [True]
