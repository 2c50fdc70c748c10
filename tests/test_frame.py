"""The frame every page has (base.html): its links and files, worked out once per prefix."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix

pytestmark = pytest.mark.django_db


def test_a_page_links_the_learners_places_and_the_stylesheets(learner_client):
    html = learner_client.get(reverse("training:transcript")).text
    assert f'href="{reverse("training:dashboard")}">My learning</a>' in html
    assert f'href="{reverse("training:transcript")}">Transcript</a>' in html
    assert f'action="{reverse("logout")}"' in html
    assert 'href="/static/vendor/bootstrap-5.3.9/bootstrap.min.css"' in html
    assert 'src="/static/vendor/bootstrap-5.3.9/bootstrap.bundle.min.js"' in html


def test_under_a_sub_path_the_frame_links_there(learner_client):
    """A hospital that serves the module under /miss/ gets links under /miss/ (gunicorn sets
    the prefix from SCRIPT_NAME; the test client does not, so the test sets it), and the frame
    worked out for it does not leak into pages served at the root."""
    page = reverse("training:transcript")
    set_script_prefix("/miss/")
    try:
        under = learner_client.get(page).text
    finally:
        set_script_prefix("/")
    assert 'href="/miss/transcript/">Transcript</a>' in under
    assert 'action="/miss/accounts/logout/"' in under
    root = learner_client.get(reverse("training:transcript")).text
    assert f'action="{reverse("logout")}"' in root
    assert "/miss/" not in root
