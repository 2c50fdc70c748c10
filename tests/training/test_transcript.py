"""A learner's transcript: every completion, as a page, a PDF and a CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from tests import factories
from tests.training.builders import complete, course_to_complete
from training import services
from training.models import Completion
from training.progress import Status, progress_table
from training.selectors import completion_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def renewed(learner) -> list[Completion]:
    """A first completion and its renewal a year later, newest first."""
    course = course_to_complete(title="MISS for OR staff: onboarding", recertification_months=12)
    with time_machine.travel(datetime(2025, 3, 1, 9, tzinfo=UTC), tick=False) as clock:
        services.enrol(user=learner, course=course)
        complete(learner, course)
        clock.shift(timedelta(days=350))
        complete(learner, course)
    return list(Completion.objects.order_by("-completed_at"))


def test_a_learner_sees_every_completion_including_the_renewed_one(learner_client, renewed):
    page = learner_client.get(reverse("training:transcript")).text
    assert "My transcript" in page
    assert page.count("<tr>") == 3  # a header and two completions
    assert "Renewal" in page
    assert "First completion" in page
    for completion in renewed:
        assert completion.certificate_code in page
        assert reverse("training:certificate", args=[completion.pk]) in page


def test_the_transcript_csv_has_a_row_per_completion(learner_client, renewed):
    response = learner_client.get(reverse("training:transcript_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="transcript-learner-lee.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["certificate_code"] for r in rows] == [c.certificate_code for c in renewed]
    assert [r["record"] for r in rows] == ["renewal", "first"]
    assert rows[0]["learner"] == "Lee Learner"
    assert rows[1]["completed_at"] == "2025-03-01T09:00:00+00:00"


def test_a_formula_in_a_csv_cell_is_escaped(client, educator, renewed):
    services.completion_correct(
        completion=renewed[0],
        recorded_by=educator,
        reason='=HYPERLINK("http://evil.example")',
        learner_name="@SUM(A1:A9)",
    )
    client.force_login(educator)
    url = reverse("training:learner_transcript_csv", args=[renewed[0].user_id])
    rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode())))
    correction = rows[0]
    assert correction["learner"] == "'@SUM(A1:A9)"
    assert correction["correction_reason"].startswith("'=HYPERLINK")


def test_the_transcript_pdf_lists_every_completion(learner_client, renewed):
    response = learner_client.get(reverse("training:transcript_pdf"))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Lee Learner" in text
    for completion in renewed:
        assert completion.certificate_code in text


def test_a_learner_cannot_see_another_learners_transcript(client, other_learner, renewed):
    client.force_login(other_learner)
    learner_id = renewed[0].user_id
    for name in ("learner_transcript", "learner_transcript_csv", "learner_transcript_pdf"):
        assert client.get(reverse(f"training:{name}", args=[learner_id])).status_code == 404


def test_a_learner_reaching_their_own_id_sees_their_own_transcript(learner_client, learner):
    url = reverse("training:learner_transcript", args=[learner.pk])
    assert learner_client.get(url).status_code == 200


@pytest.mark.parametrize("role", ["educator", "administrator"])
def test_educators_and_administrators_see_any_learners_transcript(client, role, renewed):
    staff = factories.educator() if role == "educator" else factories.administrator()
    client.force_login(staff)
    response = client.get(reverse("training:learner_transcript", args=[renewed[0].user_id]))
    assert response.status_code == 200
    assert "Transcript: Lee Learner" in response.text
    assert renewed[0].certificate_code in response.text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("training:transcript"))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_deactivated_learners_completions_still_appear_in_transcripts_and_reports(
    client, educator, learner, renewed
):
    learner.is_active = False
    learner.save()
    client.force_login(educator)
    page = client.get(reverse("training:learner_transcript", args=[learner.pk])).text
    assert "Account deactivated" in page
    for completion in renewed:
        assert completion.certificate_code in page
    # The selector the reports read, and the status table, count them too.
    assert list(completion_records(course=renewed[0].course)) == renewed
    table = progress_table(user_ids=[learner.pk], courses=[renewed[0].course])
    assert table[(learner.pk, renewed[0].course_id)].status == Status.COMPLETED


def test_completion_records_filter_by_cohort(learner, other_learner, renewed):
    cohort = services.cohort_save(name="Unit")
    services.cohort_member_add(cohort=cohort, user=learner, role="ward_nurse")
    assert set(completion_records(cohort=cohort)) == set(renewed)
    empty = services.cohort_save(name="Empty")
    services.cohort_member_add(cohort=empty, user=other_learner, role="ward_nurse")
    assert not completion_records(cohort=empty).exists()


@pytest.mark.parametrize("renewals", [1, 6])
def test_the_transcript_page_queries_do_not_grow_with_completions(
    client, learner, renewals, django_assert_max_num_queries
):
    course = course_to_complete(lessons=1, final=False, recertification_months=1)
    with time_machine.travel(datetime(2025, 1, 1, tzinfo=UTC), tick=False) as clock:
        services.enrol(user=learner, course=course)
        for _ in range(renewals):
            complete(learner, course)
            clock.shift(timedelta(days=40))
    assert Completion.objects.count() == renewals
    client.force_login(learner)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("training:transcript")).status_code == 200
