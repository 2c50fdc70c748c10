"""Reads that need care: what a page may show of an attempt, before and after submission."""

from __future__ import annotations

from .models import Attempt, AttemptQuestion

TYPE_HINTS = {
    "single": "Choose one answer.",
    "true_false": "Choose true or false.",
    "multiple": "Select all that apply.",
    "ordering": "Put the steps in order: give each step its place.",
    "matching": "Match each item to its answer.",
}


def public_question(aq: AttemptQuestion) -> dict:
    """A question as the page shows it before submission: keys and text, never the answers.

    Built field by field from the snapshot, so nothing added to snapshots later can leak.
    """
    snap = aq.snapshot
    response = aq.response or {}
    qtype = snap["type"]
    items = []
    for index, item in enumerate(snap["items"], start=1):
        public = {"key": item["key"], "html": item["html"], "number": index}
        if item.get("image"):
            public["image"], public["image_alt"] = item["image"], item.get("image_alt", "")
        if qtype in ("single", "true_false"):
            public["selected"] = response.get("choice") == item["key"]
        elif qtype == "multiple":
            public["selected"] = item["key"] in (response.get("choices") or [])
        elif qtype == "ordering":
            order = response.get("order") or []
            public["place"] = order.index(item["key"]) + 1 if item["key"] in order else None
        elif qtype == "matching":
            public["chosen"] = (response.get("matches") or {}).get(item["key"], "")
        items.append(public)
    return {
        "position": aq.position,
        "type": qtype,
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
        row = {"html": item["html"], "feedback_html": item.get("feedback_html", "")}
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
        items.sort(key=lambda r: r["correct_place"])
    return {
        "position": aq.position,
        "type": qtype,
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


def feedback_allowed(attempt: Attempt) -> bool:
    if attempt.mode == Attempt.Mode.PRACTICE:
        return True
    policy = attempt.settings_snapshot.get("feedback", "after_submission")
    if policy == "after_pass":
        return bool(attempt.passed)
    return True
