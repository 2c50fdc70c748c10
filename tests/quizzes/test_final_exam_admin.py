"""Done means: an educator builds a timed final exam in the admin, and a learner can take it.

20 questions from two banks by tag, two of them critical items that must be right, 80 % to
pass, 45 minutes.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from quizzes.models import DrawRule, Question, Quiz, Tag
from quizzes.services import attempt_start
from tests import factories
from tests.quizzes.admin_forms import errors, form_data

pytestmark = pytest.mark.django_db

ADD = "admin:quizzes_quiz_add"


@pytest.fixture
def banks(db):
    """Two banks with 12 questions each tagged intra-operative (two critical in the first),
    and a few untagged ones that the exam must not draw."""
    tag = factories.TagFactory(kind=Tag.Kind.PHASE, value="intra-operative")
    imaging = factories.BankFactory(name="Imaging and radiation safety")
    risks = factories.BankFactory(name="Risks and prevention in the OR")
    for bank in (imaging, risks):
        for _ in range(12):
            factories.QuestionFactory(bank=bank, tags=[tag])
        for _ in range(3):
            factories.QuestionFactory(bank=bank)
    Question.objects.filter(bank=imaging, tags=tag).filter(
        pk__in=Question.objects.filter(bank=imaging, tags=tag).values("pk")[:2]
    ).update(critical=True)
    factories.QuestionFactory(bank=imaging, critical=True)  # untagged: not drawn
    return imaging, risks, tag


def exam_form(client, rules, **fields) -> dict:
    data = form_data(client.get(reverse(ADD)).text)
    data.update(
        title="Final assessment: MISS for OR staff",
        slug="miss-final",
        pass_mark="80",
        time_limit_minutes="45",
        attempt_limit="3",
        cooldown_minutes="0",
        feedback="after_pass",
        multiple_scoring="all_or_nothing",
        sequence_scoring="all_or_nothing",
        require_critical="on",
        shuffle_questions="on",
        shuffle_choices="on",
        **fields,
    )
    data["draw_rules-TOTAL_FORMS"] = str(len(rules))
    for index, (bank, tag, critical, count) in enumerate(rules):
        data[f"draw_rules-{index}-position"] = str(index + 1)
        data[f"draw_rules-{index}-bank"] = str(bank.pk)
        data[f"draw_rules-{index}-tag"] = str(tag.pk) if tag else ""
        data[f"draw_rules-{index}-critical"] = critical
        data[f"draw_rules-{index}-count"] = str(count)
    return data


def test_an_educator_builds_a_timed_final_exam_that_a_learner_can_take(
    client, educator, learner, banks
):
    imaging, risks, tag = banks
    client.force_login(educator)
    rules = [
        (imaging, tag, DrawRule.Critical.ONLY, 2),
        (imaging, tag, DrawRule.Critical.EXCLUDE, 8),
        (risks, tag, DrawRule.Critical.EXCLUDE, 10),
    ]
    response = client.post(reverse(ADD), exam_form(client, rules))
    assert response.status_code == 302, errors(response.text)

    quiz = Quiz.objects.get(slug="miss-final")
    assert (quiz.pass_mark, quiz.time_limit_minutes, quiz.require_critical) == (80, 45, True)
    assert quiz.draw_rules.count() == 3
    page = client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk])).text
    assert "20 question(s) per attempt, 2 from critical-only rules." in page

    attempt = attempt_start(quiz=quiz, user=learner)
    questions = list(
        Question.objects.filter(pk__in=attempt.questions.values("question_id")).prefetch_related(
            "tags"
        )
    )
    assert len(questions) == 20
    assert sum(q.critical for q in questions) == 2
    assert all(tag in q.tags.all() for q in questions)
    assert sorted(q.bank_id for q in questions) == [imaging.pk] * 10 + [risks.pk] * 10
    assert (attempt.deadline - attempt.started_at).total_seconds() == 45 * 60
    assert (attempt.pass_mark, attempt.settings_snapshot["require_critical"]) == (80, True)

    client.force_login(learner)
    html = client.get(reverse("quizzes:attempt", args=[attempt.pk])).text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'role="timer"' in html
    assert html.count('class="card question-card') == 20
    assert " style=" not in html


def test_a_rule_asking_for_more_than_the_tag_holds_is_refused_in_the_admin(client, educator, banks):
    _, risks, tag = banks
    client.force_login(educator)
    rules = [(risks, tag, DrawRule.Critical.ANY, 13)]
    response = client.post(reverse(ADD), exam_form(client, rules))
    assert response.status_code == 200
    assert (
        f"Rule 1 asks for 13 question(s) but only 12 active question(s) match "
        f"(bank “{risks}”, tag {tag})."
    ) in errors(response.text)
    assert not Quiz.objects.exists()


def test_overlapping_rules_that_could_run_short_are_refused(client, educator, banks):
    imaging, _, tag = banks
    client.force_login(educator)
    rules = [
        (imaging, None, DrawRule.Critical.ANY, 10),  # may take tagged questions...
        (imaging, tag, DrawRule.Critical.ANY, 8),  # ...that this rule then lacks
    ]
    response = client.post(reverse(ADD), exam_form(client, rules))
    assert "and the rules before it may take 10 of them." in " ".join(errors(response.text))
    assert not Quiz.objects.exists()


def test_a_quiz_that_closes_before_it_opens_is_refused(client, educator, banks):
    imaging, _, tag = banks
    client.force_login(educator)
    data = exam_form(
        client,
        [(imaging, tag, DrawRule.Critical.ANY, 2)],
        opens_at_0="2026-03-02",
        opens_at_1="09:00:00",
        closes_at_0="2026-03-01",
        closes_at_1="09:00:00",
    )
    response = client.post(reverse(ADD), data)
    assert "The quiz must close after it opens." in errors(response.text)
    assert not Quiz.objects.exists()


def test_a_learner_cannot_reach_the_quiz_admin(learner_client):
    assert learner_client.get(reverse(ADD)).status_code == 302
