"""The app's URLs, plus a bare logged-in page: the ceiling the quiz-taking load run is compared
with (the whole middleware stack, a session and a user, and nothing else)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


@login_required
def ceiling(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ceiling/", ceiling), *app_urlpatterns]
