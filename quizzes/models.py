"""The assessment engine: banks, questions, quizzes and attempts.

An attempt freezes what the learner was given (``AttemptQuestion.snapshot``) when it starts, so
later edits of a question or a quiz never change a score that was already earned.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse


class QuestionBank(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    """A label on questions, by kind: draw rules and item analysis filter on them."""

    class Kind(models.TextChoices):
        OBJECTIVE = "objective", "Learning objective"
        PROCEDURE = "procedure", "Procedure"
        PHASE = "phase", "Phase of care"
        RISK = "risk", "Risk"
        ROLE = "role", "Role"
        TOPIC = "topic", "Topic"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.SlugField(max_length=100)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="tag_unique")]

    def __str__(self):
        return f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> tuple[str, str]:
        kind, sep, value = text.partition(":")
        if not sep:
            return cls.Kind.TOPIC, kind.strip()
        return kind.strip(), value.strip()


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", "Single best answer"
        MULTIPLE = "multiple", "Multiple response (select all that apply)"
        TRUE_FALSE = "true_false", "True / false"
        ORDERING = "ordering", "Ordering"
        MATCHING = "matching", "Matching"

    class Difficulty(models.TextChoices):
        EASY = "easy", "Easy"
        MEDIUM = "medium", "Medium"
        HARD = "hard", "Hard"

    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="questions")
    key = models.CharField(
        max_length=100,
        help_text="Stable id within the bank (GIFT title, Moodle idnumber, CSV id).",
    )
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.SINGLE)
    title = models.CharField(max_length=200, blank=True)
    stem = models.TextField(help_text="Markdown.")
    points = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    rationale = models.TextField(help_text="Shown after submission. Markdown.")
    difficulty = models.CharField(
        max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    critical = models.BooleanField(
        default=False, help_text="A patient-safety item a quiz may require to pass."
    )
    active = models.BooleanField(default=True, help_text="Retired questions are never drawn.")
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    image = models.ImageField(upload_to="questions/", blank=True)
    image_alt = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bank", "key"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "key"], name="question_key_unique_in_bank"),
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""),
                name="question_image_has_alt_text",
                violation_error_message="An image needs alt text (for screen reader users).",
            ),
        ]

    def __str__(self):
        return f"{self.key}: {self.stem[:60]}"

    @property
    def objective(self) -> str:
        return ", ".join(t.value for t in self.tags.all() if t.kind == Tag.Kind.OBJECTIVE)


class Choice(models.Model):
    """An answer option.

    single / multiple / true_false: ``is_correct`` marks the key(s).
    ordering: ``position`` is the correct place in the sequence.
    matching: ``text`` is the prompt and ``match_text`` its answer; a row with an empty
    ``text`` is a distractor answer that matches nothing.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(blank=True)
    match_text = models.TextField(blank=True)
    is_correct = models.BooleanField(default=False)
    weight = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text="Optional percent of the question's points (imported weights).",
    )
    feedback = models.TextField(blank=True)
    image = models.ImageField(upload_to="choices/", blank=True)
    image_alt = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["question", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""),
                name="choice_image_has_alt_text",
                violation_error_message="An option's image needs alt text.",
            ),
        ]

    def __str__(self):
        return self.text[:80] or self.match_text[:80]


