"""A content check over fixtures/curriculum: what a reviewing educator would check by hand."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from defusedxml import ElementTree

from quizzes.models import Question, Tag
from quizzes.services import question_data_problems
from training.curriculum import DIAGRAM_LINE, curriculum_dir, curriculum_problems, read_curriculum

CURRICULUM = read_curriculum()
QUESTIONS = [
    (bank_slug, q)
    for bank_slug, (_, data) in CURRICULUM.banks.items()
    for q in data.get("questions") or []
]
TAG_KINDS = {"objective", "procedure", "phase", "risk", "role", "topic"}
SVG = "{http://www.w3.org/2000/svg}"


def words(markdown: str) -> int:
    text = DIAGRAM_LINE.sub("", markdown)
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", text))


def test_the_curriculum_loads_without_problems():
    assert curriculum_problems(CURRICULUM) == []


def test_there_are_two_separate_tracks_with_at_least_twelve_lessons():
    tracks = {c["slug"]: c["track"] for c in CURRICULUM.courses}
    assert sorted(tracks.values()) == ["ce", "onboarding"]
    lessons = [s for c in CURRICULUM.courses for s in c["lessons"]]
    assert len(lessons) >= 12
    assert len(set(lessons)) == len(lessons), "a lesson belongs to one track only"


@pytest.mark.parametrize("slug", sorted(CURRICULUM.lessons))
def test_every_lesson_is_complete(slug):
    path, meta, body = CURRICULUM.lessons[slug]
    assert meta.get("objectives"), f"{path.name}: no objectives"
    assert meta.get("key_points"), f"{path.name}: no key points"
    assert int(meta.get("estimated_minutes") or 0) > 0, f"{path.name}: no estimated time"
    check = meta.get("knowledge_check") or {}
    assert check.get("draw"), f"{path.name}: no knowledge check"
    assert 400 <= words(body) <= 1200, f"{path.name}: {words(body)} words"
    assert "reviewed_by" in meta and "reviewed_on" in meta, f"{path.name}: no review fields"
    assert "does not replace" in body, f"{path.name}: no local-policy disclaimer"


def test_every_objective_is_asked_by_a_question_of_its_lesson_and_no_question_strays():
    for slug, (path, meta, _) in CURRICULUM.lessons.items():
        objective_ids = {o["id"] for o in meta["objectives"]}
        assert all(objective_ids), f"{path.name}: every objective needs an id"
        bank = CURRICULUM.banks[slug][1]["questions"]
        asked = {tag for q in bank for tag in q["tags"]["objective"]}
        assert objective_ids - asked == set(), f"{path.name}: objectives no question asks"
        assert asked - objective_ids == set(), f"{slug}: questions tagged with unknown objectives"


def test_every_knowledge_check_can_draw_its_questions():
    for path, meta, _ in CURRICULUM.lessons.values():
        for rule in meta["knowledge_check"]["draw"]:
            bank = CURRICULUM.banks[rule["bank"]][1]["questions"]
            assert len(bank) >= (rule.get("count") or 1), f"{path.name}: bank too small"


@pytest.mark.parametrize("bank_slug,question", QUESTIONS, ids=[q["key"] for _, q in QUESTIONS])
def test_every_question_has_a_rationale_tags_and_a_valid_key(bank_slug, question):
    assert question_data_problems(question) == []
    assert len(str(question.get("rationale") or "").split()) >= 12, "the rationale must teach"
    tags = question.get("tags") or {}
    missing = TAG_KINDS - {kind for kind, values in tags.items() if values}
    assert not missing, f"missing tag kinds {sorted(missing)}"
    assert question.get("difficulty") in Question.Difficulty.values
    for kind in tags:
        assert kind in Tag.Kind.values


def test_the_bank_has_150_questions_of_every_type_and_15_critical_items():
    assert len(QUESTIONS) >= 150
    keys = [q["key"] for _, q in QUESTIONS]
    assert len(set(keys)) == len(keys), "question keys are unique across banks"
    types = Counter(q["type"] for _, q in QUESTIONS)
    assert set(types) == set(Question.Type.values), types
    assert sum(1 for _, q in QUESTIONS if q.get("critical")) >= 15


def test_every_critical_item_is_in_a_final_assessment():
    always_drawn = set()
    for course in CURRICULUM.courses:
        for rule in course["final_assessment"]["draw"]:
            every = rule.get("count") is None and not rule.get("tag")
            if every and rule.get("critical") in ("only", "any", None):
                always_drawn.add(rule["bank"])
    missing = [q["key"] for bank, q in QUESTIONS if q.get("critical") and bank not in always_drawn]
    assert missing == []


def test_every_diagram_exists_is_valid_svg_and_has_alt_text():
    diagrams = CURRICULUM.diagrams
    assert len(diagrams) >= 8
    folder = curriculum_dir() / "diagrams"
    for name, meta in diagrams.items():
        path = folder / name
        assert path.exists(), f"{name} is listed but missing"
        root = ElementTree.parse(path).getroot()
        assert root.tag == f"{SVG}svg", f"{name} is not SVG"
        assert root.get("viewBox"), f"{name} needs a viewBox to scale to a phone"
        assert root.find(f"{SVG}title") is not None, f"{name} has no <title>"
        assert len(str(meta.get("alt") or "").split()) >= 8, f"{name} needs real alt text"
        assert meta.get("caption"), f"{name} has no caption"
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and 'href="http' not in text
    used = {d for _, meta, _ in CURRICULUM.lessons.values() for d in meta.get("diagrams") or []}
    assert set(diagrams) <= used, f"diagrams no lesson shows: {sorted(set(diagrams) - used)}"


def seed_bullets() -> list[str]:
    source = curriculum_dir() / "source" / "miss-overview.txt"
    return re.findall(r"•\s*([^:]+):", source.read_text(encoding="utf-8"))


def test_the_topic_list_names_every_bullet_of_the_seed():
    topics = " ".join(t["seed"] for t in CURRICULUM.seed_topics)
    missing = [bullet for bullet in seed_bullets() if bullet.strip() not in topics]
    assert missing == [], f"seed bullets without a topic id: {missing}"


def test_every_seed_topic_is_taught_by_a_lesson_and_asked_by_three_questions():
    taught = Counter(
        t for _, meta, _ in CURRICULUM.lessons.values() for t in meta.get("seed_topics") or []
    )
    asked = Counter(t for _, q in QUESTIONS for t in (q.get("tags") or {}).get("topic") or [])
    uncovered = [
        f"{t['id']} (lessons {taught[t['id']]}, questions {asked[t['id']]})"
        for t in CURRICULUM.seed_topics
        if taught[t["id"]] < 1 or asked[t["id"]] < 3
    ]
    assert uncovered == [], "topics of the seed left uncovered: " + ", ".join(uncovered)


def test_no_statistics_are_invented():
    """The seed gives no figures; the curriculum must not add percentages or study claims."""
    texts = [body for _, _, body in CURRICULUM.lessons.values()] + [
        " ".join(str(q.get(k) or "") for k in ("stem", "rationale")) for _, q in QUESTIONS
    ]
    suspicious = [
        match.group(0)
        for text in texts
        for match in re.finditer(r"\b\d+(\.\d+)?\s?%|\bstud(y|ies) (show|found)|et al\.", text)
    ]
    assert suspicious == []


def test_fixture_files_are_plain_text_that_diffs_well():
    for path in Path(curriculum_dir()).rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "\r" not in text, f"{path} has Windows line endings"
