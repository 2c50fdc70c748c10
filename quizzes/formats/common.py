"""What every question file format shares: the result types, text decoding, tags and checks.

The question dictionary
-----------------------
Every parser produces, and every writer accepts, the dictionary of ``fixtures/README.md``.
Parsers always fill every key; writers accept the shorter form the curriculum YAML uses and
fill the rest through :func:`normalise_question`::

    {
        "key": "found-001",          # stable id: GIFT [id:] or title, Moodle idnumber, CSV id
        "type": "single",            # single | multiple | true_false | ordering | matching
        "title": "",                 # "" when the file has none
        "stem": "...",
        "stem_format": "markdown",   # markdown | html | plain
        "points": 1,                 # int when whole, else float; 1 when the file does not say
        "difficulty": None,          # easy | medium | hard, None when the file does not say
        "critical": False,
        "tags": {"objective": ["x"]},
        "rationale": "",             # general feedback
        "choices": [{"text": "", "correct": False, "weight": None, "feedback": ""}],
        "pairs": [{"prompt": "", "answer": ""}],
        "distractors": [""],
        "category": None,            # a path string such as "$course$/top/Unit 1"
        "line": 12,                  # int line (GIFT, CSV) or "/quiz/question[3]" (XML)
    }

Conventions shared by the formats:

- Texts are stripped of surrounding white space (an XML answer padded with newlines, a CSV cell
  with a trailing space) and their line breaks are ``\\n``. Compare texts so normalised
  (``normalise_question`` does it) when deciding whether a question changed.
- ``weight`` is a percent of the question's points, -100 to 100. Within a question either every
  choice has a weight or none has. A single-answer question whose weights only say "right"
  (100) and "wrong" (0) gets ``None`` weights: they add nothing to ``correct``.
- ``true_false`` questions have exactly two choices, ``True`` then ``False``; the feedback of
  each is what a learner who picked it sees.
- ``ordering`` choices are in the correct order; their ``correct`` flag means nothing.
- Tags are ``kind:value`` strings in files. Only the kinds of the engine (objective, procedure,
  phase, risk, role, topic) are split off; any other text, colon or not, is a ``topic`` value.
  Two reserved kinds carry fields Moodle has no place for, so that they survive a trip through
  Moodle: ``difficulty:<easy|medium|hard>`` and ``critical:true``.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 10 * 1024 * 1024
MAX_KEY_LENGTH = 100  # Question.key in the database

TYPES = ("single", "multiple", "true_false", "ordering", "matching")
STEM_FORMATS = ("markdown", "html", "plain")
DIFFICULTIES = ("easy", "medium", "hard")
TAG_KINDS = ("objective", "procedure", "phase", "risk", "role", "topic")
RESERVED_TAG_KINDS = ("difficulty", "critical")

_TRUE_WORDS = {"true", "yes", "y", "1", "t"}
_FALSE_WORDS = {"false", "no", "n", "0", "f", ""}


class FormatError(ValueError):
    """A file that cannot be read at all (its encoding), or a question a writer cannot write."""


@dataclass
class Problem:
    """An error or a warning tied to a place in the file."""

    where: str  # "line 12", "line 4, column correct", "/quiz/question[3]/answer[2]", "file"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Unsupported:
    """A question of a type the engine does not have: named in the report, never dropped."""

    type: str  # Moodle's name for it: essay, numerical, shortanswer, multianswer, ...
    title: str
    where: str


@dataclass
class ParseResult:
    questions: list[dict[str, Any]] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, where: str, message: str) -> None:
        self.errors.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))


# Text --------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Decodes a text file: UTF-8 (with or without a BOM), UTF-16 with a BOM, or Windows-1252.

    Windows-1252 is what Excel writes when a spreadsheet is saved as "CSV" on Windows; it is
    tried only when the bytes are not UTF-8. Bytes that are neither (or a NUL byte, the mark of
    a binary file such as an .xlsx renamed .csv) raise :class:`FormatError` naming the offset.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FormatError(f"invalid UTF-16 at byte offset {exc.start}") from exc
    nul = data.find(b"\x00")
    if nul != -1:
        raise FormatError(f"NUL byte at byte offset {nul}: this looks like a binary file, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"the file starts with a UTF-8 mark but byte offset {exc.start + 3} "
                f"(0x{data[exc.start]:02x}) is not UTF-8"
            ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"byte 0x{data[exc.start]:02x} at byte offset {exc.start} is neither UTF-8 "
                f"(first bad byte at offset {utf8_error.start}) nor Windows-1252; "
                "save the file as UTF-8"
            ) from exc


_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|<!--")


def from_auto_format(text: str) -> tuple[str, str]:
    """A text in Moodle's auto-format (its default) as plain text or HTML.

    Moodle shows auto-format text with its HTML tags working and its line breaks kept. So a
    text holding an HTML tag becomes ``html`` with ``<br>`` at its line breaks, and any other
    text stays ``plain``, which Moodle would show the same way.
    """
    if _HTML_TAG.search(text):
        return text.replace("\n", "<br>\n"), "html"
    return text, "plain"


def line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def excerpt(text: str, length: int = 60) -> str:
    """A short one-line version of a text, to name an untitled question in a report."""
    text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def derive_key(stem: str) -> str:
    """A stable key for a question whose file gives none: the same stem gives the same key."""
    digest = hashlib.sha256(" ".join(stem.split()).encode("utf-8")).hexdigest()
    return f"q-{digest[:12]}"


def format_number(value: float | int, places: int = 5) -> str:
    """``1`` not ``1.0``; ``33.33333`` not ``33.333333333333336``."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def tidy_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def parse_number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", ".") if text.count(",") == 1 else text.strip())
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return value


