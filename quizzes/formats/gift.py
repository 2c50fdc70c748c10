"""GIFT, Moodle's plain-text question format: reading and writing.

Reading follows Moodle's importer (``question/format/gift/format.php``) and the GIFT grammar of
fuhrmanator/GIFT-grammar-PEG.js, and is stricter about mistakes: where Moodle guesses, this
reports an error with its line.

- A blank line ends a question; lines starting with ``//`` are comments; ``$CATEGORY: path``
  sets the category of the questions that follow.
- ``::title::`` names a question; ``[html]``, ``[markdown]``, ``[plain]`` or ``[moodle]``
  opens a text (stem, answer, feedback) to give its format. Answers and feedback without a
  marker take the stem's. A stem in ``[moodle]`` (Moodle's auto-format, the default) is read
  as ``html`` if it holds an HTML tag, else as ``plain`` (see ``common.from_auto_format``).
- Escapes: ``\\~ \\= \\# \\{ \\} \\:`` give the character, ``\\n`` a newline, ``\\\\`` a
  backslash, and ``\\>`` a ``>`` (ours: the writer uses it in a matching prompt that holds
  ``->``; Moodle splits such a pair right and shows the backslash). A backslash before
  anything else is kept as written, with a warning (LaTeX such as ``\\(x\\)`` keeps working).
  In every format but Markdown a line break in the file is a space, as in the PEG.js grammar;
  write ``\\n`` for a new line.
- ``{=right ~wrong}``: single answer. ``{~%50%a ~%50%b ~%-100%c}`` (no ``=``): multiple
  response, as Moodle reads it. ``#text`` after an answer is its feedback; ``####text``, last
  in the braces, the general feedback (our ``rationale``).
- ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}``: true/false, with up to two feedbacks. Moodle shows the
  first ``#`` text to a learner who answers wrongly and the second to one who answers right, so
  ``{TRUE#wrong#right}`` gives the ``False`` choice the feedback ``wrong``.
- ``{=prompt -> answer ...}``: matching; ``= -> answer`` is a distractor.
- Text after the closing brace makes a "missing word" question: the stem reads
  ``before _____ after``.
- Description (no braces), essay (``{}``), numerical (``{#...}``) and short answer (only ``=``
  answers, no ``->``) are reported as unsupported with their title and line.

Extensions, all in comment lines (Moodle ignores what it does not know):

- ``// [id:found-001] [tag:objective:miss-definition] [tag:difficulty:hard]`` carries the key
  and the tags. This is the syntax Moodle's own GIFT importer and exporter use for the
  idnumber and the tags, so both survive a trip through Moodle. Difficulty and critical
  travel as the reserved tags ``difficulty:<level>`` and ``critical:true`` (see ``common``).
  Without ``[id:]`` the title is the key, and without a title a hash of the stem.
- ``// meta: points=2`` carries the points (Moodle's GIFT has no default mark). The reader
  also accepts ``difficulty=`` and ``critical=`` there, and tags as
  ``// tags: objective:x;procedure:y``.
- Ordering has no portable GIFT syntax (Moodle's ordering question type reads ``{>N ...}``
  followed by one raw item per line, with no escapes and no feedback, and a Moodle without
  that type reads it as a short answer). So an ordering question is written as the line
  ``// type: ordering`` above a matching block whose prompts are the positions:
  ``{=1 -> first step =2 -> second step}``. Moodle imports it as a matching question
  (positions to steps); this reader turns it back into an ordering question. The ``{>N ...}``
  form is read too.

Writing gives each question its comment lines, then ``::title::`` (the key when there is no
title), the stem with its format marker (``[markdown]``, ``[html]`` or ``[plain]``; answers
and feedback take it), and the answers one per line, with every line break written ``\\n`` so
that a question is one block. GIFT cannot carry files (a ``@@PLUGINFILE@@`` reference stays as
text), feedback on ordering steps, or a return to "no category" other than an empty
``$CATEGORY:`` line; a multiple-response question without weights is written with Moodle's
usual ones (``common.default_weights``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from quizzes.formats.common import (
    ParseResult,
    apply_tags,
    choice,
    default_weights,
    excerpt,
    finish,
    format_number,
    from_auto_format,
    new_question,
    normalise_question,
    parse_bool,
    parse_number,
    tag_strings,
    tidy_number,
)
from quizzes.formats.common import Unsupported as UnsupportedQuestion

_MARKER = re.compile(r"\[(html|markdown|plain|moodle)\]")
_ESCAPE_PAIR = re.compile(r"\\.", re.S)
_ESCAPE = re.compile(r"\\(.)", re.S)
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d*)?)%")
_ANSWER_LINE = re.compile(r"\n[ \t]*[=~]")
_NEWLINE_RUN = re.compile(r"[ \t]*\n[ \t]*")
_ID = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f])+)\]")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_FORMAT_OF_MARKER = {"html": "html", "markdown": "markdown", "plain": "plain"}
_WRITE_ESCAPES = {
    "\\": "\\\\",
    "~": "\\~",
    "=": "\\=",
    "#": "\\#",
    "{": "\\{",
    "}": "\\}",
    ":": "\\:",
    "\n": "\\n",
}
_TO_ESCAPE = re.compile(r"[\\~=#{}:\n]")


@dataclass
class _Block:
    """The lines of one question (or category) between blank lines."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


