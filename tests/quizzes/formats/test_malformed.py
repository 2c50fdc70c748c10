"""Bad files: each gives an error naming where (the line, or the size) and why."""

from __future__ import annotations

import pytest

from quizzes.formats import MAX_BYTES, FormatError, decode_text, parse


def _errors(data: bytes, fmt: str) -> list[tuple[str, str]]:
    return [(e.where, e.message) for e in parse(data, fmt).errors]


def test_an_unclosed_brace_names_the_line_of_the_brace():
    data = b"::One::Fine?{T}\n\n::Two::Which level?\n{=L4-5\n~L3-4\n\n::Three::Next?{F}\n"

    assert _errors(data, "gift") == [
        (
            "line 4",
            "unclosed brace: the '{' opened here has no closing '}' before the blank line "
            "that ends the question",
        )
    ]


def test_answers_without_a_stem_name_their_line():
    data = b"Which level is it?\n\n{=L4-5 ~L3-4}\n"

    result = parse(data, "gift")

    assert [(e.where, e.message) for e in result.errors] == [
        (
            "line 3",
            "answer without a question stem: a question's text must come before its '{' "
            "(a blank line between them ends the question)",
        )
    ]
    assert [u.type for u in result.unsupported] == ["description"]


def test_two_correct_answers_in_a_single_answer_question_without_weights_is_an_error():
    data = b"// a comment\n::Two right::Which?{\n=A\n=B\n~C\n}\n"

    assert _errors(data, "gift") == [
        (
            "line 2",
            "2 answers are marked correct (=) in a single-answer question with no weights: "
            "keep one '=', or write the right answers as ~%50% weights to make a "
            "multiple-response question",
        )
    ]


def test_answer_lines_outside_braces_are_an_error():
    data = b"Which level?\n=L4-5\n~L3-4\n"

    assert _errors(data, "gift") == [
        (
            "line 2",
            "an answer line (starting with = or ~) outside braces: put the answers inside { } "
            "right after the question",
        )
    ]


def test_a_bad_weight_names_its_line():
    data = b"Which?{\n=A\n~%fifty%B\n}\n"

    assert _errors(data, "gift") == [("line 3", "a weight must look like %50% or %-33.33333%")]


def test_a_question_without_a_right_answer_is_an_error():
    assert _errors(b"Which?{~A ~B}", "gift") == [
        ("line 1", "no choice is marked correct (or has a positive weight)")
    ]


def test_broken_xml_is_refused_with_its_line():
    broken = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>Unclosed</name>
  </question>
</quiz>"""

    result = parse(broken, "moodle-xml")

    assert result.questions == []
    assert [(e.where, e.message) for e in result.errors] == [
        ("line 4", "broken XML at column 27: mismatched tag")
    ]


def test_an_xml_entity_bomb_is_refused():
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<quiz><question type="truefalse"><name><text>&c;</text></name></question></quiz>"""

    result = parse(bomb, "moodle-xml")

    assert result.questions == []
    assert [(e.where, e.message) for e in result.errors] == [
        ("line 3", "XML entities are not allowed (EntitiesForbidden)")
    ]


def test_an_xml_external_entity_is_refused():
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>&secret;</text></name></question></quiz>"""

    result = parse(xxe, "moodle-xml")

    assert [(e.where, e.message) for e in result.errors] == [
        ("line 2", "XML entities are not allowed (EntitiesForbidden)")
    ]
    assert result.unsupported == []


def test_a_csv_without_a_required_column_names_it():
    data = b"id,stem,correct,choice_1,choice_2\nq1,Which?,1,A,B\n"

    result = parse(data, "csv")

    assert result.questions == []
    assert [(e.where, e.message) for e in result.errors] == [
        (
            "line 1",
            "the required column 'type' is missing (the first row must name the columns: "
            "id, type, stem, correct, choice_1 at least)",
        )
    ]


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "csv"])
def test_a_file_over_the_size_limit_is_refused_before_parsing(fmt):
    data = b"x" * (20 * 1024 * 1024)

    result = parse(data, fmt, filename="big.file")

    assert result.questions == []
    assert [(e.where, e.message) for e in result.errors] == [
        (
            "file",
            "big.file: the file is 20.0 MB (20,971,520 bytes); the limit is 10 MB. "
            "Split it into smaller files.",
        )
    ]


def test_a_file_of_exactly_the_limit_is_read():
    data = b"Which?{T}\n\n" + b"//" + b"x" * (MAX_BYTES - 14) + b"\n"

    assert len(data) == MAX_BYTES
    assert parse(data, "gift").errors == []


def test_utf8_with_or_without_a_bom_and_windows_1252_are_decoded():
    assert decode_text("Lésion".encode()) == "Lésion"
    assert decode_text(b"\xef\xbb\xbf" + "Lésion".encode()) == "Lésion"
    assert decode_text("Lésion – ‘quoted’".encode("cp1252")) == "Lésion – ‘quoted’"
    assert decode_text("Lésion".encode("utf-16")) == "Lésion"


def test_bytes_that_are_neither_utf8_nor_windows_1252_name_their_offset():
    with pytest.raises(FormatError, match=r"byte 0x81 at byte offset 4"):
        decode_text(b"abc\xe9\x81")


def test_an_undecodable_file_is_an_error_naming_its_line():
    data = b"Fine?{T}\n\nBad \x81 byte?{T}\n"

    assert _errors(data, "gift") == [
        (
            "line 3",
            "cannot read the text: byte 0x81 at byte offset 14 is neither UTF-8 (first bad "
            "byte at offset 14) nor Windows-1252; save the file as UTF-8",
        )
    ]


def test_a_binary_file_is_refused():
    data = b"PK\x03\x04\x00\x00 an xlsx renamed .csv"

    assert _errors(data, "csv") == [
        (
            "line 1",
            "cannot read the text: NUL byte at byte offset 4: this looks like a binary file, "
            "not text",
        )
    ]


def test_an_unknown_format_name_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown format 'docx'"):
        parse(b"", "docx")


def test_an_xml_declaration_with_an_unknown_encoding_is_an_error():
    data = b'<?xml version="1.0" encoding="UTF-9"?>\n<quiz/>'

    assert _errors(data, "moodle-xml") == [
        ("line 1", "the XML declaration names an unknown encoding: UTF-9")
    ]
