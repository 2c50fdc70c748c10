"""load_curriculum and the set-up commands are idempotent, and reloading keeps attempts intact."""

from __future__ import annotations

import shutil

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command

from quizzes.models import Attempt, Choice, DrawRule, Question, QuestionVersion, Quiz
from quizzes.services import attempt_answer, attempt_start, attempt_submit
from training.curriculum import curriculum_dir, load_curriculum
from training.models import Assignment, Cohort, Course, Enrolment, Lesson

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Question, Choice, QuestionVersion, Quiz, DrawRule, Course, Lesson)
    }


def test_loading_the_curriculum_twice_changes_nothing():
    first = load_curriculum()
    assert first.questions["created"] >= 150
    before = counts()
    second = load_curriculum()
    assert second.questions == {"created": 0, "updated": 0, "unchanged": first.questions["created"]}
    assert counts() == before


def test_the_set_up_commands_run_twice_without_error_or_duplicates(capsys):
    for _ in range(2):
        call_command("migrate", verbosity=0)
        call_command("load_curriculum")
        call_command("load_demo")
    User = get_user_model()
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "admin",
        "educator",
        "learner",
    ]
    enrolments = Enrolment.objects.filter(user__username="learner")
    assert enrolments.count() == Course.objects.count() == 2
    assert all(e.due_at is not None for e in enrolments)
    assert Cohort.objects.get().memberships.count() == 1
    assert Assignment.objects.count() == 2
    assert "password" in capsys.readouterr().out


def test_editing_a_question_and_reloading_keeps_earlier_attempts_intact(tmp_path, learner):
    root = tmp_path / "curriculum"
    shutil.copytree(curriculum_dir(), root)
    load_curriculum(root)
    quiz = Quiz.objects.get(slug="what-is-miss-check")
    attempt = attempt_start(quiz=quiz, user=learner)
    for aq in attempt.questions.all():
        if aq.snapshot["type"] in ("single", "true_false"):
            key = next(i["key"] for i in aq.snapshot["items"] if i["correct"])
            attempt_answer(attempt=attempt, position=aq.position, raw={"choice": key}, sequence=0)
    attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    score, snapshot = attempt.score, attempt.questions.first().snapshot
    edited_key = attempt.questions.first().question.key

    bank_file = root / "banks" / "what-is-miss.yaml"
    data = yaml.safe_load(bank_file.read_text())
    for q in data["questions"]:
        if q["key"] == edited_key:
            q["stem"] = "An edited stem for the next review cycle."
            q["rationale"] = "An edited rationale that a reviewer asked for in a pull request."
    bank_file.write_text(yaml.safe_dump(data, sort_keys=False))
    report = load_curriculum(root)

    assert report.questions["updated"] == 1
    question = Question.objects.get(key=edited_key)
    assert question.version == 2
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.score == score
    assert attempt.questions.first().snapshot == snapshot
