from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.static import serve

from training.views import healthz

admin.site.site_header = "MISS Academy administration"
admin.site.site_title = "MISS Academy"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("quizzes.urls")),
    path("", include("training.urls")),
    path("", include("quizzes.analysis_urls")),
    path("", include("training.report_urls")),
]


@login_required
def media(request, path):
    """Uploaded question images, for logged-in users only. A proxy in front may serve
    MEDIA_ROOT itself instead; app servers then only need it mounted for uploads."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media, name="media")]
