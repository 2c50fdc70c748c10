from __future__ import annotations

import time

from quizzes.formats import parse, write
from quizzes.formats.common import derive_key


def _gift(text: str):
    return parse(text.encode("utf-8"), "gift")


def _one(text: str):
    result = _gift(text)
    assert result.errors == [], result.errors
    assert len(result.questions) == 1
    return result.questions[0]


def test_a_title_is_the_key_and_escaped_colons_stay_in_it():
    q = _one("::Level\\: L4-5::Which level?{=L4-5 ~L3-4}")

    assert q["title"] == "Level: L4-5"
    assert q["key"] == "Level: L4-5"


def test_without_a_title_the_key_is_a_stable_hash_of_the_stem():
    q = _one("Which level?{=L4-5 ~L3-4}")

    assert q["title"] == ""
    assert q["key"] == derive_key("Which level?")
    assert _one("Which level?{=L4-5 ~L3-4 ~L5-S1}")["key"] == q["key"]


def test_moodle_id_and_tag_comments_give_the_key_and_the_tags():
    q = _one(
        "// question: 12  name: Level\n"
        "// [id:found-001] [tag:objective:level-check] [tag:risk:wrong-level] [tag:Anatomy]\n"
        "// [tag:difficulty:hard] [tag:critical:true]\n"
        "::Level::Which level?{=L4-5 ~L3-4}"
    )

    assert q["key"] == "found-001"
    assert q["title"] == "Level"
    assert q["tags"] == {
        "objective": ["level-check"],
        "risk": ["wrong-level"],
        "topic": ["Anatomy"],
    }
    assert q["difficulty"] == "hard"
    assert q["critical"] is True


def test_a_meta_comment_gives_the_points():
    q = _one("// meta: points=2.5 difficulty=easy\nWhich?{=A ~B}")

    assert q["points"] == 2.5
    assert q["difficulty"] == "easy"


def test_a_category_line_applies_to_the_questions_after_it():
    result = _gift("First?{T}\n\n$CATEGORY: $course$/top/Unit 1: Intro\n\nSecond?{F}\n\nThird?{T}")

    assert [q["category"] for q in result.questions] == [
        None,
        "$course$/top/Unit 1: Intro",
        "$course$/top/Unit 1: Intro",
    ]


def test_format_markers_set_the_stem_format_and_answers_inherit_it():
    q = _one("[markdown]Which is **bold**?\\nSecond line{=A ~[html]<b>B</b>}")

    assert q["stem_format"] == "markdown"
    assert q["stem"] == "Which is **bold**?\nSecond line"
    assert q["choices"][1]["text"] == "<b>B</b>"


def test_without_a_marker_the_text_is_plain_and_line_breaks_are_spaces():
    q = _one("Which\nlevel?{\n=L4-5 # right\n  and well done\n~L3-4}")

    assert q["stem_format"] == "plain"
    assert q["stem"] == "Which level?"
    assert q["choices"][0]["feedback"] == "right and well done"


def test_markdown_keeps_real_line_breaks_and_indentation():
    q = _one("[markdown]Steps:\n- one\n    - nested\n{=A ~B}")

    assert q["stem"] == "Steps:\n- one\n    - nested"


def test_escapes_give_the_characters_and_runs_of_backslashes_halve():
    q = _one("Escapes \\~ \\= \\# \\{ \\} \\: and \\\\ and \\\\\\\\ and \\\\\\{{=A ~B}")

    assert q["stem"] == "Escapes ~ = # { } : and \\ and \\\\ and \\{"


def test_an_unknown_escape_is_kept_with_a_warning():
    result = _gift("LaTeX \\(x^2\\) here{=A ~B}")

    assert result.errors == []
    assert result.questions[0]["stem"] == "LaTeX \\(x^2\\) here"
    assert [(w.where, w.message) for w in result.warnings] == [
        ("line 1", "unknown escape \\( \\) kept as written")
    ]


