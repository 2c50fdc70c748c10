"""Draw rules: N questions from each of several banks, by tag; shuffled once per attempt."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from quizzes.models import Attempt, DrawRule, Question, Tag
from quizzes.services import (
    AttemptRefused,
    _draw_rules,
    _rule_questions,
    attempt_start,
    attempt_submit,
    draw_rule_problems,
)
from tests import factories

pytestmark = pytest.mark.django_db


def bank_of(n: int, **question_kwargs):
    bank = factories.BankFactory()
    for _ in range(n):
        factories.QuestionFactory(bank=bank, **question_kwargs)
    return bank


def drawn(attempt) -> list[Question]:
    ids = list(attempt.questions.order_by("position").values_list("question_id", flat=True))
    by_pk = Question.objects.in_bulk(ids)
    return [by_pk[pk] for pk in ids]


def test_a_quiz_draws_n_questions_from_each_of_its_banks(learner):
    risks, imaging = bank_of(6), bank_of(5)
    quiz = factories.QuizFactory()
    DrawRule.objects.create(quiz=quiz, bank=risks, count=3, position=1)
    DrawRule.objects.create(quiz=quiz, bank=imaging, count=2, position=2)
    questions = drawn(attempt_start(quiz=quiz, user=learner))
    assert len(questions) == 5
    assert sorted(q.bank_id for q in questions) == sorted([risks.pk] * 3 + [imaging.pk] * 2)
    assert len({q.pk for q in questions}) == 5


def test_a_tag_filter_draws_only_tagged_questions(learner):
    phase = factories.TagFactory(kind=Tag.Kind.PHASE, value="intra-operative")
    bank = bank_of(4)
    tagged = [factories.QuestionFactory(bank=bank, tags=[phase]) for _ in range(3)]
    quiz = factories.QuizFactory()
    DrawRule.objects.create(quiz=quiz, bank=bank, count=2, tag=phase)
    for _ in range(3):
        attempt = attempt_start(quiz=quiz, user=learner)
        assert {q.pk for q in drawn(attempt)} <= {q.pk for q in tagged}
        assert attempt.questions.count() == 2
        attempt_submit(attempt=attempt)


def test_critical_filters_draw_only_or_no_critical_items(learner):
    bank = bank_of(5)
    critical = [factories.QuestionFactory(bank=bank, critical=True) for _ in range(2)]
    quiz = factories.QuizFactory()
    DrawRule.objects.create(quiz=quiz, bank=bank, critical=DrawRule.Critical.ONLY, position=1)
    DrawRule.objects.create(
        quiz=quiz, bank=bank, count=3, critical=DrawRule.Critical.EXCLUDE, position=2
    )
    questions = drawn(attempt_start(quiz=quiz, user=learner))
    assert len(questions) == 5
    assert {q.pk for q in questions if q.critical} == {q.pk for q in critical}


def test_two_rules_on_one_bank_never_draw_the_same_question_twice(learner):
    bank = bank_of(4)
    quiz = factories.QuizFactory()
    DrawRule.objects.create(quiz=quiz, bank=bank, count=2, position=1)
    DrawRule.objects.create(quiz=quiz, bank=bank, count=2, position=2)
    questions = drawn(attempt_start(quiz=quiz, user=learner))
    assert len({q.pk for q in questions}) == 4


def test_retired_questions_are_never_drawn(learner):
    bank = bank_of(3)
    retired = factories.QuestionFactory(bank=bank, active=False)
    quiz = factories.QuizFactory(bank=bank)
    assert retired.pk not in {q.pk for q in drawn(attempt_start(quiz=quiz, user=learner))}


def test_without_shuffling_questions_follow_the_rules_then_the_bank(learner):
    first, second = bank_of(2), bank_of(2)
    quiz = factories.QuizFactory(shuffle_questions=False, shuffle_choices=False)
    DrawRule.objects.create(quiz=quiz, bank=first, position=1)
    DrawRule.objects.create(quiz=quiz, bank=second, position=2)
    questions = drawn(attempt_start(quiz=quiz, user=learner))
    expected = list(first.questions.order_by("key")) + list(second.questions.order_by("key"))
    assert questions == expected
    texts = [
        i["html"]
        for i in attempt_start(quiz=quiz, user=learner).questions.first().snapshot["items"]
    ]
    assert texts == ["Tubular retractor", "Scalpel", "Kerrison rongeur", "Suction"]


def test_questions_and_choices_are_shuffled_per_attempt(learner):
    # Twenty questions of four options: two attempts in the same order by chance is ~1 in 20!.
    quiz = factories.quiz_with_questions(20)
    orders, choice_orders = [], []
    for _ in range(2):
        attempt = attempt_start(quiz=quiz, user=learner)
        orders.append([aq.question_id for aq in attempt.questions.all()])
        choice_orders.append(
            {
                aq.question_id: [i["html"] for i in aq.snapshot["items"]]
                for aq in attempt.questions.all()
            }
        )
        attempt_submit(attempt=attempt)
    assert sorted(orders[0]) == sorted(orders[1])
    assert orders[0] != orders[1]
    assert choice_orders[0] != choice_orders[1]


def test_the_same_attempt_always_shows_the_same_order(client, learner):
    quiz = factories.quiz_with_questions(8)
    attempt = attempt_start(quiz=quiz, user=learner)
    client.force_login(learner)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    order = re.compile(r'type="radio" name="q(\d+)" id="q\d+-([\w-]+)"')
    first = order.findall(client.get(url).text)
    assert len(first) == 8 * 4
    assert order.findall(client.get(url).text) == first
    # Starting again (a second tab, a double click) returns the same attempt, same order.
    assert attempt_start(quiz=quiz, user=learner).pk == attempt.pk
    assert order.findall(client.get(url).text) == first


def test_a_rule_asking_for_more_than_its_bank_holds_refuses_the_attempt(learner):
    bank = bank_of(3)
    quiz = factories.QuizFactory()
    DrawRule.objects.create(quiz=quiz, bank=bank, count=4)
    with pytest.raises(AttemptRefused, match="asks for more questions than its question banks"):
        attempt_start(quiz=quiz, user=learner)
    assert not Attempt.objects.exists()


def test_the_draw_check_names_the_rule_its_count_and_what_matches(db):
    bank = bank_of(3)
    factories.QuestionFactory(bank=bank, critical=True)
    rules = [
        DrawRule(bank=bank, count=3, position=1),
        DrawRule(bank=bank, count=1, critical=DrawRule.Critical.EXCLUDE, position=2),
    ]
    # Rule 1 may take all three non-critical questions: rule 2 could then draw nothing.
    assert draw_rule_problems(rules) == [
        f"Rule 2 asks for 1 question(s) but only 3 active question(s) match (bank “{bank}”, "
        "non-critical items only), and the rules before it may take 3 of them."
    ]
    rules[0].critical = DrawRule.Critical.ONLY
    rules[0].count = 1
    assert draw_rule_problems(rules) == []


@pytest.mark.parametrize("critical", list(DrawRule.Critical))
@pytest.mark.parametrize("tagged", [False, True])
def test_a_draw_reads_the_same_candidates_as_the_rule_filter(critical, tagged):
    """A start reads the rules' candidates with a statement written out for speed: the same
    questions, in the same order, as the rule's queryset (which the draw check uses)."""
    tag = factories.TagFactory()
    other_tag = factories.TagFactory()
    bank = factories.BankFactory()
    for index, (is_critical, active, tags) in enumerate(
        [
            (True, True, [tag]),
            (False, True, [tag, other_tag]),
            (True, True, []),
            (False, True, [other_tag]),
            (True, False, [tag]),
            (False, False, []),
        ]
    ):
        factories.QuestionFactory(
            bank=bank, key=f"k-{5 - index}", critical=is_critical, active=active, tags=tags
        )
    factories.QuestionFactory(key="other-bank", tags=[tag])
    quiz = factories.QuizFactory()
    rule = DrawRule.objects.create(
        quiz=quiz, bank=bank, tag=tag if tagged else None, critical=critical, count=1
    )

    expected = list(_rule_questions(rule).order_by("key", "pk").values_list("pk", "version", "key"))

    assert _draw_rules(quiz) == [(1, expected)]
    assert expected  # every combination matches something


def test_one_read_gives_every_rule_in_order_with_its_own_candidates(django_assert_num_queries):
    bank, other_bank, empty_bank = (factories.BankFactory() for _ in range(3))
    tag = factories.TagFactory()
    first = [factories.QuestionFactory(bank=bank, key=f"a-{i}", tags=[tag]) for i in range(3)]
    second = [factories.QuestionFactory(bank=other_bank, key=f"b-{i}") for i in range(2)]
    factories.QuestionFactory(bank=bank, key="a-untagged")
    quiz = factories.QuizFactory()
    # Made out of order: the read follows position, then the rule's id.
    DrawRule.objects.create(quiz=quiz, bank=other_bank, count=None, position=2)
    DrawRule.objects.create(quiz=quiz, bank=empty_bank, count=1, position=1)
    DrawRule.objects.create(quiz=quiz, bank=bank, tag=tag, count=2, position=1)
    DrawRule.objects.create(quiz=factories.QuizFactory(), bank=bank, count=1)  # another quiz

    def rows(questions):
        return [(q.pk, q.version, q.key) for q in questions]

    with django_assert_num_queries(1):
        rules = _draw_rules(quiz)
    assert rules == [(1, []), (2, rows(first)), (None, rows(second))]