def parse_bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


# Tags --------------------------------------------------------------------------------------


def split_tag(text: str) -> tuple[str, str] | None:
    """``"risk:infection"`` -> ``("risk", "infection")``; ``"Anatomy"`` -> ``("topic", ...)``."""
    text = text.strip()
    if not text:
        return None
    kind, sep, value = text.partition(":")
    kind = kind.strip().lower()
    if sep and value.strip() and kind in TAG_KINDS + RESERVED_TAG_KINDS:
        return kind, value.strip()
    return "topic", text


def apply_tags(question: dict[str, Any], texts: list[str], warn: Any, where: str) -> None:
    """Adds tag strings to ``question["tags"]``, setting the reserved difficulty and critical."""
    for text in texts:
        parts = split_tag(text)
        if parts is None:
            continue
        kind, value = parts
        if kind == "difficulty":
            if value.lower() in DIFFICULTIES:
                question["difficulty"] = value.lower()
            else:
                warn(where, f"tag {text!r}: difficulty must be easy, medium or hard; ignored")
        elif kind == "critical":
            flag = parse_bool(value)
            if flag is None:
                warn(where, f"tag {text!r}: critical must be true or false; ignored")
            else:
                question["critical"] = flag
        else:
            values = question["tags"].setdefault(kind, [])
            if value not in values:
                values.append(value)


def tag_strings(question: dict[str, Any], *, meta: bool = True) -> list[str]:
    """The question's tags as ``kind:value`` strings; with ``meta``, difficulty and critical too."""
    out = [f"{kind}:{value}" for kind, values in question["tags"].items() for value in values]
    if meta and question["difficulty"]:
        out.append(f"difficulty:{question['difficulty']}")
    if meta and question["critical"]:
        out.append("critical:true")
    return out


# Questions ---------------------------------------------------------------------------------


def new_question(line: int | str, category: str | None) -> dict[str, Any]:
    return {
        "key": "",
        "type": "",
        "title": "",
        "stem": "",
        "stem_format": "markdown",
        "points": 1,
        "difficulty": None,
        "critical": False,
        "tags": {},
        "rationale": "",
        "choices": [],
        "pairs": [],
        "distractors": [],
        "category": category,
        "line": line,
    }


def choice(text: str, correct: bool = False, weight: float | None = None, feedback: str = ""):
    return {"text": text, "correct": correct, "weight": weight, "feedback": feedback}


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def normalise_question(raw: dict[str, Any]) -> dict[str, Any]:
    """A full question dictionary from the possibly shorter one a writer is given."""
    category = re.sub(r"\s*\n\s*", " ", _text(raw.get("category")))  # a path is one line
    q = new_question(raw.get("line", ""), category or None)
    q["key"] = _text(raw.get("key"))
    q["type"] = _text(raw.get("type")) or "single"
    q["title"] = _text(raw.get("title"))
    q["stem"] = _text(raw.get("stem"))
    q["stem_format"] = _text(raw.get("stem_format")) or "markdown"
    points = raw.get("points")
    q["points"] = 1 if points in (None, "") else tidy_number(float(points))
    q["difficulty"] = _text(raw.get("difficulty")) or None
    q["critical"] = bool(raw.get("critical"))
    q["tags"] = {
        str(kind): [str(v) for v in (values if isinstance(values, list) else [values])]
        for kind, values in (raw.get("tags") or {}).items()
        if values not in (None, [], "")
    }
    q["rationale"] = _text(raw.get("rationale"))
    for c in raw.get("choices") or []:
        weight = c.get("weight")
        q["choices"].append(
            choice(
                _text(c.get("text")),
                bool(c.get("correct")),
                None if weight in (None, "") else tidy_number(float(weight)),
                _text(c.get("feedback")),
            )
        )
    q["pairs"] = [
        {"prompt": _text(p.get("prompt")), "answer": _text(p.get("answer"))}
        for p in raw.get("pairs") or []
    ]
    q["distractors"] = [_text(d) for d in raw.get("distractors") or [] if _text(d)]
    if not q["key"]:
        q["key"] = derive_key(q["stem"])
    return q


