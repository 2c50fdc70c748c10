from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture
def image(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save("questions/c-arm.png", ContentFile(PNG))
    return f"/media/{name}"


def test_question_images_are_served_to_logged_in_users(client, learner, image):
    client.force_login(learner)
    response = client.get(image)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_question_images_are_not_served_to_anonymous_visitors(client, image):
    response = client.get(image)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_paths_outside_media_root_are_refused(client, learner, image):
    client.force_login(learner)
    for url in ("/media/../config/settings.py", "/media/%2e%2e/config/settings.py"):
        response = client.get(url)
        assert response.status_code in (400, 404)
        assert b"SECRET_KEY" not in response.content
