"""Question files into banks and out again: a preview first, then one all-or-nothing commit.

``import_preview`` reads a GIFT, Moodle XML or CSV file (``quizzes.formats``) and says, writing
nothing, what importing it would do: each question created, updated or unchanged in which
bank, matched on its stable key (GIFT ``[id:]`` or title, Moodle ``idnumber``, CSV ``id``);
the questions of types the engine does not have, which are skipped only when the person
importing confirms it; and every problem with its line or XML path. ``import_commit`` does the
same reading again and writes it in one transaction, refusing a file with any error. Importing
the same file twice changes nothing the second time; a question whose content changed gets a
new version (``question_upsert``), so attempts already made keep theirs.

What the database keeps differs from the file where the engine is narrower:

- Texts become the engine's Markdown. Markdown is kept as it is (every text is sanitised when
  shown). HTML is sanitised now (``quizzes.text.sanitize_html``) and kept as one HTML block,
  which Markdown leaves alone. Plain text is escaped so that it shows as written.
- Tag values become slugs (``Tag.value`` is a slug): "Unit 1: Intro" is stored ``unit-1-intro``.
- Titles longer than 200 characters are cut; points are rounded to 2 places, weights to 5.
- A file that gives no difficulty keeps the one a question already has.
- Images a Moodle XML file carries (``@@PLUGINFILE@@/name``) are stored under
  ``questions/imported/<bank>/`` with a hash of their content in the name, so a second import
  stores nothing new, and the texts point to their URL. Only PNG, JPEG, GIF and WebP are taken.
- Categories become banks or tags (``categories``): "banks" puts each question in a bank named
  after the last part of its category path, "tags" puts every question in the chosen bank with
  that name as a ``topic`` tag. Moodle's own parts (``$course$``, ``top``) name nothing.

Export writes a bank's active questions with ``quizzes.formats.write``; to Moodle XML the images
imported earlier travel inside the file again.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote, unquote

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils.text import get_valid_filename, slugify

from .formats import (
    EXTENSIONS,
    FORMATS,
    MAX_BYTES,
    Problem,
    Unsupported,
    guess_format,
    parse,
    write,
)
from .formats.common import default_weights, normalise_question
from .models import Choice, Question, QuestionBank, QuestionVersion, Tag
from .services import _choices_from_data as choices_from_data
from .services import question_content, question_data_problems, question_upsert
from .text import sanitize_html

FORMAT_NAMES = {"gift": "GIFT", "moodle-xml": "Moodle XML", "csv": "CSV"}
CATEGORY_MODES = {
    "tags": "every question into the chosen bank, its category as a topic tag",
    "banks": "each category becomes a bank named after the last part of its path",
}
IMPORTED_FILES = "questions/imported"
IMAGE_SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}
MAX_TITLE = Question._meta.get_field("title").max_length
MAX_POINTS = Decimal("10000")  # Question.points: 6 digits, 2 of them after the point
VERSIONED_FIELDS = (
    "type",
    "title",
    "stem",
    "points",
    "rationale",
    "critical",
    "choices",
    "pairs",
    "distractors",
)
FIELD_NAMES = {
    "type": "type",
    "title": "title",
    "stem": "question text",
    "points": "points",
    "rationale": "rationale",
    "critical": "critical flag",
    "choices": "choices",
    "pairs": "pairs",
    "distractors": "distractors",
    "difficulty": "difficulty",
    "tags": "tags",
}
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>)]+)")
_BLOCK_TAG = re.compile(r"<(p|div|ul|ol|table|blockquote|pre|h[1-6]|hr|dl|figure)\b", re.I)
_UNSAFE_HTML = re.compile(
    r"<\s*(script|style|iframe|object|embed|form|input|svg|math)\b|\son\w+\s*=|javascript:", re.I
)
_MARKDOWN_ACTIVE = re.compile(r"[\\`*_\[\]|]|\n\s*\n|^\s*([#>=+-]|\d+\.)", re.M)
_MOODLE_CONTEXT = re.compile(r"^\$[a-z0-9]+\$$")


class ImportRefused(Exception):
    """The file cannot be imported as it stands; ``plan`` holds the full report."""

    def __init__(self, message: str, plan: ImportPlan | None = None):
        super().__init__(message)
        self.plan = plan


@dataclass
class PlannedQuestion:
    key: str
    title: str
    type: str
    where: str
    bank: str  # the name of the bank it goes into
    action: str  # "create", "update" or "unchanged"
    changes: list[str] = field(default_factory=list)
    new_version: bool = False
    data: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        return self.title or self.key

    @property
    def type_label(self) -> str:
        return Question.Type(self.type).label

    @property
    def change_names(self) -> str:
        return ", ".join(FIELD_NAMES[name] for name in self.changes)


@dataclass
class PlannedBank:
    name: str
    slug: str
    exists: bool
    pk: int | None = None
    count: int = 0


@dataclass
class ImportPlan:
    filename: str
    format: str | None
    bank_name: str
    categories: str
    questions: list[PlannedQuestion] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    banks: list[PlannedBank] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # storage path -> bytes
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES.get(self.format or "", "an unknown format")

    @property
    def created(self) -> list[PlannedQuestion]:
        return [q for q in self.questions if q.action == "create"]

    @property
    def updated(self) -> list[PlannedQuestion]:
        return [q for q in self.questions if q.action == "update"]

    @property
    def unchanged(self) -> list[PlannedQuestion]:
        return [q for q in self.questions if q.action == "unchanged"]

    @property
    def new_versions(self) -> int:
        return sum(1 for q in self.questions if q.new_version)

    @property
    def fingerprint(self) -> str:
        """Changes whenever what a commit would do changes (the bank was edited meanwhile)."""
        content = {
            "questions": [(q.bank, q.key, q.action, q.changes) for q in self.questions],
            "unsupported": [(u.type, u.title, u.where) for u in self.unsupported],
            "banks": [(b.name, b.slug, b.exists) for b in self.banks],
            "errors": [str(e) for e in self.errors],
        }
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:32]

    def summary(self) -> str:
        verb = "" if self.committed else "would be "
        parts = [
            f"{len(self.created)} {verb}created",
            f"{len(self.updated)} {verb}updated ({self.new_versions} new version(s))",
            f"{len(self.unchanged)} unchanged",
        ]
        if self.unsupported:
            parts.append(f"{len(self.unsupported)} unsupported {verb}skipped")
        return ", ".join(parts)


# Texts -------------------------------------------------------------------------------------


def html_to_markdown(text: str) -> str:
    """Sanitised HTML as one raw HTML block, which Markdown passes through untouched."""
    clean = str(sanitize_html(text)).strip()
    inner = clean[3:-4] if clean.startswith("<p>") and clean.endswith("</p>") else clean
    if "<" not in inner and not _MARKDOWN_ACTIVE.search(inner):
        return inner.strip()  # text alone (an answer, "<p>Scrub nurse</p>") needs no HTML
    blocks = _BLOCK_TAG.findall(clean)
    if not blocks:
        return f"<p>{clean}</p>"
    if blocks == ["p"] and clean.startswith("<p>") and clean.endswith("</p>"):
        return clean
    return f"<div>{clean}</div>"


def plain_to_markdown(text: str) -> str:
    """Plain text escaped so that Markdown shows it exactly as written, line breaks too."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in paragraph.split("\n"):
            line = html.escape(line.strip(), quote=False)
            line = re.sub(r"([\\`*_\[\]|])", r"\\\1", line)
            line = re.sub(r"^([#+-])", r"\\\1", line)
            line = re.sub(r"^(\d+)\.", r"\1\\.", line)
            line = re.sub(r"^=", "&#61;", line)
            lines.append(line)
        paragraphs.append("<br>\n".join(lines))
    return "\n\n".join(paragraphs)


