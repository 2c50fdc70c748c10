"""The quiz's hot statements, prepared once per database connection on PostgreSQL.

Every request of a quiz runs a few short statements written out in ``selectors`` and
``services`` (the learner's attempt, its questions, the answer saved). PostgreSQL plans a
statement each time it receives its text: for the answer save's read, a join on two keys,
planning took about ten times as long as running it on the bench machine (0.26 against 0.03
ms). A prepared statement is planned once per connection. Django sends its own queries with
the parameters bound on the client, which cannot be prepared, and keeps doing so; only the
statements run through ``cursor()`` and ``rows()`` here bind their parameters on the server,
and psycopg prepares each the first time a connection runs it (``prepare_threshold`` 0 in the
settings; ``DATABASE_PREPARED_STATEMENTS=0`` turns it off, for a pooler that cannot keep them).
Everything else about the cursor is Django's: health check, time zone, query logging and error
wrapping. On SQLite, which keeps no plans between statements either way, both are Django's own.

``rows_together()`` sends reads that do not depend on each other (a quiz page's attempt and
its questions; a start's latest attempt and its draw) in one round trip, in psycopg's pipeline
mode: each still prepared, and logged as a query of its own.

``draft_transaction()`` is the quiz's other economy: the commit of a draft (a start, an answer
save) does not wait for the disk, where every other commit does; ``durable_transaction()``
lets SQLite's write lock go before a submission waits for the disk.
"""

from __future__ import annotations

import os
import weakref
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def cursor(using: str = DEFAULT_DB_ALIAS):
    """Django's cursor; on PostgreSQL with prepared statements on, one that binds on the
    server, so that each statement it runs is planned once per connection."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    driver = connection.connection
    if driver.prepare_threshold is None:
        return connection.cursor()
    # Django makes its cursors with the connection's factory: lend it the server-binding one
    # for this cursor only. A connection belongs to one thread, so nothing else sees the swap;
    # if the health check replaces the connection, the new one makes a plain cursor.
    from django.db.backends.postgresql.base import ServerBindingCursor

    factory = driver.cursor_factory
    driver.cursor_factory = ServerBindingCursor
    try:
        wrapped = connection.cursor()
    finally:
        driver.cursor_factory = factory
    if connection.queries_logged:
        wrapped = _LoggedCursor(wrapped.cursor, connection)
    return wrapped


class _LoggedCursor(CursorDebugWrapper):
    """Logs (DEBUG, tests' query counts) a statement as written with its parameters beside
    it: Django's logging asks psycopg for the statement with its values in, which a prepared
    statement does not have."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


def rows(model, sql: str, params) -> list:
    """The rows ``sql`` reads from ``model``'s table (``SELECT *``, or some of its columns) as
    instances of ``model``, each field converted as the ORM converts it; the statement runs
    through ``cursor()``.

    ``Manager.raw()`` made the same instances, and for every statement it ran worked out
    anew which column is which field and how each is converted: for these short reads of a
    row or ten, about a third of their time. Here that is worked out once per connection,
    model and list of columns (``_maker``). With ``model`` None, the rows as the driver
    gives them (tuples).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    adapt = connection.ops.adapt_unknown_value
    with cursor() as c:
        c.execute(sql, [adapt(value) for value in params])
        return _made(connection, model, c)


def _made(connection, model, c) -> list:
    """The rows a cursor has read, as ``rows()`` gives them."""
    found = c.fetchall()
    if model is None:
        return found
    make = _maker(connection, model, tuple(column[0] for column in c.description))
    return [make(row) for row in found]


def rows_together(*reads: tuple) -> list[list]:
    """The rows of several reads, each ``(model, sql, params)`` as ``rows()`` takes it, in one
    round trip to the server where that can be done: on PostgreSQL with statements bound on
    the server, they are sent together in psycopg's pipeline mode, each still prepared once
    and logged as a query of its own. Elsewhere they run one after another. The reads must
    not depend on each other's results."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or len(reads) < 2:
        return [rows(*read) for read in reads]
    connection.ensure_connection()
    driver = connection.connection
    if driver.prepare_threshold is None:  # client-side binding: no pipeline
        return [rows(*read) for read in reads]
    adapt = connection.ops.adapt_unknown_value
    cursors = [cursor() for _ in reads]
    try:
        with connection.wrap_database_errors, driver.pipeline():
            for c, (_, sql, params) in zip(cursors, reads, strict=True):
                c.execute(sql, [adapt(value) for value in params])
        models = [read[0] for read in reads]
        return [_made(connection, model, c) for c, model in zip(cursors, models, strict=True)]
    finally:
        for c in cursors:
            c.close()


_MAKERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection: {key: maker}


def _maker(connection, model, columns: tuple[str, ...]):
    makers = _MAKERS.setdefault(connection, {})
    make = makers.get((model, columns))
    if make is None:
        make = makers[(model, columns)] = _new_maker(connection, model, columns)
    return make


def _new_maker(connection, model, columns: tuple[str, ...]):
    """A function from a row of ``columns`` to an instance of ``model``: the fields in the
    model's order (``Model.from_db``), each with the converters the ORM would apply (the
    backend's, then the field's), fields not read deferred."""
    column_name = connection.introspection.identifier_converter
    index = {column_name(column): i for i, column in enumerate(columns)}
    fields = [field for field in model._meta.concrete_fields if field.column in index]
    if model._meta.pk not in fields:
        raise ValueError(f"A read of {model.__name__} must include its primary key.")
    positions = [index[field.column] for field in fields]
    names = [field.attname for field in fields]
    conversions = []
    for at, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column)
        converters += column.get_db_converters(connection)
        if converters:
            conversions.append((at, converters, column))

    def make(row):
        values = [row[position] for position in positions]
        for at, converters, column in conversions:
            value = values[at]
            for converter in converters:
                value = converter(value, column, connection)
            values[at] = value
        return model.from_db(DEFAULT_DB_ALIAS, names, values)

    return make