class _Text:
    """A question's text with escapes hidden, so that structure can be found with ``find``.

    ``masked`` has the same length as ``raw`` with every escape pair (``\\x``) replaced by two
    NULs (the decoder refuses NUL bytes, so none is real): positions found in ``masked`` cut
    ``raw``. ``line_at`` turns a position back into a line of the file.
    """

    def __init__(self, lines: list[tuple[int, str]]):
        joined = "\n".join(line for _, line in lines)
        lead = len(joined) - len(joined.lstrip())
        self.raw = joined.strip()
        self.masked = _ESCAPE_PAIR.sub("\x00\x00", self.raw)
        self.first_line = lines[0][0]
        self._numbers = [number for number, _ in lines]
        self._starts = []
        offset = -lead
        for _, line in lines:
            self._starts.append(offset)
            offset += len(line) + 1

    def line_at(self, offset: int) -> int:
        return self._numbers[max(bisect_right(self._starts, offset) - 1, 0)]


@dataclass
class _Body:
    """The answer block between a question's braces, and what its texts need to be read."""

    text: _Text  # the whole question, for line numbers
    raw: str
    masked: str
    start: int  # offset of the block in ``text``
    fmt: str  # the stem's format marker, which answers without one take
    unknown: list[str]  # unknown escapes met, for one warning per question


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.result = ParseResult()
        self.category: str | None = None
        self.seen_keys: dict[str, str] = {}

    # Blocks ------------------------------------------------------------------------------

    def read(self) -> ParseResult:
        stripped = self.text.lstrip()
        if stripped.startswith(("<?xml", "<quiz")):
            self.result.error("line 1", "this looks like Moodle XML, not GIFT")
            return self.result
        block = _Block()
        lines = self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if not stripped:
                self.read_block(block)
                block = _Block()
            elif stripped.startswith("//"):
                block.comments.append(stripped[2:].strip())
            else:
                block.lines.append((number, line))
        self.read_block(block)
        return self.result

    def read_block(self, block: _Block) -> None:
        lines = block.lines
        if lines and lines[0][1].strip().startswith("$CATEGORY:"):
            self.category = lines[0][1].strip()[len("$CATEGORY:") :].strip() or None
            lines = lines[1:]
        if not lines:
            return
        self.read_question(_Text(lines), block.comments)

    # One question ------------------------------------------------------------------------

    def read_question(self, t: _Text, comments: list[str]) -> None:
        r, m = t.raw, t.masked
        line = t.first_line
        where = f"line {line}"
        q = new_question(line, self.category)
        unknown: list[str] = []
        key_source = self.read_comments(q, comments, where)

        pos = 0
        if m.startswith("::"):
            end = m.find("::", 2)
            if end == -1:
                self.result.error(where, "the title opened with '::' is not closed with '::'")
                return
            q["title"] = self.plain(r[2:end], unknown)
            pos = end + 2
            if key_source == "stem" and q["title"]:
                q["key"], key_source = q["title"], "title"

        open_ = m.find("{", pos)
        close = m.find("}", pos)
        if open_ == -1:
            if close != -1:
                self.result.error(
                    f"line {t.line_at(close)}",
                    "'}' without an opening '{' (write \\} for a literal brace)",
                )
                return
            stray = _ANSWER_LINE.search(m, pos)
            if stray:
                self.result.error(
                    f"line {t.line_at(stray.end() - 1)}",
                    "an answer line (starting with = or ~) outside braces: put the answers "
                    "inside { } right after the question",
                )
                return
            stem, _ = self.text_with_format(r[pos:], "moodle", unknown)
            self.unsupported("description", q["title"] or stem, where)
            return
        close = m.find("}", open_ + 1)
        if close == -1:
            self.result.error(
                f"line {t.line_at(open_)}",
                "unclosed brace: the '{' opened here has no closing '}' before the blank line "
                "that ends the question",
            )
            return
        inner_open = m.find("{", open_ + 1, close)
        if inner_open != -1:
            self.result.error(
                f"line {t.line_at(inner_open)}",
                "a '{' inside the answers: close the first '{' with '}' (or write \\{ for a "
                "literal brace)",
            )
            return
        after = close + 1
        extra = min((i for i in (m.find("{", after), m.find("}", after)) if i != -1), default=-1)
        if extra != -1:
            self.result.error(
                f"line {t.line_at(extra)}",
                "a second '{' or '}' after the answers: a question has one answer block "
                "(write \\{ \\} for literal braces)",
            )
            return

        stem_raw = r[pos:open_]
        if r[after:].strip():
            stem_raw = f"{stem_raw.rstrip()} _____ {r[after:].lstrip()}"
        stem, stem_marker = self.text_with_format(stem_raw, "moodle", unknown)
        if stem_marker == "moodle":
            q["stem"], q["stem_format"] = from_auto_format(stem)
        else:
            q["stem"], q["stem_format"] = stem, _FORMAT_OF_MARKER[stem_marker]
        if not stem:
            self.result.error(
                f"line {t.line_at(open_)}",
                "answer without a question stem: a question's text must come before its '{' "
                "(a blank line between them ends the question)",
            )
            return

        body_r, body_m = r[open_ + 1 : close], m[open_ + 1 : close]
        body_start = open_ + 1
        gf = body_m.rfind("####")
        if gf != -1:
            q["rationale"], _ = self.text_with_format(body_r[gf + 4 :], stem_marker, unknown)
            body_r, body_m = body_r[:gf], body_m[:gf]
        title = q["title"] or stem
        body = body_m.strip()
        if not body:
            self.unsupported("essay", title, where)
            return
        if body.startswith("#"):
            self.unsupported("numerical", title, where)
            return

        reader = None
        if q.pop("_ordering", False):
            reader = self.read_ordering_pairs
        elif body.startswith(">"):
            reader = self.read_ordering_plugin
        elif "~" in body_m:
            reader = self.read_multichoice
        elif "=" in body_m and "->" in body_m:
            reader = self.read_matching
        elif body_m.split("#", 1)[0].strip() in _TF:
            reader = self.read_truefalse
        else:
            self.unsupported("shortanswer", title, where)
            return
        ok = reader(q, _Body(t, body_r, body_m, body_start, stem_marker, unknown))
        if unknown:
            escapes = " ".join(sorted({f"\\{c}" for c in unknown}))
            self.result.warn(where, f"unknown escape {escapes} kept as written")
        trailing = r[after:].strip()
        if ok and trailing and q["type"] not in ("single", "multiple"):
            self.result.warn(
                f"line {t.line_at(after)}",
                f"the text {excerpt(trailing, 30)!r} after '}}' was put into the stem as a "
                "missing-word blank (_____); remove it if it is a stray",
            )
        if ok:
            finish(self.result, q, self.seen_keys, key_source=key_source)

    def read_comments(self, q: dict[str, Any], comments: list[str], where: str) -> str:
        """Reads ``[id:]``, ``[tag:]``, ``meta:`` and ``type:``; says where the key came from."""
        explicit_key = False
        tags: list[str] = []
        for comment in comments:
            found = _ID.search(comment)
            if found and not explicit_key:
                q["key"] = found.group(1).replace("\\]", "]").strip()
                explicit_key = bool(q["key"])
            tags += [tag.replace("\\]", "]").strip() for tag in _TAG.findall(comment)]
            label, sep, value = comment.partition(":")
            label = label.strip().lower()
            if sep and label == "type":
                if value.strip().lower() == "ordering":
                    q["_ordering"] = True
                else:
                    self.result.warn(where, f"unknown '// type: {value.strip()}' ignored")
            elif sep and label == "meta":
                self.read_meta(q, value, where)
            elif sep and label == "tags":
                tags += [tag.strip() for tag in re.split(r"[;,]", value) if tag.strip()]
        apply_tags(q, tags, self.result.warn, where)
        return "id" if explicit_key else "stem"

    def read_meta(self, q: dict[str, Any], text: str, where: str) -> None:
        for item in text.split():
            name, _, value = item.partition("=")
            name = name.strip().lower()
            if name == "points" and (number := parse_number(value)) is not None:
                q["points"] = tidy_number(number)
            elif name == "difficulty" and value.strip().lower() in ("easy", "medium", "hard"):
                q["difficulty"] = value.strip().lower()
            elif name == "critical" and (flag := parse_bool(value)) is not None:
                q["critical"] = flag
            else:
                self.result.warn(where, f"'// meta: {item}' not understood; ignored")

    # Answer blocks -----------------------------------------------------------------------

    def split_answers(self, body: _Body, marks: str) -> list[tuple[str, str, str, int]] | None:
        """Cuts the answer block at each unescaped mark: (mark, raw, masked, line) per answer."""
        cuts = [i for i, ch in enumerate(body.masked) if ch in marks]
        if not cuts:
            return []
        lead = body.raw[: cuts[0]]
        if lead.strip():
            self.result.error(
                f"line {body.text.line_at(body.start)}",
                f"text {excerpt(lead, 30)!r} before the first answer: each answer starts with "
                + " or ".join(marks),
            )
            return None
        answers = []
        for i, cut in enumerate(cuts):
            end = cuts[i + 1] if i + 1 < len(cuts) else len(body.raw)
            line = body.text.line_at(body.start + cut)
            answers.append(
                (body.masked[cut], body.raw[cut + 1 : end], body.masked[cut + 1 : end], line)
            )
        return answers

    def read_multichoice(self, q: dict[str, Any], body: _Body) -> bool:
        answers = self.split_answers(body, "~=")
        if answers is None:
            return False
        ok = True
        marks = []
        for mark, a_raw, a_masked, line in answers:
            weight = None
            stripped = a_masked.lstrip()
            shift = len(a_masked) - len(stripped)
            if stripped.startswith("%"):
                found = _WEIGHT.match(stripped)
                if not found:
                    self.result.error(f"line {line}", "a weight must look like %50% or %-33.33333%")
                    ok = False
                    continue
                weight = tidy_number(float(found.group(1)))
                shift += found.end()
            text_raw, text_m = a_raw[shift:], a_masked[shift:]
            hash_at = text_m.find("#")
            feedback = ""
            if hash_at != -1:
                feedback = self.answer_text(text_raw[hash_at + 1 :], body)
                text_raw = text_raw[:hash_at]
            text = self.answer_text(text_raw, body)
            marks.append(mark)
            q["choices"].append(choice(text, False, weight, feedback))
        if not ok:
            return False
        if "=" not in marks:
            # Moodle: without an "=" answer, a multiple-response question; right = weighted.
            q["type"] = "multiple"
            for c in q["choices"]:
                c["correct"] = c["weight"] is not None and c["weight"] > 0
            return True
        q["type"] = "single"
        for c, mark in zip(q["choices"], marks, strict=True):
            c["correct"] = mark == "=" or c["weight"] == 100  # "~%100%" is as right as "="
            if mark == "=" and c["weight"] not in (None, 100):
                self.result.warn(
                    f"line {q['line']}",
                    f"'=%{format_number(c['weight'])}%' counts as 100%: in a single-answer "
                    "question '=' marks the right answer; give partial credit with '~%50%'",
                )
                c["weight"] = 100
        right = sum(1 for c in q["choices"] if c["correct"])
        if right > 1:
            weighted = any(c["weight"] is not None for c in q["choices"])
            self.result.error(
                f"line {q['line']}",
                f"{right} answers are marked correct (=) in a single-answer question"
                + ("" if weighted else " with no weights")
                + ": keep one '=', or write the right answers as ~%50% weights to make a "
                "multiple-response question",
            )
            return False
        return True

    def read_truefalse(self, q: dict[str, Any], body: _Body) -> bool:
        parts_m = body.masked.split("#", 2)
        parts, at = [], 0
        for part in parts_m:
            parts.append(body.raw[at : at + len(part)])
            at += len(part) + 1
        is_true = _TF[parts_m[0].strip()]
        wrong = self.answer_text(parts[1], body) if len(parts) > 1 else ""
        right = self.answer_text(parts[2], body) if len(parts) > 2 else ""
        q["type"] = "true_false"
        q["choices"] = [
            choice("True", is_true, None, right if is_true else wrong),
            choice("False", not is_true, None, wrong if is_true else right),
        ]
        return True

    def read_pairs(self, body: _Body) -> list[tuple[str, str]] | None:
        answers = self.split_answers(body, "=")
        if answers is None:
            return None
        pairs = []
        for _, a_raw, a_masked, line in answers:
            arrow = a_masked.find("->")
            if arrow == -1:
                self.result.error(f"line {line}", "a matching answer needs 'prompt -> answer'")
                return None
            prompt = self.answer_text(a_raw[:arrow], body)
            pairs.append((prompt, self.plain(a_raw[arrow + 2 :], body.unknown, body.fmt)))
        return pairs

    def read_matching(self, q: dict[str, Any], body: _Body) -> bool:
        pairs = self.read_pairs(body)
        if pairs is None:
            return False
        q["type"] = "matching"
        for prompt, answer in pairs:
            if prompt:
                q["pairs"].append({"prompt": prompt, "answer": answer})
            else:
                q["distractors"].append(answer)
        return True

    def read_ordering_pairs(self, q: dict[str, Any], body: _Body) -> bool:
        """Our ordering form: ``// type: ordering`` above ``{=1 -> first =2 -> second}``."""
        pairs = self.read_pairs(body)
        if pairs is None:
            return False
        positions = sorted((p for p, _ in pairs), key=lambda p: (len(p), p))
        if positions != [str(i) for i in range(1, len(pairs) + 1)]:
            self.result.error(
                f"line {q['line']}",
                "'// type: ordering' needs the steps as '=1 -> first =2 -> second ...', "
                f"numbered 1 to {len(pairs)} once each",
            )
            return False
        q["type"] = "ordering"
        q["choices"] = [choice(step) for _, step in sorted(pairs, key=lambda p: int(p[0]))]
        return True

    def read_ordering_plugin(self, q: dict[str, Any], body: _Body) -> bool:
        """Moodle's ordering plugin: ``{>N [ALL|RANDOM..] [VERTICAL..] [grading..]`` + items.

        The items are raw lines, one per item, without escapes, as the plugin reads them.
        """
        header, _, items = body.raw.strip()[1:].partition("\n")
        steps = [line.strip() for line in items.split("\n") if line.strip()]
        q["type"] = "ordering"
        q["choices"] = [choice(step) for step in steps]
        count = re.match(r"\s*(\d+)", header)
        if count and 2 < int(count.group(1)) < len(steps):
            self.result.warn(
                f"line {q['line']}",
                f"Moodle showed {count.group(1)} of the {len(steps)} items; "
                "every item will be used",
            )
        return True

    # Texts -------------------------------------------------------------------------------

    def text_with_format(self, raw: str, default: str, unknown: list[str]) -> tuple[str, str]:
        """A text's content and its format marker name (``html``, ``moodle``, ...)."""
        raw = raw.strip()
        fmt = default
        found = _MARKER.match(raw)
        if found:
            fmt = found.group(1)
            raw = raw[found.end() :]
        return self.plain(raw, unknown, fmt), fmt

    def answer_text(self, raw: str, body: _Body) -> str:
        return self.text_with_format(raw, body.fmt, body.unknown)[0]

    def plain(self, raw: str, unknown: list[str], fmt: str = "moodle") -> str:
        raw = raw.strip()
        if fmt != "markdown":
            raw = _NEWLINE_RUN.sub(" ", raw)

        def unescape(found: re.Match[str]) -> str:
            ch = found.group(1)
            if ch in "~=#{}:\\>":
                return ch
            if ch == "n":
                return "\n"
            if not ch.isspace():
                unknown.append(ch)
            return found.group(0)

        return _ESCAPE.sub(unescape, raw).strip()

    def unsupported(self, kind: str, title: str, where: str) -> None:
        self.result.unsupported.append(UnsupportedQuestion(kind, excerpt(title), where))