def test_a_single_answer_question_has_feedback_and_general_feedback():
    q = _one("Which?{\n=A#Yes\n~B#No\n####Because A.\n}")

    assert q["type"] == "single"
    assert [(c["text"], c["correct"], c["weight"], c["feedback"]) for c in q["choices"]] == [
        ("A", True, None, "Yes"),
        ("B", False, None, "No"),
    ]
    assert q["rationale"] == "Because A."


def test_a_single_answer_question_with_partial_credit_keeps_its_weights():
    q = _one("Which?{=A ~%50%B ~C}")

    assert q["type"] == "single"
    assert [(c["correct"], c["weight"]) for c in q["choices"]] == [
        (True, 100),
        (False, 50),
        (False, 0),
    ]


def test_weights_without_an_equals_sign_make_a_multiple_response_question():
    q = _one("Continents?{~%33.33333%Africa ~%33.33333%Asia ~%-100%China ~%33.33333%Europe}")

    assert q["type"] == "multiple"
    assert [(c["correct"], c["weight"]) for c in q["choices"]] == [
        (True, 33.33333),
        (True, 33.33333),
        (False, -100),
        (True, 33.33333),
    ]


def test_true_false_feedback_follows_moodle_first_for_wrong_second_for_right():
    q = _one("Grant is buried in Grant's tomb.{TRUE#You said false#You said true####Tombs.}")

    assert [(c["text"], c["correct"], c["feedback"]) for c in q["choices"]] == [
        ("True", True, "You said true"),
        ("False", False, "You said false"),
    ]
    assert q["rationale"] == "Tombs."
    assert _one("It is night.{F#wrong}")["choices"][0]["feedback"] == "wrong"


def test_matching_pairs_and_a_distractor():
    q = _one("Match.{\n=Dilator -> Spreads\n=Tube -> Holds -> open\n= -> Closes\n}")

    assert q["type"] == "matching"
    assert q["pairs"] == [
        {"prompt": "Dilator", "answer": "Spreads"},
        {"prompt": "Tube", "answer": "Holds -> open"},
    ]
    assert q["distractors"] == ["Closes"]


def test_an_ordering_comment_turns_numbered_pairs_into_an_ordering_question():
    q = _one("// type: ordering\nOrder them.{\n=2 -> Second\n=1 -> First\n=3 -> Third\n}")

    assert q["type"] == "ordering"
    assert [c["text"] for c in q["choices"]] == ["First", "Second", "Third"]


def test_ordering_is_written_as_a_numbered_matching_block_under_a_comment():
    question = {
        "key": "o-1",
        "type": "ordering",
        "stem": "Order them.",
        "choices": [{"text": "First"}, {"text": "Second"}],
    }

    text = write([question], "gift").decode()

    assert (
        "// type: ordering\n::o-1::[markdown]Order them.{\n\t=1 -> First\n\t=2 -> Second\n}" in text
    )


def test_the_moodle_ordering_plugin_syntax_is_read():
    result = _gift(
        "::Moodle::[html]Put these words in order.{>3 ALL VERTICAL\nModular\nObject\nOriented\n}"
    )

    assert result.errors == []
    assert [c["text"] for c in result.questions[0]["choices"]] == ["Modular", "Object", "Oriented"]


def test_text_after_the_braces_makes_a_missing_word_stem():
    q = _one("Grant is {~buried =entombed ~living} in Grant's tomb.")

    assert q["stem"] == "Grant is _____ in Grant's tomb."


def test_unsupported_types_are_listed_with_title_and_line():
    result = _gift(
        "::Intro::Read this first.\n\n"
        "::Essay::Describe it.{}\n\n"
        "::Number::Year?{#1822}\n\n"
        "Who is buried?{=no one =nobody}\n"
    )

    assert result.errors == []
    assert result.questions == []
    assert [(u.type, u.title, u.where) for u in result.unsupported] == [
        ("description", "Intro", "line 1"),
        ("essay", "Essay", "line 3"),
        ("numerical", "Number", "line 5"),
        ("shortanswer", "Who is buried?", "line 7"),
    ]


