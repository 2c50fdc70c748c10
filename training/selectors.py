"""Reads that need care: transcripts, certificate status, completion records for reports."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from .models import CohortMembership, Completion


class CertificateStatus:
    VALID = "valid"
    EXPIRED = "expired"
    CORRECTED = "corrected"

    LABELS = {
        VALID: "Valid",
        EXPIRED: "Expired",
        CORRECTED: "Corrected: replaced by a newer record",
    }


def completion_records(*, course=None, cohort=None, user=None) -> QuerySet[Completion]:
    """Every completion record, whoever it belongs to: deactivated learners' included.

    Each row has ``is_corrected`` (a correction replaced it). Filter by course, by cohort
    (learners who are members now) or by learner; newest first. This is the evidence reports
    and transcripts read; it never filters on ``user.is_active``.
    """
    records = Completion.objects.select_related("user", "course", "corrects").annotate(
        is_corrected=Exists(Completion.objects.filter(corrects=OuterRef("pk")))
    )
    if course is not None:
        records = records.filter(course=course)
    if user is not None:
        records = records.filter(user=user)
    if cohort is not None:
        records = records.filter(
            Exists(CohortMembership.objects.filter(cohort=cohort, user=OuterRef("user")))
        )
    return records.order_by("-completed_at", "-pk")


def certificate_status(completion: Completion, *, now=None) -> str:
    """valid, expired or corrected; ``is_corrected`` is read from the annotation if present."""
    corrected = getattr(completion, "is_corrected", None)
    if corrected is None:
        corrected = Completion.objects.filter(corrects=completion).exists()
    if corrected:
        return CertificateStatus.CORRECTED
    if completion.is_expired(now or timezone.now()):
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def transcript(user, *, now=None) -> list[dict]:
    """Every completion of a learner, renewals and corrections included, newest first."""
    now = now or timezone.now()
    rows = []
    for completion in completion_records(user=user):
        status = certificate_status(completion, now=now)
        rows.append(
            {
                "completion": completion,
                "status": status,
                "status_label": CertificateStatus.LABELS[status],
            }
        )
    return rows


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection advice)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
