"""Critical (patient-safety) items missed, by cohort and by question, for a cohort or a role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.quizzes.analysis_matrix import take
from training import services
from training.models import CohortMembership
from training.reports import critical_misses

pytestmark = pytest.mark.django_db

ROLE = CohortMembership.Role


@pytest.fixture
def quiz():
    """Two questions taken in order: c1 is critical, n1 is not. West: ana (scrub nurse) misses
    c1, ben (surgical tech) gets it right; East: cai (surgical tech) misses it. Everyone gets
    n1 right."""
    bank = factories.BankFactory()
    factories.QuestionFactory(bank=bank, key="c1", critical=True)
    factories.QuestionFactory(bank=bank, key="n1")
    quiz = factories.QuizFactory(bank=bank, shuffle_questions=False)
    west = services.cohort_save(name="West")
    east = services.cohort_save(name="East")
    for name, cohort, role, picks in (
        ("ana", west, ROLE.SCRUB_NURSE, [1, 0]),
        ("ben", west, ROLE.SURGICAL_TECH, [0, 0]),
        ("cai", east, ROLE.SURGICAL_TECH, [2, 0]),
    ):
        user = factories.UserFactory(username=name)
        services.cohort_member_add(cohort=cohort, user=user, role=role)
        take(user, quiz, picks)
    return quiz


def figures(rows):
    return [(r.label, r.learners, r.answered, r.missed, round(r.rate, 1)) for r in rows]


def test_critical_items_missed_by_cohort_and_by_question(quiz):
    by_cohort, by_question = critical_misses(quiz=quiz, which="all")

    assert figures(by_cohort) == [("East", 1, 1, 1, 100.0), ("West", 2, 2, 1, 50.0)]
    assert [(r.key, r.learners, r.answered, r.missed) for r in by_question] == [("c1", 3, 3, 2)]


def test_for_one_role_only_its_learners_count(quiz):
    by_cohort, by_question = critical_misses(quiz=quiz, which="all", role=ROLE.SURGICAL_TECH)

    assert figures(by_cohort) == [("East", 1, 1, 1, 100.0), ("West", 1, 1, 0, 0.0)]
    assert [(r.key, r.answered, r.missed) for r in by_question] == [("c1", 2, 1)]


def test_an_item_made_critical_after_the_attempt_does_not_count(quiz):
    quiz.draw_rules.get().bank.questions.filter(key="n1").update(critical=True)

    _, by_question = critical_misses(quiz=quiz, which="all")

    assert [r.key for r in by_question] == ["c1"]


def test_the_page_shows_them_for_a_cohort(client, educator, quiz):
    west = quiz.attempts.get(user__username="ana").user.cohort_memberships.get().cohort
    client.force_login(educator)

    response = client.get(
        reverse("reports:cohort_items") + f"?quiz={quiz.pk}&which=all&cohort={west.pk}"
    )

    assert response.status_code == 200
    assert figures(response.context["by_cohort"]) == [("West", 2, 2, 1, 50.0)]
    assert response.context["analysis"].attempts == 2
    assert "Critical items missed in West" in response.content.decode()
