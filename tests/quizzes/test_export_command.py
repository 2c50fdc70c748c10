"""manage.py export_questions: a bank to stdout in each format, read back by the format layer."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from quizzes.formats import parse
from quizzes.models import Question
from quizzes.services import question_retire
from tests import factories
from tests.quizzes import import_samples as samples

pytestmark = pytest.mark.django_db


def _export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_questions", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "csv"])
def test_a_bank_is_written_to_stdout_in_each_format(fmt):
    bank = samples.every_type_bank("Every type")

    text = _export("--bank", "Every type", "--format", fmt)

    result = parse(text.encode("utf-8"), fmt)
    assert result.errors == [] and result.unsupported == []
    assert sorted(q["key"] for q in result.questions) == sorted(
        bank.questions.values_list("key", flat=True)
    )
    assert sorted({q["type"] for q in result.questions}) == [
        "matching",
        "multiple",
        "ordering",
        "single",
        "true_false",
    ]


def test_the_bank_may_be_named_by_its_slug():
    factories.QuestionFactory(bank=factories.BankFactory(name="MISS: Risks", slug="risks"))

    text = _export("--bank", "risks", "--format", "gift")

    assert "which instrument docks on the lamina" in text


def test_retired_questions_are_left_out():
    bank = factories.BankFactory(name="B")
    kept = factories.QuestionFactory(bank=bank, key="kept")
    question_retire(question=factories.QuestionFactory(bank=bank, key="retired"))

    text = _export("--bank", "B", "--format", "csv")

    assert [q["key"] for q in parse(text.encode(), "csv").questions] == [kept.key]


def test_an_unknown_bank_is_an_error():
    with pytest.raises(CommandError, match="No bank is named 'Nope'"):
        _export("--bank", "Nope", "--format", "gift")


def test_a_question_the_formats_cannot_write_is_named():
    bank = factories.BankFactory(name="B")
    question = factories.QuestionFactory(bank=bank, key="no-key-marked")
    question.choices.update(is_correct=False)

    with pytest.raises(CommandError, match="cannot write question 'no-key-marked'"):
        _export("--bank", "B", "--format", "gift")
    assert Question.objects.count() == 1


def test_what_a_format_cannot_carry_is_named_on_stderr():
    bank = factories.BankFactory(name="B")
    factories.QuestionFactory(bank=bank, key="pictured", image="questions/x.png", image_alt="X")
    matching = factories.QuestionFactory(bank=bank, key="pairs", type="matching")
    matching.choices.filter(position=0).update(feedback="Time matters most.")
    out, err = io.StringIO(), io.StringIO()

    call_command("export_questions", "--bank", "B", "--format", "gift", stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        "Not exported: pairs: feedback on matching pairs has no place in gift",
        "Not exported: pictured: its uploaded image(s) are not exported; add them to the stem "
        "as Markdown images if they must travel",
    ]
    assert "::pictured::" in out.getvalue()
