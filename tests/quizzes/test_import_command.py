"""manage.py import_questions: the preview as text, then the import; any error exits 1, writing
nothing. The parser's own messages are tested in tests/quizzes/formats/test_malformed.py; these
tests check that each reaches the person at the command line, with nothing written."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from quizzes.formats import MAX_BYTES
from quizzes.models import Question, QuestionBank
from tests import factories
from tests.quizzes import import_samples as samples

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _import(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_questions", str(path), *args, stdout=out)
    return out.getvalue()


def _refused(path: Path, *args: str) -> tuple[str, str]:
    """Runs the command expecting a refusal: (the report printed, the error message)."""
    out = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("import_questions", str(path), *args, stdout=out)
    assert refusal.value.returncode == 1  # what manage.py exits with
    return out.getvalue(), str(refusal.value)


@pytest.mark.parametrize(
    ("name", "data", "keys", "skipped"),
    [
        ("bank.gift", samples.GIFT, ["Level check", "Match the roles", "pos-001"], 1),
        ("bank.xml", samples.moodle_xml(), ["pos-003", "proc-001", "proc-002"], 2),
        ("bank.csv", samples.CSV, ["csv-001", "csv-004", "csv-005"], 0),
    ],
)
def test_each_format_imports_into_a_bank_it_creates(tmp_path, name, data, keys, skipped):
    path = _write(tmp_path, name, data)

    out = _import(path, "--bank", "MISS imports", "--skip-unsupported")

    bank = QuestionBank.objects.get(name="MISS imports")
    stored = set(bank.questions.values_list("key", flat=True))
    assert set(keys) <= stored
    assert Question.objects.count() == len(stored) == 5
    assert "Bank 'MISS imports' (new): 5 question(s)" in out
    summary = "Imported: 5 created, 0 updated (0 new version(s)), 0 unchanged"
    if skipped:
        summary += f", {skipped} unsupported skipped"
    assert out.rstrip().endswith(summary + ".")


def test_the_format_option_overrides_the_file_name(tmp_path):
    path = _write(tmp_path, "export.txt", samples.CSV)

    _import(path, "--bank", "MISS imports", "--format", "csv")

    assert Question.objects.filter(bank__name="MISS imports").count() == 5


def test_an_existing_bank_is_found_by_name_or_slug(tmp_path):
    bank = factories.BankFactory(name="MISS: Risks", slug="miss-risks")
    path = _write(tmp_path, "bank.csv", samples.CSV)

    _import(path, "--bank", "miss-risks")

    assert bank.questions.count() == 5
    assert QuestionBank.objects.count() == 1


def test_a_dry_run_prints_the_report_and_writes_nothing(tmp_path):
    path = _write(tmp_path, "bank.xml", samples.moodle_xml())
    before = samples.counts()

    out = _import(path, "--bank", "MISS imports", "--dry-run", "--skip-unsupported")

    assert samples.counts() == before
    assert "5 would be created" in out
    assert "  + pos-001 'Prone eyes' (single) at /quiz/question[2]" in out
    assert "  essay 'Describe prone positioning' at /quiz/question[8]" in out
    assert out.rstrip().endswith("Dry run: nothing was written.")
    assert list(tmp_path.rglob("*.png")) == []


def test_unsupported_questions_are_an_error_unless_skipping_them(tmp_path):
    path = _write(tmp_path, "bank.xml", samples.moodle_xml())
    before = samples.counts()

    out, error = _refused(path, "--bank", "MISS imports")

    assert "Unsupported questions (2), never imported:" in out
    assert "essay 'Explain a dural tear' at /quiz/question[9]" in out
    assert "2 question(s) of a type this site does not have" in error
    assert "--skip-unsupported" in error
    assert samples.counts() == before


def test_importing_twice_updates_rather_than_duplicates(tmp_path):
    path = _write(tmp_path, "bank.gift", samples.GIFT)
    _import(path, "--bank", "MISS imports", "--skip-unsupported")
    path.write_text(samples.GIFT.replace("Tape alone", "Tape alone, without padding"))

    out = _import(path, "--bank", "MISS imports", "--skip-unsupported")

    assert "  ~ pos-001 'Prone eyes' (single) at line 5: choices changed; new version" in out
    assert "0 created, 1 updated (1 new version(s)), 4 unchanged" in out
    assert Question.objects.count() == 5
    assert dict(Question.objects.values_list("key", "version"))["pos-001"] == 2


def test_categories_become_banks_when_asked(tmp_path):
    path = _write(tmp_path, "bank.gift", samples.GIFT)

    _import(path, "--bank", "MISS imports", "--skip-unsupported", "--categories", "banks")

    banks = QuestionBank.objects.annotate(n=Count("questions")).values_list("name", "n")
    assert dict(banks) == {"MISS imports": 0, "Positioning": 3, "Procedures": 2}


# Malformed input: a clear message with the line, status 1, and nothing written ------------

MALFORMED = [
    pytest.param(
        "unclosed.gift",
        "::One::Fine?{T}\n\n::Two::Which level?\n{=L4-5\n~L3-4\n\n::Three::Next?{F}\n",
        "unclosed.gift: line 4: unclosed brace: the '{' opened here has no closing '}'",
        id="unclosed brace",
    ),
    pytest.param(
        "stemless.gift",
        "::Fine::Fine?{T}\n\n{=L4-5 ~L3-4}\n",
        "stemless.gift: line 3: answer without a question stem",
        id="answer without stem",
    ),
    pytest.param(
        "two-right.gift",
        "::Fine::Fine?{T}\n\n::Two right::Which?{\n=A\n=B\n~C\n}\n",
        "two-right.gift: line 3: 2 answers are marked correct (=) in a single-answer question "
        "with no weights",
        id="two correct answers",
    ),
    pytest.param(
        "broken.xml",
        '<?xml version="1.0"?>\n<quiz>\n  <question type="truefalse">\n'
        "    <name><text>T</text></name>\n  </quiz>\n",
        "broken.xml: line 5: broken XML at column 5: mismatched tag",
        id="broken XML",
    ),
    pytest.param(
        "bomb.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
        "<quiz><question type='truefalse'><name><text>&lol3;</text></name></question></quiz>\n",
        "bomb.xml: line 3: XML entities are not allowed",
        id="XML entity bomb",
    ),
    pytest.param(
        "missing.csv",
        "id,type,stem,choice_1,choice_2\nm1,single,Which?,A,B\n",
        "missing.csv: line 1: the required column 'correct' is missing",
        id="CSV missing column",
    ),
    pytest.param(
        "latin.gift",
        b"::One::Caf\xe9 or \x81?{T}\n",
        "latin.gift: line 1: cannot read the text: byte 0x81",
        id="unreadable encoding",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), MALFORMED)
def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_written(
    tmp_path, name, data, message
):
    bank = factories.BankFactory(name="MISS imports")
    factories.QuestionFactory(bank=bank, key="existing")
    path = _write(tmp_path, name, data)
    before = samples.counts()

    out, error = _refused(path, "--bank", "MISS imports", "--skip-unsupported")

    assert message in error, error
    assert error.endswith("nothing was imported.")
    assert "Errors (" in out
    assert samples.counts() == before
    assert bank.questions.get().key == "existing"


def test_a_20_mb_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.gift"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    before = samples.counts()

    _, error = _refused(path, "--bank", "MISS imports")

    assert error == (
        f"{path}: the file is 20.0 MB (20,971,520 bytes); the limit is "
        f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files. Nothing was imported."
    )
    assert samples.counts() == before


def test_a_new_bank_is_not_created_when_the_file_is_refused(tmp_path):
    path = _write(tmp_path, "unclosed.gift", "::Two::Which level?{=L4-5\n~L3-4\n")

    _refused(path, "--bank", "A bank that does not exist")

    assert not QuestionBank.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_manage_py_exits_with_status_1_and_the_line_on_stderr(tmp_path):
    """The real command line, against a database of its own."""
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "SQLITE_PATH": str(database),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    path = _write(tmp_path, "bank.gift", samples.GIFT + "\n::Broken::Which level?{=L4-5\n")

    run = subprocess.run(
        [*manage, "import_questions", str(path), "--bank", "MISS imports", "--skip-unsupported"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 1
    assert f"{path}: line 39: unclosed brace" in run.stderr
    assert "  + pos-001 'Prone eyes' (single) at line 5" in run.stdout
    with sqlite3.connect(database) as db:
        rows = [
            db.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
            for table in ("quizzes_questionbank", "quizzes_question", "quizzes_choice")
        ]
    assert rows == [0, 0, 0]
