"""Completion reports, the learner drill-down and item analysis by cohort.

Included from config/urls.py under the "reports" namespace.
"""

from django.urls import path

from . import report_views

app_name = "reports"
urlpatterns = [
    path("reports/completion/", report_views.completion_report, name="completion"),
    path("reports/completion.csv", report_views.completion_report_csv, name="completion_csv"),
    path("reports/completion.xlsx", report_views.completion_report_xlsx, name="completion_xlsx"),
    path("reports/cohorts/", report_views.cohort_report, name="cohorts"),
    path("reports/learners/<int:user_id>/", report_views.learner_report, name="learner"),
    path("item-analysis/cohorts/", report_views.cohort_items, name="cohort_items"),
]
