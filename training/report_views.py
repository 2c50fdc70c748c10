"""Completion reports and their exports, the learner drill-down, and item analysis by cohort.

Reports and exports need ``training.view_completion_report`` (Administrators; an educator the
permission was granted to). Item analysis by cohort needs what item analysis needs
(``quizzes.change_question``: educators and administrators).
"""

from __future__ import annotations

import tempfile

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from quizzes import charts
from quizzes.analysis_views import ITEM_ANALYSIS_PERMISSION
from quizzes.item_analysis import item_analysis, tag_groups
from quizzes.models import Attempt, Tag

from .models import CohortMembership
from .report_forms import CohortItemsForm, CohortReportForm, CompletionReportForm
from .reports import (
    COLUMNS,
    SORTS,
    STATUS_ORDER,
    STATUS_PATTERN,
    cohort_learners,
    completions_by_month,
    critical_misses,
    csv_lines,
    learner_rows,
    report_iter,
    report_page,
    report_totals,
    status_by_cohort,
    xlsx_write,
)

REPORT_PERMISSION = "training.view_completion_report"
COHORTS_PER_PAGE = 25


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


def _query(request, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    query = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()


def _status_chart(chart_id: str, title: str, totals) -> charts.Chart:
    rows = totals.rows()
    return charts.bar_chart(
        chart_id=chart_id,
        title=title,
        description="Learners on each status; the same numbers are in the table beside it.",
        rows=[(label, count) for _, label, count in rows],
        patterns=[STATUS_PATTERN[status] for status, _, _ in rows],
    )


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def completion_report(request):
    form = CompletionReportForm(request.GET or None)
    filters = form.filters()
    now = timezone.now()
    totals = report_totals(filters, now=now)
    page = report_page(filters, totals, _page_number(request), now=now)
    current = ("-" if filters.descending else "") + filters.sort
    headers = []
    for key, label in COLUMNS:
        if key not in SORTS:
            headers.append({"label": label, "url": None, "order": None})
            continue
        active = filters.sort == key
        wanted = f"-{key}" if active and not filters.descending else key
        order = ("descending" if filters.descending else "ascending") if active else None
        headers.append(
            {"label": label, "url": "?" + _query(request, sort=wanted, page=None), "order": order}
        )
    month_charts = []
    for course, months in completions_by_month(filters, now=now).items():
        columns = [(f"{month:%b %y}", count) for month, count in months]
        month_charts.append(
            {
                "course": course,
                "months": columns,
                "chart": charts.column_chart(
                    chart_id=f"completions-{course.pk}",
                    title=f"Completions per month: {course.title}",
                    description=(
                        "Completions recorded in each of the last 24 months; "
                        "the same numbers are in the table beside it."
                    ),
                    columns=columns,
                    pattern=STATUS_PATTERN["completed"],
                ),
            }
        )
    export_query = _query(request, page=None)
    context = {
        "form": form,
        "filters": filters,
        "totals": totals,
        "status_chart": _status_chart("status-totals", "Learners by status", totals),
        "page": page,
        "headers": headers,
        "sort": current,
        "previous_url": "?" + _query(request, page=page.number - 1),
        "next_url": "?" + _query(request, page=page.number + 1),
        "csv_url": reverse("reports:completion_csv") + "?" + export_query,
        "xlsx_url": reverse("reports:completion_xlsx") + "?" + export_query,
        "month_charts": month_charts,
    }
    return render(request, "reports/completion_report.html", context)


def _export_name(extension: str) -> str:
    return f"completion-report-{timezone.localdate():%Y-%m-%d}.{extension}"


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def completion_report_csv(request):
    """The report's rows, every page, streamed as they are read."""
    filters = CompletionReportForm(request.GET or None).filters()
    response = StreamingHttpResponse(
        csv_lines(report_iter(filters)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def completion_report_xlsx(request):
    """The report's rows, every page, as a workbook (spooled to disk past a few megabytes)."""
    filters = CompletionReportForm(request.GET or None).filters()
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    xlsx_write(report_iter(filters), target)
    target.seek(0)
    return FileResponse(
        target,
        as_attachment=True,
        filename=_export_name("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _transcript_url(user_id: int) -> str | None:
    try:
        return reverse("training:learner_transcript", args=[user_id])
    except NoReverseMatch:
        return None


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def learner_report(request, user_id):
    """One learner: their courses as report rows, their cohorts and every attempt."""
    learner = get_object_or_404(get_user_model(), pk=user_id)
    attempts = (
        Attempt.objects.filter(user=learner)
        .select_related("quiz")
        .order_by("-started_at")
        .only(
            "id",
            "quiz__title",
            "mode",
            "number",
            "state",
            "started_at",
            "submitted_at",
            "percent",
            "passed",
            "critical_missed",
        )
    )
    context = {
        "learner": learner,
        "rows": learner_rows(learner.pk),
        "memberships": CohortMembership.objects.filter(user=learner).select_related("cohort"),
        "attempts": attempts,
        "transcript_url": _transcript_url(learner.pk),
        "can_review": request.user.has_perm("quizzes.view_attempt"),
    }
    return render(request, "reports/learner.html", context)


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def cohort_report(request):
    """Status totals per cohort, those with most overdue first, with a chart of each page."""
    form = CohortReportForm(request.GET or None)
    filters = form.filters()
    cohorts = status_by_cohort(filters)
    cohorts.sort(key=lambda c: (-(c[2].overdue / c[2].assigned), -c[2].overdue, c[1]))
    pages = max(1, -(-len(cohorts) // COHORTS_PER_PAGE))
    number = min(max(1, _page_number(request)), pages)
    shown = cohorts[(number - 1) * COHORTS_PER_PAGE : number * COHORTS_PER_PAGE]
    labels = [label for _, label, _ in shown[0][2].rows()] if shown else []
    chart = charts.stacked_bar_chart(
        chart_id="cohort-status",
        title="Learners by status in each cohort",
        description=(
            "One bar per cohort, split by status, with the cohort's total at its end; "
            "the same numbers are in the table below."
        ),
        series=labels,
        rows=[(name, [count for _, _, count in totals.rows()]) for _, name, totals in shown],
        patterns=[STATUS_PATTERN[s] for s in STATUS_ORDER],
    )
    context = {
        "form": form,
        "cohorts": shown,
        "chart": chart,
        "statuses": [(s, label) for s, label, _ in shown[0][2].rows()] if shown else [],
        "number": number,
        "pages": pages,
        "count": len(cohorts),
        "first": (number - 1) * COHORTS_PER_PAGE + 1,
        "last": (number - 1) * COHORTS_PER_PAGE + len(shown),
        "previous_url": "?" + _query(request, page=number - 1),
        "next_url": "?" + _query(request, page=number + 1),
    }
    return render(request, "reports/cohorts.html", context)


@login_required
@permission_required(ITEM_ANALYSIS_PERMISSION, raise_exception=True)
def cohort_items(request):
    """Item analysis for the learners of a cohort or role, by tag, and critical items missed."""
    form = CohortItemsForm(request.GET or None)
    context = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        quiz, cohort, role = data["quiz"], data.get("cohort"), data.get("role") or ""
        which, group = form.choice("which"), form.choice("group")
        learners = cohort_learners(cohort=cohort, role=role)
        key = f"cohort:{cohort.pk if cohort else ''}:role:{role}"
        analysis = item_analysis(quiz=quiz, which=which, learners=learners, learners_key=key)
        by_cohort, by_question = critical_misses(quiz=quiz, which=which, cohort=cohort, role=role)
        context.update(
            {
                "quiz": quiz,
                "cohort": cohort,
                "role_label": dict(CohortMembership.Role.choices).get(role, ""),
                "analysis": analysis,
                "group_label": Tag.Kind(group).label,
                "groups": tag_groups(analysis, group),
                "by_cohort": by_cohort[:50],
                "cohorts_total": len(by_cohort),
                "by_question": by_question,
            }
        )
    return render(request, "reports/cohort_items.html", context)
