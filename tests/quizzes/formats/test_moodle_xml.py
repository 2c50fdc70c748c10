"""Moodle XML written the way Moodle 4 exports it (files in ./data, written for these tests)."""

from __future__ import annotations

import base64
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from quizzes.formats import parse, write

DATA = Path(__file__).parent / "data"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def bank():
    return parse((DATA / "moodle_bank.xml").read_bytes(), "moodle-xml")


def _by_key(result, key):
    return next(q for q in result.questions if q["key"] == key)


def test_a_moodle_bank_imports_without_errors_or_warnings(bank):
    assert bank.errors == []
    assert bank.warnings == []
    assert [q["type"] for q in bank.questions] == [
        "single",
        "multiple",
        "true_false",
        "matching",
        "ordering",
    ]


def test_the_two_essay_questions_are_named_as_unsupported(bank):
    assert [(u.type, u.title, u.where) for u in bank.unsupported] == [
        ("essay", "Describe positioning", "/quiz/question[8]"),
        ("essay", "Explain the time-out", "/quiz/question[9]"),
    ]


def test_categories_apply_to_the_questions_that_follow(bank):
    assert [q["category"] for q in bank.questions] == [
        "$course$/top/MISS & the OR",
        "$course$/top/MISS & the OR",
        "$course$/top/MISS & the OR/Safety",
        "$course$/top/MISS & the OR/Safety",
        "$course$/top/MISS & the OR/Safety",
    ]


def test_the_idnumber_is_the_key_with_its_entities_decoded_once(bank):
    assert bank.questions[0]["key"] == "level <L4> & marker"
    assert bank.questions[0]["title"] == "Level check"


def test_each_question_names_its_element_path(bank):
    assert [q["line"] for q in bank.questions] == [
        "/quiz/question[2]",
        "/quiz/question[3]",
        "/quiz/question[5]",
        "/quiz/question[6]",
        "/quiz/question[7]",
    ]


def test_cdata_is_kept_as_written_and_entities_are_decoded_once(bank):
    q = bank.questions[0]

    assert q["stem_format"] == "html"
    assert q["rationale"] == (
        "<p>Wrong-level surgery is a never-event &amp; imaging prevents it.</p>"
    )
    # Escaped HTML outside CDATA: the XML layer decodes &lt;p&gt; and &amp;amp; once.
    assert q["choices"][2]["text"] == "<p>The level on the consent form &amp; the list</p>"
    assert _by_key(bank, "instruments-001")["pairs"][2]["answer"] == "Removes bone & ligament"


def test_answers_padded_with_newlines_are_trimmed(bank):
    assert bank.questions[0]["choices"][1]["text"] == "Palpating the spinous processes"


def test_single_answer_fractions_become_correct_flags_without_weights(bank):
    q = bank.questions[0]

    assert [(c["correct"], c["weight"]) for c in q["choices"]] == [
        (True, None),
        (False, None),
        (False, None),
    ]
    assert q["choices"][0]["feedback"] == "<p>Right: imaging confirms the level.</p>"


def test_multiple_response_fractions_are_kept_as_weights(bank):
    q = _by_key(bank, "radiation-001")

    assert q["stem_format"] == "plain"
    assert [(c["correct"], c["weight"]) for c in q["choices"]] == [
        (True, 33.33333),
        (True, 33.33333),
        (True, 33.33333),
        (False, -100),
    ]
    assert q["choices"][3]["feedback"] == "Scatter is highest there."


def test_defaultgrade_is_the_points_and_tags_are_split_by_kind(bank):
    q = bank.questions[0]

    assert q["points"] == 2
    assert q["tags"] == {
        "objective": ["level-check"],
        "risk": ["wrong-level"],
        "topic": ["Spine surgery"],
    }
    assert q["difficulty"] == "hard"
    assert q["critical"] is True


def test_true_false_feedback_belongs_to_the_answer_picked(bank):
    q = _by_key(bank, "incision-001")

    assert q["stem_format"] == "markdown"
    assert [(c["text"], c["correct"], c["feedback"]) for c in q["choices"]] == [
        ("True", True, "Right."),
        ("False", False, "MISS works through small incisions."),
    ]
    assert q["rationale"] == "Small incisions, less muscle disruption."


def test_matching_subquestions_with_empty_text_are_distractors(bank):
    q = _by_key(bank, "instruments-001")

    assert [p["prompt"] for p in q["pairs"]] == [
        "<p>Sequential dilators</p>",
        "<p>Tubular retractor</p>",
        "<p>Kerrison rongeur</p>",
    ]
    assert q["distractors"] == ["Closes the skin"]
    assert q["points"] == 3


def test_ordering_answers_keep_their_order(bank):
    q = _by_key(bank, "access-001")

    assert [c["text"] for c in q["choices"]] == [
        "Confirm the level",
        "Make the incision",
        "Insert the dilators",
        "Dock the retractor",
    ]


def test_base64_images_arrive_as_files_and_the_stem_keeps_the_reference(bank):
    assert bank.files == {"c-arm.png": PNG}
    assert '<img src="@@PLUGINFILE@@/c-arm.png"' in bank.questions[0]["stem"]


def test_a_moodle_19_image_becomes_a_file_shown_after_the_stem():
    result = parse((DATA / "moodle_19_image.xml").read_bytes(), "moodle-xml")

    assert result.errors == []
    q = result.questions[0]
    assert q["stem"] == 'Which flag is shown? <img src="@@PLUGINFILE@@/flag.gif" alt="">'
    assert q["stem_format"] == "html"
    assert list(result.files) == ["flag.gif"]
    assert result.files["flag.gif"].startswith(b"GIF89a")
    assert [c["text"] for c in q["choices"]] == ["The right flag", "A wrong flag"]


