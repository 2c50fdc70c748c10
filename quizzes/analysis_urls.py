"""Item analysis and the staff's attempt review (included from config/urls.py)."""

from django.urls import path

from . import analysis_views

app_name = "analysis"
urlpatterns = [
    path("item-analysis/", analysis_views.item_analysis_index, name="index"),
    path("item-analysis/quizzes/<slug:slug>/", analysis_views.quiz_item_analysis, name="quiz"),
    path("item-analysis/banks/<slug:slug>/", analysis_views.bank_item_analysis, name="bank"),
    path(
        "staff/attempts/<uuid:attempt_id>/",
        analysis_views.staff_attempt_review,
        name="attempt_review",
    ),
]