def to_markdown(text: str, fmt: str) -> str:
    if not text:
        return ""
    if fmt == "html":
        return html_to_markdown(text)
    if fmt == "plain":
        return plain_to_markdown(text)
    return text


def category_name(path: str | None) -> str | None:
    """The last named part of a category path: "$course$/top/Unit 1" -> "Unit 1"."""
    if not path:
        return None
    parts = [p.replace("//", "/").strip() for p in re.split(r"(?<!/)/(?!/)", path)]
    parts = [p for p in parts if p and not _MOODLE_CONTEXT.match(p) and p.lower() != "top"]
    return parts[-1][: QuestionBank._meta.get_field("name").max_length] if parts else None


# Banks -------------------------------------------------------------------------------------


def find_bank(name: str) -> QuestionBank | None:
    """A bank by its name, else its slug, else its name in any case."""
    name = name.strip()
    if not name:
        return None
    banks = list(QuestionBank.objects.filter(Q(name=name) | Q(slug=name) | Q(name__iexact=name)))
    for test in (lambda b: b.name == name, lambda b: b.slug == name, lambda b: True):
        for bank in banks:
            if test(bank):
                return bank
    return None


def _free_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:90].strip("-") or "bank"
    slug, n = base, 2
    while slug in taken or QuestionBank.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


