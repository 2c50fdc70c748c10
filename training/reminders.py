"""Reminder e-mails: due in 7 days, overdue, completion expiring, and educators' weekly digest.

Each e-mail is logged in ReminderLog under a key before it is sent, in one transaction, so
that running ``send_reminders`` again (cron, by hand, twice at once) sends nothing twice, and
an e-mail that failed to send is tried again on the next run.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Assignment, Cohort, CohortMembership, Course, ReminderLog
from .progress import CourseProgress, Status, progress_table
from .services import renewals_assign

logger = logging.getLogger(__name__)


@dataclass
class Reminder:
    user_id: int
    kind: str
    key: str
    template: str
    context: dict
    enrolment_id: int | None = None
    completion_id: int | None = None
    cohort_id: int | None = None


@dataclass
class RemindersReport:
    renewals: int = 0
    sent: Counter = field(default_factory=Counter)
    without_email: int = 0
    failed: int = 0

    def __str__(self):
        sent = ", ".join(f"{kind} {self.sent[kind]}" for kind in ReminderLog.Kind.values)
        text = f"Renewals assigned: {self.renewals}. Sent: {sent}."
        if self.without_email:
            text += f" Skipped (no e-mail address): {self.without_email}."
        if self.failed:
            text += f" Failed (tried again next run): {self.failed}."
        return text


def _course_url(course: Course) -> str:
    return settings.SITE_URL.rstrip("/") + course.get_absolute_url()


def _learner_reminder(p: CourseProgress, now) -> Reminder | None:
    context = {"progress": p, "course": p.course, "course_url": _course_url(p.course)}
    due_key = f"enrolment:{p.enrolment_id}:due:{p.due_at.isoformat()}" if p.due_at else ""
    if p.status == Status.DUE_SOON:
        kind, key = ReminderLog.Kind.DUE_SOON, due_key
    elif p.status in (Status.OVERDUE, Status.EXPIRED) and p.due_at and p.due_at < now:
        kind, key = ReminderLog.Kind.OVERDUE, due_key
    elif p.status == Status.EXPIRING_SOON:
        kind, key = ReminderLog.Kind.EXPIRING, f"completion:{p.completion.pk}"
    else:
        return None
    return Reminder(
        user_id=p.user_id,
        kind=kind,
        key=key,
        template=f"emails/{kind}",
        context=context,
        enrolment_id=p.enrolment_id,
        completion_id=p.completion.pk if p.completion else None,
    )


def _digests(table, now) -> list[Reminder]:
    year, week, _ = now.isocalendar()
    week_name = f"{year}-W{week:02d}"
    cohorts = list(Cohort.objects.filter(educators__is_active=True).distinct())
    if not cohorts:
        return []
    educators: dict[int, list[int]] = {}
    for cohort_id, user_id in Cohort.educators.through.objects.filter(
        cohort__in=cohorts, user__is_active=True
    ).values_list("cohort_id", "user_id"):
        educators.setdefault(cohort_id, []).append(user_id)
    courses: dict[int, list[Course]] = {}
    for assignment in Assignment.objects.filter(
        cohort__in=cohorts, course__published=True
    ).select_related("course"):
        courses.setdefault(assignment.cohort_id, []).append(assignment.course)
    members: dict[int, list] = {}
    for membership in CohortMembership.objects.filter(
        cohort__in=cohorts, user__is_active=True
    ).select_related("user"):
        members.setdefault(membership.cohort_id, []).append(membership.user)

    reminders = []
    for cohort in cohorts:
        if not courses.get(cohort.pk):
            continue
        sections = []
        for course in courses[cohort.pk]:
            rows = [
                (user, table[(user.pk, course.pk)])
                for user in members.get(cohort.pk, [])
                if (user.pk, course.pk) in table
            ]
            counts = Counter(p.status for _, p in rows)
            sections.append(
                {
                    "course": course,
                    "total": len(rows),
                    "counts": [(Status.LABELS[s], counts[s]) for s in Status.LABELS if counts[s]],
                    "attention": [(user, p) for user, p in rows if p.status in Status.URGENT],
                }
            )
        context = {
            "cohort": cohort,
            "week": week,
            "year": year,
            "sections": sections,
            "cohort_url": settings.SITE_URL.rstrip("/")
            + reverse("training:cohort", args=[cohort.pk]),
        }
        for user_id in educators.get(cohort.pk, []):
            reminders.append(
                Reminder(
                    user_id=user_id,
                    kind=ReminderLog.Kind.DIGEST,
                    key=f"cohort:{cohort.pk}:week:{week_name}",
                    template="emails/digest",
                    context=context,
                    cohort_id=cohort.pk,
                )
            )
    return reminders


def _already_sent(reminders: list[Reminder]) -> set[tuple[int, str, str]]:
    sent = set()
    keys = sorted({r.key for r in reminders})
    for start in range(0, len(keys), 500):
        sent.update(
            ReminderLog.objects.filter(key__in=keys[start : start + 500]).values_list(
                "user_id", "kind", "key"
            )
        )
    return sent


def _send_once(reminder: Reminder, user, now) -> bool:
    """Logs and sends one reminder in one transaction; False if it was already sent."""
    context = {**reminder.context, "learner": user, "SITE_NAME": settings.SITE_NAME}
    subject = " ".join(render_to_string(f"{reminder.template}_subject.txt", context).split())
    body = render_to_string(f"{reminder.template}.txt", context)
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                user=user,
                kind=reminder.kind,
                key=reminder.key,
                enrolment_id=reminder.enrolment_id,
                completion_id=reminder.completion_id,
                cohort_id=reminder.cohort_id,
                sent_at=now,
            )
            # Inside the transaction: if sending fails, the log row goes too, to retry.
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except IntegrityError:
        return False  # another run sent it meanwhile
    return True


def send_reminders(*, now=None) -> RemindersReport:
    """Assigns due renewals, then e-mails every reminder not sent before."""
    now = now or timezone.now()
    report = RemindersReport(renewals=renewals_assign(now=now))
    User = get_user_model()
    courses = list(Course.objects.filter(published=True))
    learners = User.objects.filter(is_active=True, enrolments__course__published=True).distinct()
    table = progress_table(user_ids=learners, courses=courses, now=now)
    reminders = [
        reminder
        for p in table.values()
        if p.enrolled and (reminder := _learner_reminder(p, now)) is not None
    ]
    reminders += _digests(table, now)
    sent = _already_sent(reminders)
    pending = [r for r in reminders if (r.user_id, r.kind, r.key) not in sent]
    users = User.objects.in_bulk({r.user_id for r in pending})
    for reminder in pending:
        user = users[reminder.user_id]
        if not user.email:
            report.without_email += 1
            continue
        try:
            if _send_once(reminder, user, now):
                report.sent[reminder.kind] += 1
        except (smtplib.SMTPException, OSError):
            logger.exception("Reminder %s to %s not sent", reminder.key, user.pk)
            report.failed += 1
    return report
