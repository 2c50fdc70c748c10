"""Django's PostgreSQL backend, with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django asks a kept connection ``SELECT 1`` before a request's
first query, so that a connection the server has closed (a restart, a failover, an idle
timeout) is replaced rather than failing that request. That is one round trip to the server
for every request that reads the database: a whole quiz is fourteen requests, and the checks
cost it about as much as two of its own statements.

A connection the server has closed has something to read on its socket: the server's
goodbye, or the end of the stream. A healthy idle connection has nothing. So the check looks
at the socket first, without waiting: nothing to read, the connection is usable; anything to
read (a closed connection, or a notice the server sent unasked), Django's own check decides.
A connection that is not idle, or whose socket cannot be looked at, also goes to Django's.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status == pq.TransactionStatus.IDLE and _quiet(connection):
            return True
        return super().is_usable()


def _quiet(connection) -> bool:
    """True if the connection's socket has nothing to read right now (a zero-timeout poll)."""
    try:
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except (AttributeError, OSError, ValueError):  # no poll() here, or no socket: ask
        return False
