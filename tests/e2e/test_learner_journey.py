"""The learner journey in a real browser at phone width."""

from __future__ import annotations

import pytest

from quizzes.models import Attempt
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_learner_finishes_a_lesson_and_its_quiz_and_sees_the_bar_move(page):
    learner = factories.UserFactory(username="nurse-bailey", first_name="Sam", last_name="Bailey")
    course = factories.CourseFactory(title="MISS for OR staff: onboarding")
    check = factories.quiz_with_questions(5, title="Knowledge check: tubular access")
    lesson = factories.LessonFactory(course=course, position=1, quiz=check, title="Tubular access")
    factories.EnrolmentFactory(user=learner, course=course)

    log_in(page, "nurse-bailey", factories.PASSWORD)
    bar = page.get_by_role("progressbar", name="Progress on MISS for OR staff: onboarding")
    assert bar.get_attribute("aria-valuenow") == "0"

    page.get_by_role("link", name="MISS for OR staff: onboarding").click()
    page.get_by_role("link", name="Tubular access").click()
    assert page.get_by_role("heading", name="Tubular access", level=1).is_visible()
    page.get_by_role("button", name="Mark complete").click()
    assert page.get_by_text("Lesson complete.").is_visible()

    page.get_by_role("button", name="Take the knowledge check").click()
    page.wait_for_url("**/attempts/**")
    attempt = Attempt.objects.get(user=learner, quiz=check)
    for aq in attempt.questions.order_by("position"):
        right = next(item for item in aq.snapshot["items"] if item["correct"])
        page.locator(f"#q{aq.position}-{right['key']}").check()
        page.locator(f"fieldset[data-position='{aq.position}'] .save-state").filter(
            has_text="Saved."
        ).wait_for()
    assert "5 of 5" in page.locator("main").inner_text().replace("\n", " ")
    page.get_by_role("button", name="Submit for marking").click()

    page.wait_for_url("**/result/")
    assert page.get_by_role("heading", name="Passed: 100%").is_visible()
    assert page.get_by_text("Rationale").first.is_visible()

    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"**{lesson.get_absolute_url()}")
    page.goto("/")
    # One lesson done of one lesson (no final): the bar is full.
    assert bar.get_attribute("aria-valuenow") == "100"
