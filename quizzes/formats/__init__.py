"""Question files in and out: GIFT, Moodle XML and CSV, to and from the question dictionary.

Pure Python with no Django import, so that it is tested alone. The dictionary is the one of
``fixtures/README.md`` plus ``category`` and ``line``; ``common`` describes it exactly.

``parse`` never raises for bad content: it fills ``errors`` (each with where and why) and the
caller refuses the whole file if there is any. Questions of a type the engine does not have
are listed in ``unsupported``, never dropped silently. ``write`` takes what ``parse`` gives (or
the shorter curriculum form) and returns the file's bytes; ``parse(write(qs))`` gives ``qs``
back, except what a format cannot carry, which each writer's docstring names.
"""

from __future__ import annotations

from typing import Any

from quizzes.formats import csv_format, gift, moodle_xml
from quizzes.formats.common import (
    MAX_BYTES,
    TYPES,
    FormatError,
    ParseResult,
    Problem,
    Unsupported,
    check_question,
    decode_text,
    line_of_offset,
    normalise_question,
)

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "FormatError",
    "ParseResult",
    "Problem",
    "Unsupported",
    "decode_text",
    "guess_format",
    "normalise_question",
    "parse",
    "write",
]

FORMATS = ("gift", "moodle-xml", "csv")
EXTENSIONS = {"gift": ".gift", "moodle-xml": ".xml", "csv": ".csv"}
CONTENT_TYPES = {
    "gift": "text/plain; charset=utf-8",
    "moodle-xml": "application/xml",
    "csv": "text/csv; charset=utf-8",
}


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def guess_format(filename: str, data: bytes = b"") -> str | None:
    """The format a file is most likely in, from its name, else its first bytes."""
    name = filename.lower()
    if name.endswith(".xml"):
        return "moodle-xml"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".gift", ".txt")):
        return "gift"
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<quiz")):
        return "moodle-xml"
    return None


def parse(data: bytes, fmt: str, *, filename: str = "") -> ParseResult:
    """Reads a question file. ``filename`` only serves to name the file in messages."""
    _check_format(fmt)
    named = f"{filename}: " if filename else ""
    if len(data) > MAX_BYTES:
        result = ParseResult()
        result.error(
            "file",
            f"{named}the file is {len(data) / 1024 / 1024:.1f} MB ({len(data):,} bytes); "
            f"the limit is {MAX_BYTES // 1024 // 1024} MB. Split it into smaller files.",
        )
        return result
    if fmt == "moodle-xml":
        return moodle_xml.parse(data)
    try:
        text = decode_text(data)
    except FormatError as exc:
        result = ParseResult()
        offset = _offset_in(str(exc))
        where = f"line {line_of_offset(data, offset)}" if offset is not None else "file"
        result.error(where, f"{named}cannot read the text: {exc}")
        return result
    if fmt == "gift":
        return gift.parse(text)
    return csv_format.parse(text)


def _offset_in(message: str) -> int | None:
    marker = "byte offset "
    at = message.find(marker)
    if at == -1:
        return None
    digits = message[at + len(marker) :].split()[0].rstrip(",;:)")
    return int(digits) if digits.isdigit() else None


def write(
    questions: list[dict[str, Any]], fmt: str, *, files: dict[str, bytes] | None = None
) -> bytes:
    """Writes questions as a file.

    ``files`` (name -> bytes) are embedded where the format can carry them (Moodle XML, for
    each ``@@PLUGINFILE@@/name`` a question's texts refer to). A question the engine could not
    use (no stem, no right answer, an unknown type) raises :class:`FormatError` naming its key.
    """
    _check_format(fmt)
    for raw in questions:
        q = normalise_question(raw)
        if q["type"] in TYPES:
            problems = check_question(q)
        else:
            problems = [f"type {q['type']!r} has no place in {fmt}"]
        if problems:
            raise FormatError(f"cannot write question {q['key']!r}: {'; '.join(problems)}")
    if fmt == "gift":
        return gift.write(questions).encode("utf-8")
    if fmt == "moodle-xml":
        return moodle_xml.write(questions, files=files or {})
    return csv_format.write(questions).encode("utf-8-sig")
