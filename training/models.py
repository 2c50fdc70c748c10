"""The curriculum and the learner's journey: courses, lessons, cohorts, assignments, enrolments,
progress, completions and reminders."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Quiz


class Course(models.Model):
    class Track(models.TextChoices):
        ONBOARDING = "onboarding", "OR staff onboarding"
        CE = "ce", "Nursing continuing education"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    track = models.CharField(max_length=20, choices=Track.choices)
    summary = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    published = models.BooleanField(default=True)
    recertification_months = models.PositiveIntegerField(
        null=True, blank=True, help_text="Renewal interval; empty when the course never expires."
    )
    final_quiz = models.ForeignKey(
        Quiz, null=True, blank=True, on_delete=models.PROTECT, related_name="final_for"
    )
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="Hash of the course content: its version."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:course", args=[self.slug])

    @property
    def earns_contact_hours(self) -> bool:
        return self.track == self.Track.CE

    @staticmethod
    def contact_hours_for(minutes: int) -> Decimal:
        """60 minutes of instruction make one contact hour, reported to two decimals."""
        return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    objectives = models.JSONField(default=list, blank=True)
    key_points = models.JSONField(default=list, blank=True)
    seed_topics = models.JSONField(default=list, blank=True)
    diagrams = models.JSONField(default=list, blank=True)
    estimated_minutes = models.PositiveIntegerField(default=15)
    required = models.BooleanField(default=True)
    quiz = models.ForeignKey(
        Quiz,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        help_text="Knowledge check taken after the lesson.",
    )
    quiz_required = models.BooleanField(
        default=False, help_text="Passing the knowledge check is needed to complete the course."
    )
    reviewed_by = models.CharField(max_length=200, blank=True)
    reviewed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="lesson_slug_unique_in_course")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:lesson", args=[self.course.slug, self.slug])


class Cohort(models.Model):
    """A named group of learners: an onboarding class, a nursing unit such as "4 West"."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    educators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="cohorts_led",
        help_text="They receive the cohort's weekly digest.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("training:cohort", args=[self.pk])


class CohortMembership(models.Model):
    class Role(models.TextChoices):
        SCRUB_NURSE = "scrub_nurse", "Scrub nurse"
        CIRCULATOR = "circulator", "Circulator"
        SURGICAL_TECH = "surgical_tech", "Surgical tech"
        RADIOLOGY_TECH = "radiology_tech", "Radiology tech"
        WARD_NURSE = "ward_nurse", "Ward nurse"

    # A cohort with members cannot be deleted: remove them first, so due dates follow.
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohort_memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cohort", "user__last_name", "user__first_name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="cohort_member_unique")
        ]

    def __str__(self):
        return f"{self.user} in {self.cohort} ({self.get_role_display()})"


def end_of_day(day) -> datetime:
    """The last instant of ``day`` in the site's time zone: "due 14 June" is overdue on the 15th."""
    return timezone.make_aware(datetime.combine(day, time.max))


class Assignment(models.Model):
    """A course assigned to a cohort or to one learner, due on a date or N days after joining.

    The due date each learner works to is on their Enrolment (see services.enrolments_sync).
    """

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="assignments")
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    due_on = models.DateField(null=True, blank=True, help_text="A fixed due date.")
    due_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Or due this many days after the learner joins the cohort or is assigned.",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course__position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cohort__isnull=True, user__isnull=False)
                | Q(cohort__isnull=False, user__isnull=True),
                name="assignment_to_cohort_or_learner",
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True, due_days__isnull=False)
                | Q(due_on__isnull=False, due_days__isnull=True),
                name="assignment_due_fixed_or_relative",
            ),
            models.UniqueConstraint(
                fields=["course", "cohort"],
                condition=Q(cohort__isnull=False),
                name="assignment_unique_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["course", "user"],
                condition=Q(user__isnull=False),
                name="assignment_unique_per_learner",
            ),
        ]

    def __str__(self):
        return f"{self.course} for {self.cohort or self.user} ({self.due_display})"

    @property
    def due_display(self) -> str:
        if self.due_on:
            return f"due {self.due_on:%d %b %Y}"
        return f"due {self.due_days} days after joining"

    def due_at_for(self, joined_at: datetime | None = None) -> datetime:
        """When a learner who joined the cohort at ``joined_at`` must finish.

        Relative due dates count from the later of joining and the assignment itself: a
        learner already in the cohort gets N days from the day the course was assigned.
        """
        if self.due_on:
            return end_of_day(self.due_on)
        start = max(joined_at, self.created_at) if joined_at else self.created_at
        return end_of_day(timezone.localdate(start) + timedelta(days=self.due_days))


