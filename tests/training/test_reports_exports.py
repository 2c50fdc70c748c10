"""The report's CSV and XLSX exports and ``manage.py completion_report``: the same rows as the
page, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from training import reports
from training.reports import COLUMNS, csv_safe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("twenty_days_on")]


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    width = len(COLUMNS)
    return [
        [*row, *[None] * (width - len(row))] for row in workbook.active.iter_rows(values_only=True)
    ]


def page_rows(client, query: str) -> list[tuple]:
    rows, number = [], 1
    while True:
        page = client.get(f"{reverse('reports:completion')}?{query}&page={number}").context["page"]
        rows.extend((r.username, r.course, r.status_label, r.percent) for r in page.rows)
        if not page.has_next:
            return rows
        number += 1


@pytest.mark.parametrize(
    "query", ["sort=learner", "status=overdue", "sort=-percent&role=circulator"]
)
def test_the_csv_and_the_xlsx_hold_the_same_rows_as_the_pages(client, place, monkeypatch, query):
    monkeypatch.setattr(reports, "PAGE_SIZE", 2)  # several pages
    shown = page_rows(client, query)

    exported_csv = csv_rows(client.get(f"{reverse('reports:completion_csv')}?{query}"))
    exported_xlsx = xlsx_rows(client.get(f"{reverse('reports:completion_xlsx')}?{query}"))

    header = [label for _, label in COLUMNS]
    assert exported_csv[0] == header
    assert list(exported_xlsx[0]) == header
    assert [(r[1], r[4], r[5], int(r[6])) for r in exported_csv[1:]] == shown
    assert [(r[1], r[4], r[5], r[6]) for r in exported_xlsx[1:]] == shown
    assert shown  # the filters match someone


def test_the_export_carries_the_figures_of_a_row(client, place):
    url = reverse("reports:completion_csv") + f"?learner=amy&course={place['onboarding'].pk}"
    rows = csv_rows(client.get(url))
    amy = dict(zip(rows[0], rows[1], strict=True))

    assert amy == {
        "Learner": "Amy Nurse",
        "Username": "amy",
        "Cohort": "4 West",
        "Role": "Scrub nurse",
        "Course": "MISS for OR staff: onboarding",
        "Status": "Completed",
        "Progress (%)": "100",
        "Best score (%)": "100",
        "Final score (%)": "100",
        "Due": "2026-01-19",
        "Completed at": "2026-01-05 09:00:00",
        "Expires at": "2027-01-05",
    }


def test_a_cell_starting_with_a_formula_character_is_escaped(client, place):
    place["bob"].first_name = '=HYPERLINK("http://evil.example","Bob")'
    place["bob"].last_name = "+1"
    place["bob"].save()

    rows = csv_rows(client.get(reverse("reports:completion_csv") + "?learner=bob"))
    sheet = xlsx_rows(client.get(reverse("reports:completion_xlsx") + "?learner=bob"))

    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","Bob") +1'
    assert sheet[1][0] == '\'=HYPERLINK("http://evil.example","Bob") +1'


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_safe_escapes_what_a_spreadsheet_would_run(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Amy", "", "1 = 1", 42, -5, None])
def test_csv_safe_leaves_everything_else(value):
    assert csv_safe(value) == value


def test_the_xlsx_keeps_numbers_and_dates_typed(client, place):
    url = reverse("reports:completion_xlsx") + f"?learner=amy&course={place['ce'].pk}"
    sheet = xlsx_rows(client.get(url))

    amy = dict(zip(sheet[0], sheet[1], strict=True))
    assert amy["Progress (%)"] == 0
    assert amy["Due"].date().isoformat() == "2026-03-06"


def test_the_command_prints_the_csv_the_page_exports(client, place):
    exported = b"".join(
        client.get(
            reverse("reports:completion_csv")
            + f"?course={place['onboarding'].pk}&cohort={place['west'].pk}"
        ).streaming_content
    ).decode()
    out = io.StringIO()

    call_command("completion_report", course="onboarding", cohort="4 West", stdout=out)

    assert out.getvalue() == exported
    assert out.getvalue().count("\n") == 4  # the header and amy, bob and cat


def test_the_command_names_an_unknown_course_or_cohort(place):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No course with the slug 'nope'"):
        call_command("completion_report", course="nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No cohort named 'Ward 9'"):
        call_command("completion_report", cohort="Ward 9", stdout=io.StringIO())
