from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("courses/<slug:slug>/lessons/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
    path(
        "courses/<slug:slug>/lessons/<slug:lesson_slug>/complete/",
        views.lesson_complete,
        name="lesson_complete",
    ),
]
