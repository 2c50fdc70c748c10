"""Through the database and back: export a bank, import the file into a new bank, and find the
same questions, keys, weights, feedback and tags.

The one difference is the format layer's (tests/quizzes/formats/test_round_trip.py): GIFT and
Moodle XML can only say "multiple response" with weights, so a multiple-response question
without weights comes back with Moodle's usual ones (``samples.with_default_weights``).
"""

from __future__ import annotations

import time

import pytest

from quizzes.importing import bank_export, import_commit
from quizzes.models import QuestionBank
from tests.quizzes import import_samples as samples
from training.curriculum import load_curriculum

pytestmark = pytest.mark.django_db
FORMATS = ["gift", "moodle-xml", "csv"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _copy(bank: QuestionBank, fmt: str, name: str) -> QuestionBank:
    data = bank_export(bank=bank, fmt=fmt)
    plan = import_commit(data=data, filename=f"export.{fmt}", fmt=fmt, bank_name=name)
    assert plan.warnings == [] and plan.unsupported == []
    return QuestionBank.objects.get(name=name)


def _expected(bank: QuestionBank, fmt: str) -> dict:
    contents = samples.bank_contents(bank)
    return contents if fmt == "csv" else samples.with_default_weights(contents)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_question_type_survives_a_round_trip(fmt):
    bank = samples.every_type_bank()

    copy = _copy(bank, fmt, "Copy")

    assert samples.bank_contents(copy) == _expected(bank, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_importing_an_export_into_its_own_bank_changes_nothing(fmt):
    bank = samples.every_type_bank()
    before = samples.bank_contents(bank)

    plan = import_commit(data=bank_export(bank=bank, fmt=fmt), fmt=fmt, bank_name=bank.name)

    assert [q.action for q in plan.questions] == ["unchanged"] * 7
    assert samples.bank_contents(bank) == before
    assert set(bank.questions.values_list("version", flat=True)) == {1}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_whole_miss_curriculum_survives_a_round_trip(fmt):
    load_curriculum()
    banks = list(QuestionBank.objects.order_by("slug"))
    assert len(banks) >= 14

    started = time.perf_counter()
    for bank in banks:
        copy = _copy(bank, fmt, f"{bank.name} ({fmt})")
        assert samples.bank_contents(copy) == _expected(bank, fmt), bank.slug
    elapsed = time.perf_counter() - started

    questions = sum(b.questions.count() for b in banks)
    assert questions >= 180
    print(f"\n{fmt}: exported and imported {questions} questions in {elapsed:.2f} s")


def test_images_travel_back_inside_a_moodle_xml_export(tmp_path):
    import_commit(
        data=samples.moodle_xml(), filename="b.xml", bank_name="First", skip_unsupported=True
    )
    first = QuestionBank.objects.get(name="First")
    exported = bank_export(bank=first, fmt="moodle-xml")
    assert b'<file name="' in exported and b"@@PLUGINFILE@@/" in exported

    second = _copy(first, "moodle-xml", "Second")

    stem = second.questions.get(key="pos-001").stem
    assert "/media/questions/imported/second/" in stem
    stored = next(tmp_path.glob("questions/imported/second/*prone_eyes.png"))
    assert stored.read_bytes() == samples.PRONE_PNG
    first_stem = first.questions.get(key="pos-001").stem
    assert stem == first_stem.replace("/imported/first/", "/imported/second/")
