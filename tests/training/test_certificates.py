"""Certificates (PDF) and the public verification page."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from tests import factories
from tests.training.builders import complete, course_to_complete
from training import services
from training.models import Completion, Course

pytestmark = pytest.mark.django_db


@pytest.fixture
def completion(learner) -> Completion:
    course = course_to_complete(title="MISS for OR staff: onboarding", recertification_months=12)
    services.enrol(user=learner, course=course)
    complete(learner, course)
    return Completion.objects.get(user=learner)


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def test_the_certificate_is_a_one_page_pdf_with_name_course_and_code(learner_client, completion):
    response = learner_client.get(reverse("training:certificate", args=[completion.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pages, text = pdf_text(response.content)
    assert pages == 1
    assert "Lee Learner" in text
    assert "MISS for OR staff: onboarding" in text
    assert completion.certificate_code in text
    assert f"/verify/{completion.certificate_code}/" in text
    assert f"Valid until {completion.expires_at:%-d %B %Y}" in text
    assert "Contact hours" not in text  # onboarding, not the CE track


def test_a_ce_certificate_shows_contact_hours_provider_and_accreditation(client, learner, settings):
    settings.PROVIDER_NAME = "St Elsewhere Nursing Education"
    settings.PROVIDER_ADDRESS = "1 Spine Way\nLeeds LS1 4AP"
    settings.ACCREDITATION_STATEMENT = "Approved for 1.00 contact hour by the State Board."
    course = course_to_complete(lessons=3, track=Course.Track.CE, title="MISS perioperative CE")
    services.enrol(user=learner, course=course)
    complete(learner, course)
    client.force_login(learner)
    completion = Completion.objects.get()
    pages, text = pdf_text(
        client.get(reverse("training:certificate", args=[completion.pk])).content
    )
    assert pages == 1
    assert "Contact hours 1.00" in text
    assert "St Elsewhere Nursing Education" in text
    assert "Leeds LS1 4AP" in text
    assert "Approved for 1.00 contact hour by the State Board." in text
    assert "Valid until" not in text  # this course never expires


def test_the_qr_code_of_the_verification_url_is_drawn_on_the_certificate(
    learner_client, completion, monkeypatch
):
    from training import certificates

    url = reverse("training:certificate", args=[completion.pk])
    uri = certificates.qr_code_data_uri(certificates.verification_url("ABCD"))
    assert uri.startswith("data:image/svg+xml")

    def drawn(content: bytes) -> int:
        return len(PdfReader(io.BytesIO(content)).pages[0].get_contents().get_data())

    with_qr = drawn(learner_client.get(url).content)
    blank = "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/>"
    monkeypatch.setattr(certificates, "qr_code_data_uri", lambda url: blank)
    without_qr = drawn(learner_client.get(url).content)
    assert with_qr > without_qr + 2000  # the code's modules, drawn as vector paths


def test_another_learners_certificate_answers_404(client, other_learner, completion):
    client.force_login(other_learner)
    assert client.get(reverse("training:certificate", args=[completion.pk])).status_code == 404


def test_an_educator_may_download_any_certificate(client, educator, completion):
    client.force_login(educator)
    response = client.get(reverse("training:certificate", args=[completion.pk]))
    assert response.status_code == 200


def test_anonymous_visitors_cannot_download_certificates(client, completion):
    response = client.get(reverse("training:certificate", args=[completion.pk]))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_verification_page_confirms_a_certificate_without_login(
    client, completion, django_assert_max_num_queries
):
    url = f"/verify/{completion.certificate_code}/"
    with django_assert_max_num_queries(2):
        response = client.get(url)
    assert response.status_code == 200
    page = response.text
    assert "Valid" in page
    assert "Lee Learner" in page
    assert "MISS for OR staff: onboarding" in page
    assert f"{completion.completed_at:%-d %B %Y}" in page
    assert f"{completion.expires_at:%-d %B %Y}" in page
    # Nothing else about the learner or the attempt.
    assert "learner-lee" not in page
    assert "@hospital.example" not in page
    assert "100%" not in page


def test_the_verification_page_accepts_lower_case_codes(client, completion):
    response = client.get(f"/verify/{completion.certificate_code.lower()}/")
    assert response.status_code == 200
    assert "Lee Learner" in response.text


def test_the_verification_page_for_a_forged_code_reveals_no_name(client, completion):
    forged = "ABCD-EFGH-JKLM"
    response = client.get(f"/verify/{forged}/")
    assert response.status_code == 404
    page = response.text
    assert "Not found" in page
    assert "No certificate has this code" in page
    assert "Lee Learner" not in page
    assert completion.course_title not in page
    # The same shape as for a real code: the same headings, with nothing in them.
    for label in ("Name", "Course", "Issued", "Expires"):
        assert f">{label}</dt>" in page


def test_the_verification_page_says_expired_after_the_expiry_date(client, completion):
    with time_machine.travel(completion.expires_at + timedelta(days=1)):
        response = client.get(f"/verify/{completion.certificate_code}/")
    assert "Expired" in response.text


def test_the_verification_page_says_corrected_for_a_replaced_record(client, educator, completion):
    services.completion_correct(
        completion=completion,
        recorded_by=educator,
        reason="Name misspelt on the record.",
        learner_name="Leigh Learner",
    )
    old = client.get(f"/verify/{completion.certificate_code}/").text
    assert "Corrected" in old
    new_code = Completion.objects.get(corrects=completion).certificate_code
    new = client.get(f"/verify/{new_code}/").text
    assert "Valid" in new
    assert "Leigh Learner" in new


def test_the_verify_form_sends_the_code_to_its_page(client):
    response = client.get("/verify/", {"code": " abcd-efgh-jklm "})
    assert response.url == "/verify/ABCD-EFGH-JKLM/"
    assert client.get("/verify/").status_code == 200


def test_a_code_with_strange_characters_is_simply_not_found(client):
    response = client.get("/verify/%3Cscript%3E/")
    assert response.status_code == 404
    assert "<script>" not in response.text


def test_a_learner_can_download_a_deactivated_colleagues_certificate_never(
    client, completion, other_learner
):
    completion.user.is_active = False
    completion.user.save()
    client.force_login(other_learner)
    assert client.get(reverse("training:certificate", args=[completion.pk])).status_code == 404
    # ... and the certificate still verifies.
    assert client.get(f"/verify/{completion.certificate_code}/").status_code == 200


def test_an_administrator_downloads_a_certificate_in_bounded_queries(
    client, completion, django_assert_max_num_queries
):
    admin = factories.administrator()
    client.force_login(admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("training:certificate", args=[completion.pk]))
    assert response.status_code == 200
