"""Server-side SVG charts: their geometry, and what a reader without colour still gets."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from quizzes import charts


def test_histogram_bins_put_each_score_in_one_band_and_100_in_the_last():
    bins = charts.histogram_bins([0, 9.99, 10, 55, 100, 100])

    assert bins[0] == (0, 10, 2)
    assert bins[1] == (10, 20, 1)
    assert bins[5] == (50, 60, 1)
    assert bins[9] == (90, 100, 2)
    assert sum(count for _, _, count in bins) == 6


def test_bars_are_to_scale_and_carry_their_numbers():
    chart = charts.bar_chart(
        chart_id="c", title="T", description="D", rows=[("Overdue", 50), ("Completed", 100)]
    )

    overdue, completed = (row.parts[0] for row in chart.rows)
    assert completed.width == pytest.approx(2 * overdue.width)
    assert [row.total_text for row in chart.rows] == ["50", "100"]
    assert overdue.pattern != completed.pattern
    assert not chart.empty


def test_a_bar_keeps_the_pattern_it_is_given():
    chart = charts.bar_chart(
        chart_id="c", title="T", description="D", rows=[("A", 1), ("B", 2)], patterns=[3, 3]
    )

    assert [row.parts[0].pattern for row in chart.rows] == [3, 3]


def test_nothing_to_show_draws_no_bars_and_says_it_is_empty():
    chart = charts.bar_chart(chart_id="c", title="T", description="D", rows=[("A", 0)])

    assert chart.empty
    assert chart.rows[0].parts[0].width == 0


def test_stacked_bars_add_up_and_label_the_parts_that_fit():
    chart = charts.stacked_bar_chart(
        chart_id="s",
        title="T",
        description="D",
        series=["Completed", "Overdue"],
        rows=[("4 West", [90, 10]), ("March class", [1, 0])],
    )

    west = chart.rows[0]
    assert west.total_text == "100"
    assert west.parts[1].x == pytest.approx(west.parts[0].x + west.parts[0].width)
    assert west.parts[0].text == "90"
    assert chart.rows[1].parts[0].text == ""  # too narrow to hold its number
    assert [entry.name for entry in chart.legend] == ["Completed", "Overdue"]


def test_columns_label_at_most_eight_ticks_so_they_never_collide():
    chart = charts.column_chart(
        chart_id="m", title="T", description="D", columns=[(f"M{i}", i) for i in range(24)]
    )

    assert len(chart.columns) == 24
    assert len(chart.ticks) == 8
    assert [tick.label for tick in chart.ticks[:2]] == ["M0", "M3"]
    assert chart.columns[-1].height > chart.columns[1].height > 0


def test_a_long_label_is_shortened_in_the_chart_but_kept_whole_in_its_title():
    label = "MISS perioperative nursing: continuing education"
    chart = charts.bar_chart(chart_id="c", title="T", description="D", rows=[(label, 3)])

    svg = render_to_string("reports/charts/horizontal.html", {"chart": chart})

    assert f"<title>{label}</title>" in svg
    assert "MISS perioperative nu…" in svg


@pytest.mark.parametrize("template", ["horizontal", "columns"])
def test_the_svg_is_named_described_patterned_and_free_of_inline_style(template):
    if template == "horizontal":
        chart = charts.stacked_bar_chart(
            chart_id="s",
            title="Learners by status",
            description="One bar per cohort",
            series=["Completed", "Overdue"],
            rows=[("4 West", [3, 1])],
        )
    else:
        chart = charts.column_chart(
            chart_id="s",
            title="Learners by status",
            description="One bar per cohort",
            columns=[("Jan", 3)],
        )

    svg = render_to_string(f"reports/charts/{template}.html", {"chart": chart})

    assert 'role="img" aria-labelledby="s-title s-desc"' in svg
    assert '<title id="s-title">Learners by status</title>' in svg
    assert '<desc id="s-desc">One bar per cohort</desc>' in svg
    # Every fill is a pattern with a texture, not a flat colour only.
    assert len(re.findall(r'<pattern id="s-p\d"', svg)) == len(charts.PATTERNS)
    assert re.search(r'fill="url\(#s-p\d\)"', svg)
    assert "style=" not in svg
    assert "<script" not in svg


def test_coordinates_are_written_with_a_decimal_point_whatever_the_language(settings):
    settings.LANGUAGE_CODE = "de"
    settings.USE_THOUSAND_SEPARATOR = True
    chart = charts.bar_chart(chart_id="c", title="T", description="D", rows=[("A", 1), ("B", 3)])

    svg = render_to_string("reports/charts/horizontal.html", {"chart": chart})

    widths = re.findall(r'width="([^"]+)"', svg)
    assert all(re.fullmatch(r"[0-9.%]+", width) for width in widths)
