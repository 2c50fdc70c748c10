"""Reads that need care: what a page may show of an attempt, before and after submission."""

from __future__ import annotations

from django.db import connection

from . import statements
from .models import Attempt, AttemptQuestion, Quiz

TYPE_HINTS = {
    "single": "Choose one answer.",
    "true_false": "Choose true or false.",
    "multiple": "Select all that apply.",
    "ordering": "Put the steps in order: give each step its place, 1 being the first.",
    "matching": "Match each item to its answer.",
}


def _shown_answer(snapshot: dict, response: dict | None, raw: dict | None) -> dict:
    """The answer the form shows: what was posted (when re-showing a refused page) or saved."""
    if raw is not None:
        shown = dict(raw)
        if snapshot["type"] == "ordering":
            shown["places"] = {
                key: int(value)
                for key, value in (raw.get("places") or {}).items()
                if str(value).strip().isdigit()
            }
        return shown
    response = response or {}
    if snapshot["type"] == "ordering":
        order = response.get("order") or []
        return {"places": {key: index for index, key in enumerate(order, start=1)}}
    return response


def public_question(aq: AttemptQuestion, *, raw: dict | None = None, error: str = "") -> dict:
    """A question as the page shows it before submission: keys and text, never the answers.

    Built field by field from the snapshot, so nothing added to snapshots later can leak.
    ``raw`` re-shows an answer that was posted but not saved, with ``error`` saying why.
    """
    snap = aq.snapshot
    shown = _shown_answer(snap, aq.response, raw)
    qtype = snap["type"]
    items = []
    for index, item in enumerate(snap["items"], start=1):
        public = {
            "key": item["key"],
            "id": f"q{aq.position}-{item['key']}",
            "html": item["html"],
            "number": index,
            # Always present: a missing key costs the template engine an exception per option.
            "image": item.get("image", ""),
            "image_alt": item.get("image_alt", ""),
        }
        if qtype in ("single", "true_false"):
            public["selected"] = shown.get("choice") == item["key"]
        elif qtype == "multiple":
            public["selected"] = item["key"] in (shown.get("choices") or [])
        elif qtype == "ordering":
            public["place"] = (shown.get("places") or {}).get(item["key"])
        elif qtype == "matching":
            public["chosen"] = (shown.get("matches") or {}).get(item["key"], "")
        items.append(public)
    return {
        "position": aq.position,
        "name": f"q{aq.position}",
        "type": qtype,
        "input_type": "checkbox" if qtype == "multiple" else "radio",
        "hint": TYPE_HINTS[qtype],
        "stem_html": snap["stem_html"],
        "image": snap.get("image", ""),
        "image_alt": snap.get("image_alt", ""),
        "points": snap["points"],
        "items": items,
        "places": list(range(1, len(items) + 1)) if qtype == "ordering" else [],
        "answers": [{"key": a["key"], "html": a["html"]} for a in snap.get("answers", [])],
        "sequence": aq.sequence,
        "answered": aq.response is not None,
        "checked": aq.score is not None,  # practice: marked already, shown with its feedback
        "error": error,
    }


def review_question(aq: AttemptQuestion, *, show_answers: bool) -> dict:
    """A question after submission: the learner's answer, and (if allowed) key and rationale."""
    snap = aq.snapshot
    response = aq.response or {}
    qtype = snap["type"]
    answers = {a["key"]: a["html"] for a in snap.get("answers", [])}
    items = []
    ordered = sorted(snap["items"], key=lambda i: i.get("position", 0))
    for item in snap["items"]:
        row = {
            "html": item["html"],
            "feedback_html": item.get("feedback_html", ""),
            "image": item.get("image", ""),
            "image_alt": item.get("image_alt", ""),
        }
        if qtype in ("single", "true_false"):
            row["selected"] = response.get("choice") == item["key"]
            row["correct"] = item["correct"]
        elif qtype == "multiple":
            row["selected"] = item["key"] in (response.get("choices") or [])
            row["correct"] = item["correct"]
        elif qtype == "ordering":
            order = response.get("order") or []
            row["given_place"] = order.index(item["key"]) + 1 if item["key"] in order else None
            row["correct_place"] = ordered.index(item) + 1
        elif qtype == "matching":
            chosen = (response.get("matches") or {}).get(item["key"])
            row["given"] = answers.get(chosen, "")
            row["correct_answer"] = answers.get(item["answer"], "")
            row["correct"] = chosen == item["answer"]
        items.append(row)
    if qtype == "ordering":
        if show_answers:
            items.sort(key=lambda r: r["correct_place"])
        else:
            # Without the key, show the steps in the learner's own order: the correct order
            # is what "only once passed" keeps back.
            items.sort(key=lambda r: (r["given_place"] is None, r["given_place"] or 0))
    return {
        "position": aq.position,
        "type": qtype,
        "title": snap.get("title", ""),
        "stem_html": snap["stem_html"],
        "image": snap.get("image", ""),
        "image_alt": snap.get("image_alt", ""),
        "points": snap["points"],
        "score": aq.score,
        "is_correct": aq.is_correct,
        "critical": snap.get("critical", False),
        "items": items,
        "rationale_html": snap.get("rationale_html", "") if show_answers else "",
        "show_answers": show_answers,
        "answered": aq.response is not None,
    }


