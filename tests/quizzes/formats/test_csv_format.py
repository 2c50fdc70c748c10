from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from quizzes.formats import FormatError, csv_format, decode_text, parse, write

TEMPLATE = Path(csv_format.__file__).with_name("template.csv")
HEADER = (
    "id,type,title,stem,points,difficulty,critical,tags,rationale,correct,"
    "choice_1,choice_2,choice_3,feedback_1,feedback_2,feedback_3"
)


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _problems(result):
    return [(p.where, p.message) for p in result.errors]


def test_the_template_has_the_documented_columns_and_imports_cleanly():
    data = TEMPLATE.read_bytes()
    header = next(csv.reader(io.StringIO(decode_text(data))))

    result = parse(data, "csv", filename="template.csv")

    assert header == csv_format.columns()
    assert header[:10] == [
        "id",
        "type",
        "title",
        "stem",
        "points",
        "difficulty",
        "critical",
        "tags",
        "rationale",
        "correct",
    ]
    assert result.errors == []
    assert result.warnings == []
    assert [q["type"] for q in result.questions] == [
        "single",
        "multiple",
        "true_false",
        "ordering",
        "matching",
    ]


def test_the_layout_is_documented_in_the_module():
    doc = csv_format.__doc__
    for column in ("id", "correct", "choice_1", "feedback_1", "tags", "weights", "=>"):
        assert column in doc


def test_a_single_answer_row_reads_every_column():
    data = _csv(
        'found-001,single,Level,"Which level?",2,hard,yes,'
        '"objective:level-check;risk:wrong-level;Spine",Because.,2,L3,L4,L5,No,Yes,'
    )

    result = parse(data, "csv")

    assert result.errors == []
    q = result.questions[0]
    assert q["key"] == "found-001"
    assert q["title"] == "Level"
    assert q["points"] == 2
    assert q["difficulty"] == "hard"
    assert q["critical"] is True
    assert q["tags"] == {
        "objective": ["level-check"],
        "risk": ["wrong-level"],
        "topic": ["Spine"],
    }
    assert q["rationale"] == "Because."
    assert q["stem_format"] == "markdown"
    assert [(c["text"], c["correct"], c["feedback"]) for c in q["choices"]] == [
        ("L3", False, "No"),
        ("L4", True, "Yes"),
        ("L5", False, ""),
    ]
    assert q["line"] == 2


def test_multiple_response_takes_several_choice_numbers():
    result = parse(_csv("m-1,multiple,,Pick two,,,,,,1;3,A,B,C,,,"), "csv")

    assert [c["correct"] for c in result.questions[0]["choices"]] == [True, False, True]


def test_true_false_needs_no_choices_and_takes_a_word():
    result = parse(_csv("tf-1,true_false,,Is it?,,,,,,false,,,,,,"), "csv")

    q = result.questions[0]
    assert [(c["text"], c["correct"]) for c in q["choices"]] == [("True", False), ("False", True)]


def test_ordering_choices_are_the_steps_in_order():
    result = parse(_csv("o-1,ordering,,Order them,,,,,,,First,Second,Third,,,"), "csv")

    assert [c["text"] for c in result.questions[0]["choices"]] == ["First", "Second", "Third"]


def test_matching_cells_pair_a_term_with_a_definition_and_none_marks_a_distractor():
    data = _csv(
        "x-1,matching,,Match,,,,,,,Dilator => Spreads muscle,Tube => Holds,(none) => Closes,,,"
    )

    q = parse(data, "csv").questions[0]

    assert q["pairs"] == [
        {"prompt": "Dilator", "answer": "Spreads muscle"},
        {"prompt": "Tube", "answer": "Holds"},
    ]
    assert q["distractors"] == ["Closes"]


def test_errors_name_the_line_and_the_column():
    data = _csv(
        "a,single,,Fine,,,,,,1,A,B,,,,",
        "b,single,,Bad points,lots,,,,,1,A,B,,,,",
        "c,single,,Bad number,,,,,,4,A,B,,,,",
        "d,sorting,,Bad type,,,,,,1,A,B,,,,",
        "e,single,,Gap,,,,,,1,A,,C,,,",
        "f,single,,Two right,,,,,,1;2,A,B,,,,",
        "g,single,,Bad level,,extreme,,,,1,A,B,,,,",
    )

    result = parse(data, "csv")

    assert [q["key"] for q in result.questions] == ["a"]
    assert _problems(result) == [
        ("line 3, column points", "'lots' is not a number (0 or more)"),
        ("line 4, column correct", "'4' is not a choice number from 1 to 2"),
        (
            "line 5, column type",
            "unknown type 'sorting': use single, multiple, true_false, ordering or matching",
        ),
        ("line 6, column choice_2", "an empty choice before filled ones: leave no gaps"),
        (
            "line 7, column correct",
            "a single question needs exactly one right choice number, not '1;2'",
        ),
        ("line 8, column difficulty", "'extreme' is not easy, medium or hard"),
    ]