def parse(text: str) -> ParseResult:
    return _Reader(text).read()


# Writing -----------------------------------------------------------------------------------


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TO_ESCAPE.sub(lambda found: _WRITE_ESCAPES[found.group()], text)


def _answer_text(text: str, marker: str) -> str:
    """An answer or feedback; a text that itself starts like a marker gets the real one first."""
    escaped = _escape(text)
    if _MARKER.match(text) or text.startswith("%"):
        return marker + escaped
    return escaped


def _comment_token(name: str, value: str) -> str:
    escaped = value.replace("]", "\\]")
    return f"[{name}:{escaped}]"


def write_question(q: dict[str, Any]) -> str:
    marker = f"[{q['stem_format'] if q['stem_format'] in ('html', 'markdown') else 'plain'}]"
    lines = []
    tokens = [_comment_token("id", q["key"])]
    tokens += [_comment_token("tag", tag) for tag in tag_strings(q)]
    lines.append("// " + " ".join(tokens))
    if q["points"] != 1:
        lines.append(f"// meta: points={format_number(q['points'])}")
    if q["type"] == "ordering":
        lines.append("// type: ordering")
    head = f"::{_escape(q['title'] or q['key'])}::{marker}{_escape(q['stem'])}"
    rationale = f"####{_answer_text(q['rationale'], marker)}" if q["rationale"] else ""

    def feedback(text: str) -> str:
        return f"#{_answer_text(text, marker)}" if text else ""

    if q["type"] == "true_false":
        true_choice = next(
            (c for c in q["choices"] if c["text"].lower() in ("true", "t")), q["choices"][0]
        )
        false_choice = next(c for c in q["choices"] if c is not true_choice)
        is_true = true_choice["correct"]
        right = (true_choice if is_true else false_choice)["feedback"]
        wrong = (false_choice if is_true else true_choice)["feedback"]
        fb = ""
        if wrong or right:
            fb = "#" + _answer_text(wrong, marker) if wrong else "#"
        if right:
            fb += "#" + _answer_text(right, marker)
        lines.append(f"{head}{{{'TRUE' if is_true else 'FALSE'}{fb}{rationale}}}")
        return "\n".join(lines)

    body = []
    if q["type"] in ("single", "multiple"):
        weights = [c["weight"] for c in q["choices"]]
        if q["type"] == "multiple" and any(w is None for w in weights):
            weights = default_weights(q)
        for c, w in zip(q["choices"], weights, strict=True):
            if q["type"] == "single" and c["correct"] and w in (None, 100):
                mark = "="
            elif w is None:
                mark = "~"
            else:
                mark = f"~%{format_number(w)}%"
            body.append(f"\t{mark}{_answer_text(c['text'], marker)}{feedback(c['feedback'])}")
    elif q["type"] == "matching":
        for p in q["pairs"]:
            prompt = _answer_text(p["prompt"], marker).replace("->", "-\\>")
            body.append(f"\t={prompt} -> {_escape(p['answer'])}")
        for d in q["distractors"]:
            body.append(f"\t= -> {_escape(d)}")
    elif q["type"] == "ordering":
        for i, c in enumerate(q["choices"], 1):
            body.append(f"\t={i} -> {_escape(c['text'])}")
    if rationale:
        body.append(f"\t{rationale}")
    lines.append(head + "{")
    lines += body
    lines.append("}")
    return "\n".join(lines)


def write(questions: list[dict[str, Any]]) -> str:
    out = []
    category = None
    for raw in questions:
        q = normalise_question(raw)
        if q["category"] != category:
            # An empty "$CATEGORY:" returns to no category (Moodle's default one).
            category = q["category"]
            out.append(f"$CATEGORY: {category or ''}".rstrip() + "\n")
        out.append(write_question(q) + "\n")
    return "\n".join(out)