def learner_has_passed(*, user_id, quiz_id) -> bool:
    return Attempt.objects.filter(
        user_id=user_id, quiz_id=quiz_id, mode=Attempt.Mode.GRADED, passed=True
    ).exists()


def feedback_allowed(attempt: Attempt) -> bool:
    """Whether the key, option feedback and rationales may be shown for this attempt.

    "Right after submission": always (practice included). "Only once passed": once the
    learner has passed the quiz in a graded attempt, this one or a later one, so the bank
    cannot be learnt by failing, reviewing and retaking (practice follows the same rule).
    """
    policy = attempt.settings_snapshot.get("feedback", "after_submission")
    if policy != "after_pass":
        return True
    if attempt.is_graded and attempt.passed:
        return True
    return learner_has_passed(user_id=attempt.user_id, quiz_id=attempt.quiz_id)


# --- The quiz's hot reads -------------------------------------------------------------------
# A start reads the quiz by its slug; every request of a quiz reads the learner's attempt,
# and its pages and its submission read the attempt's questions. For statements this small
# the ORM takes longer to build them than the database takes to run them (about 200 µs
# against 20 µs on the bench machine), so they are written out once here. ``statements.rows()``
# still makes each row a model instance with every field converted, and ``SELECT *`` follows
# the model's columns.

_QUIZ_BY_SLUG = "SELECT * FROM quizzes_quiz WHERE slug = %s"
_ATTEMPT_OF_USER = "SELECT * FROM quizzes_attempt WHERE id = %s AND user_id = %s"
_ATTEMPT_QUESTIONS = "SELECT * FROM quizzes_attemptquestion WHERE attempt_id = %s ORDER BY position"
# The same rows, read only if the attempt is the user's: sent beside the attempt's own read.
_USERS_ATTEMPT_QUESTIONS = """
    SELECT aq.* FROM quizzes_attemptquestion aq JOIN quizzes_attempt a ON a.id = aq.attempt_id
    WHERE aq.attempt_id = %s AND a.user_id = %s ORDER BY aq.position
"""


def quiz_by_slug(slug: str) -> Quiz | None:
    return next(iter(statements.rows(Quiz, _QUIZ_BY_SLUG, [slug])), None)


def attempt_of(attempt_id, user) -> Attempt | None:
    """The user's own attempt ``attempt_id``, or None: nobody reads another learner's."""
    pk = Attempt._meta.pk.get_db_prep_value(attempt_id, connection)
    return next(iter(statements.rows(Attempt, _ATTEMPT_OF_USER, [pk, user.pk])), None)


def attempt_with_questions(attempt_id, user) -> tuple[Attempt, list[AttemptQuestion]] | None:
    """The user's own attempt and its questions in order, or None: ``attempt_of()`` and
    ``attempt_questions()`` in one round trip to the server where it can (the attempt's page
    and its result page read both on every request)."""
    pk = Attempt._meta.pk.get_db_prep_value(attempt_id, connection)
    attempts, questions = statements.rows_together(
        (Attempt, _ATTEMPT_OF_USER, [pk, user.pk]),
        (AttemptQuestion, _USERS_ATTEMPT_QUESTIONS, [pk, user.pk]),
    )
    if not attempts:
        return None
    attempt = attempts[0]
    for aq in questions:
        aq.attempt = attempt
    return attempt, questions


def attempt_questions(attempt: Attempt, *, for_update: bool = False) -> list[AttemptQuestion]:
    """The attempt's questions in order; ``for_update`` locks them where the database can."""
    sql = _ATTEMPT_QUESTIONS
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    pk = Attempt._meta.pk.get_db_prep_value(attempt.pk, connection)
    questions = statements.rows(AttemptQuestion, sql, [pk])
    for aq in questions:
        aq.attempt = attempt
    return questions
