from __future__ import annotations

from django.conf import settings


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "user_is_educator": bool(
            user and user.is_authenticated and user.has_perm("quizzes.change_question")
        ),
        "user_is_administrator": bool(
            user and user.is_authenticated and user.has_perm("training.view_completion_report")
        ),
    }
