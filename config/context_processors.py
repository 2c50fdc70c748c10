from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

# The links and files every page's frame (base.html) names. Reversing a URL and looking up a
# static file's hashed name cost the template tags about 150 µs a page together, the same
# answer every time: worked out once per script prefix (a deployment under a sub-path has
# its own) and kept while the process lives.
FRAME_LINKS = {
    "dashboard": "training:dashboard",
    "transcript": "training:transcript",
    "logout": "logout",
}
FRAME_FILES = {
    "bootstrap_css": "vendor/bootstrap-5.3.9/bootstrap.min.css",
    "app_css": "css/app.css",
    "bootstrap_js": "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js",
}


@lru_cache(maxsize=16)
def _frame(prefix: str) -> dict:
    return {
        **{name: reverse(view) for name, view in FRAME_LINKS.items()},
        **{name: static(path) for name, path in FRAME_FILES.items()},
    }


@receiver(setting_changed)
def _forget_frame(**kwargs):
    _frame.cache_clear()


def site(request):
    """Site name, the frame's links and files, and the role flags the navigation needs.
    Educators and administrators are staff accounts (the admin needs that too), so a
    learner's page asks no permission query."""
    user = getattr(request, "user", None)
    staff = bool(user and user.is_authenticated and user.is_staff)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "frame": _frame(get_script_prefix()),
        "user_is_educator": bool(staff and user.has_perm("quizzes.change_question")),
        "user_is_administrator": bool(staff and user.has_perm("training.view_completion_report")),
    }
