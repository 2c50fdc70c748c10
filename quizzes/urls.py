from django.urls import path

from . import views

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
]
