"""The filter forms of the reports: GET forms, so the filter state lives in the URL."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms

from quizzes.forms_analysis import ItemAnalysisForm
from quizzes.models import Quiz

from .models import Cohort, CohortMembership, Course
from .progress import Status
from .reports import DEFAULT_SORT, SORTS, STATUS_ORDER, ReportFilters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _get_helper(*rows, submit: str = "Apply filters") -> FormHelper:
    helper = FormHelper()
    helper.form_method = "get"
    helper.layout = Layout(*rows)
    helper.add_input(Submit("apply", submit, css_class="btn-primary"))
    return helper


class CompletionReportForm(forms.Form):
    course = forms.ModelChoiceField(
        Course.objects.order_by("position", "title"), required=False, empty_label="All courses"
    )
    cohort = forms.ModelChoiceField(
        Cohort.objects.order_by("name"), required=False, empty_label="All cohorts"
    )
    role = forms.ChoiceField(
        choices=[("", "All roles"), *CohortMembership.Role.choices], required=False
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *((s, Status.LABELS[s]) for s in STATUS_ORDER)],
        required=False,
    )
    due_from = forms.DateField(label="Due from", required=False, widget=DATE)
    due_to = forms.DateField(label="Due until", required=False, widget=DATE)
    learner = forms.CharField(
        label="Learner", required=False, max_length=100, help_text="Name, username or e-mail."
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _get_helper(
            Row(
                Column("course", css_class="col-md-4"),
                Column("cohort", css_class="col-md-4"),
                Column("role", css_class="col-md-4"),
            ),
            Row(
                Column("status", css_class="col-md-3"),
                Column("due_from", css_class="col-md-3"),
                Column("due_to", css_class="col-md-3"),
                Column("learner", css_class="col-md-3"),
            ),
            Field("sort"),
        )

    def clean(self):
        data = super().clean()
        if data.get("due_from") and data.get("due_to") and data["due_from"] > data["due_to"]:
            self.add_error("due_to", "The end of the due range is before its start.")
        return data

    def filters(self) -> ReportFilters:
        """The filters to apply: none at all when the form has errors (they are shown)."""
        if not self.is_valid():
            return ReportFilters()
        data = self.cleaned_data
        sort = data.get("sort") or DEFAULT_SORT
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in SORTS:
            sort, descending = DEFAULT_SORT, False
        return ReportFilters(
            course=data.get("course"),
            cohort=data.get("cohort"),
            role=data.get("role") or "",
            status=data.get("status") or "",
            due_from=data.get("due_from"),
            due_to=data.get("due_to"),
            learner=(data.get("learner") or "").strip(),
            sort=sort,
            descending=descending,
        )


class CohortReportForm(forms.Form):
    course = forms.ModelChoiceField(
        Course.objects.order_by("position", "title"), required=False, empty_label="All courses"
    )
    role = forms.ChoiceField(
        choices=[("", "All roles"), *CohortMembership.Role.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _get_helper(
            Row(Column("course", css_class="col-md-6"), Column("role", css_class="col-md-6"))
        )

    def filters(self) -> ReportFilters:
        if not self.is_valid():
            return ReportFilters()
        return ReportFilters(
            course=self.cleaned_data.get("course"), role=self.cleaned_data.get("role") or ""
        )


class CohortItemsForm(ItemAnalysisForm):
    """The item-analysis choices (which attempts count, the tag to group by) for one quiz,
    narrowed to a cohort or a role."""

    quiz = forms.ModelChoiceField(Quiz.objects.order_by("title"), empty_label=None)
    cohort = forms.ModelChoiceField(
        Cohort.objects.order_by("name"), required=False, empty_label="All cohorts"
    )
    role = forms.ChoiceField(
        choices=[("", "All roles"), *CohortMembership.Role.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _get_helper(
            Row(Column("quiz", css_class="col-md-6"), Column("which", css_class="col-md-6")),
            Row(
                Column("cohort", css_class="col-md-4"),
                Column("role", css_class="col-md-4"),
                Column("group", css_class="col-md-4"),
            ),
            submit="Show",
        )
