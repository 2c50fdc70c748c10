"""The MIT GIFT corpus of GIFT-grammar-PEG.js against its expected JSON (tests/data/gift-pegjs).

Differences between that parser's model and ours, applied to the expected side:
- its "moodle" text format (Moodle's auto-format) is our "html" when the stem holds an HTML
  tag, else "plain" (``common.from_auto_format``); a missing title is our "";
- its ``isCorrect`` is false on weighted ``~%33%`` answers: ours marks a choice correct when it
  is an ``=`` answer or has a positive weight;
- true/false: it calls the first ``#`` text ``trueFeedback`` and the second ``falseFeedback``;
  Moodle shows the first to a learner who answers wrongly and the second to one who answers
  right, and our choices carry the feedback their picker sees.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from quizzes.formats import parse
from quizzes.formats.common import excerpt, from_auto_format

CORPUS = Path(__file__).resolve().parents[2] / "data" / "gift-pegjs"
FILES = sorted(CORPUS.glob("*.gift"))
UNSUPPORTED = {
    "Description": "description",
    "Essay": "essay",
    "Numerical": "numerical",
    "Short": "shortanswer",
}
FORMATS = {"html": "html", "markdown": "markdown", "plain": "plain"}


def _expected(path: Path) -> list[dict[str, Any]]:
    return json.loads((CORPUS / "expected-json" / f"{path.stem}.json").read_text("utf-8"))


def _format(text: dict[str, Any]) -> str:
    if text["format"] == "moodle":
        return from_auto_format(text["text"])[1]
    return FORMATS[text["format"]]


def _text(value: dict[str, Any] | None) -> str:
    return value["text"] if value else ""


def test_the_corpus_is_all_there():
    assert len(FILES) == 13
    assert all((CORPUS / "expected-json" / f"{f.stem}.json").exists() for f in FILES)
    assert "84236c6fc85b" in (CORPUS / "SOURCE.md").read_text("utf-8")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_corpus_file_imports_without_errors(path):
    result = parse(path.read_bytes(), "gift", filename=path.name)

    assert result.errors == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_supported_questions_match_the_expected_json(path):
    result = parse(path.read_bytes(), "gift")
    expected = [e for e in _expected(path) if e["type"] in ("MC", "TF", "Matching")]

    assert len(result.questions) == len(expected)
    for question, want in zip(result.questions, expected, strict=True):
        assert question["title"] == (want["title"] or "")
        assert question["stem"] == want["stem"]["text"]
        assert question["stem_format"] == _format(want["stem"])
        assert question["rationale"] == _text(want.get("globalFeedback"))
        if want["type"] == "TF":
            _assert_true_false(question, want)
        else:
            _assert_choices(question, want)


def _assert_choices(question: dict[str, Any], want: dict[str, Any]) -> None:
    got = [(c["text"], c["correct"], c["weight"], c["feedback"]) for c in question["choices"]]
    wanted = [
        (
            c["text"]["text"],
            c["isCorrect"] or (c["weight"] or 0) > 0,
            c["weight"],
            _text(c["feedback"]),
        )
        for c in want["choices"]
    ]
    assert got == wanted
    weighted_multiple = all(c["weight"] is not None for c in want["choices"]) and not any(
        c["isCorrect"] for c in want["choices"]
    )
    assert question["type"] == ("multiple" if weighted_multiple else "single")


def _assert_true_false(question: dict[str, Any], want: dict[str, Any]) -> None:
    assert question["type"] == "true_false"
    true_choice, false_choice = question["choices"]
    assert (true_choice["text"], false_choice["text"]) == ("True", "False")
    assert true_choice["correct"] is want["isTrue"]
    assert false_choice["correct"] is not want["isTrue"]
    first, second = _text(want["trueFeedback"]), _text(want["falseFeedback"])
    right, wrong = (true_choice, false_choice) if want["isTrue"] else (false_choice, true_choice)
    assert wrong["feedback"] == first
    assert right["feedback"] == second


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_unsupported_questions_are_named_by_title(path):
    result = parse(path.read_bytes(), "gift")
    expected = [e for e in _expected(path) if e["type"] in UNSUPPORTED]

    assert [(u.type, u.title) for u in result.unsupported] == [
        (UNSUPPORTED[e["type"]], excerpt(e["title"] or e["stem"]["text"])) for e in expected
    ]
    assert all(u.where.startswith("line ") for u in result.unsupported)


def test_a_category_with_a_colon_in_its_path_applies_to_the_next_question():
    path = CORPUS / "categorySpecialCharacter.gift"
    data = path.read_bytes() + b"\n\nIs this in the category?{T}\n"

    result = parse(data, "gift")

    assert result.questions[0]["category"] == _expected(path)[0]["title"]
    assert result.questions[0]["category"] == "$course$/top/Default for Unit 1: Topic"
