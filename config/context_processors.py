from __future__ import annotations

from django.conf import settings


def site(request):
    """Site name and the role flags the navigation needs. Educators and administrators are
    staff accounts (the admin needs that too), so a learner's page asks no permission query."""
    user = getattr(request, "user", None)
    staff = bool(user and user.is_authenticated and user.is_staff)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "user_is_educator": bool(staff and user.has_perm("quizzes.change_question")),
        "user_is_administrator": bool(staff and user.has_perm("training.view_completion_report")),
    }
