"""Counts the database queries of a whole 10-question quiz, request by request.

Runs in-process (Django's test client) against the benchmark database, as one of the load
run's learners: start, open the attempt, save each answer, submit, review. A process reads a
question's content only the first time it draws that version of it, so the first quiz in a
new process is counted, then 30 more are taken (the load quiz draws 10 of 30 questions) and
the next is counted: the steady state. Prints JSON with, for both, per request the quiz's
own queries ("app") and the session and authentication ones ("session"); transaction
control statements are not counted.
"""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.client import RADIO, SEQUENCE  # noqa: E402

SESSION_OR_USER = ('"django_session"', '"auth_user"', '"auth_permission"')
WARM_UP = 30
TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def kind(sql: str) -> str:
    """transaction control (SQLite logs BEGIN and COMMIT; PostgreSQL does not), session and
    authentication (read the session, the user and their permissions, write the session
    back), or the page's own work."""
    if sql.startswith(TRANSACTION):
        return "transaction"
    head = sql.split(" WHERE")[0]
    if any(table in head for table in SESSION_OR_USER):
        return "session"
    return "app"


def count(client: Client, method: str, path: str, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data or {})
    kinds = [kind(q["sql"]) for q in queries.captured_queries]
    return response, kinds.count("app"), kinds.count("session")


def quiz(client: Client, quiz_slug: str) -> dict:
    steps = []
    response, n, overhead = count(client, "post", f"/quizzes/{quiz_slug}/start/")
    steps.append(("start", n, overhead))
    attempt_path = response["Location"]
    response, n, overhead = count(client, "get", attempt_path)
    steps.append(("attempt page", n, overhead))
    page = response.content.decode()
    keys, sequences = {}, dict(SEQUENCE.findall(page))
    for position, key in RADIO.findall(page):
        keys.setdefault(position, key)
    for position, key in sorted(keys.items(), key=lambda kv: int(kv[0])):
        data = {f"q{position}": key, f"seq{position}": sequences[position]}
        response, n, overhead = count(client, "post", f"{attempt_path}questions/{position}/", data)
        assert response.status_code == 200, response.content
        steps.append((f"save answer {position}", n, overhead))
    response, n, overhead = count(client, "post", f"{attempt_path}submit/")
    steps.append(("submit", n, overhead))
    response, n, overhead = count(client, "get", response["Location"])
    assert response.status_code == 200
    steps.append(("review", n, overhead))
    return {
        "steps": [{"step": name, "app": app, "session": session} for name, app, session in steps],
        "app": sum(app for _, app, _ in steps),
        "session": sum(session for _, _, session in steps),
        "total": sum(app + session for _, app, session in steps),
        "requests": len(steps),
    }


def main(quiz_slug: str, username: str) -> dict:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    first = quiz(client, quiz_slug)
    for _ in range(WARM_UP):
        quiz(client, quiz_slug)
    return {"first quiz in a process": first, "later quizzes": quiz(client, quiz_slug)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