class Enrolment(models.Model):
    """A learner's place on a course: how the course reaches their dashboard.

    It carries the due date the learner works to, from the assignment that gives the earliest
    one, or, once a completion enters its renewal window, the completion's expiry.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(null=True, blank=True)
    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
        help_text="The assignment whose due date this is.",
    )
    renewal_of = models.ForeignKey(
        "Completion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_enrolments",
        help_text="Set when the course was assigned again to renew this completion.",
    )

    class Meta:
        ordering = ["due_at", "course__position"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="enrolment_unique")]

    def __str__(self):
        return f"{self.user} on {self.course}"


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_progress_unique")
        ]

    def __str__(self):
        return f"{self.user} - {self.lesson}"


class Completion(models.Model):
    """Evidence that a learner met a course's requirements. Written once, never edited.

    A renewal is a new record that ``renews`` the one before. A correction is a new record that
    ``corrects`` another, with a reason and who made it; the corrected one stays, superseded.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="completions"
    )
    learner_name = models.CharField(
        max_length=300, blank=True, default="", help_text="The learner's name when recorded."
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    course_title = models.CharField(max_length=200)
    course_version = models.CharField(max_length=64)
    final_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(null=True, blank=True)
    attempt_ids = models.JSONField(default=list, blank=True)
    contact_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="The due date in force when the course was completed."
    )
    completed_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    certificate_code = models.CharField(max_length=32, unique=True)
    renews = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_at"]
        indexes = [
            models.Index(fields=["user", "course"], name="completion_user_course"),
            models.Index(fields=["expires_at"], name="completion_expires"),
        ]
        constraints = [
            # Exactly once, whatever runs in parallel: one first completion per learner and
            # course, one renewal per completion, one correction per record.
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=Q(renews__isnull=True, corrects__isnull=True),
                name="completion_first_once",
            ),
            models.UniqueConstraint(
                fields=["renews"],
                condition=Q(renews__isnull=False, corrects__isnull=True),
                name="completion_renewed_once",
            ),
            models.UniqueConstraint(
                fields=["corrects"],
                condition=Q(corrects__isnull=False),
                name="completion_corrected_once",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="completion_correction_has_reason",
            ),
        ]
        permissions = [
            ("view_completion_report", "Can view and export completion reports"),
            ("correct_completion", "Can record a correction to a completion"),
        ]

    def __str__(self):
        return f"{self.user} completed {self.course_title} on {self.completed_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("training:verify", args=[self.certificate_code])

    @property
    def kind(self) -> str:
        if self.corrects_id:
            return "correction"
        return "renewal" if self.renews_id else "first"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class ReminderLog(models.Model):
    """One e-mail sent by send_reminders; the unique key makes every reminder go out once.

    ``key`` names what the reminder is about: the enrolment and the due date it warns of, the
    completion that expires, or the cohort and ISO week of a digest.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Due in 7 days"
        OVERDUE = "overdue", "Overdue"
        EXPIRING = "expiring", "Completion expires within 30 days"
        DIGEST = "digest", "Weekly cohort digest"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reminders"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200)
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completion = models.ForeignKey(
        Completion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="reminder_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.user} ({self.sent_at:%Y-%m-%d})"