def test_a_cloze_question_is_unsupported_and_its_images_are_not_kept():
    result = parse((DATA / "moodle_19_image.xml").read_bytes(), "moodle-xml")

    assert [(u.type, u.title) for u in result.unsupported] == [
        ("multianswer", "Cloze with an image")
    ]
    assert "spine.png" not in result.files


def test_two_different_files_with_one_name_are_both_kept():
    other = base64.b64encode(b"GIF89a-other").decode()
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>One</text></name>
    <questiontext format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/a.png">]]></text>
      <file name="a.png" path="/" encoding="base64">{base64.b64encode(PNG).decode()}</file>
    </questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Two</text></name>
    <questiontext format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/a.png">]]></text>
      <file name="a.png" path="/" encoding="base64">{other}</file>
    </questiontext>
    <answer fraction="0"><text>true</text></answer>
    <answer fraction="100"><text>false</text></answer>
  </question>
</quiz>""".encode()

    result = parse(xml, "moodle-xml")

    assert result.files == {"a.png": PNG, "a-2.png": b"GIF89a-other"}
    assert result.questions[1]["stem"] == '<img src="@@PLUGINFILE@@/a-2.png">'


def test_a_file_name_that_climbs_out_of_its_folder_is_refused():
    xml = b"""<quiz><question type="truefalse"><name><text>T</text></name>
    <questiontext format="html"><text>x</text>
    <file name="../../etc/passwd" path="/" encoding="base64">AAAA</file></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
    </question></quiz>"""

    result = parse(xml, "moodle-xml")

    assert [e.message for e in result.errors] == ["file name '../../etc/passwd' is not allowed"]
    assert result.files == {}


def test_a_root_other_than_quiz_is_refused():
    result = parse(b"<html><body/></html>", "moodle-xml")

    assert result.errors[0].message == "the root element is <html>, not <quiz>"


def test_a_single_answer_question_without_a_full_mark_answer_is_an_error():
    xml = b"""<quiz><question type="multichoice"><name><text>Half</text></name>
    <questiontext format="html"><text>Which?</text></questiontext><single>true</single>
    <answer fraction="50"><text>A</text></answer><answer fraction="0"><text>B</text></answer>
    </question></quiz>"""

    result = parse(xml, "moodle-xml")

    assert [(e.where, e.message) for e in result.errors] == [
        ("/quiz/question[1]", "no choice is marked correct")
    ]


def test_written_xml_uses_cdata_idnumbers_fractions_tags_and_embedded_files():
    question = {
        "key": "q-1",
        "type": "single",
        "title": "Image",
        "stem": '<p>Which? <img src="@@PLUGINFILE@@/c-arm.png"></p>',
        "stem_format": "html",
        "tags": {"risk": ["radiation"]},
        "category": "$course$/top/Imaging",
        "choices": [
            {"text": "A", "correct": True, "feedback": "<b>Yes</b>"},
            {"text": "B", "correct": False},
        ],
    }

    data = write([question], "moodle-xml", files={"c-arm.png": PNG})

    root = SafeET.fromstring(data)
    category, written = root.findall("question")
    assert category.get("type") == "category"
    assert category.findtext("category/text") == "$course$/top/Imaging"
    assert written.get("type") == "multichoice"
    assert written.findtext("idnumber") == "q-1"
    assert written.findtext("single") == "true"
    assert [a.get("fraction") for a in written.findall("answer")] == ["100", "0"]
    assert written.findtext("tags/tag/text") == "risk:radiation"
    file_el = written.find("questiontext/file")
    assert file_el.get("name") == "c-arm.png"
    assert base64.b64decode(file_el.text) == PNG
    assert b"<text><![CDATA[<p>Which? <img" in data
    result = parse(data, "moodle-xml")
    assert result.files == {"c-arm.png": PNG}
    assert result.questions[0]["choices"][0]["feedback"] == "<b>Yes</b>"


def test_written_multiple_response_without_weights_uses_moodle_fractions():
    question = {
        "key": "m-1",
        "type": "multiple",
        "stem": "Pick",
        "choices": [
            {"text": "A", "correct": True},
            {"text": "B", "correct": True},
            {"text": "C", "correct": True},
            {"text": "D", "correct": False},
        ],
    }

    root = SafeET.fromstring(write([question], "moodle-xml"))

    fractions = [a.get("fraction") for a in root.find("question").findall("answer")]
    assert fractions == ["33.33333", "33.33333", "33.33333", "-100"]


def test_text_containing_the_cdata_end_marker_survives_writing():
    question = {
        "key": "cdata",
        "type": "true_false",
        "stem": "<p>Is ]]> a CDATA end?</p>",
        "stem_format": "html",
        "choices": [{"text": "True", "correct": True}, {"text": "False", "correct": False}],
    }

    result = parse(write([question], "moodle-xml"), "moodle-xml")

    assert result.questions[0]["stem"] == "<p>Is ]]> a CDATA end?</p>"


def test_auto_format_text_is_plain_unless_it_holds_html():
    xml = b"""<quiz>
  <question type="truefalse"><name><text>Plain</text></name>
    <questiontext format="moodle_auto_format"><text>Is 2 &lt; 3?</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="truefalse"><name><text>Tagged</text></name>
    <questiontext><text><![CDATA[Is <b>this</b>
bold?]]></text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
</quiz>"""

    plain, tagged = parse(xml, "moodle-xml").questions

    assert (plain["stem"], plain["stem_format"]) == ("Is 2 < 3?", "plain")
    assert (tagged["stem"], tagged["stem_format"]) == ("Is <b>this</b><br>\nbold?", "html")
