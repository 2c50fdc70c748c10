"""Moodle XML: reading and writing question banks the way Moodle's XML format does.

Reading (with defusedxml: a document declaring entities, such as an entity-expansion bomb or an
external entity, is refused with "XML entities are not allowed"):

- ``<question type="category">`` sets the category (``<category><text>``) of the questions
  that follow; it is not a question.
- ``multichoice`` (``<single>true</single>`` single answer, else multiple response),
  ``truefalse``, ``matching`` (``<subquestion>``; one with an empty text is a distractor) and
  ``ordering`` (answers in the correct order, as the ordering plugin writes and reads them).
  Every other type (essay, numerical, multianswer/cloze, shortanswer, calculated...,
  description, random...) is listed as unsupported with its name and path.
- ``<name><text>`` is the title; ``<idnumber>`` the key (else the title, else a hash of the
  stem); ``<defaultgrade>`` the points; ``<generalfeedback>`` the rationale;
  ``<tags><tag><text>`` the tags (see ``common`` for ``kind:value`` and the reserved
  ``difficulty:`` and ``critical:`` tags).
- ``<answer fraction="50">``: a percent. Single answer: the 100% answer is correct. Multiple
  response: a positive fraction is correct, and the fractions are kept as weights.
- Texts: CDATA or entities, decoded once by the XML parser and never again (``&amp;lt;`` stays
  ``&lt;``, HTML for an ``html`` text); white space around a text (answers padded with
  newlines) is trimmed. Formats: ``html``, ``markdown``, ``plain_text`` -> ``plain``;
  ``moodle_auto_format`` (and none) -> ``html`` if the stem holds an HTML tag, else ``plain``
  (``common.from_auto_format``).
- Images: ``<file name="a.png" path="/" encoding="base64">`` elements go to
  ``ParseResult.files``; the ``@@PLUGINFILE@@/a.png`` reference stays in the text. Two
  different files of the same name in different questions: the second is renamed ``a-2.png``
  and its references follow. Moodle 1.9's ``<image>`` + ``<image_base64>`` become a file too,
  shown at the end of the stem as Moodle does.

Writing produces what Moodle's import reads: categories, names, idnumbers, CDATA texts with
their format, fractions Moodle accepts, per-answer feedback, tags, and the files a question's
texts refer to. What Moodle has no field for travels as tags (difficulty, critical). A
multiple-response question without weights is written with Moodle's usual weights (each right
choice an equal share of 100%, each wrong one -100%), so it reads back with those weights.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from typing import Any
from urllib.parse import quote
from urllib.parse import unquote as _unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from quizzes.formats.common import (
    ParseResult,
    Problem,
    Unsupported,
    apply_tags,
    choice,
    default_weights,
    excerpt,
    finish,
    format_number,
    from_auto_format,
    line_of_offset,
    new_question,
    normalise_question,
    parse_bool,
    parse_number,
    tag_strings,
    tidy_number,
)

_READ_FORMATS = {
    "html": "html",
    "markdown": "markdown",
    "plain_text": "plain",
    "moodle_auto_format": "auto",
}
_WRITE_FORMATS = {"html": "html", "markdown": "markdown", "plain": "plain_text"}
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>)]+)")
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SUPPORTED = ("multichoice", "truefalse", "matching", "ordering")


def _text_of(element: Element | None) -> str:
    """The ``<text>`` of an element (or its own text, as some old exports write it)."""
    if element is None:
        return ""
    text_el = element.find("text")
    value = text_el.text if text_el is not None else element.text
    return (value or "").strip()


def _child_text(element: Element, name: str) -> str:
    child = element.find(name)
    return (child.text or "").strip() if child is not None else ""


class _Reader:
    def __init__(self, root: Element):
        self.root = root
        self.result = ParseResult()
        self.category: str | None = None
        self.seen_keys: dict[str, str] = {}

    def read(self) -> ParseResult:
        if self.root.tag != "quiz":
            self.result.error("/", f"the root element is <{self.root.tag}>, not <quiz>")
            return self.result
        index = 0
        for child in self.root:
            if child.tag != "question":
                self.result.warn(f"/quiz/{child.tag}", f"<{child.tag}> ignored")
                continue
            index += 1
            self.read_question(child, f"/quiz/question[{index}]")
        return self.result

    def read_question(self, el: Element, where: str) -> None:
        kind = el.get("type", "").strip()
        if kind == "category":
            self.category = _text_of(el.find("category")) or None
            return
        title = _text_of(el.find("name"))
        stem_el = el.find("questiontext")
        stem = _text_of(stem_el)
        if kind not in _SUPPORTED:
            self.result.unsupported.append(
                Unsupported(kind or "(no type)", excerpt(title or stem), where)
            )
            return
        q = new_question(where, self.category)
        q["title"] = title
        fmt = self.text_format(stem_el, where)
        q["stem"], q["stem_format"] = from_auto_format(stem) if fmt == "auto" else (stem, fmt)
        q["rationale"] = _text_of(el.find("generalfeedback"))
        key_source = "stem"
        if idnumber := _child_text(el, "idnumber"):
            q["key"], key_source = idnumber, "id"
        elif title:
            q["key"], key_source = title, "title"
        grade = _child_text(el, "defaultgrade")
        if grade:
            points = parse_number(grade)
            if points is None:
                self.result.error(f"{where}/defaultgrade", f"{grade!r} is not a number")
                return
            q["points"] = tidy_number(points)
        tags = [_text_of(tag) for tag in el.findall("tags/tag")]
        apply_tags(q, tags, self.result.warn, where)

        read = {
            "multichoice": self.read_multichoice,
            "truefalse": self.read_truefalse,
            "matching": self.read_matching,
            "ordering": self.read_ordering,
        }[kind]
        if not read(q, el, where):
            return
        self.read_files(q, el, where)
        finish(self.result, q, self.seen_keys, key_source=key_source)

    def text_format(self, element: Element | None, where: str) -> str:
        name = (element.get("format") if element is not None else None) or "moodle_auto_format"
        if name not in _READ_FORMATS:
            self.result.warn(where, f"text format {name!r} read as Moodle's auto-format")
        return _READ_FORMATS.get(name, "auto")

    def answers(self, el: Element, where: str) -> list[tuple[str, float, str]] | None:
        out = []
        for i, answer in enumerate(el.findall("answer"), 1):
            raw = answer.get("fraction", "0")
            fraction = parse_number(raw)
            if fraction is None:
                self.result.error(f"{where}/answer[{i}]", f"fraction {raw!r} is not a number")
                return None
            out.append((_text_of(answer), fraction, _text_of(answer.find("feedback"))))
        return out

    def read_multichoice(self, q: dict[str, Any], el: Element, where: str) -> bool:
        answers = self.answers(el, where)
        if answers is None:
            return False
        single = parse_bool(_child_text(el, "single") or "true")
        q["type"] = "multiple" if single is False else "single"
        for text, fraction, feedback in answers:
            correct = abs(fraction - 100) < 1e-4 if q["type"] == "single" else fraction > 0
            q["choices"].append(choice(text, correct, tidy_number(fraction), feedback))
        return True

    def read_truefalse(self, q: dict[str, Any], el: Element, where: str) -> bool:
        answers = self.answers(el, where)
        if answers is None:
            return False
        q["type"] = "true_false"
        if len(answers) != 2:
            self.result.error(where, f"a true/false question has {len(answers)} answers, not 2")
            return False
        first, second = answers
        if first[0].lower() == "false" or second[0].lower() == "true":
            first, second = second, first
        for label, (_, fraction, feedback) in (("True", first), ("False", second)):
            q["choices"].append(choice(label, fraction > 0, None, feedback))
        return True

    def read_matching(self, q: dict[str, Any], el: Element, where: str) -> bool:
        q["type"] = "matching"
        for sub in el.findall("subquestion"):
            prompt = _text_of(sub)
            answer = _text_of(sub.find("answer"))
            if prompt:
                q["pairs"].append({"prompt": prompt, "answer": answer})
            elif answer:
                q["distractors"].append(answer)
        return True

    def read_ordering(self, q: dict[str, Any], el: Element, where: str) -> bool:
        answers = self.answers(el, where)
        if answers is None:
            return False
        q["type"] = "ordering"
        q["choices"] = [choice(text, False, None, feedback) for text, _, feedback in answers]
        return True

    # Files -------------------------------------------------------------------------------

    def read_files(self, q: dict[str, Any], el: Element, where: str) -> None:
        renames: dict[str, str] = {}
        for i, file_el in enumerate(el.iter("file"), 1):
            path = (file_el.get("path") or "/").strip("/")
            name = f"{path}/{file_el.get('name', '')}" if path else file_el.get("name", "")
            here = f"{where}/file[{i}]"
            if not _safe_name(name):
                self.result.error(here, f"file name {name!r} is not allowed")
                continue
            if (file_el.get("encoding") or "base64") != "base64":
                self.result.error(here, f"file {name!r}: only base64 files can be read")
                continue
            content = self.decode(file_el.text or "", name, here)
            if content is not None:
                stored = self.store(name, content)
                if stored != name:
                    renames[name] = stored
        image = _child_text(el, "image")
        image_data = _child_text(el, "image_base64")
        if image and image_data:
            name = image.replace("\\", "/").rsplit("/", 1)[-1]
            content = self.decode(image_data, name, f"{where}/image_base64")
            if content is not None and _safe_name(name):
                stored = self.store(name, content)
                _append_image(q, stored)
        elif image:
            self.result.warn(
                f"{where}/image",
                f"the Moodle 1.9 image {image!r} is not inside the file; it will be missing",
            )
        if renames:
            _rename_references(q, renames)
        for text in _texts(q):
            for ref in _PLUGINFILE.findall(text):
                if _unquote(ref) not in self.result.files and ref not in self.result.files:
                    self.result.warn(
                        where, f"@@PLUGINFILE@@/{ref} is referred to but not inside the file"
                    )

    def decode(self, data: str, name: str, where: str) -> bytes | None:
        try:
            return base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            self.result.error(where, f"file {name!r} is not valid base64")
            return None

    def store(self, name: str, content: bytes) -> str:
        """Keeps a file, renaming it when another file of that name differs."""
        stored, n = name, 2
        while stored in self.result.files and self.result.files[stored] != content:
            stem, dot, ext = name.rpartition(".")
            stored = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
            n += 1
        self.result.files[stored] = content
        return stored


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and "\\" not in name and all(p not in ("", ".", "..") for p in parts)


def _texts(q: dict[str, Any]) -> list[str]:
    texts = [q["stem"], q["rationale"]]
    texts += [c["text"] for c in q["choices"]] + [c["feedback"] for c in q["choices"]]
    texts += [p["prompt"] for p in q["pairs"]] + [p["answer"] for p in q["pairs"]]
    return texts + q["distractors"]


def _rename_references(q: dict[str, Any], renames: dict[str, str]) -> None:
    def fix(text: str) -> str:
        for old, new in renames.items():
            for form in {old, quote(old)}:
                text = text.replace(f"@@PLUGINFILE@@/{form}", f"@@PLUGINFILE@@/{quote(new)}")
        return text

    q["stem"], q["rationale"] = fix(q["stem"]), fix(q["rationale"])
    for c in q["choices"]:
        c["text"], c["feedback"] = fix(c["text"]), fix(c["feedback"])
    for p in q["pairs"]:
        p["prompt"], p["answer"] = fix(p["prompt"]), fix(p["answer"])
    q["distractors"] = [fix(d) for d in q["distractors"]]


def _append_image(q: dict[str, Any], name: str) -> None:
    src = f"@@PLUGINFILE@@/{quote(name)}"
    if q["stem_format"] == "markdown":
        q["stem"] += f"\n\n![]({src})"
        return
    if q["stem_format"] == "plain":
        q["stem"] = html.escape(q["stem"]).replace("\n", "<br>\n")
        q["stem_format"] = "html"
    q["stem"] += f' <img src="{src}" alt="">'


def parse(data: bytes) -> ParseResult:
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        result = ParseResult()
        at = data.find(b"<!ENTITY")
        at = data.find(b"<!DOCTYPE") if at == -1 else at
        where = f"line {line_of_offset(data, at)}" if at != -1 else "file"
        result.errors.append(Problem(where, f"XML entities are not allowed ({type(exc).__name__})"))
        return result
    except LookupError as exc:  # an encoding Python does not know, named in <?xml ...?>
        result = ParseResult()
        result.errors.append(Problem("line 1", f"the XML declaration names an {exc}"))
        return result
    except ParseError as exc:
        result = ParseResult()
        line, column = exc.position  # expat counts columns from 0
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        result.errors.append(
            Problem(f"line {line}", f"broken XML at column {column + 1}: {reason}")
        )
        return result
    return _Reader(root).read()


# Writing -----------------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    text = _INVALID_XML_CHARS.sub("", text)
    if any(ch in text for ch in "<>&"):
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return text


def _attr(text: str) -> str:
    return html.escape(_INVALID_XML_CHARS.sub("", text), quote=True)


class _Writer:
    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]

    def text_block(self, tag: str, text: str, fmt: str | None, indent: str, files: bool) -> None:
        fmt_attr = f' format="{_WRITE_FORMATS.get(fmt, "plain_text")}"' if fmt else ""
        self.out.append(f"{indent}<{tag}{fmt_attr}>")
        self.out.append(f"{indent}  <text>{_xml_text(text)}</text>")
        if files:
            self.file_elements(text, indent + "  ")
        self.out.append(f"{indent}</{tag}>")

    def file_elements(self, text: str, indent: str) -> None:
        done = set()
        for ref in _PLUGINFILE.findall(text):
            name = _unquote(ref)
            if name in done or name not in self.files:
                continue
            done.add(name)
            folder, _, base = name.rpartition("/")
            path = f"/{folder}/" if folder else "/"
            data = base64.b64encode(self.files[name]).decode("ascii")
            self.out.append(
                f'{indent}<file name="{_attr(base)}" path="{_attr(path)}" '
                f'encoding="base64">{data}</file>'
            )

    def category(self, path: str) -> None:
        self.out += [
            '  <question type="category">',
            "    <category>",
            f"      <text>{_xml_text(path)}</text>",
            "    </category>",
            '    <info format="moodle_auto_format">',
            "      <text></text>",
            "    </info>",
            "  </question>",
            "",
        ]

    def question(self, q: dict[str, Any]) -> None:
        kind = {
            "single": "multichoice",
            "multiple": "multichoice",
            "true_false": "truefalse",
            "matching": "matching",
            "ordering": "ordering",
        }[q["type"]]
        fmt = q["stem_format"]
        self.out.append(f'  <question type="{kind}">')
        self.text_block("name", q["title"] or q["key"], None, "    ", False)
        self.text_block("questiontext", q["stem"], fmt, "    ", True)
        self.text_block("generalfeedback", q["rationale"], fmt, "    ", True)
        self.out += [
            f"    <defaultgrade>{q['points']:.7f}</defaultgrade>",
            f"    <penalty>{'1.0000000' if kind == 'truefalse' else '0.3333333'}</penalty>",
            "    <hidden>0</hidden>",
            f"    <idnumber>{_xml_text(q['key'])}</idnumber>",
        ]
        getattr(self, f"body_{kind}")(q, fmt)
        tags = tag_strings(q)
        if tags:
            self.out.append("    <tags>")
            self.out += [f"      <tag><text>{_xml_text(t)}</text></tag>" for t in tags]
            self.out.append("    </tags>")
        self.out += ["  </question>", ""]

    def combined_feedback(self) -> None:
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            self.out.append(f'    <{tag} format="html">')
            self.out.append("      <text></text>")
            self.out.append(f"    </{tag}>")

    def answer(self, fraction: str, text: str, feedback: str, fmt: str) -> None:
        self.out.append(f'    <answer fraction="{fraction}" format="{_WRITE_FORMATS[fmt]}">')
        self.out.append(f"      <text>{_xml_text(text)}</text>")
        self.file_elements(text, "      ")
        if feedback:
            self.text_block("feedback", feedback, fmt, "      ", True)
        self.out.append("    </answer>")

    def body_multichoice(self, q: dict[str, Any], fmt: str) -> None:
        single = q["type"] == "single"
        self.out += [
            f"    <single>{'true' if single else 'false'}</single>",
            "    <shuffleanswers>true</shuffleanswers>",
            "    <answernumbering>abc</answernumbering>",
            "    <showstandardinstruction>0</showstandardinstruction>",
        ]
        self.combined_feedback()
        weights = [c["weight"] for c in q["choices"]]
        if any(w is None for w in weights):
            weights = default_weights(q)
        for c, w in zip(q["choices"], weights, strict=True):
            self.answer(format_number(w, 7), c["text"], c["feedback"], fmt)

    def body_truefalse(self, q: dict[str, Any], fmt: str) -> None:
        true_choice = next(
            (c for c in q["choices"] if c["text"].lower() in ("true", "t")), q["choices"][0]
        )
        false_choice = next(c for c in q["choices"] if c is not true_choice)
        for label, c in (("true", true_choice), ("false", false_choice)):
            self.out.append(
                f'    <answer fraction="{100 if c["correct"] else 0}" format="moodle_auto_format">'
            )
            self.out.append(f"      <text>{label}</text>")
            self.text_block("feedback", c["feedback"], fmt, "      ", True)
            self.out.append("    </answer>")

    def body_matching(self, q: dict[str, Any], fmt: str) -> None:
        self.out.append("    <shuffleanswers>true</shuffleanswers>")
        self.combined_feedback()
        pairs = [(p["prompt"], p["answer"]) for p in q["pairs"]]
        pairs += [("", d) for d in q["distractors"]]
        for prompt, answer in pairs:
            self.out.append(f'    <subquestion format="{_WRITE_FORMATS[fmt]}">')
            self.out.append(f"      <text>{_xml_text(prompt)}</text>")
            self.file_elements(prompt, "      ")
            self.out.append("      <answer>")
            self.out.append(f"        <text>{_xml_text(answer)}</text>")
            self.out.append("      </answer>")
            self.out.append("    </subquestion>")

    def body_ordering(self, q: dict[str, Any], fmt: str) -> None:
        self.out += [
            "    <layouttype>VERTICAL</layouttype>",
            "    <selecttype>ALL</selecttype>",
            f"    <selectcount>{len(q['choices'])}</selectcount>",
            "    <gradingtype>ALL_OR_NOTHING</gradingtype>",
            "    <showgrading>SHOW</showgrading>",
            "    <numberingstyle>none</numberingstyle>",
        ]
        self.combined_feedback()
        for i, c in enumerate(q["choices"], 1):
            self.answer(f"{i}.0000000", c["text"], c["feedback"], fmt)


def write(questions: list[dict[str, Any]], *, files: dict[str, bytes]) -> bytes:
    writer = _Writer(files)
    category = None
    for raw in questions:
        q = normalise_question(raw)
        if q["stem_format"] not in _WRITE_FORMATS:
            q["stem_format"] = "plain"
        if q["category"] != category:
            # An empty category returns to no category (Moodle's default one).
            category = q["category"]
            writer.category(category or "")
        writer.question(q)
    writer.out.append("</quiz>")
    return ("\n".join(writer.out) + "\n").encode("utf-8")
