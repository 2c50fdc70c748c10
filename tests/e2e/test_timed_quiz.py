"""A timed quiz of every question type, answered by keyboard alone at phone width.

Only the keyboard moves focus and answers (Tab, Space, arrow keys, Enter); the test checks
where focus is before every key press, so a control that cannot be reached fails the test.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from quizzes.models import Attempt
from quizzes.services import (
    attempt_answer,
    attempt_start,
    attempt_submit,
    practice_check,
    practice_start,
)
from tests import factories
from tests.e2e.conftest import PHONE, log_in
from tests.quizzes.answers import right_answer

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Presses Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def press(page, key: str, times: int) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def pick_radio(page, position: int, snapshot: dict, key: str) -> None:
    """Tab into the radio group (its first option), then arrow down to the wanted one."""
    keys = [item["key"] for item in snapshot["items"]]
    tab_to(page, f"#q{position}-{keys[0]}")
    index = keys.index(key)
    if index == 0:
        page.keyboard.press("Space")
    else:
        press(page, "ArrowDown", index)
    expect(page.locator(f"#q{position}-{key}")).to_be_checked()


def choose_option(page, select_id: str, index: int) -> None:
    """Moves a focused, closed select from its placeholder to option ``index`` by arrow keys."""
    tab_to(page, f"#{select_id}")
    press(page, "ArrowDown", index)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_timed_quiz_of_every_type_answered_by_keyboard_alone(page):
    learner = factories.UserFactory(username="nurse-keyboard")
    quiz = factories.quiz_with_every_type(
        title="Final assessment: timed", time_limit_minutes=30, pass_mark=80
    )
    course = factories.CourseFactory(title="MISS for OR staff: onboarding", final_quiz=quiz)
    factories.EnrolmentFactory(user=learner, course=course)

    log_in(page, "nurse-keyboard", factories.PASSWORD)
    page.goto(course.get_absolute_url())
    tab_to(page, f"form[action='/quizzes/{quiz.slug}/start/'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/attempts/**")

    attempt = Attempt.objects.get(user=learner, quiz=quiz)
    questions = {aq.snapshot["type"]: aq for aq in attempt.questions.all()}
    assert [aq.position for aq in questions.values()] == [1, 2, 3, 4, 5]
    timer = page.get_by_role("timer")
    expect(timer).to_be_visible()
    expect(timer.locator(".countdown-value")).to_have_text(re.compile(r"^(29:5\d|30:00)$"))
    assert fits_the_screen(page)

    single = questions["single"]
    pick_radio(page, 1, single.snapshot, right_answer(single.snapshot)["choice"])

    multiple = questions["multiple"]
    for key in right_answer(multiple.snapshot)["choices"]:
        tab_to(page, f"#q2-{key}")
        page.keyboard.press("Space")
        expect(page.locator(f"#q2-{key}")).to_be_checked()

    true_false = questions["true_false"]
    pick_radio(page, 3, true_false.snapshot, right_answer(true_false.snapshot)["choice"])

    ordering = questions["ordering"]
    order = right_answer(ordering.snapshot)["order"]
    for item in ordering.snapshot["items"]:  # in the order shown
        place = order.index(item["key"]) + 1
        choose_option(page, f"q4-{item['key']}", place)
        expect(page.locator(f"#q4-{item['key']}")).to_have_value(str(place))

    matching = questions["matching"]
    answer_keys = [answer["key"] for answer in matching.snapshot["answers"]]
    for item in matching.snapshot["items"]:
        choose_option(page, f"q5-{item['key']}", answer_keys.index(item["answer"]) + 1)
        expect(page.locator(f"#q5-{item['key']}")).to_have_value(item["answer"])

    for position in range(1, 6):
        expect(page.locator(f"#question-{position} .save-state")).to_have_text("Saved.")
    expect(page.locator(".answered-count")).to_have_text("5")
    assert fits_the_screen(page)

    tab_to(page, "button[name=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/result/")
    expect(page.get_by_role("heading", name="Passed: 100%")).to_be_visible()
    assert fits_the_screen(page)

    attempt.refresh_from_db()
    assert (attempt.state, attempt.percent, attempt.passed) == ("submitted", 100, True)
    assert all(aq.is_correct for aq in attempt.questions.all())


def test_when_the_countdown_ends_the_saved_answers_are_marked(page):
    learner = factories.UserFactory(username="nurse-late")
    quiz = factories.quiz_with_every_type(title="Timed check", time_limit_minutes=5)
    log_in(page, "nurse-late", factories.PASSWORD)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        attempt = attempt_start(quiz=quiz, user=learner)
        page.clock.install()
        page.goto(f"/attempts/{attempt.pk}/")
        single = attempt.questions.get(position=1)
        pick_radio(page, 1, single.snapshot, right_answer(single.snapshot)["choice"])
        expect(page.locator("#question-1 .save-state")).to_have_text("Saved.")

        clock.shift(timedelta(minutes=5, seconds=1))  # the server's clock
        page.clock.fast_forward("05:02")  # the browser's: the countdown reaches 0 and reloads
        page.wait_for_url("**/result/")
        expect(
            page.get_by_text("Time ran out: the answers you had saved were marked.")
        ).to_be_visible()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score) == (Attempt.State.EXPIRED, 1)


def assert_accessible(page):
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def test_every_question_type_and_its_review_have_no_wcag_aa_violations(axe_context):
    learner = factories.UserFactory(username="nurse-axe-types")
    quiz = factories.quiz_with_every_type(time_limit_minutes=30)
    page = axe_context.new_page()
    log_in(page, "nurse-axe-types", factories.PASSWORD)

    attempt = attempt_start(quiz=quiz, user=learner)
    page.goto(f"/attempts/{attempt.pk}/")
    assert_accessible(page)
    attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
    page.goto(f"/attempts/{attempt.pk}/result/")
    assert_accessible(page)

    practice = practice_start(attempt=Attempt.objects.get(pk=attempt.pk), user=learner)
    first = practice.questions.get(position=1)
    attempt_answer(attempt=practice, position=1, raw=right_answer(first.snapshot), sequence=0)
    practice_check(attempt=practice, position=1)
    page.goto(f"/attempts/{practice.pk}/")
    expect(page.locator("#question-1")).to_contain_text("Correct")
    assert_accessible(page)