def default_weights(question: dict[str, Any]) -> list[float]:
    """The weights written for a question whose choices carry none.

    Multiple response: each right choice gets an equal share of 100 and each wrong one -100,
    Moodle's nearest to the engine's all-or-nothing default (any wrong pick scores zero).
    Single answer: 100 for the right choice, 0 for the others.
    """
    choices = question["choices"]
    if question["type"] == "multiple":
        right = sum(1 for c in choices if c["correct"]) or 1
        return [round(100 / right, 5) if c["correct"] else -100 for c in choices]
    return [100 if c["correct"] else 0 for c in choices]


def settle_weights(question: dict[str, Any]) -> None:
    """Every choice weighted or none; single-answer weights that only restate right/wrong go."""
    choices = question["choices"]
    if question["type"] not in ("single", "multiple") or not choices:
        for c in choices:
            c["weight"] = None
        return
    if all(c["weight"] is None for c in choices):
        return
    for c in choices:
        if c["weight"] is None:
            c["weight"] = 100 if c["correct"] else 0
    if question["type"] == "single" and all(
        c["weight"] == (100 if c["correct"] else 0) for c in choices
    ):
        for c in choices:
            c["weight"] = None


def check_question(q: dict[str, Any]) -> list[str]:
    """What makes a parsed question unusable by the engine, as sentences for the report."""
    problems: list[str] = []
    kind = q["type"]
    if not q["stem"]:
        problems.append("the question has no stem")
    if len(q["key"]) > MAX_KEY_LENGTH:
        problems.append(
            f"the id {q['key'][:40]!r}… is {len(q['key'])} characters long; "
            f"the limit is {MAX_KEY_LENGTH}"
        )
    if not (isinstance(q["points"], int | float) and q["points"] >= 0):
        problems.append(f"points must be a number, 0 or more, not {q['points']!r}")
    choices = q["choices"]
    right = sum(1 for c in choices if c["correct"])
    if kind in ("single", "multiple", "true_false", "ordering"):
        if any(not c["text"] for c in choices):
            problems.append("a choice has no text")
        if len(choices) < 2:
            problems.append(f"a {kind.replace('_', '/')} question needs at least two choices")
    if kind == "single" and len(choices) >= 2:
        if right == 0:
            problems.append("no choice is marked correct")
        elif right > 1:
            problems.append(
                f"{right} choices are marked correct in a single-answer question; "
                "mark one, or make it a multiple-response question"
            )
    if kind == "multiple" and len(choices) >= 2 and right == 0:
        problems.append("no choice is marked correct (or has a positive weight)")
    if kind == "true_false" and (len(choices) != 2 or right != 1):
        problems.append("a true/false question needs exactly one right answer of True and False")
    for c in choices:
        w = c["weight"]
        if w is not None and not -100 <= w <= 100:
            problems.append(f"weight {format_number(w)}% is outside -100% to 100%")
    if kind == "matching":
        if len(q["pairs"]) < 2:
            problems.append("a matching question needs at least two pairs")
        if any(not p["prompt"] or not p["answer"] for p in q["pairs"]):
            problems.append("a matching pair lacks its prompt or its answer")
    return problems


def finish(result: ParseResult, q: dict[str, Any], seen: dict[str, str], *, key_source: str):
    """Checks a parsed question, settles its key, and adds it to the result.

    ``key_source`` says where ``q["key"]`` came from. An id the file gave on purpose (GIFT
    ``[id:]``, Moodle ``idnumber``, the CSV ``id`` column: ``"id"``) must be unique: a second
    use is an error, since importing the file again would not know which question to update.
    A title (``"title"``) used twice, as Moodle allows, gets a ``-2`` suffix and a warning; a
    title too long for a key falls back to the stem. A key derived from the stem (``"stem"``)
    gets the suffix silently. Suffixes follow the order in the file, so the same file gives
    the same keys every time.
    """
    where = where_of(q["line"])
    settle_weights(q)
    if key_source == "title" and len(q["key"]) > MAX_KEY_LENGTH:
        key_source = "stem"
    if key_source == "stem" or not q["key"]:
        q["key"] = derive_key(q["stem"])
        key_source = "stem"
    for message in check_question(q):
        result.error(where, message)
    if q["points"] == 0:
        result.warn(where, "the question is worth 0 points: it will not count toward a score")
    if q["key"] in seen:
        if key_source == "id":
            result.error(
                where,
                f"the id {q['key']!r} is used twice (first at {seen[q['key']]}); ids must be "
                "unique so that importing the file again updates the right question",
            )
        else:
            base, n = q["key"], 2
            while f"{base}-{n}" in seen:
                n += 1
            q["key"] = f"{base}-{n}"
            if key_source == "title":
                result.warn(
                    where,
                    f"the title {base!r} is also used at {seen[base]}; this question's key "
                    f"is {q['key']!r}",
                )
    seen.setdefault(q["key"], where)
    result.questions.append(q)


def where_of(line: int | str) -> str:
    return line if isinstance(line, str) else f"line {line}"
