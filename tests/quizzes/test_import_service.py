"""import_preview and import_commit: what a file does to the banks, previewed, then all at once."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from quizzes.importing import (
    ImportRefused,
    bank_export,
    category_name,
    html_to_markdown,
    import_commit,
    import_preview,
    plain_to_markdown,
)
from quizzes.models import Question, QuestionBank, QuestionVersion
from quizzes.services import attempt_start, question_content
from quizzes.text import render_inline, render_markdown
from tests import factories
from tests.quizzes import import_samples as samples

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _commit(data: bytes, filename: str, bank: str = "MISS imports", **kwargs):
    kwargs.setdefault("skip_unsupported", True)
    return import_commit(data=data, filename=filename, bank_name=bank, **kwargs)


# Every format writes rows ----------------------------------------------------------------


def test_a_gift_file_creates_its_questions_in_a_new_bank():
    plan = _commit(samples.GIFT.encode(), "bank.gift")

    bank = QuestionBank.objects.get(name="MISS imports")
    assert bank.slug == "miss-imports"
    assert [b.name for b in plan.banks] == ["MISS imports"]
    by_key = {q.key: q for q in bank.questions.prefetch_related("choices", "tags")}
    assert sorted(by_key) == [
        "Level check",
        "Match the roles",
        "Tubular access",
        "pos-001",
        "pos-002",
    ]
    prone = by_key["pos-001"]
    assert prone.type == "single" and prone.title == "Prone eyes"
    assert prone.stem == "In the **prone** position, what protects the eyes?"
    assert prone.rationale == "Check the eyes and face every 30 minutes."
    assert prone.difficulty == "hard"
    assert [(c.text, c.is_correct, c.feedback) for c in prone.choices.all()] == [
        ("A foam headrest that leaves the eyes free", True, "Right: nothing presses on the eyes."),
        ("A rolled towel under the forehead", False, "It can slip onto the eyes."),
        ("Tape alone", False, "Tape does not take pressure off."),
    ]
    assert sorted(str(t) for t in prone.tags.all()) == [
        "risk:pressure-injury",
        "topic:positioning",
    ]
    dose = by_key["pos-002"]
    assert dose.type == "multiple"
    assert [float(c.weight) for c in dose.choices.all()] == [50, 50, -100]
    level = by_key["Level check"]
    assert [(c.text, c.is_correct, c.feedback) for c in level.choices.all()] == [
        ("True", True, "Right."),
        ("False", False, "Wrong: it is."),
    ]
    assert [c.text for c in by_key["Tubular access"].choices.all()] == [
        "Guide wire",
        "First dilator",
        "Larger dilators",
        "Tubular retractor",
    ]
    roles = by_key["Match the roles"]
    assert [(c.text, c.match_text) for c in roles.choices.all()] == [
        ("Scrub nurse", "Passes the instruments"),
        ("Circulator", "Counts outside the field"),
        ("", "Operates the microscope"),
    ]
    assert all(q.version == 1 and q.versions.count() == 1 for q in by_key.values())


def test_a_moodle_xml_file_creates_its_questions_with_their_image():
    _commit(samples.moodle_xml(), "bank.xml")

    bank = QuestionBank.objects.get(name="MISS imports")
    questions = {q.key: q for q in bank.questions.all()}
    assert sorted(questions) == ["pos-001", "pos-002", "pos-003", "proc-001", "proc-002"]
    assert [c.match_text for c in questions["proc-001"].choices.all()] == [
        "Passes the instruments",
        "Counts outside the field",
        "Operates the microscope",
    ]
    assert questions["proc-001"].points == 3
    assert questions["proc-002"].type == "ordering"
    stem = questions["pos-001"].stem
    path = "questions/imported/miss-imports/"
    assert f'src="/media/{path}' in stem and "@@PLUGINFILE@@" not in stem
    stored = stem.split('src="/media/')[1].split('"')[0]
    assert stored.endswith("-prone_eyes.png")
    with default_storage.open(stored, "rb") as image:
        assert image.read() == samples.PRONE_PNG
    html = str(render_markdown(stem))
    assert 'alt="A patient prone on a Jackson table"' in html
    assert "<b>prone</b>" in html


def test_a_csv_file_creates_its_questions():
    _commit(samples.CSV.encode(), "bank.csv")

    questions = {q.key: q for q in Question.objects.filter(bank__name="MISS imports")}
    assert [questions[k].type for k in sorted(questions)] == [
        "single",
        "multiple",
        "true_false",
        "ordering",
        "matching",
    ]
    count = questions["csv-001"]
    assert count.critical is True and count.difficulty == "easy"
    assert sorted(str(t) for t in count.tags.all()) == ["role:circulator", "topic:counts"]
    assert [c.text for c in count.choices.filter(is_correct=True)] == ["Circulator"]


def test_the_format_is_told_from_the_file_name_or_refused_with_a_message():
    assert import_preview(data=samples.CSV.encode(), filename="x.csv", bank_name="B").ok
    plan = import_preview(data=samples.CSV.encode(), filename="questions.dat", bank_name="B")
    assert [str(e) for e in plan.errors] == [
        "file: cannot tell the format of 'questions.dat' from its name; "
        "choose GIFT, Moodle XML or CSV"
    ]


# The preview -------------------------------------------------------------------------------


def test_a_preview_writes_nothing(tmp_path):
    before = samples.counts()

    plan = import_preview(data=samples.moodle_xml(), filename="bank.xml", bank_name="New bank")

    assert len(plan.created) == 5
    assert samples.counts() == before
    assert QuestionVersion.objects.count() == 0
    assert list(tmp_path.rglob("*.png")) == []


def test_a_preview_names_the_unsupported_questions_with_their_place():
    plan = import_preview(data=samples.moodle_xml(), filename="bank.xml", bank_name="B")

    assert [(u.type, u.title, u.where) for u in plan.unsupported] == [
        ("essay", "Describe prone positioning", "/quiz/question[8]"),
        ("essay", "Explain a dural tear", "/quiz/question[9]"),
    ]


def test_unsupported_questions_are_refused_unless_skipping_is_confirmed():
    before = samples.counts()

    with pytest.raises(ImportRefused, match=r"2 question\(s\) of types this site does not have"):
        _commit(samples.moodle_xml(), "bank.xml", skip_unsupported=False)

    assert samples.counts() == before


def test_a_preview_runs_the_same_number_of_queries_whatever_the_file_size(
    django_assert_max_num_queries,
):
    bank = factories.BankFactory(name="Big")
    small = "\n\n".join(f"// [id:q{i}]\n::Q{i}::Question {i}?{{T}}" for i in range(5))
    large = "\n\n".join(f"// [id:q{i}]\n::Q{i}::Question {i}?{{T}}" for i in range(300))
    _commit(large.encode(), "large.gift", bank=bank.name)

    with django_assert_max_num_queries(8):
        import_preview(data=small.encode(), filename="small.gift", bank_name=bank.name)
    with django_assert_max_num_queries(8):
        plan = import_preview(data=large.encode(), filename="large.gift", bank_name=bank.name)
    assert len(plan.unchanged) == 300


def test_new_questions_are_created_as_question_upsert_creates_them(educator):
    made_by_the_service = samples.every_type_bank()
    data = bank_export(bank=made_by_the_service, fmt="csv")

    import_commit(data=data, fmt="csv", bank_name="Imported", user=educator)

    imported = QuestionBank.objects.get(name="Imported")
    assert samples.bank_contents(imported) == samples.bank_contents(made_by_the_service)
    for question in imported.questions.prefetch_related("choices"):
        original = made_by_the_service.questions.get(key=question.key)
        version = question.versions.get()
        assert (question.version, version.version, version.created_by) == (1, 1, educator)
        assert version.content == original.versions.get().content == question_content(question)


def test_a_commit_creates_new_questions_in_bulk_not_a_dozen_queries_each(
    django_assert_max_num_queries,
):
    """On PostgreSQL the count is the same for 5 or 400 questions; SQLite splits bulk inserts
    into batches of 999 values, a few more queries."""

    def gift(n: int) -> bytes:
        return "\n\n".join(
            f"// [id:q{i}] [tag:topic:t{i % 7}]\n::Q{i}::Question {i}?{{=A ~B ~C}}"
            for i in range(n)
        ).encode()

    with django_assert_max_num_queries(20):
        _commit(gift(5), "small.gift", bank="Small")
    with django_assert_max_num_queries(40):
        plan = _commit(gift(400), "large.gift", bank="Large")
    assert len(plan.created) == 400
    assert Question.objects.filter(bank__name="Large").count() == 400
    assert QuestionVersion.objects.filter(question__bank__name="Large").count() == 400
    assert Question.objects.filter(bank__name="Large", tags__value="t3").count() == 57


# Re-importing ------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing():
    _commit(samples.moodle_xml(), "bank.xml")
    before = samples.counts()
    versions = QuestionVersion.objects.count()

    plan = _commit(samples.moodle_xml(), "bank.xml")

    assert len(plan.unchanged) == 5 and not plan.created and not plan.updated
    assert samples.counts() == before
    assert QuestionVersion.objects.count() == versions


def test_a_changed_question_gets_a_new_version_and_the_others_keep_theirs(learner):
    _commit(samples.GIFT.encode(), "bank.gift")
    quiz = factories.QuizFactory(bank=QuestionBank.objects.get(name="MISS imports"))
    attempt = attempt_start(quiz=quiz, user=learner)
    changed = samples.GIFT.replace("what protects the eyes?", "what protects both eyes?")

    plan = import_preview(data=changed.encode(), filename="bank.gift", bank_name="MISS imports")
    assert [(q.key, q.action, q.changes, q.new_version) for q in plan.updated] == [
        ("pos-001", "update", ["stem"], True)
    ]
    assert len(plan.unchanged) == 4
    _commit(changed.encode(), "bank.gift")

    versions = dict(Question.objects.values_list("key", "version"))
    assert versions == {
        "pos-001": 2,
        "pos-002": 1,
        "Level check": 1,
        "Tubular access": 1,
        "Match the roles": 1,
    }
    assert Question.objects.count() == 5
    frozen = attempt.questions.get(question__key="pos-001")
    assert "both eyes" not in frozen.snapshot["stem_html"]


def test_a_change_of_tags_alone_updates_without_a_new_version():
    _commit(samples.GIFT.encode(), "bank.gift")
    changed = samples.GIFT.replace("[tag:risk:pressure-injury]", "[tag:risk:eye-injury]")

    plan = _commit(changed.encode(), "bank.gift")

    assert [(q.key, q.changes, q.new_version) for q in plan.updated] == [
        ("pos-001", ["tags"], False)
    ]
    prone = Question.objects.get(key="pos-001")
    assert prone.version == 1
    assert sorted(str(t) for t in prone.tags.all()) == ["risk:eye-injury", "topic:positioning"]


def test_a_retired_question_stays_retired_when_imported_again():
    _commit(samples.GIFT.encode(), "bank.gift")
    Question.objects.filter(key="pos-002").update(active=False)

    _commit(samples.GIFT.replace("Select all", "Choose all").encode(), "bank.gift")

    dose = Question.objects.get(key="pos-002")
    assert dose.active is False
    assert "Choose all" in dose.stem


def test_a_file_without_difficulty_keeps_the_one_a_question_has():
    _commit(samples.GIFT.encode(), "bank.gift")
    Question.objects.filter(key="pos-002").update(difficulty="hard")

    plan = _commit(samples.GIFT.encode(), "bank.gift")

    assert Question.objects.get(key="pos-002").difficulty == "hard"
    assert not plan.updated


def test_a_commit_refuses_a_plan_that_changed_since_the_preview():
    bank = factories.BankFactory(name="MISS imports")
    plan = import_preview(data=samples.GIFT.encode(), filename="bank.gift", bank_name=bank.name)
    factories.QuestionFactory(bank=bank, key="pos-001")
    before = samples.counts()

    with pytest.raises(ImportRefused, match="changed since the preview"):
        _commit(samples.GIFT.encode(), "bank.gift", expected=plan.fingerprint)

    assert samples.counts() == before


# Categories --------------------------------------------------------------------------------


def test_categories_can_become_banks_named_after_their_last_part():
    factories.BankFactory(name="Positioning", slug="positioning")

    plan = _commit(samples.moodle_xml(), "bank.xml", bank="MISS imports", categories="banks")

    assert [(b.name, b.exists, b.count) for b in plan.banks] == [
        ("MISS imports", False, 0),
        ("Positioning", True, 3),
        ("Procedures", False, 2),
    ]
    assert sorted(Question.objects.values_list("bank__name", "key")) == [
        ("Positioning", "pos-001"),
        ("Positioning", "pos-002"),
        ("Positioning", "pos-003"),
        ("Procedures", "proc-001"),
        ("Procedures", "proc-002"),
    ]
    assert not Question.objects.filter(tags__value="positioning").exists()


def test_categories_can_become_topic_tags_in_the_chosen_bank():
    _commit(samples.moodle_xml(), "bank.xml", categories="tags")

    tagged = Question.objects.filter(bank__name="MISS imports", tags__value="procedures")
    assert sorted(tagged.values_list("key", flat=True)) == ["proc-001", "proc-002"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("$course$/top/MISS imports/Positioning", "Positioning"),
        ("$course$/top", None),
        ("top/Unit 1", "Unit 1"),
        ("$system$/top/Either//or", "Either/or"),
        (None, None),
    ],
)
def test_a_category_is_named_by_the_last_part_of_its_path(path, name):
    assert category_name(path) == name


# What the database keeps -------------------------------------------------------------------


def test_imported_html_is_sanitised():
    script = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    data = samples.moodle_xml(stem_extra=script)

    plan = _commit(data, "bank.xml")

    stem = Question.objects.get(key="pos-001").stem
    assert "<script" not in stem and "onerror" not in stem and "alert(1)" not in stem
    assert [w.message for w in plan.warnings if w.where == "/quiz/question[2]"] == [
        "unsafe HTML (scripts, event handlers, embedded objects) removed"
    ]


def test_html_is_kept_as_a_block_that_markdown_leaves_alone():
    stored = html_to_markdown("<p>2 * 3 * 4 = 24</p><p>Use _both_ hands</p>")

    assert str(render_markdown(stored)) == (
        "<div><p>2 * 3 * 4 = 24</p><p>Use _both_ hands</p></div>"
    )
    assert html_to_markdown("<p>Scrub nurse</p>") == "Scrub nurse"
    assert str(render_inline(html_to_markdown("<b>x*y*z</b>"))) == "<b>x*y*z</b>"


def test_plain_text_shows_exactly_as_written():
    text = "2 * 3 <b>not bold</b> &lt; _x_ [link](y)\n# not a heading\n1. not a list\n=="

    html = str(render_markdown(plain_to_markdown(text)))

    assert html == (
        "<p>2 * 3 &lt;b&gt;not bold&lt;/b&gt; &amp;lt; _x_ [link](y)<br>\n"
        "# not a heading<br>\n1. not a list<br>\n==</p>"
    )


def test_tag_values_become_slugs_and_the_preview_says_so():
    gift = "// [id:t1] [tag:Unit 1: Intro] [tag:objective:Tubular Dilation]\n::T1::Is it?{T}\n"

    plan = _commit(gift.encode(), "t.gift")

    assert sorted(str(t) for t in Question.objects.get(key="t1").tags.all()) == [
        "objective:tubular-dilation",
        "topic:unit-1-intro",
    ]
    assert [str(w) for w in plan.warnings] == [
        "tags: tag topic:'Unit 1: Intro' is stored as topic:unit-1-intro (tags are slugs)",
        "tags: tag objective:'Tubular Dilation' is stored as objective:tubular-dilation "
        "(tags are slugs)",
    ]


def test_a_long_title_is_cut_with_a_warning():
    title = "T" * 250
    plan = _commit(f"// [id:long]\n::{title}::Is it?{{T}}\n".encode(), "t.gift")

    assert Question.objects.get(key="long").title == "T" * 200
    assert [str(w) for w in plan.warnings] == [
        "line 2: the title is 250 characters; kept the first 200"
    ]


def test_points_are_kept_to_two_places_and_zero_stays_zero():
    data = (
        "id,type,stem,points,correct,choice_1,choice_2\n"
        "p1,single,Which?,1.333,1,A,B\n"
        "p0,single,Which?,0,1,A,B\n"
    )

    plan = _commit(data.encode(), "p.csv")

    points = dict(Question.objects.values_list("key", "points"))
    assert (str(points["p1"]), str(points["p0"])) == ("1.33", "0.00")
    assert "line 2: points 1.333 rounded to 1.33" in [str(w) for w in plan.warnings]


def test_an_image_that_is_not_a_png_jpeg_gif_or_webp_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    data = samples.moodle_xml().replace(b"prone eyes.png", b"prone eyes.svg")
    data = data.replace(b"prone%20eyes.png", b"prone%20eyes.svg")
    data = data.replace(samples.base64.b64encode(samples.PRONE_PNG), samples.base64.b64encode(svg))

    plan = import_preview(data=data, filename="bank.xml", bank_name="B")

    assert [str(e) for e in plan.errors] == [
        "/quiz/question[2]: file 'prone eyes.svg': only PNG, JPEG, GIF and WebP images can be "
        "imported; save it as PNG and import again"
    ]


def test_an_image_is_stored_once_however_often_it_is_imported(tmp_path):
    _commit(samples.moodle_xml(), "bank.xml")
    _commit(samples.moodle_xml(), "bank.xml")

    assert len(list(tmp_path.rglob("*.png"))) == 1


# Bad files ---------------------------------------------------------------------------------


def test_a_file_with_an_error_writes_nothing_even_with_good_questions_before_it():
    bad = samples.GIFT + "\n::Broken::Which level?{=L4-5 ~L3-4\n"
    before = samples.counts()

    with pytest.raises(ImportRefused) as refused:
        _commit(bad.encode(), "bad.gift")

    assert [str(e) for e in refused.value.plan.errors] == [
        "line 39: unclosed brace: the '{' opened here has no closing '}' before the blank "
        "line that ends the question"
    ]
    assert samples.counts() == before


def test_an_import_fails_as_a_whole_when_the_database_fails_half_way(monkeypatch):
    from quizzes import importing

    _commit(samples.GIFT.encode(), "bank.gift")
    changed = (
        samples.GIFT.replace("Tape alone", "Tape")
        .replace("Select all", "Choose all")
        .replace("Match each role", "Pair each role")
        + "\n// [id:new-1]\n::New::A new question?{T}\n"
    )
    calls = []
    real = importing.question_upsert

    def fail_on_second(**kwargs):
        calls.append(kwargs["data"]["key"])
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(importing, "question_upsert", fail_on_second)
    before = samples.counts()
    contents = samples.bank_contents(QuestionBank.objects.get(name="MISS imports"))

    with pytest.raises(RuntimeError):
        _commit(changed.encode(), "bank.gift")

    assert len(calls) == 2
    assert samples.counts() == before
    assert samples.bank_contents(QuestionBank.objects.get(name="MISS imports")) == contents
    assert set(Question.objects.values_list("version", flat=True)) == {1}