# PostgreSQL: SET LOCAL synchronous_commit TO OFF as an expression, so that a single
# statement run as its own transaction (an answer save, a start) can make its own commit
# asynchronous in the same round trip: the commit at the statement's end reads the setting
# before it lapses. Inside an outer transaction it would make the outer commit asynchronous:
# use it only in a statement that runs alone.
DRAFT_COMMIT = "set_config('synchronous_commit', 'off', true)"


def draft_update(sql: str) -> str:
    """An UPDATE ending in its WHERE clause, made to set its own commit asynchronous when it
    runs alone on PostgreSQL (``DRAFT_COMMIT``, evaluated with the row it writes)."""
    return sql.rstrip() + f" AND {DRAFT_COMMIT} = 'off'\n"


@contextmanager
def draft_transaction(using: str = DEFAULT_DB_ALIAS):
    """An atomic block whose commit does not wait for the disk: for drafts only (a start, an
    answer save), which a crash of the database server may take back (``services``;
    ``DRAFT_COMMIT`` for one statement alone). On PostgreSQL an asynchronous commit; on
    SQLite, whose commits all wait for the disk (``synchronous=FULL`` in the settings),
    ``NORMAL`` for this one.
    Inside an outer transaction it is a plain atomic block: the outer one commits as it was
    going to.
    """
    connection = connections[using]
    if connection.in_atomic_block or connection.vendor not in ("postgresql", "sqlite"):
        with transaction.atomic(using=using):
            yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as c:
                c.execute(f"SELECT {DRAFT_COMMIT}")
            yield
        return
    with _sqlite_atomic_not_waiting(connection, using):
        yield


@contextmanager
def durable_transaction(using: str = DEFAULT_DB_ALIAS):
    """An atomic block that is on disk when it ends (a submission): as every commit is,
    except on SQLite, where its commit lets go of the database's write lock first and then
    waits for the disk. SQLite writes a commit to its write-ahead log before it lets go;
    waiting for the disk with the lock held kept every other writer waiting too (an answer
    save in the other worker sleeps at least a millisecond each time it finds the database
    locked). Inside an outer transaction it is a plain atomic block.
    """
    connection = connections[using]
    if connection.in_atomic_block or connection.vendor != "sqlite":
        with transaction.atomic(using=using):
            yield
        return
    with _sqlite_atomic_not_waiting(connection, using):
        yield
    _log_to_disk(connection.settings_dict["NAME"])


@contextmanager
def _sqlite_atomic_not_waiting(connection, using: str):
    """SQLite: an atomic block whose commit does not wait for the disk (``NORMAL``), then
    ``FULL`` again for every other commit. Connection settings, not queries: set on the
    driver's connection, around the block."""
    connection.ensure_connection()
    driver = connection.connection
    driver.execute("PRAGMA synchronous = NORMAL")
    try:
        with transaction.atomic(using=using):
            yield
    finally:
        if connection.connection is driver:
            driver.execute("PRAGMA synchronous = FULL")


def _log_to_disk(database) -> None:
    """Waits until SQLite's write-ahead log is on disk. fsync() flushes the file, whichever
    descriptor names it; if a checkpoint emptied the log meanwhile, it synced it first."""
    log = f"{database}-wal"
    if not os.path.exists(log):  # an in-memory database (tests) has none
        return
    descriptor = os.open(log, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
