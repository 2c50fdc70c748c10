"""axe-core finds no WCAG 2.1 A/AA violation on the learner's pages, at phone width."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from quizzes.models import Attempt
from quizzes.services import attempt_start, attempt_submit
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page):
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def test_the_learners_pages_have_no_wcag_aa_violations(axe_context):
    learner = factories.UserFactory(username="nurse-axe")
    course = factories.CourseFactory()
    check = factories.quiz_with_questions(3)
    lesson = factories.LessonFactory(course=course, quiz=check)
    factories.EnrolmentFactory(user=learner, course=course)
    page = axe_context.new_page()

    page.goto("/accounts/login/")
    assert_accessible(page)
    log_in(page, "nurse-axe", factories.PASSWORD)
    assert_accessible(page)
    page.goto(course.get_absolute_url())
    assert_accessible(page)
    page.goto(lesson.get_absolute_url())
    assert_accessible(page)

    attempt = attempt_start(quiz=check, user=learner)
    page.goto(f"/attempts/{attempt.pk}/")
    assert_accessible(page)
    attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
    page.goto(f"/attempts/{attempt.pk}/result/")
    assert_accessible(page)
