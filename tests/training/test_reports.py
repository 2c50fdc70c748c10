"""The completion report's rows: status, progress and scores computed in SQL, filtered, sorted
and paged, against the hospital of tests/training/report_scenarios.py."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.training.report_scenarios import T0, at, hospital, renewing
from training import reports
from training.models import Course
from training.progress import Status, progress_table
from training.reports import ReportFilters, learner_rows, report_iter, report_page, report_totals

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return hospital()


def rows(filters=None, *, now):
    return list(report_iter(filters or ReportFilters(), now=now))


def statuses(filters=None, *, now):
    return {(r.username, r.course): r.status for r in rows(filters, now=now)}


@pytest.mark.parametrize("days", [3, 10, 20, 350, 400])
def test_every_row_says_what_the_progress_table_says(place, days):
    renewing(place)
    now = at(days)
    report = rows(now=now)
    table = progress_table(
        user_ids={r.user_id for r in report}, courses=list(Course.objects.all()), now=now
    )

    assert len(report) == 9  # five learners on onboarding; 4 West and eve on CE
    for row in report:
        expected = table[(row.user_id, row.course_id)]
        assert (row.username, row.status, row.percent) == (
            row.username,
            expected.status,
            expected.percent,
        )


def test_statuses_move_with_the_clock(place):
    onboarding = ReportFilters(course=place["onboarding"])

    early = statuses(onboarding, now=at(3))
    soon = statuses(onboarding, now=at(10))
    late = statuses(onboarding, now=at(20))
    year = statuses(onboarding, now=at(350))
    after = statuses(onboarding, now=at(400))

    title = place["onboarding"].title
    assert early == {
        ("amy", title): Status.COMPLETED,
        ("bob", title): Status.NOT_STARTED,
        ("cat", title): Status.IN_PROGRESS,
        ("dan", title): Status.NOT_STARTED,
        ("eve", title): Status.COMPLETED,
    }
    assert soon[("bob", title)] == soon[("cat", title)] == Status.DUE_SOON
    assert late[("bob", title)] == late[("dan", title)] == Status.OVERDUE
    assert year[("amy", title)] == Status.EXPIRING_SOON
    assert after[("amy", title)] == Status.EXPIRED


def test_a_row_carries_scores_dates_and_progress(place):
    amy, cat = (
        next(
            r for r in rows(ReportFilters(course=place["onboarding"]), now=at(3)) if r.username == u
        )
        for u in ("amy", "cat")
    )

    assert amy.percent == 100
    assert amy.best == amy.final == 100
    assert amy.completed_at == T0
    assert amy.expires_at.date() == date(2027, 1, 5)
    assert amy.due_at.date() == date(2026, 1, 19)
    assert (amy.cohort, amy.role) == ("4 West", "Scrub nurse")
    assert cat.percent == 33  # one of two lessons and the final: 1 of 3 steps
    assert cat.best is None and cat.final is None and cat.completed_at is None


def test_renewal_progress_counts_only_what_was_done_in_the_window(place):
    renewing(place)

    eve = next(
        r
        for r in rows(ReportFilters(course=place["onboarding"]), now=at(400))
        if r.username == "eve"
    )

    assert eve.status == Status.EXPIRED
    assert eve.percent == 33


def test_filters_by_course_cohort_and_role(place):
    now = at(20)

    west = statuses(ReportFilters(course=place["onboarding"], cohort=place["west"]), now=now)
    techs = statuses(ReportFilters(role="surgical_tech"), now=now)

    assert sorted(u for u, _ in west) == ["amy", "bob", "cat"]
    assert sorted(techs) == [
        ("cat", "MISS for OR staff: onboarding"),
        ("cat", "MISS perioperative nursing: CE"),
        ("dan", "MISS for OR staff: onboarding"),
    ]


def test_filters_by_status_due_range_and_learner(place):
    now = at(20)

    overdue = statuses(ReportFilters(status=Status.OVERDUE), now=now)
    due_in_march = statuses(
        ReportFilters(due_from=date(2026, 3, 1), due_to=date(2026, 3, 31)), now=now
    )
    found = statuses(ReportFilters(learner="Dan nurse"), now=now)

    assert sorted(u for u, _ in overdue) == ["bob", "cat", "dan"]
    assert sorted(u for u, _ in due_in_march) == ["amy", "bob", "cat"]  # the CE course
    assert list(found) == [("dan", "MISS for OR staff: onboarding")]


def test_totals_count_every_status_whatever_the_status_filter(place):
    filters = ReportFilters(course=place["onboarding"], status=Status.OVERDUE)

    totals = report_totals(filters, now=at(20))

    assert totals.by_status == {Status.COMPLETED: 2, Status.OVERDUE: 3}
    assert (totals.assigned, totals.completed, totals.overdue, totals.in_progress) == (5, 2, 3, 0)


def test_the_default_order_puts_the_most_urgent_first(place):
    order = [r.status for r in rows(ReportFilters(), now=at(20))]

    assert order == sorted(order, key=reports.STATUS_ORDER.index)
    assert order[0] == Status.OVERDUE


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("learner", False, ["amy", "bob", "cat", "dan", "eve"]),
        ("learner", True, ["eve", "dan", "cat", "bob", "amy"]),
        ("percent", True, ["amy", "eve", "cat", "bob", "dan"]),
    ],
)
def test_rows_sort_by_a_column(place, sort, descending, expected):
    filters = ReportFilters(course=place["onboarding"], sort=sort, descending=descending)

    assert [r.username for r in rows(filters, now=at(20))] == expected


def test_pages_hold_every_row_once_in_order(place, monkeypatch):
    monkeypatch.setattr(reports, "PAGE_SIZE", 3)
    filters = ReportFilters(sort="learner")
    now = at(20)
    totals = report_totals(filters, now=now)

    pages = [report_page(filters, totals, number, now=now) for number in (1, 2, 3)]

    assert [p.pages for p in pages] == [3, 3, 3]
    paged = [(r.username, r.course) for p in pages for r in p.rows]
    assert paged == [(r.username, r.course) for r in rows(filters, now=now)]
    assert (pages[2].start, pages[2].end, pages[2].count) == (7, 9, 9)
    assert report_page(filters, totals, 99, now=now).number == 3  # past the end: the last


def test_a_deactivated_learners_record_stays_in_the_report(place):
    place["amy"].is_active = False
    place["amy"].save()

    amy = [r for r in rows(now=at(3)) if r.username == "amy"]

    assert {r.status for r in amy} == {Status.COMPLETED, Status.NOT_STARTED}
    assert not amy[0].active


def test_a_learners_own_rows(place):
    eve = learner_rows(place["eve"].pk, now=at(3))

    assert [(r.course, r.status) for r in eve] == [
        ("MISS for OR staff: onboarding", Status.COMPLETED),
        ("MISS perioperative nursing: CE", Status.COMPLETED),
    ]


def test_the_clock_of_the_request_is_the_reports_now(place):
    with time_machine.travel(at(20), tick=False):
        totals = report_totals(ReportFilters(course=place["onboarding"]))

    assert totals.overdue == 3