def test_a_repeated_title_gets_a_suffix_and_a_warning():
    result = _gift("::Same::One?{T}\n\n::Same::Two?{F}")

    assert [q["key"] for q in result.questions] == ["Same", "Same-2"]
    assert [(w.where, w.message) for w in result.warnings] == [
        ("line 3", "the title 'Same' is also used at line 1; this question's key is 'Same-2'")
    ]


def test_a_repeated_id_is_an_error():
    result = _gift("// [id:x]\nOne?{T}\n\n// [id:x]\nTwo?{F}")

    assert [(e.where, e.message[:30]) for e in result.errors] == [
        ("line 5", "the id 'x' is used twice (firs")
    ]


def test_xml_given_as_gift_is_refused():
    result = _gift('<?xml version="1.0"?><quiz></quiz>')

    assert [e.message for e in result.errors] == ["this looks like Moodle XML, not GIFT"]


def test_a_thousand_questions_parse_well_under_a_second():
    block = (
        "// [id:q{n}] [tag:risk:infection]\n"
        "::Question {n}::[markdown]Which of these is right for case {n}?\\nThink.{{\n"
        "\t=Right answer#Yes\n\t~Wrong answer#No\n\t~%50%Half right\n\t####Because.\n}}\n"
    )
    data = "\n".join(block.format(n=n) for n in range(1000)).encode()

    started = time.perf_counter()
    result = parse(data, "gift")
    elapsed = time.perf_counter() - started

    assert result.errors == []
    assert len(result.questions) == 1000
    assert elapsed < 0.5


def test_an_unmarked_stem_with_html_tags_is_read_as_html_with_its_line_breaks():
    q = _one("Which is <b>bold</b>?\\nSecond line{=A ~B}")

    assert q["stem_format"] == "html"
    assert q["stem"] == "Which is <b>bold</b>?<br>\nSecond line"


def test_text_after_the_braces_of_a_true_false_question_is_kept_with_a_warning():
    result = _gift('::Q1:: 42 is the answer.{\nFALSE#No.\n}";')

    assert result.questions[0]["stem"] == '42 is the answer. _____ ";'
    assert [(w.where, w.message) for w in result.warnings] == [
        (
            "line 3",
            "the text '\";' after '}' was put into the stem as a missing-word blank (_____); "
            "remove it if it is a stray",
        )
    ]


def test_a_question_worth_no_points_is_read_with_a_warning():
    result = _gift("// meta: points=0\nWhich?{=A ~B}")

    assert result.errors == []
    assert result.questions[0]["points"] == 0
    assert [w.message for w in result.warnings] == [
        "the question is worth 0 points: it will not count toward a score"
    ]


def test_a_matching_prompt_holding_an_arrow_survives_writing():
    question = {
        "key": "arrow",
        "type": "matching",
        "stem": "Match.",
        "pairs": [{"prompt": "A -> B", "answer": "C -> D"}, {"prompt": "E", "answer": "F"}],
    }

    data = write([question], "gift")

    assert "\t=A -\\> B -> C -> D\n" in data.decode()
    assert parse(data, "gift").questions[0]["pairs"] == question["pairs"]


def test_a_weight_after_an_equals_sign_counts_as_full_marks_with_a_warning():
    result = _gift("Which?{=%50%A ~B}")

    assert [(c["correct"], c["weight"]) for c in result.questions[0]["choices"]] == [
        (True, None),
        (False, None),
    ]
    assert [w.message for w in result.warnings] == [
        "'=%50%' counts as 100%: in a single-answer question '=' marks the right answer; "
        "give partial credit with '~%50%'"
    ]


def test_a_tags_comment_line_is_read_too():
    q = _one(
        "// tags: objective:level-check; risk:wrong-level\n// meta: critical=yes\nWhich?{=A ~B}"
    )

    assert q["tags"] == {"objective": ["level-check"], "risk": ["wrong-level"]}
    assert q["critical"] is True