class _Banks:
    """The banks an import writes to, found or planned, by name."""

    def __init__(self, chosen: str):
        self.by_name: dict[str, PlannedBank] = {}
        self.asked: dict[str, PlannedBank] = {}
        self.taken: set[str] = set()
        self.chosen = self.get(chosen)

    def get(self, asked: str) -> PlannedBank:
        if asked not in self.asked:
            existing = find_bank(asked)
            name = existing.name if existing else asked.strip()
            if name not in self.by_name:
                if existing:
                    self.by_name[name] = PlannedBank(name, existing.slug, True, existing.pk)
                else:
                    self.by_name[name] = PlannedBank(name, _free_slug(name, self.taken), False)
            self.asked[asked] = self.by_name[name]
        return self.asked[asked]


# Files -------------------------------------------------------------------------------------


def _image_problem(name: str, content: bytes) -> str | None:
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in IMAGE_SIGNATURES:
        return (
            f"file {name!r}: only PNG, JPEG, GIF and WebP images can be imported; "
            "save it as PNG and import again"
        )
    ok = content.startswith(IMAGE_SIGNATURES[ext]) and (ext != ".webp" or content[8:12] == b"WEBP")
    if not ok:
        return f"file {name!r} is not the {ext[1:].upper()} image its name says"
    return None


def _storage_path(bank_slug: str, name: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:12]
    base = get_valid_filename(name.rsplit("/", 1)[-1])
    stem, dot, ext = base.rpartition(".")
    if len(base) > 100:
        base = f"{stem[: 99 - len(ext)]}.{ext}" if dot else base[:100]
    if not base.startswith(f"{digest}-"):
        base = f"{digest}-{base}"
    return f"{IMPORTED_FILES}/{bank_slug}/{base}"


