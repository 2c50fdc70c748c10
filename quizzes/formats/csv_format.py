"""CSV: one question per row, for people who keep their questions in a spreadsheet.

The layout (``template.csv`` beside this file is an empty copy with one example per type):

=============  ========  ================================================================
column         needed    what goes in it
=============  ========  ================================================================
id             yes       the question's stable id (``found-001``); importing again updates
                         the question with that id. Empty: an id is made from the stem.
type           yes       ``single``, ``multiple``, ``true_false``, ``ordering`` or
                         ``matching``
title          no        a short name for lists
stem           yes       the question, in Markdown (line breaks allowed inside the cell)
points         no        a number, 0 or more; empty means 1
difficulty     no        ``easy``, ``medium`` or ``hard``
critical       no        ``yes`` for a patient-safety item (also true/1); empty means no
tags           no        ``kind:value`` separated by ``;``, e.g.
                         ``objective:tubular-dilation;procedure:microdiscectomy;risk:dural-tear``;
                         kinds: objective procedure phase risk role topic; a value alone is a
                         topic
rationale      no        shown after submission: why the key is right
correct        yes       the numbers of the right choices: ``2``, or ``1;3`` for multiple
                         response. True/false: ``1`` (True) or ``2`` (False), or the words
                         ``true`` / ``false``. Ordering and matching: leave empty.
choice_1 ...   yes       the choices, from ``choice_1`` on, without gaps (``choice_9`` and
choice_8                 more may be added). True/false: ``True`` and ``False`` (or empty).
                         Ordering: the steps in the correct order. Matching: one pair per
                         cell, ``term => definition`` (the first ``=>`` splits, so a term
                         cannot hold one); ``(none) => definition`` is a distractor that
                         matches nothing.
feedback_1 ... no        feedback shown to a learner who picked that choice
feedback_8
weights        no        for imported partial-credit items: one percent per choice, in
                         choice order, separated by ``;`` (``50;50;-100``)
stem_format    no        ``markdown`` (the default), ``html`` or ``plain``
category       no        the category path the question came from (kept for round trips)
=============  ========  ================================================================

Column names are read without regard to case, spaces or underscores (``Choice 1`` is
``choice_1``); a column the layout does not know is ignored with a warning, and a missing
needed column is an error naming it. Commas, semicolons or tabs may separate the columns (the
header row decides). The file may be UTF-8 (with or without a BOM) or Windows-1252, as Excel
saves it; it is written as UTF-8 with a BOM so that Excel opens it correctly.

Spreadsheet formulas: a cell written by ``write`` that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading ``'`` so that no spreadsheet runs it as a formula
(also when it already starts with ``'`` followed by one of those); reading removes one such
leading ``'`` again. Errors name the row by its line in the file and the column by its name.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from quizzes.formats.common import (
    DIFFICULTIES,
    STEM_FORMATS,
    FormatError,
    ParseResult,
    Unsupported,
    apply_tags,
    choice,
    excerpt,
    finish,
    format_number,
    new_question,
    normalise_question,
    parse_bool,
    parse_number,
    tag_strings,
    tidy_number,
)

REQUIRED = ("id", "type", "stem", "correct", "choice_1")
BASE_COLUMNS = (
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
)
EXTRA_COLUMNS = ("weights", "stem_format", "category")
TEMPLATE_CHOICES = 8
_NUMBERED = re.compile(r"(choice|feedback)_([1-9]\d*)")
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED_FORMULA = re.compile(r"'+[=+\-@\t\r]")
_TYPE_ALIASES = {
    "single": "single",
    "multiple": "multiple",
    "true_false": "true_false",
    "truefalse": "true_false",
    "true/false": "true_false",
    "ordering": "ordering",
    "matching": "matching",
}
_UNSUPPORTED_TYPES = {
    "essay",
    "numerical",
    "shortanswer",
    "short_answer",
    "cloze",
    "multianswer",
    "calculated",
    "calculatedmulti",
    "calculatedsimple",
    "description",
}
_PAIR = "=>"
_NO_TERM = "(none)"


def columns(choices: int = TEMPLATE_CHOICES) -> list[str]:
    numbered = [f"choice_{i}" for i in range(1, choices + 1)]
    numbered += [f"feedback_{i}" for i in range(1, choices + 1)]
    return [*BASE_COLUMNS, *numbered, *EXTRA_COLUMNS]


def _column_name(header: str) -> str:
    return re.sub(r"[\s_]+", "_", header.strip().lower())


def _unescape_cell(cell: str) -> str:
    if _ESCAPED_FORMULA.match(cell):
        cell = cell[1:]
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def _escape_cell(cell: str) -> str:
    return "'" + cell if _FORMULA.match(cell) else cell


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.result = ParseResult()
        self.seen_keys: dict[str, str] = {}

    def read(self) -> ParseResult:
        if not self.text.strip():
            self.result.error("line 1", "the file is empty: the first row must name the columns")
            return self.result
        first_line = self.text.lstrip("\r\n").split("\n", 1)[0]
        delimiter = max(",;\t", key=first_line.count)
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=delimiter)
        previous = 0
        header: list[str] | None = None
        try:
            for row in reader:
                start, previous = previous + 1, reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if header is None:
                    header = self.read_header(row, start)
                    if header is None:
                        return self.result
                    continue
                self.read_row(header, row, start)
        except csv.Error as exc:
            self.result.error(f"line {reader.line_num}", f"the CSV cannot be read: {exc}")
        if header is None:
            self.result.error("line 1", "the file has no header row naming the columns")
        return self.result

    def read_header(self, row: list[str], line: int) -> list[str] | None:
        names = [_column_name(cell) for cell in row]
        known = set(BASE_COLUMNS) | set(EXTRA_COLUMNS)
        ok = True
        for name in sorted({n for n in names if names.count(n) > 1 and n}):
            self.result.error(f"line {line}", f"the column {name!r} appears twice")
            ok = False
        for name in REQUIRED:
            if name not in names:
                self.result.error(
                    f"line {line}",
                    f"the required column {name!r} is missing (the first row must name the "
                    f"columns: {', '.join(REQUIRED)} at least)",
                )
                ok = False
        for name in names:
            if name and name not in known and not _NUMBERED.fullmatch(name):
                self.result.warn(f"line {line}, column {name}", "unknown column ignored")
        return names if ok else None

    def read_row(self, header: list[str], row: list[str], line: int) -> None:
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            self.result.error(
                f"line {line}",
                f"the row has {len(row)} cells but the header names {len(header)} columns "
                "(a comma inside a cell needs quotes around the cell)",
            )
            return
        cells = {name: _unescape_cell(cell) for name, cell in zip(header, row, strict=False)}
        row_errors = len(self.result.errors)

        def error(column: str, message: str) -> None:
            self.result.error(f"line {line}, column {column}", message)

        q = new_question(line, cells.get("category") or None)
        q["key"] = cells.get("id", "")
        q["title"] = cells.get("title", "")
        q["stem"] = cells.get("stem", "")
        q["rationale"] = cells.get("rationale", "")
        kind = cells.get("type", "").lower().replace(" ", "_")
        if kind in _UNSUPPORTED_TYPES:
            title = q["title"] or q["stem"]
            self.result.unsupported.append(Unsupported(kind, excerpt(title), f"line {line}"))
            return
        if kind not in _TYPE_ALIASES:
            error(
                "type",
                f"unknown type {cells.get('type', '')!r}: use single, multiple, true_false, "
                "ordering or matching",
            )
            return
        q["type"] = _TYPE_ALIASES[kind]
        if not q["stem"]:
            error("stem", "the stem is empty")
        fmt = cells.get("stem_format", "").lower() or "markdown"
        if fmt in STEM_FORMATS:
            q["stem_format"] = fmt
        else:
            error("stem_format", f"{fmt!r} is not markdown, html or plain")
        if points := cells.get("points", ""):
            number = parse_number(points)
            if number is None or number < 0:
                error("points", f"{points!r} is not a number (0 or more)")
            else:
                q["points"] = tidy_number(number)
        if difficulty := cells.get("difficulty", "").lower():
            if difficulty in DIFFICULTIES:
                q["difficulty"] = difficulty
            else:
                error("difficulty", f"{difficulty!r} is not easy, medium or hard")
        critical = parse_bool(cells.get("critical", ""))
        if critical is None:
            error("critical", f"{cells['critical']!r} is not yes or no")
        difficulty, q["difficulty"] = q["difficulty"], None
        apply_tags(q, _split_list(cells.get("tags", "")), self.result.warn, f"line {line}")
        q["difficulty"] = difficulty or q["difficulty"]
        q["critical"] = bool(critical) or q["critical"]

        texts = self.numbered(cells, error)
        if texts is not None:
            self.read_choices(q, texts, cells, error)
        if len(self.result.errors) == row_errors:
            finish(self.result, q, self.seen_keys, key_source="id" if q["key"] else "stem")

    def numbered(self, cells: dict[str, str], error: Any) -> list[tuple[str, str]] | None:
        """The (choice, feedback) cells in order, up to the last one filled in."""
        numbers = sorted(
            {int(found.group(2)) for name in cells if (found := _NUMBERED.fullmatch(name))}
        )
        pairs = [(cells.get(f"choice_{n}", ""), cells.get(f"feedback_{n}", "")) for n in numbers]
        while pairs and not pairs[-1][0] and not pairs[-1][1]:
            pairs.pop()
        ok = True
        for (text, feedback), n in zip(pairs, numbers, strict=False):
            if not text and feedback:
                error(f"feedback_{n}", f"feedback for choice {n}, which is empty")
                ok = False
            elif not text:
                error(f"choice_{n}", "an empty choice before filled ones: leave no gaps")
                ok = False
        return pairs if ok else None

    def read_choices(
        self, q: dict[str, Any], texts: list[tuple[str, str]], cells: dict[str, str], error: Any
    ) -> None:
        correct_cell = cells.get("correct", "")
        kind = q["type"]
        if kind in ("ordering", "matching"):
            if correct_cell:
                self.result.warn(
                    f"line {q['line']}, column correct",
                    f"ignored for {kind} questions (the choices' order or pairs say it)",
                )
            if kind == "ordering":
                q["choices"] = [choice(text, False, None, fb) for text, fb in texts]
                return
            for n, (text, feedback) in enumerate(texts, 1):
                prompt, sep, answer = text.partition(_PAIR)
                if not sep or not answer.strip():
                    error(f"choice_{n}", "a matching cell reads 'term => definition'")
                    continue
                if prompt.strip() and prompt.strip().lower() != _NO_TERM:
                    q["pairs"].append({"prompt": prompt.strip(), "answer": answer.strip()})
                else:
                    q["distractors"].append(answer.strip())
                if feedback:
                    self.result.warn(
                        f"line {q['line']}, column feedback_{n}",
                        "matching pairs have no feedback; ignored",
                    )
            return

        if kind == "true_false":
            texts = self.true_false_texts(texts, error)
            if texts is None:
                return
            word = parse_bool(correct_cell) if correct_cell.lower() in ("true", "false") else None
            if word is not None:
                correct_cell = "1" if word else "2"
        numbers = []
        for part in re.split(r"[;,\s]+", correct_cell):
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= len(texts):
                error("correct", f"{part!r} is not a choice number from 1 to {len(texts)}")
                return
            numbers.append(int(part))
        weights = self.weights(cells.get("weights", ""), len(texts), error)
        if weights is None:
            return
        if not numbers and kind == "multiple" and any(weights):
            numbers = [i for i, w in enumerate(weights, 1) if w is not None and w > 0]
        if kind in ("single", "true_false") and len(numbers) != 1:
            error(
                "correct",
                f"a {kind.replace('_', '/')} question needs exactly one right choice number, "
                f"not {correct_cell!r}",
            )
            return
        if kind == "multiple" and not numbers:
            error("correct", "give the numbers of the right choices, such as 1;3")
            return
        for n, ((text, feedback), weight) in enumerate(zip(texts, weights, strict=True), 1):
            q["choices"].append(choice(text, n in numbers, weight, feedback))

    def true_false_texts(
        self, texts: list[tuple[str, str]], error: Any
    ) -> list[tuple[str, str]] | None:
        if not texts:
            return [("True", ""), ("False", "")]
        words = [
            parse_bool(text) if text.lower() in ("true", "false") else None for text, _ in texts
        ]
        if words == [True, False]:
            return [("True", texts[0][1]), ("False", texts[1][1])]
        if words == [False, True]:
            error("choice_1", "put True in choice_1 and False in choice_2")
            return None
        error("choice_1", "a true/false question has the choices True and False (or none)")
        return None

    def weights(self, cell: str, count: int, error: Any) -> list[float | None] | None:
        if not cell:
            return [None] * count
        parts = [part.strip() for part in cell.split(";")]
        numbers = [parse_number(part) for part in parts]
        if len(parts) != count or any(n is None for n in numbers):
            error("weights", f"give {count} percents separated by ';', one per choice")
            return None
        return [tidy_number(n) for n in numbers if n is not None]


def parse(text: str) -> ParseResult:
    return _Reader(text).read()


# Writing -----------------------------------------------------------------------------------


def _row(q: dict[str, Any], width: int) -> dict[str, str]:
    cells = {
        "id": q["key"],
        "type": q["type"],
        "title": q["title"],
        "stem": q["stem"],
        "points": format_number(q["points"]),
        "difficulty": q["difficulty"] or "",
        "critical": "yes" if q["critical"] else "no",
        "tags": ";".join(tag_strings(q, meta=False)),
        "rationale": q["rationale"],
        "correct": "",
        "weights": "",
        "stem_format": q["stem_format"],
        "category": q["category"] or "",
    }
    texts: list[tuple[str, str]] = []
    if q["type"] == "matching":
        if any(_PAIR in p["prompt"] or p["prompt"].lower() == _NO_TERM for p in q["pairs"]):
            raise FormatError(
                f"cannot write question {q['key']!r}: a matching term holds '=>' or is "
                f"{_NO_TERM!r}, which the CSV layout reads differently"
            )
        texts = [(f"{p['prompt']} {_PAIR} {p['answer']}", "") for p in q["pairs"]]
        texts += [(f"{_NO_TERM} {_PAIR} {d}", "") for d in q["distractors"]]
    elif q["type"] == "true_false":
        true_choice = next(
            (c for c in q["choices"] if c["text"].lower() in ("true", "t")), q["choices"][0]
        )
        false_choice = next(c for c in q["choices"] if c is not true_choice)
        texts = [("True", true_choice["feedback"]), ("False", false_choice["feedback"])]
        cells["correct"] = "1" if true_choice["correct"] else "2"
    else:
        texts = [(c["text"], c["feedback"]) for c in q["choices"]]
        if q["type"] != "ordering":
            cells["correct"] = ";".join(
                str(i) for i, c in enumerate(q["choices"], 1) if c["correct"]
            )
            if any(c["weight"] is not None for c in q["choices"]):
                cells["weights"] = ";".join(
                    format_number(c["weight"] if c["weight"] is not None else 0)
                    for c in q["choices"]
                )
    for i in range(1, width + 1):
        text, feedback = texts[i - 1] if i <= len(texts) else ("", "")
        cells[f"choice_{i}"] = text
        cells[f"feedback_{i}"] = feedback
    return cells


def write(questions: list[dict[str, Any]]) -> str:
    qs = [normalise_question(q) for q in questions]
    width = max(
        [TEMPLATE_CHOICES]
        + [len(q["choices"]) for q in qs]
        + [len(q["pairs"]) + len(q["distractors"]) for q in qs]
    )
    names = columns(width)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for q in qs:
        cells = _row(q, width)
        writer.writerow([_escape_cell(cells[name]) for name in names])
    return out.getvalue()
