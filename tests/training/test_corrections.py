"""Completions are never edited: a correction is a new record, with a reason and its author."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.training.builders import complete, course_to_complete
from training import services
from training.models import Completion

pytestmark = pytest.mark.django_db


@pytest.fixture
def completion(learner) -> Completion:
    course = course_to_complete(recertification_months=12)
    services.enrol(user=learner, course=course)
    complete(learner, course)
    return Completion.objects.get()


def test_a_correction_is_a_new_record_and_the_original_stays_as_it_was(completion, educator):
    before = Completion.objects.values().get(pk=completion.pk)
    correction = services.completion_correct(
        completion=completion,
        recorded_by=educator,
        reason="Score keyed in wrongly after a paper re-sit.",
        final_score=Decimal("92.50"),
    )
    assert Completion.objects.values().get(pk=completion.pk) == before
    assert correction.corrects == completion
    assert correction.recorded_by == educator
    assert correction.correction_reason == "Score keyed in wrongly after a paper re-sit."
    assert correction.final_score == Decimal("92.50")
    assert correction.certificate_code != completion.certificate_code
    assert (correction.completed_at, correction.expires_at, correction.course_version) == (
        completion.completed_at,
        completion.expires_at,
        completion.course_version,
    )
    assert correction.kind == "correction"


def test_a_record_is_corrected_once_then_its_correction_may_be(completion, educator):
    first = services.completion_correct(
        completion=completion, recorded_by=educator, reason="Typo", learner_name="Lee Learnér"
    )
    with pytest.raises(services.TrainingRefused, match="correct the newest record"):
        services.completion_correct(
            completion=completion, recorded_by=educator, reason="Again", learner_name="X"
        )
    second = services.completion_correct(
        completion=first, recorded_by=educator, reason="Accent", learner_name="Lee Learner-Smith"
    )
    assert second.corrects == first


def test_a_correction_needs_a_reason_and_a_sensible_expiry(completion, educator):
    with pytest.raises(services.TrainingRefused, match="reason"):
        services.completion_correct(completion=completion, recorded_by=educator, reason="  ")
    with pytest.raises(services.TrainingRefused, match="after the completion date"):
        services.completion_correct(
            completion=completion,
            recorded_by=educator,
            reason="Expiry",
            expires_at=completion.completed_at - timedelta(days=1),
        )
    with pytest.raises(services.TrainingRefused, match="cannot be corrected"):
        services.completion_correct(
            completion=completion, recorded_by=educator, reason="Hack", user_id=1
        )
    assert Completion.objects.count() == 1


def test_the_database_keeps_one_first_completion_per_learner_and_course(completion):
    with pytest.raises(IntegrityError), transaction.atomic():
        Completion.objects.create(
            user=completion.user,
            course=completion.course,
            course_title="Duplicate",
            course_version="x",
            completed_at=timezone.now(),
            certificate_code="DUPL-ICAT-E000",
        )


def test_an_educator_corrects_a_record_through_the_form(client, educator, completion):
    client.force_login(educator)
    url = reverse("training:completion_correct", args=[completion.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="reason"' in form.text
    local_completed = timezone.localdate(completion.completed_at)
    response = client.post(
        url,
        {
            "learner_name": "Leigh Learner",
            "completed_on": (local_completed - timedelta(days=1)).isoformat(),
            "expires_on": timezone.localdate(completion.expires_at).isoformat(),
            "final_score": "100.00",
            "contact_hours": "",
            "reason": "Completed on paper the day before; name spelt as on her badge.",
        },
    )
    assert response.url == reverse("training:learner_transcript", args=[completion.user_id])
    correction = Completion.objects.get(corrects=completion)
    assert correction.learner_name == "Leigh Learner"
    assert correction.completed_at == completion.completed_at - timedelta(days=1)
    assert correction.expires_at == completion.expires_at
    assert correction.recorded_by == educator
    transcript = client.get(response.url).text
    assert "Corrected: replaced by a newer record" in transcript
    assert "Completed on paper the day before" in transcript


def test_the_correction_form_refuses_a_correction_that_changes_nothing(
    client, educator, completion
):
    client.force_login(educator)
    response = client.post(
        reverse("training:completion_correct", args=[completion.pk]),
        {
            "learner_name": completion.learner_name,
            "completed_on": timezone.localdate(completion.completed_at).isoformat(),
            "expires_on": timezone.localdate(completion.expires_at).isoformat(),
            "final_score": str(completion.final_score),
            "reason": "Nothing really",
        },
    )
    assert response.status_code == 200
    assert "Nothing was changed" in response.text
    assert Completion.objects.count() == 1


def test_clearing_the_expiry_makes_a_record_that_never_expires(client, educator, completion):
    client.force_login(educator)
    client.post(
        reverse("training:completion_correct", args=[completion.pk]),
        {
            "learner_name": completion.learner_name,
            "completed_on": timezone.localdate(completion.completed_at).isoformat(),
            "expires_on": "",
            "final_score": str(completion.final_score),
            "reason": "This course no longer needs renewal for this role.",
        },
    )
    assert Completion.objects.get(corrects=completion).expires_at is None


def test_learners_cannot_correct_records(client, learner, completion):
    client.force_login(learner)
    url = reverse("training:completion_correct", args=[completion.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "mine", "learner_name": "Boss"}).status_code == 403
    assert Completion.objects.count() == 1


def test_the_admin_shows_completions_but_never_changes_or_deletes_them(
    client, completion, educator
):
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (superuser, educator):
        client.force_login(user)
        change = reverse("admin:training_completion_change", args=[completion.pk])
        assert client.get(change).status_code == 200
        assert client.post(change, {"learner_name": "Changed"}).status_code == 403
        delete = reverse("admin:training_completion_delete", args=[completion.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:training_completion_add")).status_code == 403
    completion.refresh_from_db()
    assert completion.learner_name == "Lee Learner"
    assert Completion.objects.count() == 1
