"""Item analysis pages for educators, and the staff's read-only review of any attempt."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from . import charts
from .forms_analysis import ItemAnalysisForm
from .item_analysis import (
    FINISHED,
    item_analysis,
    tag_groups,
)
from .models import Attempt, QuestionBank, Quiz, Tag
from .selectors import review_question

ITEM_ANALYSIS_PERMISSION = "quizzes.change_question"
ATTEMPT_REVIEW_PERMISSION = "quizzes.view_attempt"


@login_required
@permission_required(ITEM_ANALYSIS_PERMISSION, raise_exception=True)
def item_analysis_index(request):
    quizzes = (
        Quiz.objects.annotate(
            finished=Count(
                "attempts",
                filter=Q(attempts__mode=Attempt.Mode.GRADED, attempts__state__in=FINISHED),
            )
        )
        .order_by("title")
        .values("slug", "title", "finished")
    )
    banks = (
        QuestionBank.objects.annotate(n=Count("questions", filter=Q(questions__active=True)))
        .order_by("name")
        .values("slug", "name", "n")
    )
    return render(request, "reports/item_analysis_index.html", {"quizzes": quizzes, "banks": banks})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(ITEM_ANALYSIS_PERMISSION, raise_exception=True)
def quiz_item_analysis(request, slug):
    quiz = get_object_or_404(Quiz, slug=slug)
    return _item_analysis_page(request, quiz=quiz)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(ITEM_ANALYSIS_PERMISSION, raise_exception=True)
def bank_item_analysis(request, slug):
    bank = get_object_or_404(QuestionBank, slug=slug)
    return _item_analysis_page(request, bank=bank)


def _item_analysis_page(request, *, quiz=None, bank=None):
    form = ItemAnalysisForm(request.GET or None)
    which = form.choice("which")
    if request.method == "POST":  # "Recalculate now"
        item_analysis(quiz=quiz, bank=bank, which=which, refresh=True)
        return redirect(request.get_full_path())
    analysis = item_analysis(quiz=quiz, bank=bank, which=which)
    group = form.choice("group")
    histogram = [(f"{low:g}–{high:g} %", count) for low, high, count in analysis.histogram]
    chart = charts.column_chart(
        chart_id="score-histogram",
        title=f"Score distribution: {analysis.title}",
        description=(
            "Number of counted attempts in each band of 10 percentage points; "
            "the same numbers are in the table beside the chart."
        ),
        columns=histogram,
    )
    context = {
        "quiz": quiz,
        "bank": bank,
        "form": form,
        "analysis": analysis,
        "histogram": histogram,
        "histogram_chart": chart,
        "group": group,
        "group_label": Tag.Kind(group).label,
        "groups": tag_groups(analysis, group),
    }
    return render(request, "reports/item_analysis.html", context)


def _get_attempt_for_staff(attempt_id) -> Attempt:
    """Any learner's submitted attempt (staff review); one in progress is not shown."""
    attempt = (
        Attempt.objects.select_related("quiz", "user")
        .filter(pk=attempt_id)
        .exclude(state=Attempt.State.IN_PROGRESS)
        .first()
    )
    if attempt is None:
        raise Http404("No such submitted attempt.")
    return attempt


@login_required
@permission_required(ATTEMPT_REVIEW_PERMISSION, raise_exception=True)
def staff_attempt_review(request, attempt_id):
    """A learner's attempt as marked, with the key and rationales, read-only for staff."""
    attempt = _get_attempt_for_staff(attempt_id)
    questions = list(attempt.questions.all())
    context = {
        "attempt": attempt,
        "learner": attempt.user,
        "quiz_title": attempt.title,
        "review": [review_question(aq, show_answers=True) for aq in questions],
    }
    return render(request, "reports/attempt_review.html", context)
