"""Completions and reminder logs are evidence: the admin shows them and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.training import builders
from training.models import Completion

pytestmark = pytest.mark.django_db


def test_the_admin_shows_a_completion_but_refuses_to_change_or_delete_it(client, learner):
    course = builders.course_to_complete()
    builders.complete(learner, course)
    completion = Completion.objects.get()
    admin = builders.factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:training_completion_change", args=[completion.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"final_score": "1"}).status_code == 403
    assert client.get(reverse("admin:training_completion_add")).status_code == 403
    delete = reverse("admin:training_completion_delete", args=[completion.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    completion.refresh_from_db()
    assert completion.final_score == 100
