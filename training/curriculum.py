"""Loads the curriculum from fixtures/curriculum (see fixtures/README.md), idempotently."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quizzes.models import DrawRule, Question, QuestionBank, Quiz, Tag
from quizzes.services import question_data_problems, question_upsert
from quizzes.text import render_markdown

from .models import Course, Lesson

DIAGRAM_LINE = re.compile(r"^\{\{\s*diagram:\s*([\w.-]+\.svg)\s*\}\}\s*$", re.MULTILINE)


class CurriculumError(Exception):
    """A problem in a curriculum file; the message names the file and what is wrong."""


def curriculum_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "curriculum"


def _read_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CurriculumError(f"{path}: {exc}") from exc


def read_lesson_file(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.DOTALL)
    if not match:
        raise CurriculumError(
            f"{path}: line 1: a lesson starts with front matter between --- lines"
        )
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise CurriculumError(f"{path}: {exc}") from exc
    return meta, match.group(2).strip() + "\n"


@dataclass
class Curriculum:
    courses: list[dict]
    lessons: dict[str, tuple[Path, dict, str]]  # slug -> (path, front matter, body)
    banks: dict[str, tuple[Path, dict]]  # slug -> (path, data)
    diagrams: dict[str, dict]
    seed_topics: list[dict] = field(default_factory=list)


def read_curriculum(root: Path | None = None) -> Curriculum:
    root = root or curriculum_dir()
    courses = _read_yaml(root / "courses.yaml").get("courses") or []
    lessons = {}
    for path in sorted((root / "lessons").glob("*/*.md")):
        meta, body = read_lesson_file(path)
        slug = meta.get("slug") or path.stem.split("-", 1)[-1]
        if slug in lessons:
            raise CurriculumError(f"{path}: lesson slug {slug!r} is used twice")
        lessons[slug] = (path, meta, body)
    banks = {}
    for path in sorted((root / "banks").glob("*.yaml")):
        data = _read_yaml(path)
        slug = (data.get("bank") or {}).get("slug") or path.stem
        banks[slug] = (path, data)
    index = root / "diagrams" / "index.yaml"
    diagrams = {}
    if index.exists():
        diagrams = {d["file"]: d for d in _read_yaml(index).get("diagrams") or []}
    topics_file = root / "seed-topics.yaml"
    topics = _read_yaml(topics_file).get("topics") or [] if topics_file.exists() else []
    return Curriculum(courses, lessons, banks, diagrams, topics)


def curriculum_problems(cur: Curriculum) -> list[str]:
    """Every problem that would stop the curriculum loading, each naming its file."""
    problems = []
    for path, data in cur.banks.values():
        keys = set()
        for index, q in enumerate(data.get("questions") or [], start=1):
            where = f"{path.name}: question {index} ({q.get('key', 'no key')})"
            if q.get("key") in keys:
                problems.append(f"{where}: key used twice in the bank")
            keys.add(q.get("key"))
            problems.extend(f"{where}: {p}" for p in question_data_problems(q))
    referenced = set()
    for course in cur.courses:
        for lesson_slug in course.get("lessons") or []:
            referenced.add(lesson_slug)
            if lesson_slug not in cur.lessons:
                problems.append(
                    f"courses.yaml: {course['slug']}: no lesson file for {lesson_slug!r}"
                )
        quizzes = [course.get("final_assessment")] + [
            cur.lessons[s][1].get("knowledge_check")
            for s in course.get("lessons") or []
            if s in cur.lessons
        ]
        for quiz in filter(None, quizzes):
            for rule in quiz.get("draw") or []:
                if rule.get("bank") not in cur.banks:
                    problems.append(
                        f"{quiz.get('slug')}: draws from unknown bank {rule.get('bank')!r}"
                    )
    for path, meta, body in cur.lessons.values():
        for name in meta.get("diagrams") or []:
            if name not in cur.diagrams:
                problems.append(f"{path.name}: diagram {name!r} is not in diagrams/index.yaml")
        for name in DIAGRAM_LINE.findall(body):
            if name not in (meta.get("diagrams") or []):
                problems.append(f"{path.name}: places diagram {name!r} not listed in front matter")
    return problems


def lesson_objectives(meta: dict) -> list[dict]:
    """Objectives as ``{"id", "text"}``: the id is the slug questions carry as ``objective:``."""
    result = []
    for item in meta.get("objectives") or []:
        if isinstance(item, dict):
            result.append({"id": str(item.get("id") or ""), "text": str(item.get("text") or "")})
        else:
            result.append({"id": "", "text": str(item)})
    return result


def _quiz_upsert(spec: dict, banks: dict[str, QuestionBank]) -> Quiz:
    quiz, _ = Quiz.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "title": spec.get("title") or spec["slug"],
            "pass_mark": int(spec.get("pass_mark", 80)),
            "time_limit_minutes": spec.get("time_limit_minutes"),
            "attempt_limit": int(spec.get("attempt_limit") or 0),
            "cooldown_minutes": int(spec.get("cooldown_minutes") or 0),
            "require_critical": bool(spec.get("require_critical", False)),
            "feedback": spec.get("feedback") or Quiz.Feedback.AFTER_SUBMISSION,
            "multiple_scoring": spec.get("multiple_scoring") or Quiz.Scoring.ALL_OR_NOTHING,
            "sequence_scoring": spec.get("sequence_scoring") or Quiz.Scoring.ALL_OR_NOTHING,
        },
    )
    wanted = []
    for index, rule in enumerate(spec.get("draw") or []):
        tag = None
        if rule.get("tag"):
            kind, value = Tag.parse(rule["tag"])
            tag, _ = Tag.objects.get_or_create(kind=kind, value=value)
        wanted.append(
            (
                index,
                banks[rule["bank"]].pk,
                rule.get("count"),
                tag.pk if tag else None,
                rule.get("critical") or DrawRule.Critical.ANY,
            )
        )
    current = list(
        quiz.draw_rules.order_by("position").values_list(
            "position", "bank_id", "count", "tag_id", "critical"
        )
    )
    if current != wanted:
        quiz.draw_rules.all().delete()
        DrawRule.objects.bulk_create(
            DrawRule(quiz=quiz, position=p, bank_id=b, count=c, tag_id=t, critical=cr)
            for p, b, c, t, cr in wanted
        )
    return quiz


def _content_hash(course_spec: dict, cur: Curriculum) -> str:
    parts = {"course": course_spec, "lessons": [], "banks": {}}
    for slug in course_spec.get("lessons") or []:
        _, meta, body = cur.lessons[slug]
        parts["lessons"].append({"meta": meta, "body": body})
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class LoadReport:
    banks: int = 0
    questions: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )
    quizzes: int = 0
    courses: int = 0
    lessons: int = 0


@transaction.atomic
def load_curriculum(root: Path | None = None) -> LoadReport:
    """Creates or updates everything in the curriculum folder; safe to run any number of times."""
    cur = read_curriculum(root)
    problems = curriculum_problems(cur)
    if problems:
        raise CurriculumError("The curriculum has problems:\n  " + "\n  ".join(problems))
    report = LoadReport()
    banks: dict[str, QuestionBank] = {}
    for slug, (_, data) in cur.banks.items():
        meta = data.get("bank") or {}
        bank, _ = QuestionBank.objects.update_or_create(
            slug=slug,
            defaults={
                "name": meta.get("name") or slug,
                "description": meta.get("description") or "",
            },
        )
        banks[slug] = bank
        report.banks += 1
        keys = []
        for q in data.get("questions") or []:
            _, outcome = question_upsert(bank=bank, data=q)
            report.questions[outcome] += 1
            keys.append(q["key"])
        # A question removed from the file is retired, never deleted: attempts may use it.
        Question.objects.filter(bank=bank, active=True).exclude(key__in=keys).update(active=False)
    for position, spec in enumerate(cur.courses):
        final = (
            _quiz_upsert(spec["final_assessment"], banks) if spec.get("final_assessment") else None
        )
        report.quizzes += bool(final)
        course, _ = Course.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                "title": spec["title"],
                "track": spec.get("track") or Course.Track.ONBOARDING,
                "summary": spec.get("summary") or "",
                "position": position,
                "recertification_months": spec.get("recertification_months"),
                "final_quiz": final,
                "content_hash": _content_hash(spec, cur),
                "published": spec.get("published", True),
            },
        )
        report.courses += 1
        for lesson_position, slug in enumerate(spec.get("lessons") or [], start=1):
            _, meta, body = cur.lessons[slug]
            check = meta.get("knowledge_check")
            quiz = _quiz_upsert(check, banks) if check else None
            report.quizzes += bool(quiz)
            reviewed_on = meta.get("reviewed_on") or None
            if isinstance(reviewed_on, str):
                reviewed_on = date.fromisoformat(reviewed_on)
            Lesson.objects.update_or_create(
                course=course,
                slug=slug,
                defaults={
                    "position": lesson_position,
                    "title": meta.get("title") or slug,
                    "body": body,
                    "objectives": lesson_objectives(meta),
                    "key_points": meta.get("key_points") or [],
                    "seed_topics": meta.get("seed_topics") or [],
                    "diagrams": [cur.diagrams[name] for name in meta.get("diagrams") or []],
                    "estimated_minutes": int(meta.get("estimated_minutes") or 15),
                    "quiz": quiz,
                    "quiz_required": bool(meta.get("quiz_required", False)),
                    "reviewed_by": meta.get("reviewed_by") or "",
                    "reviewed_on": reviewed_on,
                },
            )
            report.lessons += 1
        course.lessons.exclude(slug__in=spec.get("lessons") or []).delete()
    return report


def render_lesson_body(lesson: Lesson) -> SafeString:
    """The lesson's Markdown as safe HTML, each diagram line replaced by its figure."""
    diagrams = {d["file"]: d for d in lesson.diagrams}
    pieces = []
    last = 0
    for match in DIAGRAM_LINE.finditer(lesson.body):
        pieces.append(str(render_markdown(lesson.body[last : match.start()])))
        diagram = diagrams.get(match.group(1))
        if diagram:
            src = escape(static("diagrams/" + diagram["file"]))
            alt = escape(diagram.get("alt", ""))
            caption = escape(diagram.get("caption", ""))
            pieces.append(
                f'<figure class="figure diagram"><img class="figure-img img-fluid" src="{src}" '
                f'alt="{alt}"><figcaption class="figure-caption">{caption}</figcaption></figure>'
            )
        last = match.end()
    pieces.append(str(render_markdown(lesson.body[last:])))
    return mark_safe("".join(pieces))  # each piece is sanitised or escaped
