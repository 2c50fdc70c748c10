"""The item analysis pages and the staff's attempt review, as educators, learners and outsiders
see them."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from quizzes.analysis import FLAG_DISTRACTOR_BEATS_KEY, FLAG_TOO_EASY, FLAG_TOO_HARD
from quizzes.models import Attempt
from quizzes.services import attempt_start
from tests import factories
from tests.quizzes.analysis_matrix import answered_matrix, matrix_quiz, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz():
    quiz = matrix_quiz()
    answered_matrix(quiz)
    return quiz


def quiz_url(quiz, **query):
    url = reverse("analysis:quiz", args=[quiz.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_an_educator_sees_a_flagged_question_with_its_reason(client, educator, quiz):
    client.force_login(educator)

    response = client.get(quiz_url(quiz))

    assert response.status_code == 200
    flagged = response.content.decode().split('id="flagged"')[1].split("</section>")[0]
    assert "Questions to look at (2)" in flagged
    assert "q4" in flagged and FLAG_TOO_EASY in flagged
    assert "q5" in flagged and FLAG_TOO_HARD in flagged
    assert FLAG_DISTRACTOR_BEATS_KEY in flagged
    assert "q1" not in flagged


def test_the_page_shows_the_figures_and_not_available_where_there_are_none(client, educator, quiz):
    client.force_login(educator)

    text = text_of(client.get(quiz_url(quiz, which="all")))

    assert "q1 Single best answer 6 66.7 % 51.6 % 65.7 % 100.0 %" in text
    assert "q4 Single best answer 6 100.0 % 0.0 % n/a n/a" in text
    assert "Coefficient of internal consistency 70.2 %" in text
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)  # not "Fernando" or "Nancy"


def test_which_attempts_count_is_chosen_on_the_page(client, educator, quiz):
    take(factories.UserFactory(), quiz, [0, 0, 0, 0, 0])
    take(Attempt.objects.get(user__username="ana").user, quiz, [0, 0, 0, 0, 0])
    client.force_login(educator)

    first = text_of(client.get(quiz_url(quiz)))
    every = text_of(client.get(quiz_url(quiz, which="all")))

    assert "Each learner's first attempt: 7 attempts by 7 learners" in first
    assert "Every attempt: 8 attempts by 7 learners" in every


def test_one_attempt_shows_not_available_and_no_error(client, educator):
    quiz = matrix_quiz()
    take(factories.UserFactory(), quiz, [0, 0, 1, 0, 2])
    client.force_login(educator)

    response = client.get(quiz_url(quiz))

    assert response.status_code == 200
    text = text_of(response)
    assert "Standard deviation n/a" in text
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)  # not "Fernando" or "Nancy"


def test_a_quiz_nobody_has_taken_says_so(client, educator):
    client.force_login(educator)

    response = client.get(quiz_url(matrix_quiz()))

    assert "nothing to analyse" in text_of(response)


def test_the_score_histogram_is_an_svg_with_its_numbers_in_a_table(client, educator, quiz):
    client.force_login(educator)

    page = client.get(quiz_url(quiz)).content.decode()

    assert '<svg class="chart"' in page and 'role="img"' in page
    assert '<title id="score-histogram-title">' in page
    # Totals 4, 4, 3, 2, 1, 1 of 5 marks: 80 %, 80 %, 60 %, 40 %, 20 %, 20 %.
    table = text_of(client.get(quiz_url(quiz))).split("Counted attempts by score")[1]
    assert "20–30 % 2" in table and "40–50 % 1" in table and "60–70 % 1" in table
    assert "80–90 % 2" in table


def test_recalculating_takes_in_new_attempts(client, educator, quiz):
    client.force_login(educator)
    client.get(quiz_url(quiz, which="all"))
    take(factories.UserFactory(), quiz, [0, 0, 0, 0, 0])

    stale = text_of(client.get(quiz_url(quiz, which="all")))
    response = client.post(quiz_url(quiz, which="all"))
    fresh = text_of(client.get(quiz_url(quiz, which="all")))

    assert "6 attempts by 6 learners" in stale and "1 attempt submitted since" in stale
    assert response.status_code == 302
    assert "7 attempts by 7 learners" in fresh


def test_the_bank_page_analyses_the_bank(client, educator, quiz):
    client.force_login(educator)
    bank = quiz.draw_rules.get().bank

    response = client.get(reverse("analysis:bank", args=[bank.slug]) + "?which=all")

    assert response.status_code == 200
    assert "Item analysis: Imaging and radiation safety" in text_of(response)
    assert FLAG_TOO_HARD in response.content.decode()


def test_the_index_lists_quizzes_with_their_attempts(client, educator, quiz):
    client.force_login(educator)

    text = text_of(client.get(reverse("analysis:index")))

    assert f"{quiz.title} 6" in text


@pytest.mark.parametrize("name", ["index", "quiz", "bank"])
def test_learners_are_refused_and_outsiders_sent_to_log_in(client, learner, quiz, name):
    args = (
        []
        if name == "index"
        else [quiz.slug if name == "quiz" else quiz.draw_rules.get().bank.slug]
    )
    url = reverse(f"analysis:{name}", args=args)

    assert client.get(url).status_code == 302
    client.force_login(learner)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_administrators_see_item_analysis_too(client, administrator, quiz):
    client.force_login(administrator)

    assert client.get(quiz_url(quiz)).status_code == 200


@pytest.mark.parametrize("learners", [2, 8])
def test_the_page_runs_a_fixed_number_of_queries(
    client, educator, django_assert_max_num_queries, learners
):
    quiz = matrix_quiz()
    for _ in range(learners):
        take(factories.UserFactory(), quiz, [0, 1, 0, 2, 0])
    client.force_login(educator)

    with django_assert_max_num_queries(15):  # calculated
        assert client.get(quiz_url(quiz)).status_code == 200
    with django_assert_max_num_queries(10):  # from the cache
        assert client.get(quiz_url(quiz)).status_code == 200


def test_the_pages_carry_no_inline_style_or_script(client, educator, quiz):
    client.force_login(educator)

    for url in (reverse("analysis:index"), quiz_url(quiz)):
        page = client.get(url).content.decode()
        assert " style=" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)


# --- The staff's read-only review of an attempt ---------------------------------------------


def test_an_educator_reviews_any_learners_attempt_with_the_key(client, educator, quiz):
    attempt = Attempt.objects.get(user__username="dev")
    client.force_login(educator)

    response = client.get(reverse("analysis:attempt_review", args=[attempt.pk]))

    assert response.status_code == 200
    text = text_of(response)
    assert "attempt 1 by" in text
    assert "Learner's answer" in text and "✓ correct answer" in text
    assert "Rationale" in text
    assert text.count("Incorrect") == 3  # dev missed q2, q3 and q5


def test_a_learner_cannot_open_the_staff_review_even_of_their_own_attempt(client, quiz):
    attempt = Attempt.objects.get(user__username="ana")
    client.force_login(attempt.user)

    assert client.get(reverse("analysis:attempt_review", args=[attempt.pk])).status_code == 403


def test_an_attempt_in_progress_is_not_reviewed(client, educator):
    quiz = matrix_quiz()
    attempt = attempt_start(quiz=quiz, user=factories.UserFactory())
    client.force_login(educator)

    assert client.get(reverse("analysis:attempt_review", args=[attempt.pk])).status_code == 404


def test_the_review_runs_a_fixed_number_of_queries(
    client, educator, quiz, django_assert_max_num_queries
):
    attempt = Attempt.objects.get(user__username="ana")
    client.force_login(educator)

    with django_assert_max_num_queries(9):
        assert client.get(reverse("analysis:attempt_review", args=[attempt.pk])).status_code == 200
