"""The curriculum and the learner's journey: courses, lessons, enrolments, progress, completions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

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


class Enrolment(models.Model):
    """A learner's place on a course: how the course reaches their dashboard."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(null=True, blank=True)

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

    A correction is a new record that names the one it corrects, a reason and who made it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="completions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    course_title = models.CharField(max_length=200)
    course_version = models.CharField(max_length=64)
    final_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(null=True, blank=True)
    attempt_ids = models.JSONField(default=list, blank=True)
    contact_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    completed_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    certificate_code = models.CharField(max_length=32, unique=True)
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
        indexes = [models.Index(fields=["user", "course"], name="completion_user_course")]
        permissions = [("view_completion_report", "Can view and export completion reports")]

    def __str__(self):
        return f"{self.user} completed {self.course_title} on {self.completed_at:%Y-%m-%d}"
