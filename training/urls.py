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
    # Transcripts and certificates
    path("transcript/", views.transcript, name="transcript"),
    path("transcript/transcript.csv", views.transcript_csv, name="transcript_csv"),
    path("transcript/transcript.pdf", views.transcript_pdf, name="transcript_pdf"),
    path("learners/<int:user_id>/transcript/", views.transcript, name="learner_transcript"),
    path(
        "learners/<int:user_id>/transcript.csv",
        views.transcript_csv,
        name="learner_transcript_csv",
    ),
    path(
        "learners/<int:user_id>/transcript.pdf",
        views.transcript_pdf,
        name="learner_transcript_pdf",
    ),
    path("completions/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("completions/<int:pk>/correct/", views.completion_correct, name="completion_correct"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
    # Cohorts and assignments
    path("cohorts/", views.cohort_list, name="cohorts"),
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/members/add/", views.cohort_member_add, name="cohort_member_add"),
    path(
        "cohorts/<int:pk>/members/upload/",
        views.cohort_members_upload,
        name="cohort_members_upload",
    ),
    path(
        "cohorts/<int:pk>/members/<int:membership_id>/remove/",
        views.cohort_member_remove,
        name="cohort_member_remove",
    ),
    path("cohorts/<int:pk>/assignments/add/", views.cohort_assign, name="cohort_assign"),
    path("assignments/new/", views.learner_assign, name="learner_assign"),
    path("assignments/<int:pk>/remove/", views.assignment_remove, name="assignment_remove"),
]
