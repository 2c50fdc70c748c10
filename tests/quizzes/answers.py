"""Answers to a frozen question, as a test (or a learner) would give them.

Tests read the correct answer from the attempt's snapshot, never from the page: the page must
not hold it.
"""

from __future__ import annotations


def right_answer(snapshot: dict) -> dict:
    """The fully correct answer, in the form ``attempt_answer`` takes."""
    items = snapshot["items"]
    qtype = snapshot["type"]
    if qtype in ("single", "true_false"):
        return {"choice": next(i["key"] for i in items if i["correct"])}
    if qtype == "multiple":
        return {"choices": [i["key"] for i in items if i["correct"]]}
    if qtype == "ordering":
        return {"order": [i["key"] for i in sorted(items, key=lambda i: i["position"])]}
    if qtype == "matching":
        return {"matches": {i["key"]: i["answer"] for i in items}}
    raise ValueError(qtype)


def wrong_answer(snapshot: dict) -> dict:
    """An answer that earns nothing under all-or-nothing scoring."""
    items = snapshot["items"]
    qtype = snapshot["type"]
    if qtype in ("single", "true_false"):
        return {"choice": next(i["key"] for i in items if not i["correct"])}
    if qtype == "multiple":
        return {"choices": [i["key"] for i in items if not i["correct"]]}
    if qtype == "ordering":
        order = right_answer(snapshot)["order"]
        return {"order": order[1:] + order[:1]}
    if qtype == "matching":
        keys = [a["key"] for a in snapshot["answers"]]
        return {
            "matches": {
                i["key"]: next(k for k in keys if k != i["answer"]) for i in snapshot["items"]
            }
        }
    raise ValueError(qtype)


def form_fields(position: int, snapshot: dict, answer: dict) -> dict:
    """The POST fields the attempt page's form sends for ``answer`` to question ``position``."""
    name = f"q{position}"
    qtype = snapshot["type"]
    if qtype in ("single", "true_false"):
        return {name: answer["choice"]}
    if qtype == "multiple":
        return {name: answer["choices"]}
    if qtype == "ordering":
        return {f"{name}-{key}": str(place) for place, key in enumerate(answer["order"], start=1)}
    if qtype == "matching":
        return {f"{name}-{key}": value for key, value in answer["matches"].items()}
    raise ValueError(qtype)


def page_post(attempt, answers: dict[int, dict], **extra) -> dict:
    """A whole-page POST: the given answers with each question's current sequence number."""
    data = dict(extra)
    for aq in attempt.questions.all():
        data[f"seq{aq.position}"] = str(aq.sequence)
        if aq.position in answers:
            data.update(form_fields(aq.position, aq.snapshot, answers[aq.position]))
    return data