def _rewrite_files(text: str, urls: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        ref = match.group(1)
        return urls.get(ref) or urls.get(unquote(ref)) or match.group(0)

    return _PLUGINFILE.sub(replace, text) if "@@PLUGINFILE@@" in text else text


# Questions ---------------------------------------------------------------------------------


def _where(q: dict[str, Any]) -> str:
    line = q.get("line")
    return line if isinstance(line, str) else f"line {line}"


class _Converter:
    """A parsed question as the dictionary ``question_upsert`` takes, with its warnings."""

    def __init__(self, plan: ImportPlan, urls: dict[str, str]):
        self.plan = plan
        self.urls = urls
        self.renamed_tags: dict[tuple[str, str], str] = {}

    def text(self, value: str, fmt: str, where: str) -> str:
        value = _rewrite_files(value, self.urls)
        if fmt == "html" and _UNSAFE_HTML.search(value):
            self.plan.warnings.append(
                Problem(where, "unsafe HTML (scripts, event handlers, embedded objects) removed")
            )
        return to_markdown(value, fmt)

    def tags(self, tags: dict[str, list[str]], where: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for kind, values in tags.items():
            for value in values:
                slug = slugify(value)[:100].strip("-")
                if not slug:
                    self.plan.warnings.append(
                        Problem(where, f"tag {kind}:{value!r} has no letters or digits; left out")
                    )
                    continue
                if slug != value:
                    self.renamed_tags.setdefault((kind, value), slug)
                if slug not in out.setdefault(kind, []):
                    out[kind].append(slug)
        return out

    def question(self, q: dict[str, Any], *, extra_tags: dict[str, list[str]]) -> dict[str, Any]:
        where = _where(q)
        fmt = q["stem_format"]
        title = q["title"]
        if len(title) > MAX_TITLE:
            self.plan.warnings.append(
                Problem(where, f"the title is {len(title)} characters; kept the first {MAX_TITLE}")
            )
            title = title[:MAX_TITLE]
        points = Decimal(str(q["points"]))
        rounded = points.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if rounded != points:
            self.plan.warnings.append(Problem(where, f"points {points} rounded to {rounded}"))
        if rounded >= MAX_POINTS:
            self.plan.errors.append(Problem(where, f"points must be under 10,000, not {points}"))
        tags = {kind: list(values) for kind, values in q["tags"].items()}
        for kind, values in extra_tags.items():
            tags.setdefault(kind, []).extend(v for v in values if v not in tags.get(kind, []))
        data: dict[str, Any] = {
            "key": q["key"],
            "type": q["type"],
            "title": title,
            "stem": self.text(q["stem"], fmt, where),
            "points": str(rounded.normalize()),
            "difficulty": q["difficulty"],
            "critical": q["critical"],
            "rationale": self.text(q["rationale"], fmt, where),
            "tags": self.tags(tags, where),
            "choices": [],
            "pairs": [],
            "distractors": [],
        }
        for c in q["choices"]:
            weight = c["weight"]
            if weight is not None:
                weight = Decimal(str(weight)).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
            data["choices"].append(
                {
                    "text": self.text(c["text"], fmt, where),
                    # An ordering step's flag means nothing; the engine keeps them all True.
                    "correct": True if q["type"] == Question.Type.ORDERING else c["correct"],
                    "weight": weight,
                    "feedback": self.text(c["feedback"], fmt, where),
                }
            )
        data["pairs"] = [
            {
                "prompt": self.text(p["prompt"], fmt, where),
                "answer": self.text(p["answer"], fmt, where),
            }
            for p in q["pairs"]
        ]
        data["distractors"] = [self.text(d, fmt, where) for d in q["distractors"]]
        for problem in question_data_problems(data):
            self.plan.errors.append(Problem(where, problem))
        return data


def question_as_dict(question: Question) -> dict[str, Any]:
    """A stored question as the question dictionary of ``quizzes.formats``."""
    tags: dict[str, list[str]] = {}
    for tag in question.tags.all():
        tags.setdefault(tag.kind, []).append(tag.value)
    data: dict[str, Any] = {
        "key": question.key,
        "type": question.type,
        "title": question.title,
        "stem": question.stem,
        "stem_format": "markdown",
        "points": float(question.points),
        "difficulty": question.difficulty,
        "critical": question.critical,
        "tags": {kind: sorted(values) for kind, values in sorted(tags.items())},
        "rationale": question.rationale,
        "choices": [],
        "pairs": [],
        "distractors": [],
    }
    choices = list(question.choices.all())
    if question.type == Question.Type.MATCHING:
        data["pairs"] = [
            {"prompt": c.text, "answer": c.match_text} for c in choices if c.text.strip()
        ]
        data["distractors"] = [c.match_text for c in choices if not c.text.strip()]
    else:
        data["choices"] = [
            {
                "text": c.text,
                "correct": c.is_correct,
                "weight": None if c.weight is None else float(c.weight),
                "feedback": c.feedback,
            }
            for c in choices
        ]
    return data


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    q = normalise_question(data)
    q["tags"] = {kind: sorted(set(values)) for kind, values in q["tags"].items() if values}
    q["difficulty"] = q["difficulty"] or Question.Difficulty.MEDIUM
    for name in ("stem_format", "category", "line"):
        q.pop(name)
    return q


def question_changes(new: dict[str, Any], current: Question) -> list[str]:
    """The fields in which ``new`` (as ``question_upsert`` takes it) differs from ``current``."""
    a, b = _comparable(new), _comparable(question_as_dict(current))
    return [name for name in FIELD_NAMES if a[name] != b[name]]


# Preview and commit ------------------------------------------------------------------------


def import_preview(
    *,
    data: bytes,
    bank_name: str,
    filename: str = "",
    fmt: str | None = None,
    categories: str = "tags",
) -> ImportPlan:
    """What importing ``data`` would do, as a plan; reads the database and writes nothing."""
    if categories not in CATEGORY_MODES:
        raise ValueError(f"categories must be one of {', '.join(CATEGORY_MODES)}")
    plan = ImportPlan(filename, fmt, bank_name.strip(), categories)
    if not plan.bank_name:
        plan.errors.append(Problem("bank", "name the bank to import into"))
        return plan
    if len(data) > MAX_BYTES:
        plan.errors.append(Problem("file", size_message(len(data))))
        return plan
    if fmt is None:
        plan.format = guess_format(filename, data)
        if plan.format is None:
            plan.errors.append(
                Problem(
                    "file",
                    f"cannot tell the format of {filename or 'the file'!r} from its name; "
                    "choose GIFT, Moodle XML or CSV",
                )
            )
            return plan
    elif fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    result = parse(data, plan.format)
    plan.errors.extend(result.errors)
    plan.warnings.extend(result.warnings)
    plan.unsupported = list(result.unsupported)

    banks = _Banks(plan.bank_name)
    plan.bank_name = banks.chosen.name  # "miss-risks" names the bank "MISS: Risks"
    targets: list[PlannedBank] = []
    for q in result.questions:
        name = category_name(q["category"]) if categories == "banks" else None
        targets.append(banks.get(name) if name else banks.chosen)

    urls = {}
    for name, content in result.files.items():
        problem = _image_problem(name, content)
        if problem:
            plan.errors.append(Problem(_first_reference(result.questions, name), problem))
            continue
        path = _storage_path(banks.chosen.slug, name, content)
        plan.files[path] = content
        urls[name] = urls[quote(name)] = default_storage.url(path)

    converter = _Converter(plan, urls)
    existing = _existing_questions(result.questions, targets)
    for q, bank in zip(result.questions, targets, strict=True):
        extra = {}
        if categories == "tags" and (topic := category_name(q["category"])):
            extra = {"topic": [topic]}
        current = existing.get((bank.pk, q["key"]))
        if q["title"] == q["key"]:
            q = {**q, "title": ""}  # GIFT and Moodle XML name an untitled question by its key
        if current is not None:
            q = _keep_what_the_file_cannot_say(q, current)
        data_ = converter.question(q, extra_tags=extra)
        planned = PlannedQuestion(
            key=q["key"],
            title=data_["title"],
            type=q["type"],
            where=_where(q),
            bank=bank.name,
            action="create",
            data=data_,
        )
        if current is not None:
            planned.changes = question_changes(data_, current)
            planned.action = "update" if planned.changes else "unchanged"
            planned.new_version = any(c in VERSIONED_FIELDS for c in planned.changes)
            data_["active"] = current.active  # a retired question stays retired
        bank.count += 1
        plan.questions.append(planned)
    for (kind, value), slug in converter.renamed_tags.items():
        plan.warnings.append(
            Problem("tags", f"tag {kind}:{value!r} is stored as {kind}:{slug} (tags are slugs)")
        )
    plan.banks = [b for b in banks.by_name.values() if b.count or b is banks.chosen]
    return plan


def _keep_what_the_file_cannot_say(q: dict[str, Any], current: Question) -> dict[str, Any]:
    """Keeps what a file written from this question could not carry.

    A file that gives no difficulty keeps the question's. GIFT and Moodle XML write a
    multiple-response question without weights with Moodle's usual ones
    (``common.default_weights``), so those weights arriving for a question that has none
    leave it without: importing an exported bank again then changes nothing.
    """
    if not q["difficulty"]:
        q = {**q, "difficulty": current.difficulty}
    if (
        q["type"] == Question.Type.MULTIPLE
        and current.type == Question.Type.MULTIPLE
        and all(c.weight is None for c in current.choices.all())
        and all(c["weight"] is not None for c in q["choices"])
        and [round(float(c["weight"]), 5) for c in q["choices"]]
        == [round(w, 5) for w in default_weights(q)]
    ):
        q = {**q, "choices": [{**c, "weight": None} for c in q["choices"]]}
    return q


def _first_reference(questions: list[dict[str, Any]], name: str) -> str:
    for q in questions:
        texts = [q["stem"], q["rationale"], *(c["text"] for c in q["choices"])]
        texts += [c["feedback"] for c in q["choices"]]
        if any(name in t or quote(name) in t for t in texts):
            return _where(q)
    return "file"


def _existing_questions(questions: list[dict], targets: list[PlannedBank]) -> dict:
    bank_ids = {b.pk for b in targets if b.pk}
    if not bank_ids:
        return {}
    found = Question.objects.filter(
        bank_id__in=bank_ids, key__in={q["key"] for q in questions}
    ).prefetch_related("choices", "tags")
    return {(q.bank_id, q.key): q for q in found}


def size_message(size: int) -> str:
    return (
        f"the file is {size / 1024 / 1024:.1f} MB ({size:,} bytes); the limit is "
        f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
    )


@transaction.atomic
def import_commit(
    *,
    data: bytes,
    bank_name: str,
    filename: str = "",
    fmt: str | None = None,
    categories: str = "tags",
    skip_unsupported: bool = False,
    expected: str | None = None,
    user=None,
) -> ImportPlan:
    """Imports the file as ``import_preview`` describes it, all or nothing.

    Refuses (``ImportRefused``, nothing written) a file with any error, one with unsupported
    questions unless ``skip_unsupported``, and, given the ``expected`` fingerprint of the
    preview the person confirmed, a plan that has changed since.
    """
    plan = import_preview(
        data=data, bank_name=bank_name, filename=filename, fmt=fmt, categories=categories
    )
    if plan.errors:
        raise ImportRefused(
            f"{len(plan.errors)} problem(s) in the file; nothing was imported.", plan
        )
    if plan.unsupported and not skip_unsupported:
        raise ImportRefused(
            f"{len(plan.unsupported)} question(s) of types this site does not have; confirm "
            "that they are to be skipped. Nothing was imported.",
            plan,
        )
    if expected is not None and expected != plan.fingerprint:
        raise ImportRefused(
            "The banks changed since the preview; read the new preview before importing.", plan
        )
    banks: dict[str, QuestionBank] = {}
    for planned in plan.banks:
        if planned.pk is None:
            bank = QuestionBank.objects.create(name=planned.name, slug=planned.slug)
            planned.pk, planned.exists = bank.pk, False
        else:
            bank = QuestionBank.objects.get(pk=planned.pk)
        banks[planned.name] = bank
    for path, content in plan.files.items():
        if not default_storage.exists(path):
            default_storage.save(path, ContentFile(content))
    _create_questions(plan.created, banks, user)
    for planned in plan.updated:
        question_upsert(bank=banks[planned.bank], data=planned.data, user=user)
    plan.committed = True
    return plan


def _create_questions(planned: list[PlannedQuestion], banks: dict[str, QuestionBank], user) -> None:
    """Creates new questions as ``question_upsert`` does, in a fixed number of queries.

    A bank of a thousand questions would otherwise take a thousand round trips of a dozen
    queries each (tens of seconds: longer than a web request may take). The result is the
    same, version 1 included (tests/quizzes/test_import_service.py compares them).
    """
    if not planned:
        return
    wanted = {
        (kind, str(value))
        for p in planned
        for kind, values in p.data["tags"].items()
        for value in values
    }
    tags = _tags(wanted)
    questions = [
        Question(
            bank=banks[p.bank],
            key=p.data["key"],
            type=p.data["type"],
            title=str(p.data.get("title") or "")[:MAX_TITLE],
            stem=str(p.data["stem"]).strip(),
            points=Decimal(str(p.data.get("points") or 1)),
            rationale=str(p.data.get("rationale") or "").strip(),
            difficulty=p.data.get("difficulty") or Question.Difficulty.MEDIUM,
            critical=bool(p.data.get("critical", False)),
        )
        for p in planned
    ]
    Question.objects.bulk_create(questions)
    by_key = {
        (q.bank_id, q.key): q.pk
        for q in Question.objects.filter(
            bank__in=banks.values(), key__in=[q.key for q in questions]
        ).only("pk", "bank_id", "key")
    }
    choices, links = [], []
    through = Question.tags.through
    for p, question in zip(planned, questions, strict=True):
        question.pk = by_key[(question.bank.pk, question.key)]
        for choice in choices_from_data(p.data):
            choice.question_id = question.pk
            choices.append(choice)
        links += [
            through(question_id=question.pk, tag_id=tags[(kind, str(value))].pk)
            for kind, values in p.data["tags"].items()
            for value in values
        ]
    Choice.objects.bulk_create(choices)
    through.objects.bulk_create(links)
    created = Question.objects.filter(pk__in=[q.pk for q in questions]).prefetch_related("choices")
    QuestionVersion.objects.bulk_create(
        QuestionVersion(question=q, version=1, content=question_content(q), created_by=user)
        for q in created
    )


def _tags(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], Tag]:
    """The tags by (kind, value), made where missing."""

    def found() -> dict[tuple[str, str], Tag]:
        values = {value for _, value in wanted}
        return {
            (t.kind, t.value): t
            for t in Tag.objects.filter(value__in=values)
            if (t.kind, t.value) in wanted
        }

    tags = found()
    missing = wanted - set(tags)
    if missing:
        Tag.objects.bulk_create(
            [Tag(kind=kind, value=value) for kind, value in sorted(missing)], ignore_conflicts=True
        )
        tags = found()
    return tags


def plan_report(plan: ImportPlan) -> str:
    """The plan as text, for the command line: the same facts as the preview page."""
    mode = "categories become banks" if plan.categories == "banks" else "categories become tags"
    lines = [
        f"{plan.filename or 'The file'} ({plan.format_name}) into bank {plan.bank_name!r}; {mode}.",
    ]
    for bank in plan.banks:
        state = "existing" if bank.exists else "new"
        lines.append(f"  Bank {bank.name!r} ({state}): {bank.count} question(s)")
    lines.append(f"  {plan.summary()}.")
    marks = {"create": "+", "update": "~", "unchanged": "="}
    for q in plan.questions:
        detail = ""
        if q.action == "update":
            detail = f": {q.change_names} changed" + ("; new version" if q.new_version else "")
        title = f" {q.title!r}" if q.title and q.title != q.key else ""
        lines.append(f"  {marks[q.action]} {q.key}{title} ({q.type}) at {q.where}{detail}")
    if plan.unsupported:
        lines.append(f"Unsupported questions ({len(plan.unsupported)}), never imported:")
        lines += [f"  {u.type} {u.title!r} at {u.where}" for u in plan.unsupported]
    if plan.warnings:
        lines.append(f"Warnings ({len(plan.warnings)}):")
        lines += [f"  {w}" for w in plan.warnings]
    if plan.errors:
        lines.append(f"Errors ({len(plan.errors)}):")
        lines += [f"  {e}" for e in plan.errors]
    return "\n".join(lines)


# Export ------------------------------------------------------------------------------------


def bank_export(*, bank: QuestionBank, fmt: str) -> bytes:
    """The bank's active questions as a file; raises ``FormatError`` naming a bad question."""
    questions = [
        question_as_dict(q)
        for q in bank.questions.filter(active=True)
        .prefetch_related("choices", "tags")
        .order_by("key")
    ]
    files: dict[str, bytes] = {}
    if fmt == "moodle-xml":
        questions = [_embed_files(q, files) for q in questions]
    return write(questions, fmt, files=files)


def export_losses(*, bank: QuestionBank, fmt: str) -> list[str]:
    """What exporting the bank in ``fmt`` leaves out, one sentence per question."""
    losses = []
    questions = bank.questions.filter(active=True).prefetch_related("choices").order_by("key")
    for q in questions:
        choices = list(q.choices.all())
        if q.image or any(c.image for c in choices):
            losses.append(
                f"{q.key}: its uploaded image(s) are not exported; add them to the stem as "
                "Markdown images if they must travel"
            )
        if q.type == Question.Type.MATCHING and any(c.feedback for c in choices):
            losses.append(f"{q.key}: feedback on matching pairs has no place in {fmt}")
        if q.type == Question.Type.ORDERING and fmt == "gift" and any(c.feedback for c in choices):
            losses.append(f"{q.key}: feedback on ordering steps has no place in GIFT")
    return losses


def export_filename(bank: QuestionBank, fmt: str) -> str:
    return f"{bank.slug}{EXTENSIONS[fmt]}"


def _embed_files(q: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """Points the question's imported images back at ``@@PLUGINFILE@@`` with their bytes."""
    prefix = f"{settings.MEDIA_URL}{IMPORTED_FILES}/"
    pattern = re.compile(re.escape(prefix) + r"([^\"'\s<>)]+)")

    def replace(match: re.Match) -> str:
        path = f"{IMPORTED_FILES}/{unquote(match.group(1))}"
        if not default_storage.exists(path):
            return match.group(0)
        name = path.rsplit("/", 1)[-1]
        if name not in files:
            with default_storage.open(path, "rb") as handle:
                files[name] = handle.read()
        return f"@@PLUGINFILE@@/{quote(name)}"

    def fix(text: str) -> str:
        return pattern.sub(replace, text) if prefix in text else text

    q = {**q, "stem": fix(q["stem"]), "rationale": fix(q["rationale"])}
    q["choices"] = [
        {**c, "text": fix(c["text"]), "feedback": fix(c["feedback"])} for c in q["choices"]
    ]
    q["pairs"] = [{"prompt": fix(p["prompt"]), "answer": fix(p["answer"])} for p in q["pairs"]]
    q["distractors"] = [fix(d) for d in q["distractors"]]
    return q
