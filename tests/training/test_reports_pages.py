"""The report pages as an administrator uses them: filtering, totals, charts, drill-down."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from quizzes.models import Attempt
from tests import factories
from training import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("twenty_days_on")]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_an_administrator_filters_onboarding_by_cohort_sees_who_is_overdue_and_exports(
    client, place
):
    query = f"course={place['onboarding'].pk}&cohort={place['west'].pk}"

    page = client.get(f"{reverse('reports:completion')}?{query}")

    text = text_of(page)
    assert "Overdue 2" in text  # the totals: bob, and cat one lesson in
    assert [(r.username, r.status_label, r.percent) for r in page.context["page"].rows] == [
        ("bob", "Overdue", 0),
        ("cat", "Overdue", 33),
        ("amy", "Completed", 100),
    ]
    export = page.context["xlsx_url"]
    assert export == f"{reverse('reports:completion_xlsx')}?{query}"
    response = client.get(export)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="completion-report-')


def test_the_filter_state_lives_in_the_address_and_in_the_form(client, place):
    response = client.get(
        reverse("reports:completion") + f"?cohort={place['march'].pk}&status=overdue&sort=-due"
    )

    form = response.context["form"]
    assert form.cleaned_data["cohort"] == place["march"]
    assert form.cleaned_data["status"] == "overdue"
    page = response.content.decode()
    assert f'<option value="{place["march"].pk}" selected>March class</option>' in page
    assert 'name="sort" value="-due"' in page


def test_sort_links_keep_the_filters_and_flip_the_order(client, place):
    response = client.get(reverse("reports:completion") + "?status=overdue&sort=learner")

    headers = {h["label"]: h for h in response.context["headers"]}
    assert headers["Learner"]["order"] == "ascending"
    assert headers["Learner"]["url"] == "?status=overdue&sort=-learner"
    assert headers["Due"]["url"] == "?status=overdue&sort=due"
    assert headers["Cohort"]["url"] is None  # not sortable


def test_a_bad_filter_is_shown_and_the_report_still_answers(client, place):
    response = client.get(reverse("reports:completion") + "?due_from=2026-03-01&due_to=2026-01-01")

    assert response.status_code == 200
    assert "The end of the due range is before its start." in text_of(response)


def test_the_status_chart_is_drawn_with_its_numbers_beside_it(client, place):
    response = client.get(reverse("reports:completion") + f"?course={place['onboarding'].pk}")

    page = response.content.decode()
    assert 'aria-labelledby="status-totals-title status-totals-desc"' in page
    assert 'fill="url(#status-totals-p3)"' in page  # overdue keeps its own pattern
    table = text_of(response).split("Learners by status")[-1]
    assert "Overdue 3" in table and "Completed 2" in table and "In progress 0" in table
    assert " style=" not in page


def test_completions_over_time_are_charted_per_course(client, place):
    response = client.get(reverse("reports:completion"))

    charts = response.context["month_charts"]
    assert [entry["course"].slug for entry in charts] == ["onboarding", "ce"]
    onboarding = dict(charts[0]["months"])
    assert onboarding["Jan 26"] == 2  # amy and eve
    assert len(charts[0]["months"]) == 24


def test_a_row_leads_to_the_learner_their_transcript_attempts_and_reviews(client, place):
    report = client.get(reverse("reports:completion"))
    learner_url = reverse("reports:learner", args=[place["amy"].pk])
    assert learner_url in report.content.decode()

    page = client.get(learner_url)

    text = text_of(page)
    assert "4 West: Scrub nurse" in text
    assert "MISS for OR staff: onboarding Completed 100 %" in text
    attempt = Attempt.objects.get(user=place["amy"])
    review_url = reverse("analysis:attempt_review", args=[attempt.pk])
    assert review_url in page.content.decode()
    assert reverse("training:learner_transcript", args=[place["amy"].pk]) in page.content.decode()
    assert client.get(review_url).status_code == 200


def test_the_cohort_page_puts_the_most_overdue_cohort_first(client, place):
    response = client.get(reverse("reports:cohorts") + f"?course={place['onboarding'].pk}")

    cohorts = [
        (name, totals.overdue, totals.assigned) for _, name, totals in response.context["cohorts"]
    ]
    assert cohorts == [("4 West", 2, 3), ("March class", 1, 2)]  # two thirds, then a half
    assert 'id="cohort-status-title"' in response.content.decode()


def test_item_analysis_by_cohort_shows_critical_items_missed(client, place):
    final = place["onboarding"].final_quiz
    final.draw_rules.get().bank.questions.update(critical=True)
    response = client.get(
        reverse("reports:cohort_items") + f"?quiz={final.pk}&which=all&group=risk"
    )

    assert response.status_code == 200
    # The final's snapshots were frozen before the questions became critical: none counts.
    assert response.context["by_question"] == []
    assert response.context["analysis"].attempts == 2


def more_cohorts(place: dict, count: int) -> None:
    """``count`` more cohorts of four learners on onboarding, each learner one lesson in."""
    lesson = place["onboarding"].lessons.order_by("position").first()
    for index in range(count):
        cohort = services.cohort_save(cohort=None, name=f"Unit {index}")
        for n in range(4):
            user = factories.UserFactory(username=f"unit{index}-{n}")
            services.cohort_member_add(cohort=cohort, user=user, role="scrub_nurse")
            services.lesson_complete(user=user, lesson=lesson)
        services.assignment_create(course=place["onboarding"], cohort=cohort, due_days=7)


@pytest.mark.parametrize("cohorts", [1, 8])
def test_the_report_runs_a_fixed_number_of_queries_whatever_the_learners_and_cohorts(
    client, place, django_assert_max_num_queries, cohorts
):
    more_cohorts(place, cohorts)
    completion = reverse("reports:completion")

    with django_assert_max_num_queries(17):
        assert client.get(completion).status_code == 200
    with django_assert_max_num_queries(18):
        query = f"?sort=-percent&status=overdue&cohort={place['west'].pk}&role=scrub_nurse"
        assert client.get(completion + query).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports:cohorts")).status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reports:completion_csv"))
        assert b"".join(response.streaming_content).count(b"\n") == 10 + 4 * cohorts
