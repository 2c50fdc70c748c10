"""An educator imports a Moodle XML bank in the admin: preview, then commit, at phone width."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from quizzes.models import QuestionBank
from tests import factories
from tests.e2e.conftest import log_in
from tests.quizzes import import_samples as samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


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
    assert page.get_by_text("to import the rest, or fix the file").is_visible()
    assert not QuestionBank.objects.filter(name="MISS positioning").exists()

    # By keyboard: the box and the button are reachable and work without a mouse.
    page.get_by_label("Skip these 2 unsupported question(s)").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Import 5 questions"
    page.keyboard.press("Enter")

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


def _assert_accessible(page):
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def test_the_import_pages_have_no_wcag_aa_violations(axe_context):
    factories.educator(username="educator-axe")
    page = axe_context.new_page()
    log_in(page, "educator-axe", factories.PASSWORD)

    for upload in ("/banks/import/", "/admin/quizzes/questionbank/import/"):
        page.goto(upload)
        _assert_accessible(page)
        page.get_by_role("button", name="Preview the import").click()  # errors on the form
        _assert_accessible(page)
        for name, data in (
            ("bank.xml", samples.moodle_xml()),
            ("bad.gift", b"::A::Which?{=a ~b\n"),
        ):
            page.goto(upload)
            page.get_by_label("Question file").set_input_files(
                {"name": name, "mimeType": "text/plain", "buffer": data}
            )
            page.get_by_label("New bank name").fill("Axe bank")
            page.get_by_role("button", name="Preview the import").click()
            page.wait_for_url("**/import/*/")
            _assert_accessible(page)
    page.goto("/banks/export/")
    _assert_accessible(page)
