"""Charts drawn on the server as SVG: no script, no inline style, readable without colour.

Each function returns the geometry of one chart as plain data; the templates in
``templates/reports/charts/`` draw it. Every bar carries its number as text and a fill pattern
(hatching, dots, cross-hatching...) as well as a colour, so the chart reads in greyscale and for
colour-blind readers; the pages put the same numbers in a table beside each chart. Colours have
at least 3:1 contrast with white (WCAG 2.1, 1.4.11 non-text contrast).

Used by both apps (training imports quizzes), so it lives here and knows nothing of either.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

# One fill per series: a colour and a texture, in this order. The template defines them.
PATTERNS = [
    ("solid", "#0b4f6c"),
    ("diagonal", "#1e6b35"),
    ("dots", "#8a4b00"),
    ("crosshatch", "#a11d2b"),
    ("horizontal", "#5b3a8c"),
    ("vertical", "#3d4852"),
    ("zigzag", "#6b4e16"),
]

WIDTH = 560
ROW_HEIGHT = 30
LABEL_WIDTH = 190
VALUE_GAP = 6
FONT_SIZE = 15


@dataclass
class Bar:
    """A rectangle with its value: ``text`` is drawn at (text_x, text_y) when not empty."""

    label: str
    value: float
    text: str
    pattern: int
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclass
class Row:
    """One row of a horizontal chart: its label, its bar (or stacked parts) and its total."""

    label: str
    short_label: str
    label_y: float
    parts: list[Bar]
    total_text: str
    total_x: float


@dataclass
class LegendEntry:
    name: str
    pattern: int
    x: float
    y: float
    text_x: float
    text_y: float


@dataclass
class Tick:
    label: str
    x: float
    y: float


@dataclass
class Chart:
    """What a chart template needs: an id (for its patterns and title), sizes and shapes."""

    chart_id: str
    title: str
    description: str
    width: int
    height: int
    rows: list[Row] = field(default_factory=list)
    columns: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    label_x: float = LABEL_WIDTH - 8
    axis_y: float = 0
    empty: bool = False

    @property
    def patterns(self) -> list[tuple[int, str, str]]:
        return [(index, kind, colour) for index, (kind, colour) in enumerate(PATTERNS)]


def _format(value: float, unit: str = "") -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text}{unit}"


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[str],
    rows: Sequence[tuple[str, Sequence[float]]],
    unit: str = "",
    patterns: Sequence[int] | None = None,
) -> Chart:
    """One horizontal bar per row, split into series, with the row's total at its end.

    Bars are to one scale, so rows of different sizes compare; a part shows its own number
    when it is wide enough to hold it, and the legend names each series' pattern. With one
    series and no legend this is a plain bar chart (see :func:`bar_chart`).
    """
    fills = list(patterns) if patterns is not None else list(range(len(series)))
    with_legend = len(series) > 1
    per_line = 3
    top_margin = (math.ceil(len(series) / per_line) * 24 + 8) if with_legend else 4
    height = top_margin + max(1, len(rows)) * ROW_HEIGHT + 6
    chart = Chart(chart_id, title, description, WIDTH, height)
    if with_legend:
        for index, name in enumerate(series):
            line, place = divmod(index, per_line)
            x, y = round(10 + place * WIDTH / per_line, 2), 6 + line * 24
            chart.legend.append(
                LegendEntry(name, fills[index] % len(PATTERNS), x, y, x + 24, y + 14)
            )
    totals = [sum(max(0.0, float(v)) for v in values) for _, values in rows]
    top = _nice_max(max(totals, default=0))
    room = WIDTH - LABEL_WIDTH - 70
    chart.empty = not any(totals)
    for r_index, (label, values) in enumerate(rows):
        y = top_margin + r_index * ROW_HEIGHT
        text_y = round(y + ROW_HEIGHT / 2 + FONT_SIZE / 3, 2)
        x = float(LABEL_WIDTH)
        parts = []
        for s_index, raw in enumerate(values):
            value = max(0.0, float(raw))
            width = room * value / top if top else 0
            fits = with_legend and value and width >= 9 * len(_format(value)) + 6
            parts.append(
                Bar(
                    label=f"{label}: {series[s_index]} {_format(value, unit)}",
                    value=value,
                    text=_format(value, unit) if fits else "",
                    pattern=fills[s_index] % len(PATTERNS),
                    x=round(x, 2),
                    y=y + 4,
                    width=round(width, 2),
                    height=ROW_HEIGHT - 8,
                    text_x=round(x + width / 2, 2),
                    text_y=text_y,
                )
            )
            x += width
        chart.rows.append(
            Row(
                label=label,
                short_label=_short(label),
                label_y=text_y,
                parts=parts,
                total_text=_format(totals[r_index], unit),
                total_x=round(x + VALUE_GAP, 2),
            )
        )
    return chart


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float]],
    unit: str = "",
    patterns: Sequence[int] | None = None,
) -> Chart:
    """Horizontal bars, one per row, labelled on the left, each with its number at its end.

    Each bar has its own pattern (``patterns`` by row, else in turn), so a status keeps the
    same look on every page that passes the same pattern for it.
    """
    values = [max(0.0, float(value)) for _, value in rows]
    chart = Chart(chart_id, title, description, WIDTH, 4 + max(1, len(rows)) * ROW_HEIGHT + 6)
    top = _nice_max(max(values, default=0))
    room = WIDTH - LABEL_WIDTH - 70
    chart.empty = not any(values)
    for index, ((label, _), value) in enumerate(zip(rows, values, strict=True)):
        y = 4 + index * ROW_HEIGHT
        text_y = round(y + ROW_HEIGHT / 2 + FONT_SIZE / 3, 2)
        width = room * value / top if top else 0
        pattern = (patterns[index] if patterns is not None else index) % len(PATTERNS)
        bar = Bar(
            label=f"{label}: {_format(value, unit)}",
            value=value,
            text="",
            pattern=pattern,
            x=LABEL_WIDTH,
            y=y + 4,
            width=round(width, 2),
            height=ROW_HEIGHT - 8,
            text_x=0,
            text_y=text_y,
        )
        chart.rows.append(
            Row(
                label=label,
                short_label=_short(label),
                label_y=text_y,
                parts=[bar],
                total_text=_format(value, unit),
                total_x=round(LABEL_WIDTH + width + VALUE_GAP, 2),
            )
        )
    return chart


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    columns: Sequence[tuple[str, float]],
    unit: str = "",
    pattern: int = 0,
) -> Chart:
    """Vertical columns (a histogram or a time series), counts above, labels below.

    At most eight labels are drawn under the axis so they never collide; the table beside the
    chart names every column.
    """
    n = max(1, len(columns))
    plot_top, plot_height, left = 24, 200, 10
    chart = Chart(
        chart_id, title, description, WIDTH, plot_top + plot_height + 34, axis_y=plot_top + 200
    )
    step = (WIDTH - 2 * left) / n
    values = [max(0.0, float(value)) for _, value in columns]
    top = _nice_max(max(values, default=0))
    chart.empty = not any(values)
    label_every = max(1, math.ceil(n / 8))
    for index, ((label, _), value) in enumerate(zip(columns, values, strict=True)):
        x = left + index * step
        bar_height = plot_height * value / top if top else 0
        chart.columns.append(
            Bar(
                label=f"{label}: {_format(value, unit)}",
                value=value,
                text=_format(value, unit) if value and n <= 24 else "",
                pattern=pattern % len(PATTERNS),
                x=round(x + step * 0.1, 2),
                y=round(plot_top + plot_height - bar_height, 2),
                width=round(step * 0.8, 2),
                height=round(bar_height, 2),
                text_x=round(x + step / 2, 2),
                text_y=round(plot_top + plot_height - bar_height - 5, 2),
            )
        )
        if index % label_every == 0:
            chart.ticks.append(Tick(label, round(x + step / 2, 2), plot_top + plot_height + 20))
    return chart


def histogram_bins(values: Sequence[float], *, bins: int = 10, top: float = 100) -> list[tuple]:
    """Counts of ``values`` (percentages) in ``bins`` equal ranges of 0..top, the last closed.

    Returns ``(low, high, count)`` per bin: 0-10, 10-20, ..., 90-100 for the defaults, where a
    score of exactly 100 falls in the last bin and 10 in the second.
    """
    width = top / bins
    counts = [0] * bins
    for value in values:
        index = min(bins - 1, max(0, int(float(value) // width)))
        counts[index] += 1
    return [(round(i * width, 6), round((i + 1) * width, 6), counts[i]) for i in range(bins)]
