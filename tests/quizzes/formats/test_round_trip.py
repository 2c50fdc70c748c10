"""Write each format and read it back: the same questions, keys, weights, feedback and tags.

What a format cannot carry is normalised on the expected side, by ``_expected``:
- GIFT and Moodle XML need a name, so an untitled question comes back titled with its key.
- GIFT and Moodle XML can only say "multiple response" with weights: a multiple-response
  question without weights comes back with the weights the writers give it
  (``common.default_weights``: an equal share of 100% per right choice, -100% per wrong one).
- GIFT ordering steps are written as ``=1 -> step`` lines, which have no feedback.
- Every format strips white space around texts (``normalise_question`` does the same).
Everything else, including difficulty, critical, points, categories and stem formats, survives.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from quizzes.formats import FORMATS, FormatError, guess_format, normalise_question, parse, write
from quizzes.formats.common import default_weights, settle_weights

BANKS = sorted((Path(__file__).resolve().parents[3] / "fixtures/curriculum/banks").glob("*.yaml"))

EVERY_TYPE: list[dict[str, Any]] = [
    {
        "key": "rt-single",
        "type": "single",
        "title": "Control characters: ~ = # { } : \\ and [html]",
        "stem": 'Which of ~ = # { } : \\ is *not* special?\nSecond line, with "quotes", commas.',
        "points": 2.5,
        "difficulty": "hard",
        "critical": True,
        "tags": {
            "objective": ["gift-escapes"],
            "risk": ["wrong-level", "sterile-field"],
            "topic": ["Unit 1: Intro [draft]"],
        },
        "rationale": "Backslash \\ escapes; a line\nbreak stays.",
        "category": "$course$/top/Round trip: one",
        "choices": [
            {"text": "\\", "correct": True, "feedback": "Right: \\ is the escape #1."},
            {"text": "[html] is a marker", "correct": False, "feedback": "=no"},
            {"text": "%50% of patients", "correct": False},
            {"text": "-5 mmHg, or =+@ formulas", "correct": False, "feedback": "{not this}"},
        ],
    },
    {
        "key": "rt-single-weighted",
        "type": "single",
        "title": "Partial credit",
        "stem": "Which is best?",
        "stem_format": "plain",
        "choices": [
            {"text": "Best", "correct": True, "weight": 100},
            {"text": "Nearly", "correct": False, "weight": 50, "feedback": "Half marks."},
            {"text": "Wrong", "correct": False, "weight": 0},
        ],
    },
    {
        "key": "rt-multiple-weighted",
        "type": "multiple",
        "title": "Continents",
        "stem": "<p>Select the <b>continents</b> &amp; nothing else.</p>",
        "stem_format": "html",
        "tags": {"topic": ["geography"]},
        "choices": [
            {"text": "Africa", "correct": True, "weight": 33.33333, "feedback": "<i>Yes</i>"},
            {"text": "Asia", "correct": True, "weight": 33.33333},
            {"text": "China", "correct": False, "weight": -100, "feedback": "A country."},
            {"text": "Antarctica", "correct": True, "weight": 33.33333},
        ],
    },
    {
        "key": "rt-multiple",
        "type": "multiple",
        "stem": "Which lower the dose? Select all that apply.",
        "difficulty": "easy",
        "choices": [
            {"text": "Lead apron", "correct": True, "feedback": "Shielding."},
            {"text": "Distance", "correct": True},
            {"text": "Standing by the tube", "correct": False},
        ],
    },
    {
        "key": "rt-true",
        "type": "true_false",
        "title": "True, two feedbacks",
        "stem": "MISS uses smaller incisions.",
        "rationale": "General feedback.",
        "category": "$course$/top/Round trip: two",
        "choices": [
            {"text": "True", "correct": True, "feedback": "Right."},
            {"text": "False", "correct": False, "feedback": "Wrong: they are smaller."},
        ],
    },
    {
        "key": "rt-false",
        "type": "true_false",
        "title": "False, feedback for the right answer only",
        "stem": "Imaging is needed only at the end.",
        "choices": [
            {"text": "True", "correct": False},
            {"text": "False", "correct": True, "feedback": "Right: imaging guides from the start."},
        ],
    },
    {
        "key": "rt-ordering",
        "type": "ordering",
        "title": "Tubular access",
        "stem": "Put the steps in order:\n\n- first think\n- then act",
        "points": 3,
        "tags": {"procedure": ["microdiscectomy"]},
        "choices": [
            {"text": "Confirm the level", "feedback": "Always first."},
            {"text": "Make the incision"},
            {"text": "Insert the dilators -> widest last"},
            {"text": "Dock the retractor"},
        ],
    },
    {
        "key": "rt-matching",
        "type": "matching",
        "title": "Instruments",
        "stem": "Match each instrument to its use.",
        "rationale": "Know your tray.",
        "pairs": [
            {"prompt": "Dilators", "answer": "Spread the muscle -> gently"},
            {"prompt": "Tube", "answer": "Holds the channel open"},
            {"prompt": "Kerrison #2", "answer": "Removes bone: lamina"},
        ],
        "distractors": ["Closes the skin", "Irrigates"],
    },
]


def _expected(fmt: str, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for raw in questions:
        q = normalise_question(copy.deepcopy(raw))
        del q["line"]
        settle_weights(q)
        if q["type"] == "true_false":
            q["choices"].sort(key=lambda c: c["text"].lower() != "true")
        if fmt in ("gift", "moodle-xml"):
            q["title"] = q["title"] or q["key"]
            if q["type"] == "multiple" and all(c["weight"] is None for c in q["choices"]):
                for c, w in zip(q["choices"], default_weights(q), strict=True):
                    c["weight"] = w
        if fmt == "gift" and q["type"] == "ordering":
            for c in q["choices"]:
                c["feedback"] = ""
        out.append(q)
    return out


def _round_trip(fmt: str, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = parse(write(questions, fmt), fmt)
    assert result.errors == []
    assert result.warnings == []
    assert result.unsupported == []
    for q in result.questions:
        del q["line"]
    return result.questions


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_question_type_survives_a_round_trip(fmt):
    assert _round_trip(fmt, EVERY_TYPE) == _expected(fmt, EVERY_TYPE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_second_round_trip_changes_nothing(fmt):
    once = _round_trip(fmt, EVERY_TYPE)

    assert _round_trip(fmt, once) == once


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("bank", BANKS, ids=lambda p: p.stem)
def test_the_miss_banks_survive_a_round_trip(fmt, bank):
    questions = yaml.safe_load(bank.read_text("utf-8"))["questions"]

    assert _round_trip(fmt, questions) == _expected(fmt, questions)


def test_there_are_miss_banks_to_round_trip():
    assert len(BANKS) >= 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_gift_export_read_back_into_moodle_xml_and_csv_keeps_the_questions(fmt):
    from_gift = _round_trip("gift", EVERY_TYPE)

    again = _round_trip(fmt, from_gift)

    assert again == _expected(fmt, from_gift)


@pytest.mark.parametrize("fmt", FORMATS)
def test_writing_a_question_the_engine_cannot_use_names_it(fmt):
    broken = {"key": "no-answer", "type": "single", "stem": "Which?", "choices": [{"text": "A"}]}

    with pytest.raises(FormatError, match="cannot write question 'no-answer': a single"):
        write([broken], fmt)


def test_writing_an_unsupported_type_names_it():
    with pytest.raises(FormatError, match=r"'e': type 'essay' has no place in gift$"):
        write([{"key": "e", "type": "essay", "stem": "Describe."}], "gift")


@pytest.mark.parametrize(
    ("filename", "head", "fmt"),
    [
        ("bank.gift", b"", "gift"),
        ("bank.txt", b"", "gift"),
        ("BANK.XML", b"", "moodle-xml"),
        ("bank.csv", b"", "csv"),
        ("upload", b'\xef\xbb\xbf<?xml version="1.0"?><quiz/>', "moodle-xml"),
        ("upload", b"::t::Q{T}", None),
    ],
)
def test_the_format_is_guessed_from_the_name_then_the_first_bytes(filename, head, fmt):
    assert guess_format(filename, head) == fmt