def test_a_cell_over_several_lines_keeps_the_next_rows_line_numbers_right():
    data = _csv(
        'a,single,,"Line one\nline two\nline three",,,,,,1,A,B,,,,', "b,single,,X,,,,,,,A,B,,,,"
    )

    result = parse(data, "csv")

    assert result.questions[0]["stem"] == "Line one\nline two\nline three"
    assert _problems(result) == [
        (
            "line 5, column correct",
            "a single question needs exactly one right choice number, not ''",
        )
    ]


def test_an_unsupported_type_is_listed_by_title():
    result = parse(_csv("e-1,essay,Describe it,Describe the time-out,,,,,,,,,,,,"), "csv")

    assert result.errors == []
    assert [(u.type, u.title, u.where) for u in result.unsupported] == [
        ("essay", "Describe it", "line 2")
    ]


def test_windows_1252_from_a_spreadsheet_is_decoded():
    data = _csv("w-1,single,,Qu’est-ce qu’une lésion ?,,,,,,1,Oui,Non,,,,").decode()
    data_1252 = data.encode("cp1252")

    result = parse(data_1252, "csv")

    assert result.errors == []
    assert result.questions[0]["stem"] == "Qu’est-ce qu’une lésion ?"


def test_semicolon_separated_files_from_european_excel_are_read():
    header = HEADER.replace(",", ";")
    data = _csv('s-1;single;;Which?;;;;"risk:vte;role:all";;1;A;B;;;;', header=header)

    result = parse(data, "csv")

    assert result.errors == []
    assert result.questions[0]["tags"] == {"risk": ["vte"], "role": ["all"]}


def test_column_names_ignore_case_and_spaces():
    header = HEADER.replace("choice_1", "Choice 1").replace("id,", "ID,")

    result = parse(_csv("c-1,single,,Which?,,,,,,1,A,B,,,,", header=header), "csv")

    assert result.errors == []
    assert result.questions[0]["key"] == "c-1"


def test_an_unknown_column_is_ignored_with_a_warning():
    result = parse(_csv("c-1,single,,Which?,,,,,,1,A,B,,,,,x", header=HEADER + ",notes"), "csv")

    assert result.errors == []
    assert [(w.where, w.message) for w in result.warnings] == [
        ("line 1, column notes", "unknown column ignored")
    ]


def test_a_repeated_id_is_an_error():
    result = parse(_csv("a,single,,One,,,,,,1,A,B,,,,", "a,single,,Two,,,,,,1,A,B,,,,"), "csv")

    assert len(result.errors) == 1
    assert result.errors[0].where == "line 3"
    assert "the id 'a' is used twice (first at line 2)" in result.errors[0].message


def test_cells_that_look_like_formulas_are_written_with_a_quote_and_read_back_plain():
    question = {
        "key": "f-1",
        "type": "single",
        "stem": '=HYPERLINK("http://evil")',
        "rationale": "+1 point",
        "choices": [
            {"text": "-5 mmHg", "correct": True},
            {"text": "@risk", "correct": False},
            {"text": "'=already quoted", "correct": False},
            {"text": "'plain quote", "correct": False},
        ],
    }

    data = write([question], "csv")
    rows = list(csv.reader(io.StringIO(decode_text(data))))
    cells = dict(zip(rows[0], rows[1], strict=True))

    assert cells["stem"] == '\'=HYPERLINK("http://evil")'
    assert cells["rationale"] == "'+1 point"
    assert [cells[f"choice_{i}"] for i in range(1, 5)] == [
        "'-5 mmHg",
        "'@risk",
        "''=already quoted",
        "'plain quote",
    ]
    q = parse(data, "csv").questions[0]
    assert q["stem"] == '=HYPERLINK("http://evil")'
    assert q["rationale"] == "+1 point"
    assert [c["text"] for c in q["choices"]] == [
        "-5 mmHg",
        "@risk",
        "'=already quoted",
        "'plain quote",
    ]


def test_written_csv_starts_with_a_bom_so_that_excel_reads_utf8():
    assert write([], "csv").startswith(b"\xef\xbb\xbfid,type,")


def test_weights_travel_in_their_own_column():
    question = {
        "key": "w",
        "type": "multiple",
        "stem": "Continents?",
        "choices": [
            {"text": "Africa", "correct": True, "weight": 50},
            {"text": "Asia", "correct": True, "weight": 50},
            {"text": "China", "correct": False, "weight": -100},
        ],
    }

    data = write([question], "csv")

    assert b"50;50;-100" in data
    choices = parse(data, "csv").questions[0]["choices"]
    assert [(c["correct"], c["weight"]) for c in choices] == [
        (True, 50),
        (True, 50),
        (False, -100),
    ]


def test_a_matching_term_the_layout_cannot_hold_is_refused_on_writing():
    question = {
        "key": "m",
        "type": "matching",
        "stem": "Match.",
        "pairs": [{"prompt": "A => B", "answer": "C"}, {"prompt": "D", "answer": "E"}],
    }

    with pytest.raises(FormatError, match="a matching term holds '=>'"):
        write([question], "csv")


def test_windows_line_breaks_inside_a_cell_become_newlines():
    data = b'id,type,stem,correct,choice_1,choice_2\r\nq,single,"One\r\ntwo",1,A,B\r\n'

    assert parse(data, "csv").questions[0]["stem"] == "One\ntwo"
