from django.urls import path

from . import import_views, views

app_name = "quizzes"
urlpatterns = [
    path("quizzes/<slug:slug>/start/", views.quiz_start, name="start"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path(
        "attempts/<uuid:attempt_id>/questions/<int:position>/", views.attempt_answer, name="answer"
    ),
    path("attempts/<uuid:attempt_id>/submit/", views.attempt_submit, name="submit"),
    path("attempts/<uuid:attempt_id>/result/", views.attempt_result, name="result"),
    path("attempts/<uuid:attempt_id>/practice/", views.practice_start, name="practice"),
    # Question files in and out (quizzes/import_views.py)
    path("banks/import/", import_views.import_upload, name="import"),
    path("banks/import/template.csv", import_views.import_template, name="import_template"),
    path("banks/import/<str:token>/", import_views.import_preview_page, name="import_preview"),
    path("banks/import/<str:token>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("banks/export/", import_views.bank_export_page, name="export"),
]
