"""A small quiz answered by six learners through the app's own services, for item analysis.

Five single-answer questions of 1 mark, taken in order (q1 first), their options shuffled in
every attempt. Position 0 is each question's key; the learners pick by the option's original
position, whatever order they were shown it in:

    learner   q1 q2 q3 q4 q5      marks         total
    ana        0  0  0  0  1      1 1 1 1 0      4
    ben        0  0  0  0  1      1 1 1 1 0      4
    cai        0  0  1  0  2      1 1 0 1 0      3
    dev        0  1  2  0  3      1 0 0 1 0      2
    eli        1  2  3  0  2      0 0 0 1 0      1
    fay        2  3  3  0  3      0 0 0 1 0      1

q1 has three options (a key and two distractors), the others four. q1 and q2 are tagged
risk:radiation, q3 to q5 risk:infection.
"""

from __future__ import annotations

from quizzes.models import Attempt, Quiz, Tag
from quizzes.services import attempt_answer, attempt_start, attempt_submit
from tests import factories

PICKS = {
    "ana": [0, 0, 0, 0, 1],
    "ben": [0, 0, 0, 0, 1],
    "cai": [0, 0, 1, 0, 2],
    "dev": [0, 1, 2, 0, 3],
    "eli": [1, 2, 3, 0, 2],
    "fay": [2, 3, 3, 0, 3],
}


def matrix_quiz() -> Quiz:
    bank = factories.BankFactory(name="Imaging and radiation safety")
    radiation = factories.TagFactory(kind=Tag.Kind.RISK, value="radiation")
    infection = factories.TagFactory(kind=Tag.Kind.RISK, value="infection")
    four = [
        ("Key", True),
        ("Distractor B", False),
        ("Distractor C", False),
        ("Distractor D", False),
    ]
    factories.QuestionFactory(
        bank=bank,
        key="q1",
        choices=[("Key", True), ("Distractor B", False), ("Distractor C", False)],
        tags=[radiation],
    )
    factories.QuestionFactory(bank=bank, key="q2", choices=four, tags=[radiation])
    for key in ("q3", "q4", "q5"):
        factories.QuestionFactory(bank=bank, key=key, choices=four, tags=[infection])
    return factories.QuizFactory(
        bank=bank, shuffle_questions=False, shuffle_choices=True, pass_mark=50
    )


def take(user, quiz: Quiz, picks: list[int]) -> Attempt:
    """One submitted attempt picking, for each question in turn, the option at ``picks[i]``."""
    attempt = attempt_start(quiz=quiz, user=user)
    for aq, pick in zip(attempt.questions.order_by("position"), picks, strict=True):
        key = next(item["key"] for item in aq.snapshot["items"] if item["position"] == pick)
        attempt_answer(
            attempt=attempt,
            position=aq.position,
            raw={"choice": key},
            sequence=aq.sequence,
            question=aq,
        )
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    return attempt


def answered_matrix(quiz: Quiz) -> dict[str, object]:
    """The six learners, each having taken ``quiz`` once as in the table above."""
    learners = {}
    for name, picks in PICKS.items():
        learners[name] = factories.UserFactory(username=name)
        take(learners[name], quiz, picks)
    return learners
