"""Reports and item analysis in a browser at phone width: the issue's "done means", keyboard
and screen-reader basics (axe-core, WCAG 2.1 A/AA), and no page wider than the phone."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from quizzes.models import Attempt
from tests import factories
from tests.e2e.conftest import log_in
from tests.quizzes.analysis_matrix import answered_matrix, matrix_quiz
from tests.training.report_scenarios import hospital

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page):
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def assert_fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width} px wide"


def test_an_administrator_filters_onboarding_by_cohort_sees_who_is_overdue_and_exports(page):
    place = hospital()  # built in January 2026: by now onboarding is long overdue
    log_in(page, "ada", factories.PASSWORD)

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("Course", exact=True).select_option(label=place["onboarding"].title)
    page.get_by_label("Cohort", exact=True).select_option(label="4 West")
    page.get_by_role("button", name="Apply filters").click()

    assert f"course={place['onboarding'].pk}" in page.url
    rows = page.locator("table.report-table tbody tr")
    assert rows.count() == 3
    overdue = rows.filter(has_text="Overdue")
    assert sorted(overdue.locator("th a").all_inner_texts()) == ["Bob Nurse", "Cat Nurse"]
    assert_fits_the_phone(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    overdue.locator("th a").first.click()
    assert page.get_by_role("heading", name="Bob Nurse").is_visible()
    assert_fits_the_phone(page)


def test_an_educator_opens_item_analysis_and_sees_a_flagged_question_with_its_reason(page):
    quiz = matrix_quiz()
    answered_matrix(quiz)
    factories.educator(username="eden")
    log_in(page, "eden", factories.PASSWORD)

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Item analysis").click()
    page.get_by_role("link", name=quiz.title).click()

    flagged = page.locator("#flagged + ul")
    assert "Too hard: facility below 30 %" in flagged.inner_text()
    assert "The top third picked this distractor more often than the key" in (flagged.inner_text())
    assert_fits_the_phone(page)
    page.get_by_label("Attempts that count").select_option(label="Every attempt")
    page.get_by_role("button", name="Show").click()
    assert "which=all" in page.url


def test_the_report_and_analysis_pages_have_no_wcag_aa_violations(axe_context):
    place = hospital()
    quiz = matrix_quiz()
    answered_matrix(quiz)
    page = axe_context.new_page()
    log_in(page, "ada", factories.PASSWORD)
    attempt = Attempt.objects.filter(user=place["amy"]).first()

    for url in (
        "/reports/completion/",
        f"/reports/completion/?course={place['onboarding'].pk}&status=overdue&sort=-percent",
        "/reports/cohorts/",
        f"/reports/learners/{place['amy'].pk}/",
        "/item-analysis/",
        f"/item-analysis/quizzes/{quiz.slug}/",
        f"/item-analysis/banks/{quiz.draw_rules.get().bank.slug}/",
        f"/item-analysis/cohorts/?quiz={quiz.pk}&which=all",
        f"/staff/attempts/{attempt.pk}/",
    ):
        page.goto(url)
        assert_accessible(page)
        assert_fits_the_phone(page)
