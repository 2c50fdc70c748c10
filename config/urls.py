from django.conf import settings
from django.contrib import admin
from django.urls import include, path

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

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