class QuestionVersion(models.Model):
    """What a question said at each version: the audit trail the admin shows."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["question", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["question", "version"], name="question_version_unique")
        ]

    def __str__(self):
        return f"{self.question.key} v{self.version}"


class Quiz(models.Model):
    class Feedback(models.TextChoices):
        AFTER_SUBMISSION = "after_submission", "Right after submission"
        AFTER_PASS = "after_pass", "Only once passed"

    class Scoring(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
        PARTIAL = "partial", "Partial credit"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MaxValueValidator(100)], help_text="Percent needed to pass."
    )
    shuffle_questions = models.BooleanField(default=True)
    shuffle_choices = models.BooleanField(default=True)
    attempt_limit = models.PositiveIntegerField(default=0, help_text="0 means unlimited.")
    cooldown_minutes = models.PositiveIntegerField(default=0)
    time_limit_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Empty: no time limit. The server keeps the deadline.",
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Attempts still open at this time are submitted."
    )
    feedback = models.CharField(
        max_length=20, choices=Feedback.choices, default=Feedback.AFTER_SUBMISSION
    )
    multiple_scoring = models.CharField(
        max_length=20, choices=Scoring.choices, default=Scoring.ALL_OR_NOTHING
    )
    sequence_scoring = models.CharField(
        max_length=20,
        choices=Scoring.choices,
        default=Scoring.ALL_OR_NOTHING,
        help_text="Ordering and matching questions.",
    )
    require_critical = models.BooleanField(
        default=False, help_text="Every critical item must be answered correctly to pass."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent"),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__isnull=True) | Q(time_limit_minutes__gte=1),
                name="quiz_time_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="quiz_closes_after_it_opens",
                violation_error_message="The quiz must close after it opens.",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def limits_attempts(self) -> bool:
        """Whether starting depends on earlier attempts: a limit to count or a cooldown."""
        return bool(self.attempt_limit or self.cooldown_minutes)


class DrawRule(models.Model):
    """Draw ``count`` questions from a bank (all matching when empty), optionally by tag."""

    class Critical(models.TextChoices):
        ANY = "any", "Any question"
        ONLY = "only", "Critical items only"
        EXCLUDE = "exclude", "Non-critical items only"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="draw_rules")
    position = models.PositiveIntegerField(default=0)
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: every match."
    )
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    critical = models.CharField(max_length=10, choices=Critical.choices, default=Critical.ANY)

    class Meta:
        ordering = ["quiz", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=1), name="draw_rule_count_positive"
            ),
        ]

    def __str__(self):
        what = f"{self.count}" if self.count else "all"
        tag = f" tagged {self.tag}" if self.tag_id else ""
        return f"{what} from {self.bank}{tag} ({self.get_critical_display().lower()})"


class Attempt(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        EXPIRED = "expired", "Submitted when time ran out"

    class Mode(models.TextChoices):
        GRADED = "graded", "Graded"
        PRACTICE = "practice", "Practice"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of their own: attempt_user_quiz_mode_number leads with the user, attempt_quiz_state
    # with the quiz, and every index is written again on every start and submission.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts", db_index=False
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.PROTECT, related_name="attempts", db_index=False
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.GRADED)
    practice_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="practice_attempts"
    )
    number = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The quiz settings in force when the attempt started.
    pass_mark = models.PositiveSmallIntegerField()
    settings_snapshot = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=3, default=Decimal("0"))
    percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)
    critical_missed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The number last: a learner's latest attempt is one entry read backwards.
            models.Index(
                fields=["user", "quiz", "mode", "number"], name="attempt_user_quiz_mode_number"
            ),
            models.Index(fields=["quiz", "state"], name="attempt_quiz_state"),
            models.Index(fields=["state", "deadline"], name="attempt_state_deadline"),
        ]
        constraints = [
            # Starting is idempotent: one attempt in progress per learner, quiz and mode.
            models.UniqueConstraint(
                fields=["user", "quiz", "mode"],
                condition=Q(state="in_progress"),
                name="one_attempt_in_progress",
            ),
            # Graded attempts are numbered 1, 2, 3... once each, whatever the race.
            models.UniqueConstraint(
                fields=["user", "quiz", "number"],
                condition=Q(mode="graded"),
                name="graded_attempt_number_unique",
            ),
            # Practice never counts: a practice attempt is never "passed".
            models.CheckConstraint(
                condition=Q(mode="graded") | Q(passed__isnull=True),
                name="practice_attempt_never_passes",
            ),
        ]

    def __str__(self):
        return f"{self.user} - {self.quiz} #{self.number}"

    def get_absolute_url(self):
        if self.is_open:
            return reverse("quizzes:attempt", args=[self.pk])
        return reverse("quizzes:result", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.IN_PROGRESS

    @property
    def is_graded(self) -> bool:
        return self.mode == self.Mode.GRADED

    @property
    def title(self) -> str:
        """The quiz's title as the learner was given it; the quiz's own (one more query) only
        for an attempt whose snapshot has none."""
        return self.settings_snapshot.get("title") or self.quiz.title


class AttemptReset(models.Model):
    """A fresh set of attempts for one learner on one quiz, counted from ``reset_at``.

    An educator grants one after remediation; a course renewal makes one so that last
    cycle's attempts do not use up this cycle's attempt limit. Earlier attempts stay as
    they were: they are evidence.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempt_resets"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempt_resets")
    reset_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reset_at"]
        indexes = [models.Index(fields=["user", "quiz", "reset_at"], name="attempt_reset_lookup")]

    def __str__(self):
        return f"{self.user} on {self.quiz} from {self.reset_at:%Y-%m-%d}"


def json_from_db(value):
    """A JSON column read with a plain cursor, without the field's converter: text on SQLite
    and on PostgreSQL (Django has psycopg hand jsonb over as text)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


class AttemptQuestion(models.Model):
    """One question as the learner was given it, and their response.

    ``snapshot`` holds everything needed to show and grade the question without the bank:
    type, stem_html, points, rationale_html, critical, and the items with their opaque
    per-attempt keys and correct answers. The keys, never the answers, reach the page
    before submission.
    """

    # No index of its own: attempt_position_unique leads with the attempt.
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="questions", db_index=False
    )
    position = models.PositiveIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    question_version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    response = models.JSONField(null=True, blank=True)
    sequence = models.PositiveIntegerField(
        default=0, help_text="Bumped on every save; a save based on an older one is refused."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    is_correct = models.BooleanField(null=True)
    picked = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=(
            "The options picked, by their place in the question when the attempt started: "
            "bit n is set for the option at position n (0 for no answer). Written when the "
            "answer is graded, for single, multiple and true/false questions, so item "
            "analysis counts choices without reading every snapshot."
        ),
    )

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_position_unique")
        ]
        indexes = [
            # Item analysis reads these columns of every answer of thousands of attempts: from
            # the index alone, never the rows with their snapshots (three times faster).
            models.Index(
                fields=[
                    "attempt",
                    "position",
                    "question",
                    "question_version",
                    "score",
                    "picked",
                    "id",
                ],
                name="attemptquestion_analysis",
            )
        ]

    def __str__(self):
        return f"{self.attempt_id} Q{self.position}"
