"""An educator imports a Moodle XML bank in the admin: preview, then commit, at phone width."""

from __future__ import annotations

import pytest

from quizzes.models import QuestionBank
from tests import factories
from tests.e2e.conftest import log_in
from tests.quizzes import import_samples as samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_educator_previews_then_imports_a_moodle_bank_in_the_admin(page):
    factories.educator(username="educator-eve")
    log_in(page, "educator-eve", factories.PASSWORD)

    page.goto("/admin/quizzes/questionbank/")
    page.get_by_role("link", name="Import questions").click()
    page.get_by_label("Question file").set_input_files(
        {"name": "positioning.xml", "mimeType": "application/xml", "buffer": samples.moodle_xml()}
    )
    page.get_by_label("New bank name").fill("MISS positioning")
    page.get_by_role("button", name="Preview the import").click()

    assert page.get_by_role("heading", name="Preview: nothing imported yet").is_visible()
    assert page.get_by_text("5 would be created").is_visible()
    unsupported = page.get_by_role("table", name="Unsupported questions")
    assert "Describe prone positioning" in unsupported.inner_text()
    assert "Explain a dural tear" in unsupported.inner_text()
    assert not QuestionBank.objects.filter(name="MISS positioning").exists()

    page.get_by_role("button", name="Import 5 questions").click()
    assert page.get_by_text("Tick “Skip these 2 unsupported question(s)”").is_visible()
    assert not QuestionBank.objects.filter(name="MISS positioning").exists()

    page.get_by_label("Skip these 2 unsupported question(s)").check()
    page.get_by_role("button", name="Import 5 questions").click()

    page.wait_for_url("**/admin/quizzes/question/?bank__id__exact=*")
    assert page.get_by_text("Imported “positioning.xml” into “MISS positioning”").is_visible()
    bank = QuestionBank.objects.get(name="MISS positioning")
    assert sorted(bank.questions.values_list("key", flat=True)) == [
        "pos-001",
        "pos-002",
        "pos-003",
        "proc-001",
        "proc-002",
    ]
    assert page.get_by_role("link", name="pos-001").is_visible()
